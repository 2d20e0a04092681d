"""Shared test helpers: tiny canonical data sets built in code, and a solve-and-check helper.

A test writes the university it needs as short Python lists::

    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("L1", "school_leader", campus="B")],
        classes=[klass("K1", "C1"), klass("K2", "C2", campus="B")],
        previous=[("P1", "class", "K1")],
    )
    plan = solve_and_check(ds, scn(campus="hard"))
    assert pairs(plan) == {("P1", "class", "K1"), ("L1", "class", "K2")}

The frames are in the canonical form of :mod:`planner.dataset` (the dtypes the readers give,
with the spreadsheet ``row`` column), colleges are derived from the ids used unless given, and
:func:`solve_and_check` re-checks every plan with the independent checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.check.checker import CheckReport, check_assignments
from planner.contract import CENTRAL_ROLES, TABLES
from planner.dataset import Dataset, derive_cadre_columns
from planner.plan import Plan
from planner.planning import make_plan
from planner.scenario import Scenario, scenario_from_dict

TINY = Path(__file__).resolve().parent / "data" / "tiny"
"""``tests/data/tiny``: a small university on disk (two colleges, every table)."""

Triple = tuple[str, str, str]
"""``(cadre_id, kind, target_id)``: one assignment, one ``previous`` row."""

_CENTRAL = frozenset(r.value for r in CENTRAL_ROLES)


# --- records ---------------------------------------------------------------------------------


def cadre(
    id: str,
    role: str,
    unit: str | None = None,
    *,
    campus: str = "A",
    gender: str = "M",
    available: bool = True,
    name: str | None = None,
) -> dict[str, Any]:
    """A cadre; a central role's unit defaults to an office name, a college role needs one."""
    if unit is None:
        if role not in _CENTRAL:
            raise ValueError(f"cadre {id}: a college role needs its unit (college id)")
        unit = "学生处"
    return {
        "id": id,
        "name": name or f"干部{id}",
        "gender": gender,
        "role": role,
        "unit": unit,
        "campus": campus,
        "available": available,
    }


def klass(
    id: str, college: str, *, campus: str = "A", grade: int = 2025, size: int = 30
) -> dict[str, Any]:
    """A class (``class`` is a keyword)."""
    return {
        "id": id,
        "name": f"班级{id}",
        "college": college,
        "grade": grade,
        "campus": campus,
        "size": size,
        "major": "",
    }


def dorm(
    id: str,
    college: str,
    *,
    campus: str = "A",
    gender: str = "M",
    grade: int | None = 2025,
    residents: int = 4,
    building: str = "H1",
) -> dict[str, Any]:
    """A dorm room; ``grade=None`` is an unknown entry year."""
    return {
        "id": id,
        "building": building,
        "room": id,
        "campus": campus,
        "gender": gender,
        "residents": residents,
        "college": college,
        "grade": grade,
    }


def society(
    id: str, college: str | None, *, campus: str = "A", members: int = 20
) -> dict[str, Any]:
    """A society; ``college=None`` is a university-level society."""
    return {"id": id, "name": f"社团{id}", "campus": campus, "members": members, "college": college}


def branch(id: str, college: str, *, campus: str = "A", members: int = 10) -> dict[str, Any]:
    """A party branch."""
    return {"id": id, "name": f"支部{id}", "college": college, "campus": campus, "members": members}


# --- the data set ----------------------------------------------------------------------------


def _canonical(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """One canonical frame, typed like the readers type it (:mod:`planner.io.readers`)."""
    spec = TABLES[table]
    columns: dict[str, pd.Series] = {}
    for column in spec.columns:
        # Optional text columns a test does not name are blank, as the readers make them.
        default = "" if column.type == "text" and not column.required else None
        values = [
            r[column.name] if default is None else r.get(column.name, default) for r in records
        ]
        if column.type == "int":
            dtype = "int64" if column.required else "Int64"
            columns[column.name] = pd.Series(pd.array(values, dtype=dtype))
        elif column.type == "bool":
            columns[column.name] = pd.Series(values, dtype=bool)
        elif column.type == "id" and not column.required:
            columns[column.name] = pd.Series(values, dtype=object)
        else:
            columns[column.name] = pd.Series(values, dtype=object).astype(str)
    frame = pd.DataFrame(columns)
    frame["row"] = pd.Series(range(2, len(records) + 2), dtype="int64")
    return frame


def make_dataset(
    *,
    cadres: Iterable[dict[str, Any]],
    classes: Iterable[dict[str, Any]] = (),
    dorms: Iterable[dict[str, Any]] = (),
    societies: Iterable[dict[str, Any]] = (),
    branches: Iterable[dict[str, Any]] = (),
    previous: Iterable[Triple] = (),
    pins: Iterable[tuple[str, str, str, str]] = (),
    colleges: Iterable[tuple[str, str]] | None = None,
) -> Dataset:
    """A canonical :class:`Dataset` from lists of records (see :func:`cadre`, :func:`klass`…).

    ``colleges`` are ``(id, campus)``; by default every college named by a target or by a
    college-role cadre, on campus ``A``. ``previous`` rows are ``(cadre, kind, target)`` and
    ``pins`` rows ``(cadre, kind, target, rule)``.
    """
    cadre_rows = list(cadres)
    tables = {
        "classes": list(classes),
        "dorms": list(dorms),
        "societies": list(societies),
        "branches": list(branches),
    }
    if colleges is None:
        named = {r["unit"] for r in cadre_rows if r["role"] not in _CENTRAL}
        for rows in tables.values():
            named |= {r["college"] for r in rows if r["college"] is not None}
        colleges = [(c, "A") for c in sorted(named)]
    college_rows = [{"id": c, "name": f"学院{c}", "campus": campus} for c, campus in colleges]
    cadre_frame = derive_cadre_columns(_canonical("cadres", cadre_rows))
    return Dataset(
        colleges=_canonical("colleges", college_rows),
        cadres=cadre_frame,
        classes=_canonical("classes", tables["classes"]),
        dorms=_canonical("dorms", tables["dorms"]),
        societies=_canonical("societies", tables["societies"]),
        branches=_canonical("branches", tables["branches"]),
        previous=_canonical(
            "previous", [{"cadre": c, "kind": k, "target": t} for c, k, t in previous]
        ),
        pins=_canonical(
            "pins", [{"cadre": c, "kind": k, "target": t, "rule": r} for c, k, t, r in pins]
        ),
    )


# --- scenarios, solving and checking ---------------------------------------------------------


def scn(**data: Any) -> Scenario:
    """A scenario from plain data, as a YAML file gives it (defaults = the default policy)."""
    return scenario_from_dict(data)


def pairs(plan: Plan) -> set[Triple]:
    """The plan's assignments as ``(cadre_id, kind, target_id)`` triples."""
    a = plan.assignments
    return set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))


def term(plan: Plan, name: str) -> int:
    """The value of one objective term in the plan (recomputed from its pairs)."""
    return plan.terms[name].value


def check_plan(
    dataset: Dataset,
    scenario: Scenario,
    plan: Plan,
    held: frozenset[tuple[str, str]] = frozenset(),
) -> CheckReport:
    """The independent checker's report on a plan, with the plan's claimed term values."""
    return check_assignments(
        dataset,
        scenario,
        plan.assignments,
        held=held,
        claimed_terms={name: t.value for name, t in plan.terms.items()},
    )


def solve_and_check(
    dataset: Dataset,
    scenario: Scenario | None = None,
    *,
    held: frozenset[tuple[str, str]] = frozenset(),
    **kwargs: Any,
) -> Plan:
    """Plan with :func:`planner.planning.make_plan` and assert the checker passes the plan.

    The solve is deterministic (one worker, fixed seed); ``kwargs`` go to ``make_plan``.
    """
    scenario = scenario or Scenario()
    kwargs.setdefault("deterministic", True)
    kwargs.setdefault("time_limit", 20.0)
    plan = make_plan(dataset, scenario, held=held, **kwargs)
    report = check_plan(dataset, scenario, plan, held)
    assert report.ok, "the plan fails the independent check:\n" + "\n".join(report.violations)
    assert plan.status == "OPTIMAL", f"tiny instances solve to optimality, got {plan.status}"
    # What the solver says each priority stage reached is what the handed-out pairs give.
    for stage in plan.stages:
        if stage["term"] in report.terms:
            assert stage["value"] == report.terms[stage["term"]], (
                f"the solver's {stage['term']} stage reached {stage['value']} but the plan's "
                f"pairs give {report.terms[stage['term']]}"
            )
    return plan


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    """``tests/data/tiny`` read as a user's data would be."""
    from planner import api

    return api.load_data(TINY)


@pytest.fixture(scope="module")
def tiny_plan(tiny: Dataset) -> Plan:
    """The default plan of ``tiny``, re-checked by the independent checker."""
    from planner import api

    plan = api.solve(tiny, deterministic=True)
    assert check_plan(tiny, Scenario(), plan).ok
    return plan


@pytest.fixture(scope="module")
def demo() -> Dataset:
    """The shipped demo data set (``data/demo``)."""
    from planner import api

    return api.load_data()


@pytest.fixture(scope="module")
def demo_plan(demo: Dataset) -> Plan:
    """The default plan of the demo data (``api.solve`` re-checks it)."""
    from planner import api

    return api.solve(demo, deterministic=True)

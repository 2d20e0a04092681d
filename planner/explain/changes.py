"""Why a contact changed against last semester: the plan's ``changes`` table.

Every contact of ``previous`` that the plan answers for is ``kept`` or ``ended`` (with why it
ended: the cadre left or is on leave, the target is gone, another plan holds it, a pin, a rule
change, or a coverage gain), and every other contact of the plan is ``moved`` (the cadre held
something else last semester) or ``new``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from planner.contract import KIND_TABLE, KINDS
from planner.explain.forbidden import why_not
from planner.i18n import N_, pgettext
from planner.i18n import gettext as _
from planner.plan import CHANGE_COLUMNS
from planner.solver.eligibility import pair_frame
from planner.solver.problem import Problem
from planner.words import chinese, kind_word

STATUS_ORDER = {"kept": 0, "moved": 1, "new": 2, "ended": 3}
"""The order of the ``changes`` table: kept, moved, new, ended."""


def changes_table(problem: Problem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Kept, moved, new and ended contacts against ``previous``, each with a reason
    (:data:`~planner.plan.CHANGE_COLUMNS`)."""
    prev = problem.dataset.previous[_answers_for(problem)]
    seen = _Seen.of(problem, assignments)
    kept = _(KEPT)
    cadre, kind, target = (prev[c].tolist() for c in ("cadre", "kind", "target"))
    status, reason = [], []
    for key in zip(cadre, kind, target, strict=True):
        if key in seen.now:
            status.append("kept")
            reason.append(kept)
        else:
            status.append("ended")
            reason.append(seen.ended(dict(zip(("cadre", "kind", "target"), key, strict=True))))
    # The rest of the plan's contacts: the cadre held something else last semester, or nothing.
    rest = assignments[~assignments["kept"].to_numpy(bool)]
    ids = rest["cadre_id"].tolist()
    had_previous = set(prev["cadre"])
    moved, new = _(MOVED), _(NEW)
    again = [c in had_previous for c in ids]
    columns: dict[str, list[str]] = {
        "cadre_id": cadre + ids,
        "cadre_name": [seen.names.get(c, "") for c in cadre] + rest["cadre_name"].tolist(),
        "kind": kind + rest["kind"].tolist(),
        "target_id": target + rest["target_id"].tolist(),
        "status": status + ["moved" if m else "new" for m in again],
        "reason": reason + [moved if m else new for m in again],
    }
    assert list(columns) == CHANGE_COLUMNS
    rows = len(columns["cadre_id"])
    frame = pd.DataFrame(columns if rows else [], columns=CHANGE_COLUMNS)
    # Sorted by status, cadre, kind and target (a stable sort, as pandas' own).
    order = sorted(
        range(rows),
        key=lambda i: (
            STATUS_ORDER[columns["status"][i]],
            columns["cadre_id"][i],
            columns["kind"][i],
            columns["target_id"][i],
        ),
    )
    return frame.take(order).reset_index(drop=True)


KEPT = N_("same contact as last semester")
MOVED = N_("holds a new target; last semester's contact ended (see its row)")
NEW = N_("no contact last semester")


@dataclass(frozen=True)
class _Seen:
    """What the reasons of ended contacts look up, built once per plan."""

    problem: Problem
    names: dict[str, str]
    available: dict[str, bool]
    now: set[tuple[str, str, str]]
    pairs: list[tuple[str, str, str]]
    in_scope_cadres: set[str]
    scope_keys: set[tuple[str, str]]
    forbidden: set[tuple[str, str, str]]
    may_continue: set[tuple[str, str, str]]

    @classmethod
    def of(cls, problem: Problem, assignments: pd.DataFrame) -> _Seen:
        p, ds = problem, problem.dataset
        triples = list(
            zip(
                assignments["cadre_id"].tolist(),
                assignments["kind"].tolist(),
                assignments["target_id"].tolist(),
                strict=True,
            )
        )
        pins = ds.pins
        forbidden = {
            (cid, k, tid)
            for cid, k, tid, r in zip(
                pins["cadre"].tolist(),
                pins["kind"].tolist(),
                pins["target"].tolist(),
                pins["rule"].tolist(),
                strict=True,
            )
            if r == "forbid"
        }
        # Pairs every single-pair rule still allows (the model's keep candidates).
        last = p.keeps[p.keeps["previous"]]
        may_continue = set(
            zip(
                p.cadres["id"].to_numpy()[last["cadre"].to_numpy(int)],
                last["kind"].tolist(),
                p.targets["id"].to_numpy()[last["target"].to_numpy(int)],
                strict=True,
            )
        )
        cadres = ds.cadres
        return cls(
            problem=p,
            names=dict(zip(cadres["id"].tolist(), cadres["name"].tolist(), strict=True)),
            available=dict(zip(cadres["id"].tolist(), cadres["available"].tolist(), strict=True)),
            now=set(triples),
            pairs=triples,
            in_scope_cadres=set(p.cadres["id"].tolist()),
            scope_keys=set(zip(p.targets["kind"].tolist(), p.targets["id"].tolist(), strict=True)),
            forbidden=forbidden,
            may_continue=may_continue,
        )

    def ended(self, r: dict[str, str]) -> str:
        """Why last semester's contact ``r`` (a ``previous`` row) is not in the plan."""
        p = self.problem
        cadre, kind, target = r["cadre"], r["kind"], r["target"]
        in_scope = cadre in self.in_scope_cadres
        what = kind_word(kind) if chinese() else kind
        if cadre not in self.names:
            return _("the cadre has left (not on the roster)")
        if not self.available[cadre]:
            return _("the cadre is on leave (在岗 = 否)")
        if (kind, target) not in self.scope_keys and target not in self.target_ids.get(kind, ()):
            if kind == "class":
                return _("the class no longer exists (class graduated)")
            return _("the {kind} no longer exists").format(kind=what)
        if (kind, target) in p.held and in_scope:
            return (
                _("the {kind} is held by the approved central plan")
                if p.scope.startswith("college=")
                else _("the {kind} is left to its college's plan")
            ).format(kind=what)
        if not in_scope or (kind, target) not in self.scope_keys:
            return _("outside this plan's scope")
        if (cadre, kind, target) in self.forbidden:
            return _("forbidden by a pin")
        if p.scenario.continuity == "off":
            return _("the scenario does not keep last semester's contacts")
        if (cadre, kind, target) not in self.may_continue:
            blocked = why_not(self._pair(cadre, kind, target), p.scenario)
            if blocked:
                return _("rule change: {rules}").format(rules="; ".join(blocked))
        holds = [f"{kind_word(k) if chinese() else k} {i}" for k, i in self.holding.get(cadre, [])]
        now = pgettext("list", ", ").join(holds) or _("nothing")
        return _("coverage gain: moved so that more targets hold a cadre (now holds {now})").format(
            now=now
        )

    # Looked up for a few ended contacts only: made on first use.
    @cached_property
    def holding(self) -> dict[str, list[tuple[str, str]]]:
        """What each cadre holds in the plan, in the plan's order."""
        out: dict[str, list[tuple[str, str]]] = {}
        for cid, kind, tid in self.pairs:
            out.setdefault(cid, []).append((kind, tid))
        return out

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Every target of the data set, by kind and id."""
        return self.problem.dataset.targets().set_index(["kind", "id"])

    @cached_property
    def target_ids(self) -> dict[str, set[str]]:
        """Every target id of the data set by kind (those of the scope are among them)."""
        ds = self.problem.dataset
        return {
            kind.value: set(ds.table(KIND_TABLE[kind])["id"].astype(str).tolist()) for kind in KINDS
        }

    @cached_property
    def cadre_rows(self) -> pd.DataFrame:
        """Every cadre of the data set, by id."""
        return self.problem.dataset.cadres.set_index("id")

    def _pair(self, cadre: str, kind: str, target: str) -> pd.Series:
        """The pair in the columns of :func:`~planner.solver.eligibility.pair_frame`."""
        c = self.cadre_rows.loc[cadre]
        t = self.targets.loc[(kind, target)]
        side = ["college", "campus", "gender"]
        return pair_frame(
            pd.DataFrame([{"role": c["role"], **{k: c[k] for k in side}}]),
            pd.DataFrame([{"kind": kind, **{k: t[k] for k in side}}]),
        ).iloc[0]


def _answers_for(problem: Problem) -> np.ndarray:
    """The ``previous`` rows a plan answers for in its changes: all of them for the
    university; for a central or college scope, its own cadres' contacts (on leave or not) and
    contacts at its targets of cadres no longer on the roster (the rest is another plan's)."""
    ds = problem.dataset
    prev = ds.previous
    if problem.scope == "university":
        return np.ones(len(prev), dtype=bool)
    roster = ds.cadres
    if problem.scope == "central":
        own = roster["central"]
    else:
        own = ~roster["central"] & (roster["unit"] == problem.scope.split("=", 1)[1])
    mine = prev["cadre"].isin(roster.loc[own, "id"])
    targets = problem.targets
    keys = pd.Series(
        list(zip(prev["kind"].tolist(), prev["target"].tolist(), strict=True)), index=prev.index
    )
    at_mine = keys.isin(set(zip(targets["kind"].tolist(), targets["id"].tolist(), strict=True)))
    gone = ~prev["cadre"].isin(roster["id"])
    return (mine | (gone & at_mine)).to_numpy(bool)

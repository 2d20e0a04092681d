"""The service's one door to the planning engine.

Every call from the service into the planner goes through this module, so that moving the
engine's modules (the package is being split into sub-packages) changes only the imports here.
It uses :mod:`planner.api` where the API has what is needed, and the engine's own modules only
for what the API lacks (a progress callback and ``previous``/pins inputs, explanations, the
synthetic data sets, the contract's vocabulary).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.api import (
    DEMO_DATA,
    SCENARIO_DIR,
    SCENARIOS,
    check_plan,
    load_data,
    load_scenario,
)
from planner.contract import (
    CENTRAL_ROLES,
    KIND_LABELS_ZH,
    KINDS,
    ROLE_LABELS_ZH,
    ROLES,
    TABLES,
)
from planner.dataset import Dataset
from planner.errors import (
    InfeasibleError,
    InputError,
    NoPlanInTimeError,
    OutputError,
    PlannerError,
    Problem,
    UsageError,
)
from planner.i18n import N_
from planner.plan import Plan

__all__ = [
    "CENTRAL_ROLES",
    "DEMO_DATA",
    "KINDS",
    "KIND_LABELS_ZH",
    "ROLES",
    "ROLE_LABELS_ZH",
    "SCENARIOS",
    "TABLES",
    "Dataset",
    "InfeasibleError",
    "InputError",
    "NoPlanInTimeError",
    "OutputError",
    "Plan",
    "PlannerError",
    "Problem",
    "ProgressEvent",
    "ProposalResult",
    "UsageError",
    "check_scenario_text",
    "dataset_summary",
    "demo_tables",
    "explain",
    "load_data",
    "run_proposal",
    "scenario_names",
    "write_generated",
]


def preload() -> None:
    """Import the solver's modules now (a job worker does, so forked jobs start at once)."""
    import planner.explain.why.explanation
    import planner.planning
    import planner.report.render
    import planner.report.write
    import planner.workflow.inputs  # noqa: F401


def work_in_one_process() -> None:
    """Keep the engine's work of this process (a job's child) in it: no helper or solver
    processes of its own (:mod:`planner.solver.forking`)."""
    from planner.solver import forking

    os.environ[forking.ENV_SWITCH] = "0"


def scenario_names() -> tuple[str, ...]:
    """The shipped scenarios a proposal may use by name."""
    return SCENARIOS


def check_scenario_text(text: str, name: str, folder: Path) -> str:
    """Validate an uploaded scenario (YAML text); return its name. Raises ``UsageError`` or
    ``InputError`` with the engine's message when it is not a valid scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(name).stem[:80] + ".yaml")
    path.write_text(text, encoding="utf-8")
    return str(load_scenario(path).name)


def dataset_summary(dataset: Dataset) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The counts shown for a data version, and its colleges as ``(id, name, campus)``."""
    targets = dataset.targets()
    cadres = dataset.cadres
    counts: dict[str, Any] = {
        "cadres": len(cadres),
        "available": int(cadres["available"].sum()) if "available" in cadres else len(cadres),
        "colleges": len(dataset.colleges),
        "targets": {str(kind): int((targets["kind"] == kind).sum()) for kind in KINDS},
        "campuses": sorted({str(c) for c in dataset.colleges["campus"]}),
        "warnings": len(dataset.warnings),
    }
    colleges = [
        (str(row.id), str(row.name), str(row.campus))
        for row in dataset.colleges.itertuples(index=False)
    ]
    return counts, colleges


def cadre_colleges(dataset: Dataset) -> dict[str, str | None]:
    """Each cadre's college (None for central cadres), for per-college views of changes."""
    frame = dataset.cadres
    return {
        str(i): (str(c) if isinstance(c, str) and c else None)
        for i, c in zip(frame["id"], frame["college"], strict=True)
    }


# --------------------------------------------------------------------------------------------
# Proposals


@dataclass
class ProgressEvent:
    """One progress line of a solve: the stage in words, best and bound when the solver says."""

    stage: str
    best: float | None = None
    bound: float | None = None


_BEST_BOUND = re.compile(r"best\s+(-?[\d,]+)\s+bound\s+(-?[\d,]+)")
_STAGE_DONE = re.compile(r":\s+(-?[\d,]+)\s+\(bound\s+(-?[\d,]+)\)")


def parse_progress(message: str) -> ProgressEvent:
    """The solver's progress line (:func:`planner.solver.solve.solve`) as a
    :class:`ProgressEvent`."""
    text = " ".join(message.split())
    for pattern in (_BEST_BOUND, _STAGE_DONE):
        found = pattern.search(text)
        if found:
            best, bound = (float(g.replace(",", "")) for g in found.groups())
            return ProgressEvent(text, best, bound)
    return ProgressEvent(text)


@dataclass
class ProposalResult:
    """A written, checked plan and what the service stores about it."""

    plan: Plan
    folder: Path
    files: list[str]
    plan_json_sha256: str
    cadre_colleges: dict[str, str | None]
    notes: list[str] = field(default_factory=list)


def run_proposal(
    data: Path,
    scenario: str | Path,
    out: Path,
    *,
    previous: Path | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    deterministic: bool = True,
    time_limit: float | None = None,
) -> ProposalResult:
    """Plan the whole university from ``data`` under ``scenario`` and write the plan folder.

    ``previous`` is last semester's approved plan folder (its contacts are the ``previous``
    table). The plan is checked by the independent checker before anything is written; the
    folder is written all or nothing (:func:`planner.report.write.write_plan`).
    """
    from planner.planning import make_plan
    from planner.report.write import write_plan
    from planner.workflow.inputs import plan_inputs

    def say(stage: str) -> None:
        if progress is not None:
            progress(ProgressEvent(stage))

    say(N_("reading the data"))
    dataset = load_data(data)
    applied = load_scenario(scenario).with_changes(scope="university")
    inputs = plan_inputs(dataset, applied, previous=previous)
    dataset = inputs.dataset
    say(N_("planning"))
    result = make_plan(
        dataset,
        applied,
        held=inputs.held,
        time_limit=time_limit,
        deterministic=deterministic,
        progress=(lambda message: progress(parse_progress(message))) if progress else None,
    )
    say(N_("checking the plan"))
    report = check_plan(result, dataset)  # the independent checker, as planner.api.solve
    if not report.ok:
        raise RuntimeError("the plan failed the independent check: " + "; ".join(report.violations))
    say(N_("writing the workbook and the heatmaps"))
    written = write_plan(result, out, targets=dataset.targets(), extra_json=inputs.extra_json)
    digest = hashlib.sha256((out / "plan.json").read_bytes()).hexdigest()
    return ProposalResult(
        plan=result,
        folder=out,
        files=sorted(p.name for p in written),
        plan_json_sha256=digest,
        cadre_colleges=cadre_colleges(dataset),
        notes=list(inputs.notes),
    )


# --------------------------------------------------------------------------------------------
# Explanations


def stored_data(data: Path) -> Dataset:
    """The data set of a stored data version, read once per process and kept for the next
    explanation (a version is written once and never changed; its file time is in the key all
    the same). The explainer keeps a plan's index for the same data set object, so a job
    worker that read it before forking a job's child hands both to the child."""
    return _stored_data(str(data), data.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _stored_data(data: str, stamp: int) -> Dataset:
    del stamp
    return load_data(Path(data))


def warm_explanations(data: Path, plan_dir: Path) -> None:
    """Read the data set and index the plan in this process (a job worker does it before it
    forks an explanation's child, which then starts from both)."""
    from planner.explain.why.index import load_plan

    load_plan(stored_data(data), plan_dir)


def explain(
    data: Path,
    plan_dir: Path,
    *,
    cadre: str | None = None,
    target: str | None = None,
    kind: str | None = None,
    alternatives: int = 3,
    time_limit: float = 20.0,
) -> dict[str, Any]:
    """``planner explain`` of one cadre or target of the plan in ``plan_dir``, as plain data."""
    from planner.explain.why.explanation import explain_cadre, explain_target

    dataset = stored_data(data)
    started = time.perf_counter()
    if cadre is not None:
        result = explain_cadre(
            dataset, plan_dir, cadre, alternatives=alternatives, time_limit=time_limit
        )
    else:
        assert target is not None
        result = explain_target(
            dataset, plan_dir, target, kind, alternatives=alternatives, time_limit=time_limit
        )
    content = result.as_dict()
    content["seconds"] = round(time.perf_counter() - started, 2)
    return content


# --------------------------------------------------------------------------------------------
# Synthetic data (the demo university, university-size trials)


def demo_tables() -> dict[str, Any]:
    """The demo university's tables (the same data as ``data/demo``)."""
    from planner.io.generate.tables import generate_tables

    return generate_tables("demo", seed=1)


def write_generated(
    out: Path, preset: str = "demo", fmt: str = "workbook", headers: str = "zh", seed: int = 1
) -> list[Path]:
    """Write a synthetic data set (``planner generate``) into ``out``; return the files."""
    from planner.io.generate.files import write_tables
    from planner.io.generate.tables import generate_tables

    return write_tables(generate_tables(preset, seed=seed), out, fmt=fmt, headers=headers)


def scenario_path(name: str) -> Path:
    """The file of a shipped scenario."""
    return SCENARIO_DIR / f"{name}.yaml"


def workbook_bytes(build: Callable[[Any], None]) -> bytes:
    """An ``.xlsx`` made by ``build(workbook)`` on a fresh openpyxl workbook, as bytes."""
    from openpyxl import Workbook

    book = Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Printed pages of a plan: the approval pack and the letters to each cadre


def approval_pack(plan_dir: Path, data: Path, college: str | None, language: str) -> bytes:
    """The approval pack of the plan folder (a college's 备案 copy with ``college``) as PDF
    bytes. Raises ``UsageError`` for an unknown college and ``WorkflowError`` for a folder
    changed after approval (nothing is printed then)."""
    from planner.report.pack import PackOptions
    from planner.workflow.documents import pack_folder

    options = PackOptions(language=language, college=college)
    return pack_folder(plan_dir, load_data(data), options)


def letter_bundle(plan_dir: Path, data: Path, bundle: str, language: str, fmt: str) -> bytes | None:
    """One bundle of letters of the plan folder (a college id, or ``central``): the PDF
    (``fmt="pdf"``) or its mail-merge sheet (``xlsx``); None when the bundle has no cadre."""
    from planner.api import read_plan
    from planner.i18n import use_language
    from planner.ledger.letters import (
        LetterOptions,
        letter_bundles,
        letters_pdf,
        mail_merge_xlsx,
    )
    from planner.workflow.documents import fingerprint

    plan = read_plan(plan_dir)
    dataset = load_data(data)
    if bundle not in letter_bundles(plan, dataset):
        return None
    options = LetterOptions(language=language)
    if fmt == "xlsx":
        return mail_merge_xlsx(plan, dataset, bundle, options)
    with use_language(language):
        print_ = fingerprint(plan_dir)
    return letters_pdf(plan, dataset, bundle, options, fingerprint=print_)

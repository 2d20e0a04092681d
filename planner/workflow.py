"""The semester workflow: scopes that fit together, approval, and carrying contacts over.

The policy places central cadres through the Student Affairs Office (SAO) and college cadres
through their own college, which files its plan with the SAO; contacts are "fixed" and carry
over from semester to semester. A semester therefore runs:

1. the SAO plans the central roles (``planner plan --scope central``) and approves the plan
   (:func:`approve_plan`). Targets that a college cadre held last semester and may keep are
   left to the colleges (:func:`reserved_for_colleges`), so fixed contacts survive;
2. each college plans its own cadres against the approved central plan
   (``--scope college=ID --held CENTRAL``, :func:`held_from_plan`): targets the central plan
   holds are not touched;
3. the SAO merges the central plan and every college plan into one university plan
   (:func:`merge_plans`), which checks every hard rule across them, and approves it;
4. next semester, every run continues from the approved university plan
   (``--previous PLAN``, :func:`previous_from_plan`).

Approval (``approval.json``) records who approved, when, the planner version and the SHA-256
of every file in the folder; :func:`verify_plan` recomputes them. Nothing ever writes into an
approved folder (:func:`planner.write.write_plan` refuses it), and the files are made
read-only. The hashes detect any change made after approval, deliberate or not; they are not a
signature (whoever can edit the folder can also recompute them).

What a plan was made from beyond the data set — last semester's contacts taken from an
approved plan, pins given on the command line — is recorded in its ``plan.json``
(:data:`PREVIOUS_KEY`, :data:`PINS_KEY`), so ``planner check`` re-checks the plan against
exactly the inputs it was made from (:func:`as_planned`).

This module imports no solver code at import time: :mod:`planner.check` uses
:func:`as_planned`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner import __version__
from planner.contract import KIND_ALIASES, KIND_TABLE, KINDS, ROLES, TABLES
from planner.dataset import Dataset, Source
from planner.errors import InfeasibleError, InputError, PlannerError, Problem, UsageError
from planner.scenario import TERM_SENSE, Scenario, scenario_from_dict
from planner.write import APPROVAL_JSON, PLAN_JSON

if TYPE_CHECKING:
    from planner.plan import Plan

Pair = tuple[str, str]
"""``(kind, target_id)``: a target."""

ASSIGNMENTS_CSV = "assignments.csv"

PREVIOUS_KEY = "previous_from"
"""``plan.json`` key: where last semester's contacts came from (``--previous``), with the rows."""

PINS_KEY = "command_line_pins"
"""``plan.json`` key: pins given with ``--require``/``--forbid``, as ``[cadre, kind, target,
rule]``."""

CONFLICTS_SHOWN = 5
"""Conflicts of one kind listed in full per college before the rest are counted."""

_SHAPE = re.compile(
    r"'[^']*'|\S*\d\S*|\b(?:"
    + "|".join(sorted({k.value for k in KINDS} | {r.value for r in ROLES}))
    + r")\b"
)
"""What differs between conflicts of one kind: ids, quoted values, kinds and roles."""

MERGED_STATUS = "MERGED"
"""Status of a merged plan: the union of plans each solved in its own scope."""

IGNORED_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files an operating system puts into folders by itself; approval ignores them."""

_LOCK_FILE = re.compile(r"^(~\$.+|\.~lock\..+#)$")
"""Lock files Excel and LibreOffice keep next to an open workbook (as in :mod:`planner.write`)."""

_CENTRAL = "central"
"""Key of the central plan's conflicts in a merge report."""

_UNIVERSITY = "university"
"""Key of conflicts that belong to no single plan."""


class WorkflowError(PlannerError):
    """A plan folder is not in the state a step needs (not approved, changed since approval,
    approved already, breaks a rule) (exit code 1)."""

    exit_code = 1


class MergeConflictError(PlannerError):
    """Plans that cannot be merged; ``conflicts`` maps a college id (or ``central`` /
    ``university``) to plain-language lines (exit code 2)."""

    exit_code = 2

    def __init__(self, conflicts: dict[str, list[str]], headings: dict[str, str]) -> None:
        self.conflicts = conflicts
        self.headings = headings
        super().__init__("\n".join(self.lines()))

    @property
    def count(self) -> int:
        """The number of conflicts."""
        return sum(len(v) for v in self.conflicts.values())

    def lines(self) -> list[str]:
        """The conflicts as lines a reader goes through college by college."""
        n = self.count
        out = [
            f"The plans cannot be merged: {n} conflict{'s' if n != 1 else ''}; nothing was written."
        ]
        for key, items in self.conflicts.items():
            out.append(f"{self.headings.get(key, key)}:")
            # Lines alike but for ids (hundreds when a plan reaches outside its college) are
            # shown a few at a time, then counted.
            shapes: dict[str, list[str]] = {}
            for item in items:
                shapes.setdefault(_SHAPE.sub("#", item), []).append(item)
            for alike in shapes.values():
                out.extend(f"  - {item}" for item in alike[:CONFLICTS_SHOWN])
                if len(alike) > CONFLICTS_SHOWN:
                    out.append(f"  ... and {len(alike) - CONFLICTS_SHOWN} more like the above")
        return out


# --------------------------------------------------------------------------------------------
# Approval


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignored(name: str) -> bool:
    return name in IGNORED_FILES or _LOCK_FILE.match(name) is not None


def _folder_files(folder: Path) -> tuple[list[str], list[str]]:
    """File names of ``folder`` that approval covers, and names it cannot cover (sub-folders,
    links)."""
    files: list[str] = []
    odd: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name == APPROVAL_JSON or _ignored(entry.name):
            continue
        if entry.is_symlink() or not entry.is_file():
            odd.append(entry.name)
        else:
            files.append(entry.name)
    return files, odd


def folder_hashes(plan_dir: Path) -> dict[str, str]:
    """File name → SHA-256 of each file of ``plan_dir`` that an approval would record."""
    files, _odd = _folder_files(Path(plan_dir))
    return {name: file_sha256(Path(plan_dir) / name) for name in files}


def _seal(doc: dict[str, Any]) -> str:
    """SHA-256 of the approval record without its seal (detects edits of approval.json)."""
    body = {k: v for k, v in doc.items() if k != "seal"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_approval(folder: Path) -> dict[str, Any] | None:
    """``approval.json`` as a mapping, ``None`` if absent; garbled text raises WorkflowError."""
    path = folder / APPROVAL_JSON
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise WorkflowError(
            f"{path} cannot be read ({exc}); the approval cannot be checked"
        ) from None
    if not isinstance(data, dict):
        raise WorkflowError(f"{path} is not an approval record (expected a JSON object)")
    return data


def _approval_words(approval: dict[str, Any]) -> str:
    by = approval.get("approved_by") or "?"
    at = approval.get("approved_at") or "?"
    return f"approved by {by} on {at}"


def approve_plan(
    plan_dir: Path,
    by: str,
    *,
    dataset: Dataset,
    data_label: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Approve the plan in ``plan_dir``: check it, record ``approval.json``, make it read-only.

    The plan must pass the independent checker against ``dataset`` (with what ``plan.json``
    records: held targets, last semester's contacts, command-line pins). Returns the approval
    record. Raises :class:`WorkflowError` when the folder is approved already, is not a plan,
    holds an open workbook or a sub-folder, or the plan breaks a rule.
    """
    from planner.check import check_plan_dir

    folder = Path(plan_dir)
    name = " ".join(str(by).split())
    if not name:
        raise UsageError("--by: give the name of the person who approves the plan")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such plan folder")
    existing = _read_approval(folder)
    if existing is not None:
        raise WorkflowError(
            f"{folder} is already {_approval_words(existing)}; an approved plan is never "
            "changed. To approve a different plan, write it to a new folder."
        )
    locks = [e.name for e in folder.iterdir() if _LOCK_FILE.match(e.name)]
    if locks:
        raise WorkflowError(
            f"a file of {folder} is open in a spreadsheet program ({locks[0]}); close it and "
            "approve again (if nothing is open, delete the lock file)"
        )
    files, odd = _folder_files(folder)
    if odd:
        raise WorkflowError(
            f"{folder} holds {', '.join(odd)}, which is not a plain file; a plan folder holds "
            "only the files the planner wrote. Move it elsewhere and approve again."
        )
    report = check_plan_dir(dataset, folder)
    if not report.ok:
        shown = report.violations[:10]
        more = len(report.violations) - len(shown)
        lines = [f"{folder} breaks the rules; it was not approved:"]
        lines += [f"  - {v}" for v in shown]
        if more:
            lines.append(f"  ... and {more} more (run planner check)")
        raise WorkflowError("\n".join(lines))
    meta = json.loads((folder / PLAN_JSON).read_text(encoding="utf-8"))
    scenario = meta.get("scenario") if isinstance(meta.get("scenario"), dict) else {}
    stamp = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
    doc: dict[str, Any] = {
        "approved_by": name,
        "approved_at": stamp,
        "planner_version": __version__,
        "scope": meta.get("scope"),
        "scenario": scenario.get("name"),
        "status": meta.get("status"),
        "checked_against": {
            "data": data_label,
            "inputs": {t: s.sha256 for t, s in sorted(dataset.sources.items())},
        },
        "files": {f: file_sha256(folder / f) for f in files},
    }
    doc["seal"] = _seal(doc)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    temp = folder / f".{APPROVAL_JSON}.tmp"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, folder / APPROVAL_JSON)
    for f in [*files, APPROVAL_JSON]:
        _make_read_only(folder / f)
    return doc


def _make_read_only(path: Path) -> None:
    """Remove every write permission of a file (a guard against accidental edits)."""
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@dataclass
class VerifyReport:
    """What :func:`verify_plan` found in an approved plan folder."""

    folder: Path
    approval: dict[str, Any] | None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the folder is approved and nothing changed since."""
        return self.approval is not None and not (
            self.changed or self.missing or self.added or self.problems
        )

    def lines(self) -> list[str]:
        """What changed, in plain words (empty when nothing did)."""
        if self.approval is None:
            return [
                f"{self.folder} is not approved (it holds no {APPROVAL_JSON}); approve it with "
                f"planner approve {self.folder} --by NAME"
            ]
        out = list(self.problems)
        out += [f"{name} was changed after approval" for name in self.changed]
        out += [f"{name} was deleted after approval" for name in self.missing]
        out += [f"{name} was added after approval" for name in self.added]
        return out


def verify_plan(plan_dir: Path) -> VerifyReport:
    """Recompute the hashes of an approved plan folder and compare them with ``approval.json``."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such plan folder")
    approval = _read_approval(folder)
    report = VerifyReport(folder, approval)
    if approval is None:
        return report
    recorded = approval.get("files")
    if not isinstance(recorded, dict) or not recorded:
        report.problems.append(f"{APPROVAL_JSON} lists no files: the approval record is damaged")
        return report
    if approval.get("seal") != _seal(approval):
        report.problems.append(f"{APPROVAL_JSON} was edited after approval")
    files, odd = _folder_files(folder)
    for name in sorted(recorded):
        path = folder / name
        if name in odd or (path.is_file() and file_sha256(path) != recorded[name]):
            report.changed.append(name)
        elif not path.is_file():
            report.missing.append(name)
    report.added = sorted(set(files + odd) - set(recorded))
    return report


def require_approved(plan_dir: Path, option: str) -> dict[str, Any]:
    """The approval record of ``plan_dir``; a :class:`UsageError` naming ``option`` when the
    folder is not approved or changed since approval."""
    folder = Path(plan_dir)
    if not (folder / PLAN_JSON).is_file():
        raise UsageError(f"{option} {folder}: not a plan folder (no {PLAN_JSON})")
    report = verify_plan(folder)
    if report.approval is None:
        raise UsageError(
            f"{option} {folder}: this plan is not approved; only an approved plan can be used "
            f"here. Approve it first: planner approve {folder} --by NAME"
        )
    if not report.ok:
        raise UsageError(
            f"{option} {folder}: the plan was changed after it was approved "
            f"({'; '.join(report.lines())}). Restore the approved files, or use another "
            "approved plan."
        )
    return report.approval


# --------------------------------------------------------------------------------------------
# Reading approved plans: held targets and last semester's contacts


def _read_plan(folder: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    from planner.check import read_plan_dir

    assignments, meta = read_plan_dir(folder)
    return assignments, meta


def held_from_plan(plan_dir: Path) -> frozenset[Pair]:
    """The targets an approved central plan holds: a college plan leaves them untouched."""
    folder = Path(plan_dir)
    require_approved(folder, "--held")
    assignments, meta = _read_plan(folder)
    scope = meta.get("scope")
    if scope != "central":
        raise UsageError(
            f"--held {folder}: this is a plan of scope {scope}; --held takes the approved "
            "central plan (made with --scope central)"
        )
    return frozenset(zip(assignments["kind"], assignments["target_id"], strict=True))


def previous_from_plan(plan_dir: Path) -> tuple[pd.DataFrame, Source, dict[str, Any]]:
    """Last semester's contacts from an approved plan folder.

    Returns the ``previous`` frame (canonical: ``cadre, kind, target, row``, rows of
    ``assignments.csv``), its :class:`~planner.dataset.Source`, and the record that goes into
    the new plan's ``plan.json`` under :data:`PREVIOUS_KEY`.
    """
    folder = Path(plan_dir)
    approval = require_approved(folder, "--previous")
    assignments, meta = _read_plan(folder)
    frame = pd.DataFrame(
        {
            "cadre": assignments["cadre_id"].astype(str).to_numpy(),
            "kind": assignments["kind"].astype(str).to_numpy(),
            "target": assignments["target_id"].astype(str).to_numpy(),
            "row": assignments["row"].astype("int64").to_numpy(),
        }
    )
    files = approval.get("files") or {}
    display = f"{folder / ASSIGNMENTS_CSV}"
    source = Source("previous", display, display, str(files.get(ASSIGNMENTS_CSV, "")))
    record = {
        "folder": str(folder),
        "file": display,
        "sha256": source.sha256,
        "approved_by": approval.get("approved_by"),
        "approved_at": approval.get("approved_at"),
        "scope": meta.get("scope"),
    }
    return frame, source, record


def read_previous_table(path: Path) -> tuple[pd.DataFrame, Source]:
    """A ``previous`` table given as its own file (``.csv`` or ``.xlsx``), read like the data
    set's; every problem raises :class:`InputError` as the readers do."""
    from planner import readers  # the readers' single-table path (no public API for one table)

    file = Path(path)
    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(
            f"--previous {file}: give an approved plan folder, or a previous table as .csv or "
            ".xlsx (columns cadre, kind, target)"
        )
    table = TABLES["previous"]
    report = readers._Report()
    sheet = readers._read_table_file(file, table, report)
    values = readers._check_cells(sheet, report) if sheet is not None else {}
    if report.problems or sheet is None:
        raise InputError(report.problems or [Problem(file.name, 0, "", "cannot be read")])
    frame = readers._canonical(table, sheet, values)
    return frame[["cadre", "kind", "target", "row"]], sheet.source


def _previous_warnings(dataset: Dataset, previous: pd.DataFrame, display: str) -> list[str]:
    """Warnings for previous rows naming a cadre or a target that no longer exists."""
    out: list[str] = []
    known_cadres = set(dataset.cadres["id"])
    for r in previous[~previous["cadre"].isin(known_cadres)].itertuples(index=False):
        out.append(
            f"{display}:{r.row}:cadre: cadre '{r.cadre}' is no longer on the roster; "
            "the contact ends"
        )
    targets = dataset.targets()
    known = set(zip(targets["kind"], targets["id"], strict=True))
    gone = [(k, t) not in known for k, t in zip(previous["kind"], previous["target"], strict=True)]
    for r in previous[np.array(gone, dtype=bool)].itertuples(index=False):
        out.append(
            f"{display}:{r.row}:target: {r.kind} '{r.target}' no longer exists (e.g. it "
            "graduated); the contact ends"
        )
    return out


def with_previous(dataset: Dataset, previous: pd.DataFrame, source: Source) -> Dataset:
    """``dataset`` with its ``previous`` table replaced (and the old table's warnings dropped)."""
    old = dataset.sources.get("previous")
    warnings = [w for w in dataset.warnings if old is None or not w.startswith(f"{old.display}:")]
    frame = previous[["cadre", "kind", "target", "row"]].reset_index(drop=True)
    frame = frame[frame["kind"].isin([k.value for k in KINDS])]
    warnings += _previous_warnings(dataset, frame, source.display)
    return dataclasses.replace(
        dataset,
        previous=frame.reset_index(drop=True),
        sources={**dataset.sources, "previous": source},
        warnings=warnings,
    )


# --------------------------------------------------------------------------------------------
# Pins from the command line


def _clean_id(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_pins(dataset: Dataset, require: Sequence[str], forbid: Sequence[str]) -> pd.DataFrame:
    """Pins given as ``--require CADRE:KIND:TARGET`` / ``--forbid ...``, validated like the
    data set's pins (the cadre and the target must exist).

    Returns a canonical pins frame (``cadre, kind, target, rule, row``); rows are numbered
    after the data set's pins, so messages about "pin row N" stay unambiguous. Every problem
    raises one :class:`UsageError` (exit code 2) naming the option.
    """
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    cadres = set(dataset.cadres["id"])
    targets = {kind.value: set(dataset.table(KIND_TABLE[kind])["id"]) for kind in KINDS}

    def where(table: str) -> str:
        source = dataset.sources.get(table)
        return source.display if source else f"the {table} table"

    start = int(dataset.pins["row"].max()) + 1 if len(dataset.pins) else 2
    for option, rule, values in (("--require", "require", require), ("--forbid", "forbid", forbid)):
        for value in values:
            parts = [_clean_id(p) for p in str(value).split(":", 2)]
            if len(parts) != 3 or not all(parts):
                problems.append(
                    f"{option} {value}: write CADRE:KIND:TARGET, e.g. {option} "
                    "044156:class:2026C0101 (kind: class, dorm, society or branch)"
                )
                continue
            cadre, word, target = parts
            kind = KIND_ALIASES.get(word) or KIND_ALIASES.get(word.lower())
            bad = False
            if kind is None:
                problems.append(
                    f"{option} {value}: unknown kind '{word}' (use class, dorm, society or "
                    "branch; 班级, 宿舍, 社团 or 党支部)"
                )
                bad = True
            if cadre not in cadres:
                problems.append(
                    f"{option} {value}: unknown cadre '{cadre}': not in {where('cadres')}"
                )
                bad = True
            if kind is not None and target not in targets[kind.value]:
                table = KIND_TABLE[kind]
                problems.append(
                    f"{option} {value}: unknown {kind.value} '{target}': not in {where(table)}"
                )
                bad = True
            if not bad and kind is not None:
                rows.append({"cadre": cadre, "kind": kind.value, "target": target, "rule": rule})
    if problems:
        raise UsageError("\n".join(problems))
    frame = pd.DataFrame(rows, columns=["cadre", "kind", "target", "rule"])
    frame["row"] = pd.Series(range(start, start + len(frame)), dtype="int64")
    return frame


def with_pins(dataset: Dataset, pins: pd.DataFrame) -> Dataset:
    """``dataset`` with ``pins`` added after its own."""
    if pins.empty:
        return dataset
    base = dataset.pins[["cadre", "kind", "target", "rule", "row"]]
    extra = pins[["cadre", "kind", "target", "rule", "row"]]
    merged = pd.concat([base, extra], ignore_index=True) if len(base) else extra.copy()
    merged["row"] = merged["row"].astype("int64")
    return dataclasses.replace(dataset, pins=merged.reset_index(drop=True))


def _pin_rows(pins: pd.DataFrame) -> list[list[str]]:
    return [
        [str(c), str(k), str(t), str(r)]
        for c, k, t, r in zip(
            pins["cadre"], pins["kind"], pins["target"], pins["rule"], strict=True
        )
    ]


# --------------------------------------------------------------------------------------------
# What plan.json records, and the data set as a plan was made from it


def as_planned(dataset: Dataset, meta: dict[str, Any], where: str = PLAN_JSON) -> Dataset:
    """``dataset`` as the plan described by ``meta`` (its ``plan.json``) was made from it.

    ``previous`` is replaced by the rows recorded under :data:`PREVIOUS_KEY` (``planner plan
    --previous``), and the pins recorded under :data:`PINS_KEY` are added. A plan without
    these keys was made from the data set alone. Garbled records raise :class:`InputError`
    naming ``where``.
    """
    problems: list[Problem] = []
    out = dataset
    record = meta.get(PREVIOUS_KEY)
    if record is not None:
        rows = record.get("rows") if isinstance(record, dict) else None
        triples = _triples(rows, 3, where, f"{PREVIOUS_KEY}.rows", problems)
        if triples is not None:
            frame = pd.DataFrame(triples, columns=["cadre", "kind", "target"])
            frame["row"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
            display = str(record.get("file") or f"{PREVIOUS_KEY} in {where}")
            source = Source("previous", display, display, str(record.get("sha256") or ""))
            out = with_previous(out, frame, source)
    pins = meta.get(PINS_KEY)
    if pins is not None:
        quads = _triples(pins, 4, where, PINS_KEY, problems)
        if quads is not None:
            frame = pd.DataFrame(quads, columns=["cadre", "kind", "target", "rule"])
            start = int(out.pins["row"].max()) + 1 if len(out.pins) else 2
            frame["row"] = pd.Series(range(start, start + len(frame)), dtype="int64")
            bad = ~frame["rule"].isin(["require", "forbid"])
            if bad.any():
                problems.append(Problem(where, 0, PINS_KEY, "a pin's rule is require or forbid"))
            else:
                out = with_pins(out, frame)
    if problems:
        raise InputError(problems)
    return out


def _triples(
    value: Any, width: int, where: str, key: str, problems: list[Problem]
) -> list[list[str]] | None:
    if not isinstance(value, list) or not all(
        isinstance(item, list) and len(item) == width and all(isinstance(x, str) for x in item)
        for item in value
    ):
        problems.append(Problem(where, 0, key, f"expected a list of [{width} texts]"))
        return None
    return [list(item) for item in value]


# --------------------------------------------------------------------------------------------
# Fixed contacts across scopes


def reserved_for_colleges(dataset: Dataset, scenario: Scenario) -> frozenset[Pair]:
    """Targets a central plan leaves to the colleges: last semester's contacts of available
    college cadres that may continue (own college, every single-pair hard rule, no forbid
    pin), and the targets of require pins naming an available college cadre.

    Without this, a central cadre whose contact ended could be placed at a class a college
    cadre keeps, and the college plan would then have to move its cadre: a fixed contact lost
    for nothing (or a pin the college plan cannot honour). Targets named by a central cadre's
    own previous contact or require pin are not reserved.
    """
    from planner.eligibility import eligible  # solver side: not needed by the checker

    cadres = dataset.available_cadres()
    pins = dataset.pins
    columns = ["cadre", "kind", "target"]
    parts = [pins.loc[pins["rule"] == "require", columns].assign(pinned=True)]
    if scenario.continuity != "off":
        parts.append(dataset.previous[columns].assign(pinned=False))
    candidates = pd.concat(parts, ignore_index=True)
    side = cadres[~cadres["central"]][["id", "role", "college", "campus", "gender"]]
    pairs = candidates.merge(side.rename(columns={"id": "cadre"}), on="cadre")
    targets = dataset.targets()[["kind", "id", "college", "campus", "gender"]]
    pairs = pairs.merge(
        targets.rename(
            columns={
                "id": "target",
                "college": "target_college",
                "campus": "target_campus",
                "gender": "target_gender",
            }
        ),
        on=["kind", "target"],
    )
    pairs = pairs[pairs["target_college"].notna()]
    if pairs.empty:
        return frozenset()
    frame = pd.DataFrame(
        {
            "role": pairs["role"].to_numpy(),
            "cadre_college": pairs["college"].to_numpy(),
            "cadre_campus": pairs["campus"].to_numpy(),
            "cadre_gender": pairs["gender"].to_numpy(),
            "kind": pairs["kind"].to_numpy(),
            "target_college": pairs["target_college"].to_numpy(),
            "target_campus": pairs["target_campus"].to_numpy(),
            "target_gender": pairs["target_gender"].to_numpy(),
        }
    )
    ok = eligible(frame, scenario) | pairs["pinned"].to_numpy(bool)
    forbid = pins[pins["rule"] == "forbid"]
    forbidden = set(zip(forbid["cadre"], forbid["kind"], forbid["target"], strict=True))
    keys = list(zip(pairs["cadre"], pairs["kind"], pairs["target"], strict=True))
    ok &= np.array([k not in forbidden for k in keys], dtype=bool)
    reserved = {(k, t) for (_, k, t), good in zip(keys, ok, strict=True) if good}
    central_ids = set(cadres.loc[cadres["central"], "id"])
    for frame_ in (dataset.previous, pins[pins["rule"] == "require"]):
        mine = frame_[frame_["cadre"].isin(central_ids)]
        reserved -= set(zip(mine["kind"], mine["target"], strict=True))
    return frozenset(reserved)


def held_pins(dataset: Dataset, scenario: Scenario, held: frozenset[Pair]) -> list[str]:
    """Require pins of a college plan whose target the approved central plan holds: the
    college plan cannot honour them (plain lines, empty when there are none)."""
    if not held or not scenario.scope.startswith("college="):
        return []
    college = scenario.scope.split("=", 1)[1]
    cadres = dataset.cadres
    own = set(cadres.loc[~cadres["central"] & (cadres["unit"] == college), "id"])
    pins = dataset.pins
    out = []
    for r in pins[(pins["rule"] == "require") & pins["cadre"].isin(own)].itertuples(index=False):
        if (r.kind, r.target) in held:
            out.append(
                f"H6 pins: pin row {r.row} requires cadre {r.cadre} to hold {r.kind} {r.target}, "
                "but the approved central plan holds it. To fix: drop the pin, or ask the "
                "Student Affairs Office to plan the central roles again with this pin in the "
                "data set (the central plan then leaves the target to the college)."
            )
    return out


# --------------------------------------------------------------------------------------------
# Inputs of `planner plan`


@dataclass
class PlanInputs:
    """What ``planner plan`` plans from, after ``--held``, ``--previous`` and pins."""

    dataset: Dataset
    held: frozenset[Pair] = frozenset()
    extra_json: dict[str, Any] = field(default_factory=dict)
    """Keys recorded in ``plan.json`` (see :data:`PREVIOUS_KEY`, :data:`PINS_KEY`)."""
    notes: list[str] = field(default_factory=list)
    """Plain lines for the user (stdout)."""


def plan_inputs(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: Path | None = None,
    previous: Path | None = None,
    require: Sequence[str] = (),
    forbid: Sequence[str] = (),
) -> PlanInputs:
    """Apply the workflow options of ``planner plan`` to ``dataset`` for ``scenario.scope``.

    ``held``: an approved central plan (college scopes only). ``previous``: an approved plan
    folder or a previous table, replacing the data set's ``previous``. ``require``/``forbid``:
    pins ``CADRE:KIND:TARGET``. A central scope leaves to the colleges the targets their cadres
    keep (:func:`reserved_for_colleges`).
    """
    scope = scenario.scope
    extra: dict[str, Any] = {}
    notes: list[str] = []
    if previous is not None:
        path = Path(previous)
        if path.is_file() and path.name == ASSIGNMENTS_CSV and (path.parent / PLAN_JSON).exists():
            path = path.parent
        if path.is_dir():
            frame, source, record = previous_from_plan(path)
            record["rows"] = [
                list(r) for r in zip(frame["cadre"], frame["kind"], frame["target"], strict=True)
            ]
            if record.get("scope") != "university":
                notes.append(
                    f"note: {path} is a plan of scope {record.get('scope')}; only its contacts "
                    "are carried over"
                )
        elif path.is_file():
            frame, source = read_previous_table(path)
            record = {
                "file": source.display,
                "sha256": source.sha256,
                "rows": [
                    list(r)
                    for r in zip(frame["cadre"], frame["kind"], frame["target"], strict=True)
                ],
            }
        else:
            raise UsageError(f"--previous {path}: no such plan folder or file")
        dataset = with_previous(dataset, frame, source)
        extra[PREVIOUS_KEY] = record
        notes.append(f"Last semester's contacts: {len(frame):,} from {source.display}")
    pins = parse_pins(dataset, require, forbid)
    if len(pins):
        dataset = with_pins(dataset, pins)
        extra[PINS_KEY] = _pin_rows(pins)
        first, last = int(pins["row"].min()), int(pins["row"].max())
        rows = f"pin row {first}" if first == last else f"pin rows {first}-{last}"
        notes.append(f"Pins from the command line: {len(pins)} (called {rows} in messages)")
    held_pairs: frozenset[Pair] = frozenset()
    if held is not None:
        if not scope.startswith("college="):
            raise UsageError(
                f"--held is for a college plan (--scope college=ID); this run's scope is {scope}"
            )
        held_pairs = held_from_plan(Path(held))
        blocked = held_pins(dataset, scenario, held_pairs)
        if blocked:
            raise InfeasibleError(blocked)
        college = scope.split("=", 1)[1]
        targets = dataset.targets()
        mine = targets[targets["college"] == college]
        n = sum((k, t) in held_pairs for k, t in zip(mine["kind"], mine["id"], strict=True))
        notes.append(f"Targets of {college} held by the approved central plan: {n}")
    elif scope.startswith("college="):
        dataset = dataclasses.replace(
            dataset,
            warnings=[
                *dataset.warnings,
                "no --held given: targets the central plan holds are not left out of this "
                "college plan, so the merge may find them held twice",
            ],
        )
    elif scope == "central":
        held_pairs = reserved_for_colleges(dataset, scenario)
        if held_pairs:
            notes.append(
                f"Left to the colleges: {len(held_pairs):,} targets that a college cadre keeps "
                "from last semester or is pinned to"
            )
    outside = _pins_outside_scope(dataset, scenario, pins, held_pairs)
    if outside:
        dataset = dataclasses.replace(dataset, warnings=[*dataset.warnings, *outside])
    return PlanInputs(dataset=dataset, held=held_pairs, extra_json=extra, notes=notes)


def _pins_outside_scope(
    dataset: Dataset, scenario: Scenario, pins: pd.DataFrame, held: frozenset[Pair]
) -> list[str]:
    """Warnings for command-line pins whose cadre or target this scope does not plan."""
    if pins.empty or scenario.scope == "university":
        return []
    from planner.problem import scope_cadres, scope_targets

    cadres = set(scope_cadres(dataset, scenario.scope)["id"])
    t = scope_targets(dataset, scenario.scope, held)
    targets = set(zip(t["kind"], t["id"], strict=True))
    return [
        f"--{r.rule} {r.cadre}:{r.kind}:{r.target}: outside this plan's scope "
        f"({scenario.scope}); the pin has no effect here"
        for r in pins.itertuples(index=False)
        if r.cadre not in cadres or (r.kind, r.target) not in targets
    ]


# --------------------------------------------------------------------------------------------
# Merge


@dataclass
class PlanPart:
    """One plan folder given to :func:`merge_plans`."""

    folder: Path
    assignments: pd.DataFrame
    meta: dict[str, Any]
    scenario: Scenario | None
    scope: str
    held: frozenset[Pair]
    approval: dict[str, Any] | None

    @property
    def college(self) -> str | None:
        """The college of a college plan."""
        return self.scope.split("=", 1)[1] if self.scope.startswith("college=") else None

    @property
    def key(self) -> str:
        """Where the part's conflicts are listed: its college, ``central`` or ``university``."""
        if self.scope == "central":
            return _CENTRAL
        return self.college or _UNIVERSITY

    @property
    def label(self) -> str:
        """``the central plan (out/central)`` / ``the plan of college C01 (out/c01)``."""
        if self.scope == "central":
            return f"the central plan ({self.folder})"
        if self.college:
            return f"the plan of college {self.college} ({self.folder})"
        return f"the plan {self.folder} (scope {self.scope})"


@dataclass
class MergeResult:
    """A merged university plan, what ``plan.json`` records besides it, and warnings."""

    plan: Plan
    extra_json: dict[str, Any]
    warnings: list[str]
    parts: list[PlanPart]


def _read_part(folder: Path, problems: list[Problem]) -> PlanPart | None:
    from planner.check import _parse_held

    try:
        assignments, meta = _read_plan(folder)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    where = str(folder / PLAN_JSON)
    scenario = None
    raw = meta.get("scenario")
    if isinstance(raw, dict):
        try:
            scenario = scenario_from_dict(raw, source=where)
        except UsageError as exc:
            problems.extend(Problem(where, 0, "scenario", line) for line in str(exc).splitlines())
    else:
        problems.append(Problem(where, 0, "scenario", "missing: the scenario as applied"))
    scope = str(meta.get("scope") or (scenario.scope if scenario else ""))
    held = _parse_held(meta.get("held", []), where, problems)
    return PlanPart(folder, assignments, meta, scenario, scope, held, None)


def _rules(scenario: Scenario) -> dict[str, Any]:
    """The rules of a scenario, without what may differ between plans of one semester."""
    data = scenario.as_dict()
    for key in ("name", "description", "scope", "solver"):
        data.pop(key, None)
    return data


def merge_plans(dataset: Dataset, folders: Iterable[Path]) -> MergeResult:
    """Merge the central plan and the college plans in ``folders`` into one university plan.

    Checks, and reports by college (raising :class:`MergeConflictError`): a plan changed
    since its approval; a plan that is not a central or college plan, or a college given twice;
    a college with available cadres and no plan; each plan against its own scope and every hard
    rule (a college plan reaching outside its college); a target held in two plans; a cadre in
    two plans; a college plan made against another central plan; then every hard rule on the
    merged plan. Unreadable folders raise :class:`InputError`.
    """
    folders = [Path(f) for f in folders]
    problems: list[Problem] = []
    parts = [p for f in folders if (p := _read_part(f, problems)) is not None]
    if problems:
        raise InputError(problems)
    if not parts:
        raise UsageError("give the central plan and the college plans to merge")
    conflicts: dict[str, list[str]] = {}
    warnings: list[str] = []

    def conflict(key: str, line: str) -> None:
        conflicts.setdefault(key, []).append(line)

    # Approval, scopes, duplicates, missing colleges.
    for part in parts:
        report = verify_plan(part.folder)
        part.approval = report.approval
        if report.approval is not None and not report.ok:
            conflict(
                part.key,
                f"{part.label} was changed after it was approved: {'; '.join(report.lines())}",
            )
    known_colleges = set(dataset.colleges["id"])
    centrals = [p for p in parts if p.scope == "central"]
    if not centrals:
        conflict(_CENTRAL, "no central plan was given (a plan folder made with --scope central)")
    for other in centrals[1:]:
        conflict(
            _CENTRAL,
            f"two central plans were given ({centrals[0].folder} and {other.folder}); give one",
        )
    by_college: dict[str, PlanPart] = {}
    for part in parts:
        if part.scope == "university":
            conflict(
                _UNIVERSITY,
                f"{part.folder} is a plan of the whole university; merge takes the central plan "
                "and the college plans",
            )
        elif part.college is not None:
            if part.college not in known_colleges:
                conflict(
                    part.college, f"{part.label}: college {part.college} is not in the data set"
                )
            elif part.college in by_college:
                conflict(
                    part.college,
                    f"two plans were given for college {part.college} "
                    f"({by_college[part.college].folder} and {part.folder}); give one",
                )
            else:
                by_college[part.college] = part
    cadres = dataset.cadres
    own = cadres[~cadres["central"] & cadres["available"]].groupby("unit").size()
    for college in sorted(known_colleges - set(by_college)):
        n = int(own.get(college, 0))
        if n:
            conflict(
                college,
                f"no plan was given for college {college}, which has {n} available cadre(s); "
                "add its plan folder",
            )
        else:
            warnings.append(
                f"college {college} has no available cadre of its own; only the central plan "
                "covers its targets"
            )

    central = centrals[0] if centrals else None
    base = central or parts[0]
    scenario = base.scenario
    if central is not None and central.approval is None:
        warnings.append(f"{central.label} is not approved; approve it before the colleges plan")

    # Each plan against its own scope and every hard rule, with what it was made from.
    for part in parts:
        if part.scenario is None or part.scope == "university":
            continue
        if scenario is not None and _rules(part.scenario) != _rules(scenario):
            keys = sorted(
                k for k, v in _rules(part.scenario).items() if _rules(scenario).get(k) != v
            )
            warnings.append(
                f"{part.label} was made under other rules than {base.label} "
                f"({', '.join(keys)}); the merged plan is checked under the latter"
            )
        _check_part(dataset, part, conflict)
        _compare_inputs(dataset, part, warnings)

    # Across plans: targets held twice, cadres in two plans, stale held targets.
    _cross_plan_conflicts(dataset, parts, central, by_college, conflict)

    if scenario is None:
        raise _merge_error(conflicts, dataset, parts)
    merged_scenario = scenario.with_changes(scope="university", name=scenario.name)
    merged_ds, extra, more = _merged_inputs(dataset, parts, central)
    warnings += more
    union = pd.concat(
        [
            p.assignments[["cadre_id", "kind", "target_id"]]
            for p in parts
            if p.scope != "university"
        ],
        ignore_index=True,
    )
    if not conflicts:
        from planner.check import check_assignments

        merged_report = check_assignments(merged_ds, merged_scenario, union)
        for line in merged_report.violations:
            conflict(_owner(line, dataset, parts), f"the merged plan breaks a rule: {line}")
    if conflicts:
        raise _merge_error(conflicts, dataset, parts)

    plan = plan_from_assignments(merged_ds, merged_scenario, union, status=MERGED_STATUS)
    plan.changes = _explain_changes(plan, parts)
    plan.warnings = [*plan.warnings, *warnings]
    extra["merged_from"] = [
        {
            "folder": str(p.folder),
            "scope": p.scope,
            "status": p.meta.get("status"),
            "assignments": len(p.assignments),
            "assignments_sha256": _sha_or_none(p.folder / ASSIGNMENTS_CSV),
            "approved_by": (p.approval or {}).get("approved_by"),
            "approved_at": (p.approval or {}).get("approved_at"),
        }
        for p in parts
    ]
    return MergeResult(plan=plan, extra_json=extra, warnings=warnings, parts=parts)


def _owner(line: str, dataset: Dataset, parts: list[PlanPart]) -> str:
    """Where a rule broken by the merged plan is listed: the plan of the first cadre the
    message names, else that cadre's college (or the central plan), else across all plans."""
    found = re.search(r"cadre (\S+)", line)
    if found is None:
        return _UNIVERSITY
    cadre = found[1]
    for part in parts:
        if part.scope != "university" and (part.assignments["cadre_id"] == cadre).any():
            return part.key
    roster = dataset.cadres
    row = roster[roster["id"] == cadre]
    if row.empty:
        return _UNIVERSITY
    return _CENTRAL if bool(row["central"].iloc[0]) else str(row["unit"].iloc[0])


def _sha_or_none(path: Path) -> str | None:
    return file_sha256(path) if path.is_file() else None


def _merge_error(
    conflicts: dict[str, list[str]], dataset: Dataset, parts: list[PlanPart]
) -> MergeConflictError:
    """The conflicts in reading order (central, colleges by id, university) with headings."""
    names = dict(zip(dataset.colleges["id"], dataset.colleges["name"], strict=True))
    folders = {p.college: p.folder for p in parts if p.college}
    central = [p.folder for p in parts if p.scope == "central"]
    headings: dict[str, str] = {
        _CENTRAL: "Central plan" + (f" ({central[0]})" if central else ""),
        _UNIVERSITY: "Across all plans",
    }
    for key in conflicts:
        if key not in headings:
            name = names.get(key)
            where = f" — {folders[key]}" if key in folders else ""
            headings[key] = f"{name} ({key}){where}" if name else f"college {key}{where}"
    order = [
        _CENTRAL,
        *sorted(k for k in conflicts if k not in (_CENTRAL, _UNIVERSITY)),
        _UNIVERSITY,
    ]
    ordered = {k: conflicts[k] for k in order if k in conflicts}
    return MergeConflictError(ordered, headings)


def _check_part(dataset: Dataset, part: PlanPart, conflict: Any) -> None:
    """One plan against its own scope: who it places and which targets it touches.

    The hard rules are then checked once, on the merged plan (cheaper than once per plan and
    stricter: a rule may hold within each plan and break across them).
    """
    cadres = dataset.cadres[["id", "role", "unit", "central", "available"]]
    targets = dataset.targets()[["kind", "id", "college"]]
    f = part.assignments[["cadre_id", "kind", "target_id"]].merge(
        cadres.rename(columns={"id": "cadre_id"}), on="cadre_id", how="left", indicator="known"
    )
    f = f.merge(
        targets.rename(columns={"id": "target_id", "college": "owner"}),
        on=["kind", "target_id"],
        how="left",
        indicator="exists",
    )
    on_roster = (f["known"] == "both").to_numpy(bool)
    exists = (f["exists"] == "both").to_numpy(bool)
    central = f["central"].eq(True).to_numpy(bool)
    available = f["available"].eq(True).to_numpy(bool)
    college = part.college
    if part.scope == "central":
        foreign = on_roster & available & ~central
    elif college is not None:
        foreign = on_roster & available & (central | (f["unit"] != college).to_numpy(bool))
    else:
        foreign = np.zeros(len(f), dtype=bool)
    outside = (
        exists & (f["owner"] != college).to_numpy(bool)
        if college is not None
        else np.zeros(len(f), dtype=bool)
    )
    keys = zip(f["kind"], f["target_id"], strict=True)
    held = np.array([k in part.held for k in keys], dtype=bool) & exists & ~outside
    say = f"{part.label}:"
    for r in f[~on_roster].itertuples(index=False):
        conflict(
            part.key,
            f"{say} cadre {r.cadre_id} is not on the roster, but holds {r.kind} {r.target_id}",
        )
    for r in f[on_roster & ~available].itertuples(index=False):
        conflict(
            part.key, f"{say} cadre {r.cadre_id} is on leave, but holds {r.kind} {r.target_id}"
        )
    for r in f[foreign].itertuples(index=False):
        if part.scope == "central":
            whose = f"a college cadre, placed by college {r.unit}"
        else:
            whose = "a central cadre" if r.central else f"a cadre of college {r.unit}"
            whose += f", not of college {college}"
        conflict(
            part.key,
            f"{say} cadre {r.cadre_id} ({r.role}) is {whose}, but this plan gives them "
            f"{r.kind} {r.target_id}",
        )
    for r in f[~exists].itertuples(index=False):
        conflict(part.key, f"{say} cadre {r.cadre_id} holds unknown {r.kind} {r.target_id}")
    for r in f[outside].itertuples(index=False):
        where = f"college {r.owner}" if isinstance(r.owner, str) else "university level"
        conflict(
            part.key,
            f"{say} {r.kind} {r.target_id} belongs to {where}, outside this college's plan "
            f"(held by cadre {r.cadre_id})",
        )
    why = (
        "is held by the central plan"
        if college is not None
        else "was left to its college (a college cadre keeps it)"
    )
    for r in f[held].itertuples(index=False):
        conflict(
            part.key, f"{say} {r.kind} {r.target_id} {why}, but this plan gives it to {r.cadre_id}"
        )


def _compare_inputs(dataset: Dataset, part: PlanPart, warnings: list[str]) -> None:
    """Warn when a plan was made from other data files than the ones given to the merge."""
    inputs = part.meta.get("inputs")
    if not isinstance(inputs, dict):
        return
    differ = []
    for table, source in sorted(dataset.sources.items()):
        if table == "previous" and PREVIOUS_KEY in part.meta:
            continue
        recorded = inputs.get(table)
        if isinstance(recorded, dict) and recorded.get("sha256") not in (None, source.sha256):
            differ.append(table)
    if differ:
        warnings.append(
            f"{part.label} was made from other data than given here (tables: "
            f"{', '.join(differ)}); it is checked against the data given"
        )


def _cross_plan_conflicts(
    dataset: Dataset,
    parts: list[PlanPart],
    central: PlanPart | None,
    by_college: dict[str, PlanPart],
    conflict: Any,
) -> None:
    """Targets held in two plans, cadres in two plans, college plans made against another
    central plan."""
    target_college = {
        (k, t): c
        for k, t, c in zip(
            *(dataset.targets()[col] for col in ("kind", "id", "college")), strict=True
        )
    }
    cadre_unit = dict(zip(dataset.cadres["id"], dataset.cadres["college"], strict=True))
    holders: dict[Pair, list[tuple[str, PlanPart]]] = {}
    cadre_parts: dict[str, list[PlanPart]] = {}
    for part in parts:
        if part.scope == "university":
            continue
        a = part.assignments
        for cadre, kind, target in zip(a["cadre_id"], a["kind"], a["target_id"], strict=True):
            holders.setdefault((kind, target), []).append((cadre, part))
            plans = cadre_parts.setdefault(cadre, [])
            if part not in plans:
                plans.append(part)
    for (kind, target), held_by in sorted(holders.items()):
        distinct = {id(p) for _, p in held_by}
        if len(distinct) < 2:
            continue
        where = "; ".join(f"cadre {c} in {p.label}" for c, p in held_by)
        college = target_college.get((kind, target))
        key = college if isinstance(college, str) else held_by[-1][1].key
        conflict(key, f"{kind} {target} is held in two plans: {where}")
    for cadre, plans in sorted(cadre_parts.items()):
        if len(plans) < 2:
            continue
        unit = cadre_unit.get(cadre)
        key = unit if isinstance(unit, str) else _CENTRAL
        conflict(
            key, f"cadre {cadre} is in {len(plans)} plans: {', '.join(p.label for p in plans)}"
        )
    if central is None:
        return
    central_targets = set(
        zip(central.assignments["kind"], central.assignments["target_id"], strict=True)
    )
    for college, part in sorted(by_college.items()):
        expected = {pair for pair in central_targets if target_college.get(pair) == college}
        left = {pair for pair in part.held if target_college.get(pair) == college}
        if expected == left:
            continue
        extra = sorted(expected - left)
        stale = sorted(left - expected)
        details = []
        if extra:
            details.append(
                f"the central plan holds {len(extra)} target(s) this plan did not leave out "
                f"(e.g. {extra[0][0]} {extra[0][1]})"
            )
        if stale:
            details.append(
                f"this plan left out {len(stale)} target(s) the central plan does not hold "
                f"(e.g. {stale[0][0]} {stale[0][1]})"
            )
        conflict(
            college,
            f"{part.label} was made against another central plan: {'; '.join(details)}. Plan "
            f"the college again with --held {central.folder}",
        )


def _merged_inputs(
    dataset: Dataset, parts: list[PlanPart], central: PlanPart | None
) -> tuple[Dataset, dict[str, Any], list[str]]:
    """The data set of the merged plan: last semester's contacts as the plans had them (the
    central plan's, when they differ), and every plan's command-line pins."""
    warnings: list[str] = []
    extra: dict[str, Any] = {}
    usable = [p for p in parts if p.scope != "university"]
    records = {_previous_sha(p) for p in usable}
    base = central or (usable[0] if usable else None)
    if len(records) > 1:
        warnings.append(
            "the plans were made from different tables of last semester's contacts; the merged "
            f"plan uses the one of {base.label if base else 'the data set'}"
        )
    merged = dataset
    if base is not None and isinstance(base.meta.get(PREVIOUS_KEY), dict):
        record = dict(base.meta[PREVIOUS_KEY])
        merged = as_planned(merged, {PREVIOUS_KEY: record}, str(base.folder / PLAN_JSON))
        extra[PREVIOUS_KEY] = record
    pins: list[list[str]] = []
    for part in usable:
        for row in part.meta.get(PINS_KEY) or []:
            if isinstance(row, list) and row not in pins:
                pins.append(row)
    if pins:
        merged = as_planned(merged, {PINS_KEY: pins})
        extra[PINS_KEY] = pins
    return merged, extra, warnings


def _previous_sha(part: PlanPart) -> str | None:
    """The hash of the previous table a plan continued from (``None``: the data set's)."""
    record = part.meta.get(PREVIOUS_KEY)
    return str(record.get("sha256")) if isinstance(record, dict) else None


def plan_from_assignments(
    dataset: Dataset,
    scenario: Scenario,
    assignments: pd.DataFrame,
    *,
    held: frozenset[Pair] = frozenset(),
    status: str = MERGED_STATUS,
) -> Plan:
    """A :class:`~planner.plan.Plan` describing given assignments, without solving.

    Every frame (assignments, uncovered with reasons, changes, coverage) and every term is
    computed from the pairs exactly as for a solved plan. There is no proven bound: ``bound``
    and ``gap`` are NaN (``null`` in ``plan.json``). Every ``(cadre_id, kind, target_id)`` must
    name an available cadre and a target of ``scenario.scope`` (check first).
    """
    from planner.planning import describe
    from planner.problem import build_problem
    from planner.solve import Solution

    problem = build_problem(dataset, scenario, held)
    cadre_index = pd.Series(problem.cadres.index, index=problem.cadres["id"].to_numpy())
    target_index = pd.Series(
        problem.targets.index,
        index=pd.Index(
            list(zip(problem.targets["kind"], problem.targets["id"], strict=True)),
            tupleize_cols=False,
        ),
    )
    keys = pd.Series(
        list(zip(assignments["kind"], assignments["target_id"], strict=True)), dtype=object
    )
    cadre = assignments["cadre_id"].reset_index(drop=True).map(cadre_index)
    target = keys.map(target_index)
    missing = cadre.isna() | target.isna()
    if missing.any():
        row = assignments.reset_index(drop=True)[missing.to_numpy()].iloc[0]
        raise ValueError(
            f"cadre {row['cadre_id']} / {row['kind']} {row['target_id']} is not in scope "
            f"{scenario.scope}"
        )
    pairs = pd.DataFrame({"cadre": cadre.astype(int), "target": target.astype(int)})
    solution = Solution(
        y=np.zeros(0, dtype=np.int64),
        keep=np.zeros(0, dtype=np.int64),
        status=status,
        objective=0.0,
        bound=float("nan"),
    )
    plan = describe(problem, solution, pairs)
    plan.objective = float(
        sum(TERM_SENSE[n] * scenario.weight(n) * t.value for n, t in plan.terms.items())
    )
    plan.bound = float("nan")
    plan.gap = float("nan")
    return plan


def _explain_changes(plan: Plan, parts: list[PlanPart]) -> pd.DataFrame:
    """In a merged plan, say which plan took an ended contact's target."""
    changes = plan.changes.copy()
    if changes.empty:
        return changes
    part_of: dict[str, PlanPart] = {}
    for part in parts:
        for cadre in part.assignments["cadre_id"]:
            part_of.setdefault(cadre, part)
    a = plan.assignments
    holder = {
        (k, t): (c, n)
        for c, n, k, t in zip(
            a["cadre_id"], a["cadre_name"], a["kind"], a["target_id"], strict=True
        )
    }
    reasons = changes["reason"].tolist()
    for i, row in enumerate(changes.itertuples(index=False)):
        if row.status != "ended" or not str(row.reason).startswith("coverage gain"):
            continue
        found = holder.get((row.kind, row.target_id))
        if found is None:
            continue
        cadre, name = found
        theirs, mine = part_of.get(cadre), part_of.get(row.cadre_id)
        if theirs is not None and mine is not None and theirs is not mine:
            reasons[i] = f"{theirs.label.split(' (')[0]} placed {name} ({cadre}) at this {row.kind}"
    changes["reason"] = reasons
    return changes

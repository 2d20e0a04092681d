"""Writing a plan folder (data contract section 3), all or nothing.

:func:`write_plan` builds every file in a hidden temporary folder next to the destination
(``.NAME.PID.XXXXXXXX``) and renames it into place only when everything is written, so a reader
never sees half a plan and a failure (full disk, read-only folder, a bug) leaves nothing
behind. A run killed outright (SIGKILL, power cut) may leave its hidden folder; the next write
of the same plan folder removes it. A previous plan in the destination is replaced; an
approved plan (``approval.json``) and folders holding anything the planner did not write are
never touched.

Files: ``assignments.csv``, ``uncovered.csv``, ``changes.csv``, ``coverage.csv`` (UTF-8 with
BOM, so Excel opens Chinese text correctly), ``assignments.xlsx`` (see
:mod:`planner.report.workbook`), the heatmaps (see :mod:`planner.plot`) and ``plan.json``,
written last.

Text that a spreadsheet would evaluate as a formula is made inert in the CSV files and written
as a plain text cell in the workbook (:mod:`planner.io.cells`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import platform
import re
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.contract import KINDS
from planner.errors import OutputError
from planner.i18n import N_
from planner.i18n import gettext as _
from planner.io.cells import neutralize
from planner.io.plan_folder import (
    APPROVAL_JSON,
    ASSIGNMENTS_CSV,
    CHANGES_CSV,
    COVERAGE_CSV,
    PLAN_FILES,
    PLAN_JSON,
    UNCOVERED_CSV,
    WORKBOOK,
    is_lock_file,
    recorded_files,
)
from planner.plan import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
    COVERAGE_COLUMNS,
    UNCOVERED_COLUMNS,
    Plan,
)
from planner.report.render import Rendering

VERSIONED_PACKAGES = ("planner", "ortools", "pandas", "numpy", "openpyxl", "matplotlib")
"""Packages whose versions ``plan.json`` records (``python`` is added)."""

STALE_SECONDS = 3600.0
"""A hidden folder of a plan write that is older than this was left by a run that was killed."""

_LEFTOVER = re.compile(r"(old\.)?(\d+)\.[0-9a-f]{8}")
"""The end of a hidden folder's name ``.NAME.[old.]PID.HEX`` (see :func:`_clear_leftovers`)."""


def write_plan(
    plan: Plan,
    out: Path,
    *,
    targets: pd.DataFrame | None = None,
    extra_json: dict[str, Any] | None = None,
    rendering: Rendering | None = None,
) -> list[Path]:
    """Write the plan folder ``out`` atomically; return the files written (inside ``out``).

    ``targets`` is ``Dataset.targets()``, needed by the campus × kind and dorm heatmaps (they
    are left out when it is ``None``). ``extra_json`` is merged into ``plan.json`` (its keys
    win). ``rendering`` is the same plan's workbook and heatmaps already being made (see
    :class:`Rendering`); without it they are made here. A previous plan in ``out`` is
    replaced.

    Raises :class:`~planner.errors.OutputError` (and writes nothing) when ``out`` holds an
    approved plan, holds files that are not a plan's, or cannot be written.
    """
    out = Path(out)
    if out.is_symlink():
        out = out.resolve()
    _clear_leftovers(out)
    check_destination(out)
    parent = out.parent
    created_parents: list[Path] = []
    temp: Path | None = None
    done = False
    try:
        created_parents = _make_parents(parent)
        temp = _make_temp_dir(parent, out.name)
        names = _write_files(
            plan, temp, targets=targets, extra_json=extra_json, rendering=rendering
        )
        check_destination(out)  # it may have been approved while we were writing
        _move_into_place(temp, out)
        temp = None
        done = True
    except OSError as exc:
        raise OutputError(f"cannot write the plan to {out}: {describe_os_error(exc)}") from exc
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        if not done:
            for folder in reversed(created_parents):
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return [out / name for name in names]


@contextlib.contextmanager
def out_lock(out: Path) -> Iterator[None]:
    """Hold the lock of plan folder ``out`` while a command makes the plan and writes it.

    Two runs into one ``--out`` would both say "Wrote 9 files" and the later would silently
    replace the first: the second stops at once with a message instead
    (:class:`~planner.errors.OutputError`). The lock is an operating-system lock on a hidden
    file beside the folder (``.NAME.lock``; filelock), so a run that is killed outright holds
    it no longer; the file is removed when the run ends. Folders made for the lock are removed
    again when they stay empty.
    """
    from filelock import FileLock, Timeout

    out = Path(out).absolute()
    try:
        created = _make_parents(out.parent)
        if not out.parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(out.parent))
    except OSError as exc:
        raise OutputError(f"cannot write the plan to {out}: {describe_os_error(exc)}") from exc
    path = out.parent / f".{out.name}.lock"
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(
            _(
                "another planner run is writing the plan to {out}; wait until it has finished, "
                "or choose another --out"
            ).format(out=out)
        ) from None
    except OSError as exc:
        _remove_empty(created)
        raise OutputError(f"cannot write the plan to {out}: {describe_os_error(exc)}") from exc
    try:
        yield
    finally:
        lock.release()
        with contextlib.suppress(OSError):
            path.unlink()
        _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (innermost last in the list) where they are empty."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def check_destination(out: Path) -> None:
    """Raise :class:`OutputError` unless a plan may be written to ``out``.

    Allowed: ``out`` does not exist, is an empty folder, or holds a previous plan that is not
    approved and holds nothing but the planner's own files.
    """
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise OutputError(_("{out} is a file, not a folder; choose another --out").format(out=out))
    approval = out / APPROVAL_JSON
    if approval.exists():
        raise OutputError(
            _("{out} holds {approval}; choose another --out").format(
                out=out, approval=_approval_text(approval)
            )
        )
    try:
        entries = sorted(out.iterdir())
    except OSError as exc:
        raise OutputError(
            _("cannot write the plan to {out}: {reason}").format(
                out=out, reason=describe_os_error(exc)
            )
        ) from exc
    if not entries:
        return
    if not (out / PLAN_JSON).is_file():
        raise OutputError(
            _(
                "{out} is not empty and does not hold a plan (no {file}); the planner never "
                "deletes other files: choose another --out"
            ).format(out=out, file=PLAN_JSON)
        )
    locks = [e.name for e in entries if is_lock_file(e.name)]
    if locks:
        raise OutputError(
            _(
                "a file of the plan in {out} is open in a spreadsheet program ({lock}); close "
                "it and run again (if nothing is open, delete the lock file)"
            ).format(out=out, lock=locks[0])
        )
    recorded = recorded_files(out / PLAN_JSON)
    foreign = [
        e.name
        for e in entries
        if not (
            e.is_file()
            and not e.is_symlink()
            and (e.name in PLAN_FILES or e.name in recorded or e.suffix == ".png")
        )
    ]
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise OutputError(
            _(
                "{out} holds a previous plan and also files the planner did not write "
                "({files}); the planner never deletes them: move them elsewhere or choose "
                "another --out"
            ).format(out=out, files=shown)
        )


def describe_os_error(exc: OSError) -> str:
    """A plain-language reason for a failed write (``the disk is full``, …)."""
    denied = N_("permission denied (the folder is read-only or belongs to someone else)")
    reasons = {
        errno.ENOSPC: N_("the disk is full"),
        errno.EDQUOT: N_("the disk quota is used up"),
        errno.EACCES: denied,
        errno.EPERM: denied,
        errno.EROFS: N_("the disk is read-only"),
        errno.ENAMETOOLONG: N_("the folder name is too long"),
        errno.EBUSY: N_("a file in the folder is in use by another program"),
        errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    }
    if exc.errno in reasons:
        return _(reasons[exc.errno])
    if getattr(exc, "winerror", None) in (32, 33):  # Windows sharing/lock violation
        return _("a file in the folder is open in another program; close it and run again")
    return exc.strerror or str(exc) or type(exc).__name__


def write_file(path: Path, data: bytes) -> None:
    """Write a made file (the workbook, a heatmap) into the plan's temporary folder."""
    path.write_bytes(data)


def write_csv(frame: pd.DataFrame, path: Path, first: list[str]) -> None:
    """Write ``frame`` as UTF-8 CSV with BOM: columns ``first``, then the rest; text inert.

    A column of ``first`` the frame lacks is written empty (the contract requires it).
    """
    columns = list(first) + [c for c in frame.columns if c not in first]
    table = frame.reindex(columns=columns)
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(neutralize)
    # CRLF (RFC 4180, as Excel writes): the csv module then quotes a bare CR inside a cell too.
    table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def plan_document(
    plan: Plan, *, files: list[str] | None = None, extra_json: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The content of ``plan.json`` as plain JSON data, keys in a fixed order."""
    doc: dict[str, Any] = {
        "status": plan.status,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "solve_seconds": plan.solve_seconds,
        "terms": {
            name: {
                "label": term.label,
                "sense": term.sense,
                "value": term.value,
                "bound": term.bound,
                "optimal": term.optimal,
            }
            for name, term in plan.terms.items()
        },
        "stages": plan.stages,
        "scenario": plan.scenario,
        "scope": plan.scope,
        "held": [list(pair) for pair in getattr(plan, "held", [])],
        "inputs": plan.inputs,
        "versions": software_versions(),
        "warnings": plan.warnings,
        "capacity": plan.capacity,
        "counts": plan_counts(plan),
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": files or [],
    }
    doc.update(extra_json or {})
    result: dict[str, Any] = to_json(doc)
    return result


def software_versions() -> dict[str, str | None]:
    """Versions of Python and of :data:`VERSIONED_PACKAGES` (``None`` if not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def plan_counts(plan: Plan) -> dict[str, Any]:
    """Row counts of the plan: assignments (by kind), cadres used, uncovered, changes."""
    a, u, c = plan.assignments, plan.uncovered, plan.changes

    def by_kind(frame: pd.DataFrame) -> dict[str, int]:
        counts = frame["kind"].value_counts() if "kind" in frame else pd.Series(dtype=int)
        return {k.value: int(counts.get(k.value, 0)) for k in KINDS}

    return {
        "assignments": len(a),
        "assignments_by_kind": by_kind(a),
        "cadres": int(a["cadre_id"].nunique()) if "cadre_id" in a else 0,
        "kept": int(a["kept"].eq(True).sum()) if "kept" in a else 0,
        "uncovered": len(u),
        "uncovered_by_kind": by_kind(u),
        "changes": (
            {str(k): int(v) for k, v in c["status"].value_counts().sort_index().items()}
            if "status" in c
            else {}
        ),
    }


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data: numpy/pandas scalars unboxed, NaN and ±inf as ``None``."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json(v) for v in value), key=str)
    if is_dataclass(value) and not isinstance(value, type):
        return to_json(asdict(value))
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):  # a pydantic model
        return to_json(value.model_dump(mode="json"))
    return str(value)


def _write_files(
    plan: Plan,
    folder: Path,
    *,
    targets: pd.DataFrame | None,
    extra_json: Mapping[str, Any] | None,
    rendering: Rendering | None = None,
) -> list[str]:
    """Write every file of the plan into ``folder``; return their names, plan.json last."""
    write_csv(plan.assignments, folder / ASSIGNMENTS_CSV, ASSIGNMENT_COLUMNS[:3])
    write_csv(plan.uncovered, folder / UNCOVERED_CSV, UNCOVERED_COLUMNS[:3])
    write_csv(plan.changes, folder / CHANGES_CSV, CHANGE_COLUMNS)
    write_csv(_coverage_table(plan.coverage), folder / COVERAGE_CSV, COVERAGE_COLUMNS)
    files = (rendering or Rendering(plan, targets)).files()
    for name, data in files.items():
        write_file(folder / name, data)
    images = [name for name in files if name != WORKBOOK]
    names = [ASSIGNMENTS_CSV, UNCOVERED_CSV, CHANGES_CSV, COVERAGE_CSV, WORKBOOK]
    names += [*images, PLAN_JSON]
    doc = plan_document(plan, files=names, extra_json=extra_json)
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
    (folder / PLAN_JSON).write_text(text + "\n", encoding="utf-8")
    return names


def _coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """``Plan.coverage`` plus ``share`` (covered / targets, 4 decimals; empty without targets)."""
    table = coverage.copy()
    if {"targets", "covered"} <= set(table.columns):
        targets = table["targets"].astype(float)
        share = (table["covered"].astype(float) / targets).where(targets > 0)
        table["share"] = share.round(4)
    return table


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; return the ones created, outermost first."""
    missing: list[Path] = []
    current = folder
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    missing.reverse()
    for path in missing:
        path.mkdir()
    return missing


def _make_temp_dir(parent: Path, name: str) -> Path:
    """A new empty hidden folder ``.NAME.PID.XXXXXXXX`` in ``parent`` (mode from the umask)."""
    for _attempt in range(100):
        candidate = parent / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(errno.EEXIST, "cannot find a free temporary folder name", str(parent))


def _move_into_place(temp: Path, out: Path) -> None:
    """Rename ``temp`` to ``out``; an existing ``out`` is set aside first and then deleted."""
    if not os.path.lexists(out):
        os.rename(temp, out)
        return
    aside = out.parent / f".{out.name}.old.{os.getpid()}.{secrets.token_hex(4)}"
    os.rename(out, aside)
    try:
        os.rename(temp, out)
    except OSError:
        os.rename(aside, out)  # put the previous plan back
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _clear_leftovers(out: Path) -> None:
    """Remove the hidden folders a killed run left next to ``out``.

    A run killed while writing (power cut, SIGKILL) leaves ``.NAME.PID.HEX`` (a plan being
    written) or ``.NAME.old.PID.HEX`` (the previous plan set aside). Such a folder is abandoned
    when its process has ended (POSIX) or it is older than :data:`STALE_SECONDS`; a folder of a
    run still writing is left alone. If the run was killed between setting the previous plan
    aside and moving the new one in, the previous plan (whole: it has its ``plan.json``) is
    put back instead of deleted.
    """
    prefix = f".{out.name}."
    try:
        entries = sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return
    for entry in entries:
        match = _LEFTOVER.fullmatch(entry.name[len(prefix) :])
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        if not _abandoned(entry, int(match[2])):
            continue
        if match[1] and not os.path.lexists(out) and (entry / PLAN_JSON).is_file():
            with contextlib.suppress(OSError):
                os.rename(entry, out)
                continue
        shutil.rmtree(entry, ignore_errors=True)


def _abandoned(folder: Path, pid: int) -> bool:
    """Whether the run that made ``folder`` has ended (see :func:`_clear_leftovers`)."""
    if pid == os.getpid():
        return False
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    if age > STALE_SECONDS:
        return True
    if os.name != "posix":  # on Windows os.kill(pid, 0) would end that process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it runs, as another user
        return False
    return False


def _approval_text(path: Path) -> str:
    """``an approved plan (approved by X on Y)`` from ``approval.json``, as far as readable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    by = next((data[k] for k in ("approved_by", "by", "approver", "name") if data.get(k)), None)
    on = next((data[k] for k in ("approved_at", "at", "date", "time", "on") if data.get(k)), None)
    if by and on:
        return _("an approved plan (approved by {who} on {when})").format(who=by, when=on)
    if by:
        return _("an approved plan (approved by {who})").format(who=by)
    if on:
        return _("an approved plan (on {when})").format(when=on)
    return _("an approved plan")

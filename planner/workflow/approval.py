"""Approving a plan, and confirming later that it is exactly as approved.

Approval (``approval.json``) records who approved, when, the planner version and the SHA-256
of every file in the folder; :func:`verify_plan` recomputes them. Nothing ever writes into an
approved folder (:func:`planner.report.write.write_plan` refuses it), and the files are made
read-only. The hashes detect any change made after approval, deliberate or not; they are not a
signature (whoever can edit the folder can also recompute them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from planner import __version__
from planner.check.checker import check_plan_dir
from planner.dataset import Dataset
from planner.errors import PlannerError, UsageError
from planner.i18n import gettext as _
from planner.io.plan_folder import APPROVAL_JSON, PLAN_JSON, is_lock_file


class WorkflowError(PlannerError):
    """A plan folder is not in the state a step needs (not approved, changed since approval,
    approved already, breaks a rule) (exit code 1)."""

    exit_code = 1


IGNORED_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files an operating system puts into folders by itself; approval ignores them."""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignored(name: str) -> bool:
    return name in IGNORED_FILES or is_lock_file(name)


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
            _("{file} cannot be read ({reason}); the approval cannot be checked").format(
                file=path, reason=exc
            )
        ) from None
    if not isinstance(data, dict):
        raise WorkflowError(
            _("{file} is not an approval record (expected a JSON object)").format(file=path)
        )
    return data


def _approval_words(approval: dict[str, Any]) -> str:
    by = approval.get("approved_by") or "?"
    at = approval.get("approved_at") or "?"
    return _("approved by {who} on {when}").format(who=by, when=at)


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
    folder = Path(plan_dir)
    name = " ".join(str(by).split())
    if not name:
        raise UsageError(_("--by: give the name of the person who approves the plan"))
    if not folder.is_dir():
        raise UsageError(_("{folder}: no such plan folder").format(folder=folder))
    existing = _read_approval(folder)
    if existing is not None:
        raise WorkflowError(
            _(
                "{folder} is already {approval}; an approved plan is never changed. To approve "
                "a different plan, write it to a new folder."
            ).format(folder=folder, approval=_approval_words(existing))
        )
    locks = [e.name for e in folder.iterdir() if is_lock_file(e.name)]
    if locks:
        raise WorkflowError(
            _(
                "a file of {folder} is open in a spreadsheet program ({lock}); close it and "
                "approve again (if nothing is open, delete the lock file)"
            ).format(folder=folder, lock=locks[0])
        )
    files, odd = _folder_files(folder)
    if odd:
        raise WorkflowError(
            _(
                "{folder} holds {names}, which is not a plain file; a plan folder holds only the "
                "files the planner wrote. Move it elsewhere and approve again."
            ).format(folder=folder, names=", ".join(odd))
        )
    report = check_plan_dir(dataset, folder)
    if not report.ok:
        shown = report.violations[:10]
        more = len(report.violations) - len(shown)
        lines = [_("{folder} breaks the rules; it was not approved:").format(folder=folder)]
        lines += [f"  - {v}" for v in shown]
        if more:
            lines.append("  " + _("... and {n} more (run planner check)").format(n=more))
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
                _(
                    "{folder} is not approved (it holds no {record}); approve it with planner "
                    "approve {folder} --by NAME"
                ).format(folder=self.folder, record=APPROVAL_JSON)
            ]
        out = list(self.problems)
        out += [_("{file} was changed after approval").format(file=n) for n in self.changed]
        out += [_("{file} was deleted after approval").format(file=n) for n in self.missing]
        out += [_("{file} was added after approval").format(file=n) for n in self.added]
        return out


def verify_plan(plan_dir: Path) -> VerifyReport:
    """Recompute the hashes of an approved plan folder and compare them with ``approval.json``."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise UsageError(_("{folder}: no such plan folder").format(folder=folder))
    approval = _read_approval(folder)
    report = VerifyReport(folder, approval)
    if approval is None:
        return report
    recorded = approval.get("files")
    if not isinstance(recorded, dict) or not recorded:
        report.problems.append(
            _("{record} lists no files: the approval record is damaged").format(
                record=APPROVAL_JSON
            )
        )
        return report
    if approval.get("seal") != _seal(approval):
        report.problems.append(_("{record} was edited after approval").format(record=APPROVAL_JSON))
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
        raise UsageError(
            _("{option} {folder}: not a plan folder (no {file})").format(
                option=option, folder=folder, file=PLAN_JSON
            )
        )
    report = verify_plan(folder)
    if report.approval is None:
        raise UsageError(
            _(
                "{option} {folder}: this plan is not approved; only an approved plan can be "
                "used here. Approve it first: planner approve {folder} --by NAME"
            ).format(option=option, folder=folder)
        )
    if not report.ok:
        raise UsageError(
            _(
                "{option} {folder}: the plan was changed after it was approved ({changes}). "
                "Restore the approved files, or use another approved plan."
            ).format(option=option, folder=folder, changes="; ".join(report.lines()))
        )
    return report.approval

"""The printable documents of a plan folder: the approval pack and the letters to cadres.

The documents themselves are made in :mod:`planner.report.pack` and
:mod:`planner.ledger.letters` from a plan and its data; this module reads a plan folder for
them and vouches for what is printed: an approved folder is verified first
(:func:`planner.workflow.approval.verify_plan`), since a printout of a folder changed after
approval would show a plan nobody approved, and every page carries the hash of the files.
"""

from __future__ import annotations

from pathlib import Path

from planner.dataset import Dataset
from planner.i18n import gettext as _
from planner.i18n import use_language
from planner.io.plan_folder import read_plan
from planner.ledger.letters import LetterOptions, write_letters
from planner.report import printing as words
from planner.report.pack import HEATMAP_CAPTIONS, PackOptions, default_pack_path, pack_pdf
from planner.report.pdf import write_bytes_atomic
from planner.report.printing import Fingerprint
from planner.workflow.approval import WorkflowError, folder_hashes, verify_plan


def fingerprint(plan_dir: Path) -> Fingerprint:
    """The fingerprint of a plan folder.

    An approved folder is verified first (:func:`~planner.workflow.approval.verify_plan`):
    when a file changed since approval a :class:`~planner.workflow.approval.WorkflowError` says
    which, since a printout of it would show a plan nobody approved.
    """
    report = verify_plan(Path(plan_dir))
    if report.approval is None:
        return Fingerprint(folder_hashes(Path(plan_dir)))
    if not report.ok:
        raise WorkflowError(
            _("{folder} was changed after it was approved ({changes}); nothing was printed").format(
                folder=plan_dir, changes="; ".join(report.lines())
            )
        )
    return Fingerprint(dict(report.approval["files"]), dict(report.approval))


def write_pack(
    plan_dir: Path,
    data: Dataset,
    out: Path | None = None,
    options: PackOptions | None = None,
) -> Path:
    """Make the pack of the plan folder ``plan_dir`` and write it to ``out`` atomically
    (default :func:`default_pack_path`); return the path written."""
    options = options or PackOptions()
    pdf = pack_folder(plan_dir, data, options)
    return write_bytes_atomic(Path(out) if out else default_pack_path(plan_dir, options), pdf)


def pack_folder(plan_dir: Path, data: Dataset, options: PackOptions | None = None) -> bytes:
    """The pack of the plan folder ``plan_dir`` (read with
    :func:`planner.io.plan_folder.read_plan`), with the folder's heatmaps and file hashes, as PDF
    bytes."""
    options = options or PackOptions()
    folder = Path(plan_dir)
    plan = read_plan(folder)
    with use_language(options.language):
        print_ = fingerprint(folder)
    images = {
        name: (folder / name).read_bytes() for name in HEATMAP_CAPTIONS if (folder / name).is_file()
    }
    return pack_pdf(
        plan, data, options, fingerprint=print_, images=images, made=words.plan_created(folder)
    )


def write_letters_of_folder(
    plan_dir: Path,
    data: Dataset,
    out_dir: Path | None = None,
    options: LetterOptions | None = None,
) -> list[Path]:
    """The letters of the plan folder ``plan_dir``, written to ``out_dir`` (default: the
    folder ``PLAN_DIR-letters`` beside it, never into the plan folder)."""
    options = options or LetterOptions()
    folder = Path(plan_dir)
    plan = read_plan(folder)
    with use_language(options.language):
        print_ = fingerprint(folder)
    target = out_dir or folder.resolve().parent / f"{folder.resolve().name}-letters"
    return write_letters(plan, data, target, options, fingerprint=print_)

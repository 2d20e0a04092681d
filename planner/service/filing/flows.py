"""The steps of filing: adjust a part (a re-plan job), undo, file (备案), withdraw, return
(退回修改), approve, start the next semester, and the conflicts that send a filed part back.

Who may act on which part: a college secretary on its own college's part; SAO staff and the
administrator on the central part; the SAO returns a filed college part; only the
administrator approves. A part another user may not see is "not found" (:class:`NotYours`),
whatever its state; a step the part's state forbids is :class:`WrongState`. Every state
change is written to the audit log in the transaction that makes it.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.service import engine
from planner.service.audit.service import record
from planner.service.db import Database, utcnow
from planner.service.failpoints import failpoint
from planner.service.filing import parts as workflow
from planner.service.filing.models import Adjustment, AdjustmentState
from planner.service.forms import FormError
from planner.service.jobs import service as jobs
from planner.service.jobs.models import Job, JobKind, JobState
from planner.service.permissions import Principal
from planner.service.plans import service as plans
from planner.service.plans.models import (
    CENTRAL,
    Assignment,
    Coverage,
    PartState,
    Plan,
    PlanPart,
    PlanState,
    Uncovered,
)
from planner.service.roles import Role
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion, Semester
from planner.service.storage import Storage

CENTRAL_KEY = "central"
"""How URLs name the central part."""


class NotYours(Exception):
    """The part does not exist, or the user may not see it (one answer: 404)."""


class Forbidden(Exception):
    """The user sees the part but may not take this step on it (403)."""


class WrongState(Exception):
    """The step is not allowed in the part's (or the semester's) state (409); ``message``
    says why in the user's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def college_of_key(key: str) -> str:
    """The part's ``college`` column from its URL key."""
    return CENTRAL if key == CENTRAL_KEY else key


def key_of(college: str) -> str:
    """The URL key of a part."""
    return CENTRAL_KEY if college == CENTRAL else college


# --------------------------------------------------------------------------------------------
# Finding things


def current_proposal(db: Session, semester_id: int) -> Plan | None:
    """The newest whole-university proposal of the semester (the one the colleges file)."""
    return db.scalar(
        select(Plan)
        .where(
            Plan.semester_id == semester_id,
            Plan.state == PlanState.PROPOSAL,
            Plan.scope == "university",
        )
        .order_by(Plan.id.desc())
        .limit(1)
    )


def parts_of(db: Session, plan_id: int) -> list[PlanPart]:
    """Every part of a plan: the central one first, then the colleges by id."""
    query = select(PlanPart).where(PlanPart.plan_id == plan_id).order_by(PlanPart.college)
    return list(db.scalars(query))


def get_part(db: Session, plan_id: int, key: str, who: Principal) -> tuple[Plan, PlanPart]:
    """The plan and its part ``key``, if ``who`` may see it (else :class:`NotYours`): a college
    secretary only its own college's part."""
    plan = db.get(Plan, plan_id)
    if plan is None or plan.state != PlanState.PROPOSAL:
        raise NotYours
    college = college_of_key(key)
    scope = who.scope_college
    if scope is not None and college != scope:
        raise NotYours
    part = db.scalar(
        select(PlanPart).where(PlanPart.plan_id == plan_id, PlanPart.college == college)
    )
    if part is None:
        raise NotYours
    return plan, part


def may_adjust(who: Principal, part: PlanPart) -> bool:
    """A college secretary adjusts and files its own part, the SAO the central part."""
    if part.college == CENTRAL:
        return who.is_sao
    return who.role == Role.COLLEGE and who.college == part.college


def _require_adjuster(who: Principal, part: PlanPart) -> None:
    if not may_adjust(who, part):
        raise Forbidden


def adjustments(db: Session, plan_id: int, college: str) -> list[Adjustment]:
    """The part's adjustments, newest first."""
    query = select(Adjustment).where(Adjustment.plan_id == plan_id, Adjustment.college == college)
    return list(db.scalars(query.order_by(Adjustment.id.desc())))


def active_adjustment(db: Session, plan_id: int, college: str) -> Adjustment | None:
    """The newest adjustment in force (done, not undone); None: the part is the proposal's."""
    return _newest(db, plan_id, college, AdjustmentState.DONE)


def pending_adjustment(db: Session, plan_id: int, college: str) -> Adjustment | None:
    """An adjustment whose re-plan has not finished."""
    return _newest(db, plan_id, college, AdjustmentState.QUEUED)


def _newest(db: Session, plan_id: int, college: str, state: str) -> Adjustment | None:
    query = select(Adjustment).where(
        Adjustment.plan_id == plan_id, Adjustment.college == college, Adjustment.state == state
    )
    query = query.options(undefer(Adjustment.pairs))  # one row, and its contacts are wanted
    return db.scalar(query.order_by(Adjustment.id.desc()).limit(1))


def newest_version(db: Session, semester_id: int) -> DataVersion:
    """The semester's newest data version (parts are re-planned and approved against it)."""
    found = next(iter(semesters.versions(db, semester_id)), None)
    assert found is not None, "a semester with a proposal has a data version"
    return found


def _approved(db: Session, plan: Plan) -> bool:
    semester = db.get(Semester, plan.semester_id)
    return semester is not None and semester.approved_plan_id is not None


def load_proposal(db: Session, storage: Storage, plan: Plan) -> workflow.Proposal:
    """The proposal read against the semester's newest data version (read once per process
    for a plan folder and data version: both are written once and never changed; the file
    times are in the key all the same)."""
    version = newest_version(db, plan.semester_id)
    data = semesters.data_path(db, storage, version)
    folder = storage.root / plan.folder
    return _proposal(
        str(data), data.stat().st_mtime_ns, str(folder), (folder / "plan.json").stat().st_mtime_ns
    )


@functools.lru_cache(maxsize=4)
def _proposal(data: str, data_stamp: int, folder: str, plan_stamp: int) -> workflow.Proposal:
    del data_stamp, plan_stamp
    return workflow.load_proposal(Path(data), Path(folder))


_WARM: dict[int, tuple[workflow.Proposal, workflow.WarmParts]] = {}
"""The proposals kept warm by this process (a job worker), by ``id`` of the cached proposal."""


def warm_parts(proposal: workflow.Proposal) -> workflow.WarmParts:
    """The warm parts of ``proposal`` (one of :func:`load_proposal`'s), made once per process."""
    found = _WARM.get(id(proposal))
    if found is None or found[0] is not proposal:
        if len(_WARM) >= 4:
            _WARM.pop(next(iter(_WARM)))
        found = _WARM[id(proposal)] = (proposal, workflow.warm_parts(proposal))
    return found[1]


@dataclass(frozen=True)
class ReplanInputs:
    """What a re-plan job plans from (:func:`replan_inputs`)."""

    plan_id: int
    adjustment_id: int
    college: str
    pins: list[list[str]]
    before: list[list[str]]
    """The part's contacts before the adjustment."""
    before_figures: dict[str, Any] | None
    """Their figures as the previous adjustment stored them; None: the proposal's part."""
    first: bool
    """Whether this is the part's first active adjustment (the part was the proposal's)."""
    proposal: workflow.Proposal = dataclasses.field(repr=False)


def replan_inputs(db: Session, storage: Storage, job_id: int) -> ReplanInputs:
    """Read what re-plan job ``job_id`` plans from: its adjustment, the proposal, the part's
    contacts before it."""
    job = db.get(Job, job_id)
    assert job is not None
    adjustment = db.get(Adjustment, int(job.params["adjustment"]))
    plan = db.get(Plan, job.plan_id)
    assert adjustment is not None and plan is not None
    proposal = load_proposal(db, storage, plan)
    prior = active_adjustment(db, plan.id, adjustment.college)
    before = (
        [list(p) for p in prior.pairs]
        if prior is not None
        else workflow.part_pairs(proposal, adjustment.college)
    )
    return ReplanInputs(
        plan_id=plan.id,
        adjustment_id=adjustment.id,
        college=adjustment.college,
        pins=[list(p) for p in adjustment.pins],
        before=before,
        before_figures=_figures_before(prior, adjustment),
        first=prior is None,
        proposal=proposal,
    )


def warm_up_replan(db: Database, storage: Storage, job_id: int) -> ReplanInputs:
    """Read what a re-plan job plans from and make its part warm in this process (a job worker
    does it before it forks the job's child, which then starts from them: it neither reads
    nor connects before it plans)."""
    with db.session() as session:
        inputs = replan_inputs(session, storage, job_id)
    _warm_part(inputs.proposal, inputs.college)
    return inputs


def _warm_part(proposal: workflow.Proposal, college: str) -> None:
    """The part of ``college`` made warm in this process, with its "before" figures."""
    warm = warm_parts(proposal)
    warm.part(workflow.scope_of(college))
    workflow.proposal_figures(proposal, college, warm)


def warm_current(db: Database, storage: Storage, *, replans: bool) -> Iterator[None]:
    """What a job worker keeps warm while it has nothing to do, one step per ``next``: the
    newest semester's proposal read and, for the re-plan lane, its parts made warm one by one
    (:func:`warm_parts`, with their "before" figures); for the other jobs, the proposal
    indexed for explanations. The first college to adjust its part or ask why then does not
    wait for them; a job queued meanwhile waits for one step at most (a part: well under a
    second at university size)."""
    with db.session() as session:
        semester_id = session.scalar(select(Semester.id).order_by(Semester.id.desc()).limit(1))
        plan = current_proposal(session, semester_id) if semester_id is not None else None
        if plan is None or semester_id is None:
            return
        if replans:
            proposal = load_proposal(session, storage, plan)
            colleges = [part.college for part in parts_of(session, plan.id)]
        else:
            data = semesters.data_path(session, storage, newest_version(session, semester_id))
            plan_dir = storage.root / plan.folder
    yield
    if not replans:
        engine.warm_explanations(data, plan_dir)
        return
    for college in colleges:
        _warm_part(proposal, college)
        yield


# --------------------------------------------------------------------------------------------
# Adjust, undo


def _open_for_changes(db: Session, plan: Plan, part: PlanPart) -> None:
    if _approved(db, plan):
        raise WrongState(_("The university plan is approved; nothing can be changed."))
    if part.state == PartState.FILED:
        raise WrongState(
            _("This part is filed and read-only; withdraw the filing first to change it.")
        )
    if pending_adjustment(db, plan.id, part.college) is not None:
        raise WrongState(_("A re-plan of this part is running; wait until it has finished."))


PIN_RULES = ("require", "forbid")


def adjust(
    db: Session,
    storage: Storage,
    plan: Plan,
    part: PlanPart,
    who: Principal,
    *,
    cadre: str,
    kind: str,
    target: str,
    rule: str,
) -> Adjustment:
    """Add a pin (``require`` or ``forbid`` cadre × target) to the part and queue its re-plan
    with everything outside the part held; a :class:`FormError` for a pin outside the part's
    authority (said in the workflow's words)."""
    _require_adjuster(who, part)
    _open_for_changes(db, plan, part)
    cadre, target = cadre.strip()[:64], target.strip()[:64]
    if rule not in PIN_RULES or kind not in plans.KINDS or not cadre or not target:
        raise FormError({"pin": _("choose a cadre, a kind, a target and require or forbid")})
    current = active_adjustment(db, plan.id, part.college)
    pins = [list(p) for p in (current.pins if current else [])]
    new = [cadre, kind, target, rule]
    pins = [p for p in pins if p[:3] != new[:3]] + [new]
    problems = workflow.pin_problems(load_proposal(db, storage, plan), part.college, pins)
    if problems:
        raise FormError({"pin": "\n".join(problems)})
    version = newest_version(db, plan.semester_id)
    adjustment = Adjustment(
        plan_id=plan.id,
        college=part.college,
        state=AdjustmentState.QUEUED,
        data_version_id=version.id,
        pins=pins,
        created_by_id=who.user_id,
    )
    db.add(adjustment)
    db.flush()
    job = jobs.enqueue(
        db,
        kind=JobKind.REPLAN,
        semester_id=plan.semester_id,
        data_version_id=version.id,
        actor=who,
        plan_id=plan.id,
        params={"adjustment": adjustment.id},
    )
    adjustment.job_id = job.id
    before = part.state
    part.state = PartState.ADJUSTING
    _touch(part, who)
    _audit_part(
        db,
        who,
        "plan.pin",
        plan,
        part,
        detail={"pin": new, "state": [before, part.state], "adjustment": adjustment.id},
    )
    return adjustment


def _touch(part: PlanPart, who: Principal | None) -> None:
    part.updated_at = utcnow()
    part.updated_by_id = who.user_id if who else None


def undo(db: Session, plan: Plan, part: PlanPart, who: Principal) -> Adjustment:
    """Undo the part's newest adjustment: the part is as the one before left it."""
    _require_adjuster(who, part)
    _open_for_changes(db, plan, part)
    current = active_adjustment(db, plan.id, part.college)
    if current is None:
        raise WrongState(_("There is no adjustment to undo."))
    before_pairs = current.pairs
    current.state = AdjustmentState.UNDONE
    db.flush()
    part.state = PartState.ADJUSTING
    _touch(part, who)
    _audit_part(
        db,
        who,
        "plan.undo",
        plan,
        part,
        detail={"adjustment": current.id},
    )
    if part.college == CENTRAL:
        now = active_adjustment(db, plan.id, CENTRAL)
        after = now.pairs if now else None
        _central_moved(db, plan, before_pairs, after, who)
    return current


def part_pairs(db: Session, storage: Storage, plan: Plan, college: str) -> list[list[str]]:
    """The part's contacts now: its active adjustment's, else the proposal's."""
    current = active_adjustment(db, plan.id, college)
    if current is not None:
        return [list(p) for p in current.pairs]
    return workflow.part_pairs(load_proposal(db, storage, plan), college)


def run_replan(
    db: Database,
    storage: Storage,
    job_id: int,
    progress: Callable[[engine.ProgressEvent], None],
    inputs: ReplanInputs | None = None,
) -> None:
    """The re-plan job of an adjustment: re-plan the part (checked), store its contacts and
    what it cost, in one transaction with the job's end. ``inputs``: read already (by the
    worker that forked this job's child, :func:`warm_up_replan`); else read here."""
    if inputs is None:
        with db.session() as session:
            inputs = replan_inputs(session, storage, job_id)
    proposal, college = inputs.proposal, inputs.college
    progress(engine.ProgressEvent(N_("planning")))
    warm = warm_parts(proposal)
    try:
        done = workflow.replan(
            proposal,
            college,
            inputs.pins,
            inputs.before,
            progress=lambda m: progress(engine.parse_progress(m)),
            warm=warm,
            before_figures=workflow.proposal_figures(proposal, college, warm)
            if inputs.first
            else inputs.before_figures,
        )
    except Exception as exc:
        with db.session() as session:
            failed = session.get(Adjustment, inputs.adjustment_id)
            if failed is not None:
                failed.state = AdjustmentState.FAILED
                failed.error = (
                    "\n".join(getattr(exc, "reasons", []) or [str(exc)])
                    if isinstance(exc, engine.PlannerError)
                    else type(exc).__name__
                )
        raise
    with db.session() as session:
        adjustment = session.get(Adjustment, inputs.adjustment_id)
        plan = session.get(Plan, inputs.plan_id)
        assert adjustment is not None and plan is not None
        adjustment.pairs = done.pairs
        adjustment.base_hash = done.base_hash
        adjustment.terms_before = done.before
        adjustment.terms_after = done.after
        adjustment.state = AdjustmentState.DONE
        if college == CENTRAL:
            _central_moved(session, plan, inputs.before, done.pairs, None)
        if not jobs.finish(session, job_id, JobState.SUCCEEDED, stage=N_("finished")):
            raise jobs.Superseded


def _figures_before(prior: Adjustment | None, adjustment: Adjustment) -> dict[str, Any] | None:
    """The figures of the part's contacts before ``adjustment``: those its previous adjustment
    stored, when made on the same data (pins do not change them); else None (work them out)."""
    if prior is None or prior.data_version_id != adjustment.data_version_id:
        return None
    stored = {k: v for k, v in (prior.terms_after or {}).items() if k != "part"}
    return stored if all(name in stored for name in (*workflow.FIGURES, "stay")) else None


def cost_words(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What an adjustment cost (or gained), in words: "1 class fewer covered", "2 contacts
    from last semester not kept"; empty when nothing changed."""
    from planner.i18n import ngettext

    fewer: dict[str, Callable[[int], str]] = {
        "class": lambda n: ngettext("%(n)s class fewer covered", "%(n)s classes fewer covered", n),
        "dorm": lambda n: ngettext(
            "%(n)s dorm room fewer covered", "%(n)s dorm rooms fewer covered", n
        ),
        "society": lambda n: ngettext(
            "%(n)s society fewer covered", "%(n)s societies fewer covered", n
        ),
        "branch": lambda n: ngettext(
            "%(n)s party branch fewer covered", "%(n)s party branches fewer covered", n
        ),
        "kept_from_previous": lambda n: ngettext(
            "%(n)s contact from last semester not kept",
            "%(n)s contacts from last semester not kept",
            n,
        ),
        "cross_campus": lambda n: ngettext(
            "%(n)s contact fewer across campuses", "%(n)s contacts fewer across campuses", n
        ),
    }
    more: dict[str, Callable[[int], str]] = {
        "class": lambda n: ngettext("%(n)s more class covered", "%(n)s more classes covered", n),
        "dorm": lambda n: ngettext(
            "%(n)s more dorm room covered", "%(n)s more dorm rooms covered", n
        ),
        "society": lambda n: ngettext(
            "%(n)s more society covered", "%(n)s more societies covered", n
        ),
        "branch": lambda n: ngettext(
            "%(n)s more party branch covered", "%(n)s more party branches covered", n
        ),
        "kept_from_previous": lambda n: ngettext(
            "%(n)s more contact from last semester kept",
            "%(n)s more contacts from last semester kept",
            n,
        ),
        "cross_campus": lambda n: ngettext(
            "%(n)s more contact across campuses", "%(n)s more contacts across campuses", n
        ),
    }
    out: list[str] = []
    for name in fewer:
        key = name if name in ("kept_from_previous", "cross_campus") else f"{name}_covered"
        diff = int(after.get(key, 0)) - int(before.get(key, 0))
        if diff == 0:
            continue
        words = (fewer if diff < 0 else more)[name]
        out.append(words(abs(diff)) % {"n": abs(diff)})
    return out


# --------------------------------------------------------------------------------------------
# File, withdraw, return


def file_part(
    db: Session, storage: Storage, plan: Plan, part: PlanPart, who: Principal, note: str
) -> PlanPart:
    """File (备案) the part: frozen, signed off with who, when and a note."""
    _require_adjuster(who, part)
    _open_for_changes(db, plan, part)
    before = part.state
    part.state = PartState.FILED
    part.filed_at = utcnow()
    part.filed_by = who.display_name
    part.note = " ".join(note.split())[:500]
    part.return_reason = None
    part.notice = None
    part.sha256 = workflow.pairs_digest(part_pairs(db, storage, plan, part.college))
    _touch(part, who)
    _audit_part(
        db,
        who,
        "plan.file",
        plan,
        part,
        after_sha=part.sha256,
        detail={"state": [before, part.state]},
    )
    return part


def withdraw(db: Session, plan: Plan, part: PlanPart, who: Principal) -> PlanPart:
    """Withdraw a filing before approval: the part is adjustable again."""
    _require_adjuster(who, part)
    if _approved(db, plan):
        raise WrongState(_("The university plan is approved; nothing can be changed."))
    if part.state != PartState.FILED:
        raise WrongState(_("Only a filed part can be withdrawn."))
    part.state = PartState.ADJUSTING
    part.filed_at = None
    part.filed_by = None
    _touch(part, who)
    _audit_part(
        db,
        who,
        "plan.withdraw",
        plan,
        part,
        before_sha=part.sha256,
        detail={"state": [PartState.FILED, part.state]},
    )
    return part


def return_part(db: Session, plan: Plan, part: PlanPart, who: Principal, reason: str) -> PlanPart:
    """The SAO returns a filed college part for changes (退回修改), with its reason."""
    if not who.is_sao or part.college == CENTRAL:
        raise Forbidden
    if _approved(db, plan):
        raise WrongState(_("The university plan is approved; nothing can be changed."))
    if part.state != PartState.FILED:
        raise WrongState(_("Only a filed part can be returned."))
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise FormError({"reason": _("say why the part is returned")})
    part.state = PartState.RETURNED
    part.return_reason = reason
    part.filed_at = None
    part.filed_by = None
    _touch(part, who)
    _audit_part(
        db,
        who,
        "plan.return",
        plan,
        part,
        before_sha=part.sha256,
        detail={"state": [PartState.FILED, part.state], "reason": reason},
    )
    return part


# --------------------------------------------------------------------------------------------
# Conflicts: a change under a filed part sends it back to adjusting, with a notice


def _send_back(db: Session, plan: Plan, part: PlanPart, notice: str, why: str) -> None:
    part.state = PartState.ADJUSTING
    part.notice = notice[:4000]
    part.filed_at = None
    part.filed_by = None
    _touch(part, None)
    _audit_part(
        db,
        None,
        "plan.conflict",
        plan,
        part,
        before_sha=part.sha256,
        detail={"state": [PartState.FILED, part.state], "why": why},
    )


def _central_moved(
    db: Session,
    plan: Plan,
    before: list[list[str]],
    after: list[list[str]] | None,
    who: Principal | None,
) -> None:
    """The central part changed from ``before`` to ``after`` (None: back to the proposal's):
    each filed college part whose targets it touches goes back to adjusting, told what."""
    if after is None:
        after = _proposal_central_pairs(db, plan)
    old, new = {tuple(p) for p in before}, {tuple(p) for p in after}
    moved = old ^ new
    if not moved:
        return
    colleges = _target_colleges(db, plan.id, {(k, t) for _c, k, t in moved})
    for part in parts_of(db, plan.id):
        if part.college == CENTRAL or part.state != PartState.FILED:
            continue
        mine = sorted({f"{k} {t}" for _c, k, t in moved if colleges.get((k, t)) == part.college})
        if not mine:
            continue
        notice = _(
            "The Student Affairs Office changed the central part at targets of this "
            "college ({targets}); check the part and file it again."
        ).format(targets=", ".join(mine)[:1000])
        _send_back(db, plan, part, notice, "central")


def _proposal_central_pairs(db: Session, plan: Plan) -> list[list[str]]:
    rows = db.execute(
        select(Assignment.cadre_id, Assignment.kind, Assignment.target_id).where(
            Assignment.plan_id == plan.id, Assignment.cadre_college.is_(None)
        )
    )
    return [[str(c), str(k), str(t)] for c, k, t in rows]


def _target_colleges(db: Session, plan_id: int, targets: set[tuple[str, str]]) -> dict[Any, str]:
    """The college of each target (from the proposal's rows: held or uncovered)."""
    out: dict[Any, str] = {}
    for model in (Assignment, Uncovered):
        rows = db.execute(
            select(model.kind, model.target_id, model.target_college).where(
                model.plan_id == plan_id
            )
        )
        for kind, target, college in rows:
            if (kind, target) in targets and college:
                out[(kind, target)] = college
    return out


def after_upload(db: Session, storage: Storage, semester: Semester, version: DataVersion) -> None:
    """Rosters uploaded as ``version``: filed parts they touch go back to adjusting."""
    earlier = semesters.get_version(db, semester.id, version.number - 1)
    if earlier is not None:
        new_data_version(db, storage, semester, earlier, version)


def new_data_version(
    db: Session, storage: Storage, semester: Semester, before: DataVersion, after: DataVersion
) -> list[str]:
    """A new data version: each filed part whose rows it changes goes back to adjusting with a
    notice; the colleges sent back."""
    plan = current_proposal(db, semester.id)
    if plan is None or semester.approved_plan_id is not None:
        return []
    old = workflow.college_digests(semesters.data_path(db, storage, before))
    new = workflow.college_digests(semesters.data_path(db, storage, after))
    touched = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    sent = []
    for part in parts_of(db, plan.id):
        if part.state == PartState.FILED and part.college in touched:
            notice = _(
                "Data version v{number} changed this college's rosters (cadres or targets); "
                "re-plan the part if needed and file it again."
            ).format(number=after.number)
            _send_back(db, plan, part, notice, f"data v{after.number}")
            sent.append(part.college)
    return sent


# --------------------------------------------------------------------------------------------
# 在岗: a college corrects its cadres' availability (a new data version)


def correct_availability(
    db: Session,
    storage: Storage,
    semester: Semester,
    who: Principal,
    college: str,
    cadre: str,
    available: bool,
) -> DataVersion:
    """Set one cadre's 在岗 in a new data version (a copy of the newest, that cell changed)."""
    from planner.service.filing.rosters import with_availability

    if who.role == Role.COLLEGE and who.college != college:
        raise Forbidden
    if who.role == Role.VIEWER:
        raise Forbidden
    plan = current_proposal(db, semester.id)
    if plan is not None:
        part = db.scalar(
            select(PlanPart).where(PlanPart.plan_id == plan.id, PlanPart.college == college)
        )
        if part is not None and part.state == PartState.FILED:
            raise WrongState(
                _("This part is filed and read-only; withdraw the filing first to change it.")
            )
    before = newest_version(db, semester.id)
    files = semesters.version_files(db, before.id)
    data = semesters.data_path(db, storage, before)
    current = engine.load_data(data)
    cadres = current.cadres
    row = cadres[cadres["id"].astype(str) == cadre]
    if row.empty or str(row.iloc[0]["college"]) != college:
        raise NotYours
    uploads = with_availability(
        [(f.name, storage.read_blob(f.sha256)) for f in files], cadre, available
    )
    note = _("在岗 of {cadre} set to {value}").format(
        cadre=cadre, value=_("yes") if available else _("no")
    )
    version = semesters.accept_upload(
        db,
        storage,
        semester,
        [semesters.Upload(name, data) for name, data in uploads],
        who,
        note=note,
    )
    new_data_version(db, storage, semester, before, version)
    return version


# --------------------------------------------------------------------------------------------
# Approve, verify, next semester


@dataclass
class BoardRow:
    """One part on the SAO's status board."""

    part: PlanPart
    name: str
    covered: int
    targets: int
    changes: int
    adjustments: int
    late: bool


def board(db: Session, plan: Plan) -> list[BoardRow]:
    """Every part with its state, coverage and changes (central first)."""
    names = {c.college: c.name for c in plans.plan_colleges(db, plan)}
    coverage: dict[str, list[int]] = {}
    for row in plans.coverage_rows(db, plan.id):
        if row.kind == "dorm":  # dorm rooms are covered as far as cadres go (S4), not all
            continue
        cell = coverage.setdefault(row.college, [0, 0])
        cell[0] += row.covered
        cell[1] += row.targets
    counted = (
        select(Adjustment.college, func.count())
        .where(Adjustment.plan_id == plan.id, Adjustment.state == AdjustmentState.DONE)
        .group_by(Adjustment.college)
    )
    done: dict[str, int] = {college: count for college, count in db.execute(counted)}
    rows = []
    for part in parts_of(db, plan.id):
        changed = set()
        current = active_adjustment(db, plan.id, part.college)
        if current is not None:
            base = {tuple(p) for p in _proposal_pairs_of(db, plan, part.college)}
            changed = base ^ {tuple(p) for p in current.pairs}
        covered, total = coverage.get(part.college, [0, 0])
        rows.append(
            BoardRow(
                part=part,
                name=names.get(part.college, "") if part.college else _("Central part"),
                covered=covered,
                targets=total,
                changes=len(changed),
                adjustments=done.get(part.college, 0),
                late=part.state != PartState.FILED,
            )
        )
    return rows


@dataclass
class UncoveredRow:
    """An uncovered target of a part as adjusted (the stored plan's rows are the proposal's)."""

    kind: str
    target_id: str
    target_name: str
    reason: str


@dataclass
class PartFigures:
    """What a college's part page shows as its key figures: the part as it stands now."""

    mine: dict[str, Any]
    """As :func:`plans.kpi_cards` of the college: ``coverage`` ``{kind: [covered, targets]}``
    and the number ``uncovered``."""
    university: dict[str, Any]
    """The university's key figures with this part as it stands now."""
    uncovered: list[Any]
    adjusted: bool
    """The figures include the part's adjustment (else they are the proposal's)."""


def part_figures(db: Session, plan: Plan, college: str, active: Adjustment | None) -> PartFigures:
    """A college part's key figures and uncovered targets with its adjustment in force: the
    proposal's for targets the part does not plan (held by cadres outside it), the re-plan's
    for the rest. Without an adjustment (or one stored before re-plans kept their view) they
    are the proposal's."""
    mine = plans.kpi_cards(db, plan, college)
    university = plans.kpi_cards(db, plan)
    view = (active.terms_after or {}).get("part") if active is not None else None
    if not view:
        rows = plans.uncovered(db, plan.id, college, plans.TableQuery()).rows
        return PartFigures(mine, university, list(rows), adjusted=False)
    coverage = {k: list(v) for k, v in mine["coverage"].items()}
    whole = {k: list(v) for k, v in university["coverage"].items()}
    for kind, (covered, planned) in view["coverage"].items():
        if kind not in coverage:
            continue
        held = coverage[kind][1] - int(planned)  # the college's targets held from outside
        now = int(covered) + held
        whole[kind][0] += now - coverage[kind][0]
        coverage[kind][0] = now
    uncovered = [UncoveredRow(*map(str, row)) for row in view["uncovered"]]
    return PartFigures(
        {**mine, "coverage": coverage, "uncovered": len(uncovered)},
        {**university, "coverage": whole},
        uncovered,
        adjusted=True,
    )


def _proposal_pairs_of(db: Session, plan: Plan, college: str) -> list[list[str]]:
    if college == CENTRAL:
        return _proposal_central_pairs(db, plan)
    rows = db.execute(
        select(Assignment.cadre_id, Assignment.kind, Assignment.target_id).where(
            Assignment.plan_id == plan.id, Assignment.cadre_college == college
        )
    )
    return [[str(c), str(k), str(t)] for c, k, t in rows]


def approve(db: Session, storage: Storage, semester: Semester, who: Principal) -> Plan:
    """Approve the university plan when every college has filed: merge the parts into the
    proposal (every rule checked), write the plan folder, check it once more with the
    independent checker, freeze and hash it (``approval.json``), store it; all or nothing."""
    if who.role != Role.SAO_ADMIN:
        raise Forbidden
    # one approval at a time: the semester's row is locked until this transaction ends
    locked = db.get(Semester, semester.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    semester = locked
    if semester.approved_plan_id is not None:
        raise WrongState(_("The university plan of this semester is approved already."))
    plan = current_proposal(db, semester.id)
    if plan is None:
        raise WrongState(_("There is no proposal to approve."))
    waiting = [p.college for p in parts_of(db, plan.id) if p.college and p.state != PartState.FILED]
    if waiting:
        raise WrongState(
            _("Not every college has filed its part yet: {colleges}.").format(
                colleges=", ".join(waiting)
            )
        )
    if pending_adjustment(db, plan.id, CENTRAL) is not None:
        raise WrongState(_("A re-plan of this part is running; wait until it has finished."))
    version = newest_version(db, semester.id)
    data = semesters.data_path(db, storage, version)
    proposal = workflow.load_proposal(data, storage.root / plan.folder)
    names = {c.college: c.name for c in plans.plan_colleges(db, plan)}
    given = []
    for part in parts_of(db, plan.id):
        current = active_adjustment(db, plan.id, part.college)
        if current is None:
            continue
        given.append(
            workflow.FiledPart(
                college=part.college,
                label=names.get(part.college, part.college) or _("Central part"),
                pairs=[list(p) for p in current.pairs],
                pins=[list(p) for p in current.pins],
                base_hash=current.base_hash,
            )
        )
    folder = f"plans/approved-{semester.id}-{plan.id}"
    out = storage.root / folder
    # The semester is not approved, so a folder already there is what an approval killed
    # midway left behind (a power cut runs no clean-up): it was never the approved plan.
    _remove_frozen(out)
    try:
        merged, files = workflow.merge_and_write(proposal, given, out)
    except engine.PlannerError as exc:  # MergeConflictError: every conflict by college
        raise WrongState(str(exc)) from None
    try:
        approval = workflow.approve_folder(out, data, who.display_name)
        return _store_approval(
            db, semester, plan, version, merged, folder, files, approval, proposal, who
        )
    except BaseException:
        _remove_frozen(out)
        raise


def _remove_frozen(folder: Path) -> None:
    """Remove a folder approval left half done (its files were made read-only)."""
    if folder.exists():
        for path in folder.iterdir():
            path.chmod(0o644)
        shutil.rmtree(folder, ignore_errors=True)


def _audit_part(
    db: Session, who: Principal | None, action: str, plan: Plan, part: PlanPart, **fields: Any
) -> None:
    """A step on a part in the audit log (object ``PLAN/KEY``, the part's college)."""
    record(
        db,
        who,
        action,
        "plan_part",
        f"{plan.id}/{key_of(part.college)}",
        semester_id=plan.semester_id,
        college=part.college or None,
        **fields,
    )


def _store_approval(
    db: Session,
    semester: Semester,
    proposal_plan: Plan,
    version: DataVersion,
    merged: engine.Plan,
    folder: str,
    files: list[str],
    approval: dict[str, Any],
    proposal: workflow.Proposal,
    who: Principal,
) -> Plan:
    """The approval's whole database block, in the caller's one transaction: the approved
    plan and its rows, the semester's ``approved_plan_id``, the audit entry. If anything here
    fails, nothing of it is stored (and the caller removes the folder)."""
    # A merged plan has no proven bound (NaN, null in plan.json); the row's columns are not
    # nullable, so they say "no gap to any bound known": the objective itself, gap 0.
    merged = dataclasses.replace(merged, bound=float(merged.objective), gap=0.0)
    result = engine.ProposalResult(
        plan=merged,
        folder=Path(folder),
        files=[*files, "approval.json"],
        plan_json_sha256=approval["files"]["plan.json"],
        cadre_colleges=engine.cadre_colleges(proposal.dataset),
        notes=[],
    )
    approved = plans.store_plan(
        db,
        semester_id=semester.id,
        data_version_id=version.id,
        result=result,
        folder=folder,
        scenario_name=proposal_plan.scenario_name,
        previous_plan_id=proposal_plan.previous_plan_id,
        created_by_id=who.user_id,
    )
    approved.state = PlanState.APPROVED
    semester.approved_plan_id = approved.id
    db.flush()
    record(
        db,
        who,
        "plan.approve",
        "plan",
        str(approved.id),
        semester_id=semester.id,
        before_sha=proposal_plan.sha256,
        after_sha=approved.sha256,
        detail={"proposal": proposal_plan.id, "seal": approval.get("seal")},
    )
    failpoint("approval.store")  # everything written, nothing committed yet
    return approved


def verify(db: Session, storage: Storage, semester: Semester) -> list[tuple[str, str]]:
    """What changed in the approved plan's folder since approval (empty: nothing)."""
    if semester.approved_plan_id is None:
        raise WrongState(_("The university plan of this semester is not approved yet."))
    plan = db.get(Plan, semester.approved_plan_id)
    assert plan is not None
    return workflow.verify_folder(storage.root / plan.folder)


def start_next_semester(
    db: Session, storage: Storage, semester: Semester, who: Principal, name: str
) -> Semester:
    """A new semester continuing from this one's approved plan (its ``previous``), with this
    semester's newest rosters copied as its first data version, to be updated."""
    if who.role != Role.SAO_ADMIN:
        raise Forbidden
    if semester.approved_plan_id is None:
        raise WrongState(_("The university plan of this semester is not approved yet."))
    nxt = semesters.create_semester(db, name, who, previous_id=semester.id)
    version = newest_version(db, semester.id)
    uploads = [
        semesters.Upload(f.name, storage.read_blob(f.sha256))
        for f in semesters.version_files(db, version.id)
    ]
    semesters.accept_upload(
        db,
        storage,
        nxt,
        uploads,
        who,
        note=_("copied from {semester} to be updated").format(semester=semester.name),
    )
    return nxt


def college_rows(
    db: Session, plan_id: int, college: str
) -> tuple[list[Assignment], list[Uncovered]] | None:
    """A college's contacts (its cadres' and at its targets) and uncovered targets in a plan;
    None when the plan has no such college."""
    known = db.scalar(
        select(Coverage.id).where(Coverage.plan_id == plan_id, Coverage.college == college)
    )
    if known is None:
        return None
    held = db.scalars(
        select(Assignment)
        .where(
            Assignment.plan_id == plan_id,
            (Assignment.cadre_college == college) | (Assignment.target_college == college),
        )
        .order_by(Assignment.cadre_id, Assignment.kind, Assignment.target_id)
    )
    left = db.scalars(
        select(Uncovered)
        .where(Uncovered.plan_id == plan_id, Uncovered.target_college == college)
        .order_by(Uncovered.kind, Uncovered.target_id)
    )
    return list(held), list(left)


def fill_college_workbook(book: Any, held: list[Assignment], left: list[Uncovered]) -> None:
    """The sheets of a college's workbook: contacts, uncovered targets with reasons."""
    sheet = book.active
    sheet.title = _("Assignments")
    sheet.append(
        [
            _("Staff id"),
            _("Name"),
            _("Role"),
            _("Kind"),
            _("Target"),
            _("Target name"),
            _("Kept from last semester"),
        ]
    )
    for a in held:
        sheet.append(
            [
                a.cadre_id,
                a.cadre_name,
                a.role,
                a.kind,
                a.target_id,
                a.target_name,
                _("yes") if a.kept else _("no"),
            ]
        )
    other = book.create_sheet(_("Uncovered targets"))
    other.append([_("Kind"), _("Target"), _("Target name"), _("Reason")])
    for u in left:
        other.append([u.kind, u.target_id, u.target_name, u.reason])

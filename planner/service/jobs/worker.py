"""Job workers: processes that claim jobs from the database and run each in a child process.

The child (forked from a worker that has the planner's modules loaded, so it starts at once)
does the work and commits its result and the job's final state in one transaction. The worker
watches it: it writes the heartbeat, and on a cancel request kills the child — which has
committed nothing — and marks the job cancelled. A plan folder is written all or nothing, so a
killed child leaves no half-written plan; a worker that dies leaves its job to
:func:`~planner.service.jobs.service.recover`, which marks it interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

from planner.i18n import N_, use_language
from planner.i18n import gettext as _
from planner.service import engine
from planner.service.config import Settings
from planner.service.db import Database
from planner.service.jobs import service
from planner.service.jobs.models import Job, JobKind, JobState
from planner.service.storage import Storage

log = logging.getLogger("planner.service.jobs")
POLL_SECONDS = 0.2
"""How often an idle worker looks for jobs when nothing wakes it (SQLite; PostgreSQL after a
lost connection): a person who asked why waits on the explanation page for its job."""
HEARTBEAT_SECONDS = 2.0
BACKGROUND_KINDS = frozenset({JobKind.EXPLAIN, JobKind.PROPOSAL})
"""Jobs nobody waits on click by click: their child runs at a lower priority (``nice``), so
the web processes answer pages first when the cores are busy."""
BACKGROUND_NICE = 10
"""How far below the pages those children run. An explanation's child also solves its
alternatives in turn, not two at a time in processes of its own
(:func:`planner.service.engine.work_in_one_process`): explanations are asked of the service
all day, and two cores for each left the pages and the colleges' re-plans one at most."""
REPLAN_KINDS = (JobKind.REPLAN,)
"""The re-plan lane of ``planner serve``: a worker that takes only a part's re-plans (a
college waits on its page for them) and keeps their proposals warm."""
NOT_REPLANS = frozenset(JobKind) - set(REPLAN_KINDS)
"""What wakes the other workers when a re-plan lane runs beside them: they leave the parts'
re-plans to the lane, which keeps the parts warm (they take one only when it waits)."""
REPLAN_POLL_SECONDS = 0.05
"""The re-plan lane looks for work more often (one indexed query, 20 a second: nothing next
to the re-plan of about 0.3 s a college waits for)."""


REPLAN_QUIET_SECONDS = 0.5
"""A part's re-plan writes no progress in its first half second: most end sooner (their stage
was never on anyone's screen), and each write is a commit on the path a college waits on."""


class Wakeup:
    """How an idle worker waits for the next job: on PostgreSQL it listens on
    :data:`~planner.service.jobs.service.CHANNEL` and wakes as soon as a job is queued (the
    notification comes when the job's transaction commits); on SQLite, and while the listening
    connection is lost (a restarted database), it sleeps the worker's poll interval.
    ``woken_by``: the job kinds whose queuing wakes it (None: every kind)."""

    RETRY_SECONDS = 10.0
    """How long a worker waits before it connects to listen again after a failure."""

    def __init__(self, db: Database, woken_by: frozenset[str] | None = None) -> None:
        self.db = db
        self.woken_by = woken_by
        self.connection: Any = None
        self.retry_at = 0.0

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return when a job was queued, ``stop`` is set or ``seconds`` have passed."""
        connection = self._listening()
        if connection is None:
            stop.wait(seconds)
            return
        try:
            for note in connection.notifies(timeout=seconds):
                if self.woken_by is None or note.payload in self.woken_by:
                    break
        except Exception:  # the database went away: sleep instead, listen again later
            log.warning("job notifications lost; looking for jobs every %s s", seconds)
            self.close()
            stop.wait(seconds)

    def _listening(self) -> Any:
        if self.connection is not None or not self.db.is_postgres:
            return self.connection
        if time.monotonic() < self.retry_at:
            return None
        try:
            import psycopg

            engine = self.db.engine
            args, params = engine.dialect.create_connect_args(engine.url)
            params.setdefault("connect_timeout", 5)  # a server out of reach: poll meanwhile
            self.connection = psycopg.connect(*args, **params, autocommit=True)
            self.connection.execute(f"LISTEN {service.CHANNEL}")
        except Exception:  # said without the error: it could name the server's address
            log.warning("cannot listen for jobs; trying again in %s s", self.RETRY_SECONDS)
            self.close()
            self.retry_at = time.monotonic() + self.RETRY_SECONDS
        return self.connection

    def close(self) -> None:
        """Stop listening."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


class ProgressWriter:
    """Writes a job's progress to the database, at most twice a second, and nothing in its
    first ``quiet_seconds``."""

    def __init__(self, db: Database, job_id: int, quiet_seconds: float = 0.0) -> None:
        self.db = db
        self.job_id = job_id
        self.quiet_seconds = quiet_seconds
        self.started = time.perf_counter()
        self.last = 0.0
        self.lines: list[str] = []
        self.best: float | None = None
        self.bound: float | None = None

    def __call__(self, event: engine.ProgressEvent) -> None:
        self.lines.append(event.stage)
        if event.best is not None:
            self.best, self.bound = event.best, event.bound
        now = time.perf_counter()
        if now - self.started < self.quiet_seconds:
            return
        if now - self.last >= 0.5 or not event.stage.startswith(("coverage", "continuity")):
            self.last = now
            with self.db.session() as db:
                service.report_progress(
                    db,
                    self.job_id,
                    event.stage,
                    self.best,
                    self.bound,
                    now - self.started,
                    self.lines,
                )


def run_job(
    db: Database,
    storage: Storage,
    job_id: int,
    kind: str | None = None,
    prepared: object | None = None,
) -> None:
    """Do job ``job_id`` (claimed, running) and record how it ended. What the worker that
    forked this child read for it already: ``kind`` (else read here) and ``prepared`` (a
    re-plan's inputs), if anything."""
    from planner.service.plans import flows

    if kind is None:
        with db.session() as session:
            job = session.get(Job, job_id)
            kind = job.kind if job else None
    quiet = REPLAN_QUIET_SECONDS if kind == JobKind.REPLAN else 0.0
    progress = ProgressWriter(db, job_id, quiet_seconds=quiet)
    try:
        if kind == JobKind.PROPOSAL:
            # The plan folder (its workbook, the reasons of its changes and uncovered targets)
            # is written in the service's language, Chinese.
            with use_language("zh"):
                flows.run_proposal(db, storage, job_id, progress)
        elif kind == JobKind.EXPLAIN:
            flows.run_explanation(db, storage, job_id)
        elif kind == JobKind.REPLAN:
            from planner.service.filing.flows import ReplanInputs, run_replan

            inputs = prepared if isinstance(prepared, ReplanInputs) else None
            run_replan(db, storage, job_id, progress, inputs)
        else:
            raise RuntimeError(f"unknown job kind {kind!r}")
    except service.Superseded:
        pass
    except engine.InputError as exc:
        _fail(db, job_id, "\n".join(str(p) for p in exc.problems))
    except engine.InfeasibleError as exc:
        _fail(db, job_id, "\n".join(exc.reasons))
    except engine.PlannerError as exc:
        _fail(db, job_id, str(exc))
    except Exception as exc:  # a bug: the job fails with a plain message, the log has more
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            _fail(
                db,
                job_id,
                _("the server's disk is full: nothing was stored; tell the administrator"),
            )
            return
        log.error("job %s failed: %s", job_id, "".join(traceback.format_exception(exc)))
        _fail(
            db,
            job_id,
            _("internal error (please report it): {error}").format(error=type(exc).__name__),
        )


def _fail(db: Database, job_id: int, message: str) -> None:
    with db.session() as session:
        service.finish(session, job_id, JobState.FAILED, error=message, stage=N_("failed"))


class Worker:
    """One job worker: claims jobs and runs each in a forked child (or inline, for tests)."""

    def __init__(
        self,
        settings: Settings,
        db: Database | None = None,
        *,
        fork: bool = True,
        kinds: tuple[str, ...] | None = None,
        woken_by: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.storage = Storage(settings.data_dir)
        self.fork = fork and hasattr(os, "fork")
        self.kinds = kinds
        self.name = service.worker_name()
        self.poll_seconds = REPLAN_POLL_SECONDS if kinds == REPLAN_KINDS else POLL_SECONDS
        self.woken_by = woken_by if woken_by is not None or kinds is None else frozenset(kinds)
        """The job kinds whose queuing wakes this worker at once (:class:`Wakeup`; None:
        every kind); it finds the others when it next looks (every ``poll_seconds``)."""

    def run_once(self) -> int | None:
        """Claim one queued job and run it to the end; its id, or None if none was queued."""
        job_id = service.claim_next(self.db, self.name, self.kinds)
        if job_id is None:
            return None
        if self.fork:
            self._run_in_child(job_id)
        else:
            run_job(self.db, self.storage, job_id)
        return job_id

    def run_pending(self) -> list[int]:
        """Run queued jobs until none is left (tests, the demo set-up)."""
        done = []
        while (job_id := self.run_once()) is not None:
            done.append(job_id)
        return done

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Poll for jobs until ``stop`` is set; interrupted jobs of dead workers are marked."""
        stop = stop or threading.Event()
        engine.preload()
        warming = self._warming()
        wakeup = Wakeup(self.db, self.woken_by)
        last_recovery = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - last_recovery > 10:
                    with self.db.session() as db:
                        service.recover(db)
                    last_recovery = time.monotonic()
                if self.run_once() is None and not self._warm_step(warming):
                    wakeup.wait(self.poll_seconds, stop)
        finally:
            wakeup.close()

    def _run_in_child(self, job_id: int) -> None:
        with self.db.session() as db:
            job = db.get(Job, job_id)
            kind = job.kind if job else None
        prepared = None
        if kind == JobKind.REPLAN:
            prepared = self._warm_up(job_id)
        elif kind == JobKind.EXPLAIN:
            self._warm_up_explanation(job_id)
        pid = os.fork()
        if pid == 0:  # the child: its own connections, then the work
            code = 1
            try:
                if kind in BACKGROUND_KINDS:
                    os.nice(BACKGROUND_NICE)
                if kind == JobKind.EXPLAIN:  # its alternatives in turn: one core, not both
                    engine.work_in_one_process()
                # New connections of its own from the same engine (its dialect set up and its
                # compiled statements kept): the parent's stay with the parent.
                self.db.engine.dispose(close=False)
                run_job(self.db, self.storage, job_id, kind, prepared)
                code = 0
            finally:
                os._exit(code)
        self._watch(job_id, pid)

    def _warming(self) -> Iterator[None]:
        """The current proposal made warm for this lane's jobs, step by step, between jobs
        (:func:`~planner.service.filing.flows.warm_current`)."""
        from planner.service.filing.flows import warm_current

        return warm_current(self.db, self.storage, replans=self.kinds == REPLAN_KINDS)

    @staticmethod
    def _warm_step(warming: Iterator[None]) -> bool:
        """One step of ``warming``; False when there is nothing left to warm."""
        try:
            next(warming)
        except StopIteration:
            return False
        except Exception:  # the jobs meet the same problem and report it
            log.exception("warming up the current proposal")
            return False
        return True

    def _warm_up(self, job_id: int) -> object | None:
        """Before a re-plan's child is forked: the proposal and the part kept warm in this
        worker (read once per proposal and data version), so the child starts from them;
        what the job plans from, read (None if that failed: the child tries again)."""
        from planner.service.filing.flows import warm_up_replan

        try:
            return warm_up_replan(self.db, self.storage, job_id)
        except Exception:  # the child meets the same problem and reports it on the job
            log.exception("warming up job %s", job_id)
            return None

    def _warm_up_explanation(self, job_id: int) -> None:
        """Before an explanation's child is forked: the data read and the plan indexed in this
        worker (once per data version and plan), so every explanation after the first starts
        from them."""
        from planner.service.plans.flows import warm_up_explanation

        try:
            warm_up_explanation(self.db, self.storage, job_id)
        except Exception:  # the child meets the same problem and reports it on the job
            log.exception("warming up job %s", job_id)

    def _watch(self, job_id: int, pid: int) -> None:
        """Heartbeat, cancel and the child's end."""
        cancelled = False
        last_beat = 0.0
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    last_beat = time.monotonic()
                    with self.db.session() as db:
                        if service.heartbeat(db, job_id) and not cancelled:
                            cancelled = True
                            os.kill(pid, signal.SIGKILL)
                time.sleep(0.1)
        except KeyboardInterrupt:  # the worker is stopping: so is the job, marked re-runnable
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            with self.db.session() as db:
                service.finish(db, job_id, JobState.INTERRUPTED, stage=N_("interrupted"))
            raise
        with self.db.session() as db:
            if cancelled:
                service.finish(db, job_id, JobState.CANCELLED, stage=N_("cancelled"))
            elif status != 0:
                service.finish(
                    db,
                    job_id,
                    JobState.FAILED,
                    stage=N_("failed"),
                    error=_("the job stopped unexpectedly"),
                )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def worker_main(
    data_dir: str,
    stop: threading.Event | None = None,
    kinds: tuple[str, ...] | None = None,
    woken_by: frozenset[str] | None = None,
) -> None:
    """Entry point of a worker process (``planner serve`` starts these); ``kinds``: only
    jobs of these kinds (the re-plan lane); ``woken_by``: see :attr:`Worker.woken_by`."""
    from planner.service import logs

    logs.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env(data_dir)
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        Worker(settings, kinds=kinds, woken_by=woken_by).run_forever(stop)

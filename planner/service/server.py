"""Running the service: migrate once, start the job workers, serve HTTP with uvicorn."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

from planner.service.config import DATA_DIR_ENV, REPLAN_WAIT_ENV, Settings
from planner.service.db import Database
from planner.service.jobs import service as jobs
from planner.service.warmup import WARM_UP_ENV


def prepare(settings: Settings) -> Database:
    """Create the data folder, bring the database to the newest schema, mark the jobs of
    workers that are gone as interrupted."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    db.migrate()
    with db.session() as session:
        jobs.recover(session)
    return db


def default_web_workers() -> int:
    """One web process per core this process may run on (at most 8): a page is CPU work
    under one interpreter lock, so a single process serves from one core only."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    web_workers: int | None = None,
    job_workers: int = 1,
    replan_workers: int = 1,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM: ``web_workers`` uvicorn processes (by default one per
    core, :func:`default_web_workers`), ``job_workers`` job worker processes and, when there
    are job workers, ``replan_workers`` more that take only the parts' re-plans (a college
    waits on its page for those, so they never queue behind explanations), all on the
    database of ``settings``."""
    import uvicorn

    from planner.service.jobs.worker import NOT_REPLANS, REPLAN_KINDS, worker_main

    web_workers = web_workers or default_web_workers()
    prepare(settings).dispose()
    os.environ[DATA_DIR_ENV] = str(settings.data_dir)  # the web processes read the same
    os.environ.setdefault(WARM_UP_ENV, "1")  # each web process fills its caches as it starts
    if job_workers:  # a pin waits for its part's re-plan (see Settings.replan_wait_seconds)
        os.environ.setdefault(REPLAN_WAIT_ENV, "2")
    context = multiprocessing.get_context("spawn")
    data_dir = str(settings.data_dir)
    woken_by = NOT_REPLANS if replan_workers else None  # re-plans wake the lane
    workers = [
        context.Process(
            target=worker_main, args=(data_dir,), kwargs={"woken_by": woken_by}, name=f"jobs-{i}"
        )
        for i in range(job_workers)
    ]
    if job_workers:
        workers += [
            context.Process(target=worker_main, args=(data_dir, None, REPLAN_KINDS), name=name)
            for name in (f"replans-{i}" for i in range(replan_workers))
        ]
    for process in workers:
        process.start()
    if on_ready is not None:
        on_ready()
    try:
        uvicorn.run(
            "planner.service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=web_workers if web_workers > 1 else None,
            proxy_headers=True,
            log_level="info",
        )
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(15)
            if process.is_alive():
                process.kill()

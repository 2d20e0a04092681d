"""Running the service: migrate once, start the job workers, serve HTTP with uvicorn."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

from planner.service.config import DATA_DIR_ENV, Settings
from planner.service.db import Database
from planner.service.jobs import service as jobs


def prepare(settings: Settings) -> Database:
    """Create the data folder, bring the database to the newest schema, mark the jobs of
    workers that are gone as interrupted."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    db.migrate()
    with db.session() as session:
        jobs.recover(session)
    return db


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    web_workers: int = 1,
    job_workers: int = 1,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM: ``web_workers`` uvicorn processes and ``job_workers``
    job worker processes, all on the database of ``settings``."""
    import uvicorn

    from planner.service.jobs.worker import worker_main

    prepare(settings).dispose()
    os.environ[DATA_DIR_ENV] = str(settings.data_dir)  # the web processes read the same
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=worker_main, args=(str(settings.data_dir),), name=f"jobs-{i}")
        for i in range(job_workers)
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

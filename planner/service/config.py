"""The service's settings, read once from the environment (the systemd unit sets them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "PLANNER_DATA_DIR"
DATABASE_URL_ENV = "PLANNER_DATABASE_URL"
SECURE_COOKIES_ENV = "PLANNER_SECURE_COOKIES"
IDLE_MINUTES_ENV = "PLANNER_SESSION_IDLE_MINUTES"
REPLAN_WAIT_ENV = "PLANNER_REPLAN_WAIT_SECONDS"
DEFAULT_DATA_DIR = "out/service"
"""The data folder when ``PLANNER_DATA_DIR`` is not set (relative to the working folder)."""


@dataclass(frozen=True)
class Settings:
    """Where the service keeps its data and how it talks to browsers.

    ``data_dir`` holds the SQLite database (unless ``database_url`` names another database),
    the stored roster files (``blobs/``), data versions unpacked for planning (``versions/``)
    and plan folders (``plans/``).
    """

    data_dir: Path
    database_url: str
    secure_cookies: bool = False
    """Mark cookies ``Secure`` (behind TLS, as the nginx example sets up)."""
    idle_minutes: int = 120
    """A session unused this long ends."""
    max_upload_bytes: int = 64 * 1024 * 1024
    replan_wait_seconds: float = 0.0
    """How long a college's pin waits for its part's re-plan before it answers, so that the
    browser goes straight to the updated part (else to the page that polls for it). ``planner
    serve`` waits 2 s (a re-plan takes well under one when a job worker is running); 0 (the
    default, for an app without workers) answers at once."""

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Settings:
        """Settings from ``PLANNER_*`` environment variables; ``data_dir`` overrides."""
        folder = Path(data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
        url = os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{folder / 'planner.sqlite3'}"
        secure = os.environ.get(SECURE_COOKIES_ENV, "").strip().lower() in ("1", "true", "yes")
        idle = int(os.environ.get(IDLE_MINUTES_ENV) or 120)
        wait = float(os.environ.get(REPLAN_WAIT_ENV) or 0)
        return cls(
            data_dir=folder,
            database_url=normalise_url(url),
            secure_cookies=secure,
            idle_minutes=idle,
            replan_wait_seconds=min(max(wait, 0.0), 10.0),
        )


def normalise_url(url: str) -> str:
    """``postgresql://`` → ``postgresql+psycopg://`` (psycopg 3 is the driver shipped)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

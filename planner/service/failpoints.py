"""Fail points: named places where a test can make the service die, as a power cut would.

``PLANNER_FAILPOINT=upload.store`` makes the process that reaches :func:`failpoint` with that
name kill its whole process group with SIGKILL (the web server, its job workers and their
children: nothing is flushed, no ``finally`` runs); ``name:hang`` makes it stop there instead,
for a test that kills the server itself at that moment. Several points are separated by
commas. Without the variable (in production) a fail point does nothing.
"""

from __future__ import annotations

import os
import signal
import time

ENV = "PLANNER_FAILPOINT"


def failpoint(name: str) -> None:
    """Die (or hang) here if ``PLANNER_FAILPOINT`` names ``name``; else nothing."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    for item in wanted.split(","):
        point, _sep, action = item.strip().partition(":")
        if point != name:
            continue
        if action == "hang":
            while True:
                time.sleep(3600)
        try:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        finally:
            os.kill(os.getpid(), signal.SIGKILL)

"""Whether work may go to forked processes: Linux ``fork``, and not switched off.

``planner plan`` has a helper process read the data and make the workbook
(:mod:`planner.report.helper`), and an explanation solves its alternatives two at a time
(:mod:`planner.explain.why.alternatives`); both only where forking is safe and cheap, and not
when ``PLANNER_HELPER=0`` keeps everything in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

ENV_SWITCH = "PLANNER_HELPER"
"""Environment variable: ``0`` keeps all work in the main process."""


def enabled() -> bool:
    """Whether forked processes may be used here (Linux ``fork``, not switched off)."""
    if os.environ.get(ENV_SWITCH, "1").strip() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1

"""A helper process: work for ``planner plan`` on the second core.

One college's plan takes a couple of seconds, most of them loading libraries and reading the
whole university's data. So the command forks a helper once pandas is loaded and hands it
jobs (see :mod:`planner.report.render`): it reads the data while the main process imports the rest,
then loads openpyxl and Pillow's fonts, and makes the workbook and the heatmaps while the
main process checks the plan and writes the CSV files. The plan folder is still moved into
place only once every file is written, and the files are the same as those made in the main
process.

The helper is used only where ``fork`` is safe and cheap (Linux) and not switched off with
``PLANNER_HELPER=0``; anywhere else, and if the helper is lost (killed, out of memory), the main
process does the work itself. The helper ignores Ctrl-C (the terminal sends it to both
processes): the main process decides, and stops the helper when it stops.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from planner.solver.forking import enabled

JOIN_SECONDS = 5.0
"""How long :meth:`Helper.close` waits for the helper to end before killing it."""


class HelperLost(RuntimeError):
    """The helper process ended without an answer; the caller does the work itself."""


class Helper:
    """One forked helper process that runs jobs (picklable callables and their arguments).

    Use :meth:`start` (``None`` where no helper can be used), then :meth:`submit` and
    :meth:`result` for each job in turn; :meth:`close` (or the ``with`` block) always ends the
    process.
    """

    def __init__(self, process: Any, conn: Connection) -> None:
        self._process = process
        self._conn = conn
        self._pending = False
        self._sender: threading.Thread | None = None

    @property
    def pid(self) -> int:
        """The helper's process id."""
        pid: int = self._process.pid
        return pid

    @property
    def alive(self) -> bool:
        """Whether the helper process is still running."""
        alive: bool = self._process.is_alive()
        return alive

    @classmethod
    def start(cls, warm_up: Callable[[], None] | None = None) -> Helper | None:
        """Fork a helper that runs ``warm_up`` and waits for a job; ``None`` if not available.

        ``warm_up`` (imports, caches) runs in the helper only; its errors are ignored there, as
        the job itself reports any real problem.
        """
        if not enabled():
            return None
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve, args=(child_end, parent_end, warm_up), name="planner-helper"
        )
        process.daemon = True  # never outlives the main process
        try:
            process.start()
        except OSError:  # no memory or process slots left: work in the main process
            parent_end.close()
            child_end.close()
            return None
        child_end.close()
        return cls(process, parent_end)

    def submit(
        self, function: Callable[..., Any], *args: Any, then: Callable[[], None] | None = None
    ) -> bool:
        """Hand ``function(*args)`` to the helper; ``False`` if it cannot take it.

        Returns at once: the job is pickled here and sent by a thread, as the helper may still
        be warming up and a large job would fill the pipe. ``then`` runs in the helper once
        the answer is sent (getting ready for the next job); its errors are ignored there.
        """
        if self._pending:
            raise RuntimeError("the helper's last job has no result yet")
        if self._sender is not None:
            self._sender.join()
        try:
            job = ForkingPickler.dumps((function, args, then))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            return False  # not picklable: the caller does it in-process
        self._sender = threading.Thread(
            target=self._send, args=(bytes(job),), name="planner-helper-send", daemon=True
        )
        self._sender.start()
        self._pending = True
        return True

    def _send(self, job: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):  # lost: result() says so
            self._conn.send_bytes(job)

    def result(self) -> Any:
        """Wait for the job's return value; re-raise its exception; :class:`HelperLost` if lost."""
        if not self._pending:
            raise RuntimeError("no job was submitted")
        self._pending = False
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise HelperLost("the helper process ended without an answer") from exc
        except Exception as exc:  # an exception that does not unpickle here
            raise RuntimeError(f"the helper process failed: {exc}") from exc
        if status == "ok":
            return value
        if isinstance(value, BaseException):
            raise value
        raise RuntimeError(f"the helper process failed:\n{value}")

    def close(self) -> None:
        """End the helper: once its answers are in it has nothing left to do."""
        if self._process.is_alive():
            self._process.kill()  # idle, or no longer needed (an error, Ctrl-C): stop now
        self._process.join(JOIN_SECONDS)
        if self._sender is not None:
            self._sender.join(JOIN_SECONDS)
        self._conn.close()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(conn: Connection, parent_end: Connection, warm_up: Callable[[], None] | None) -> None:
    """The helper's life: warm up, then run each job it is sent and send back its outcome."""
    parent_end.close()  # so that the main process ending is seen as end of file
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm_up is not None:
        with contextlib.suppress(Exception):  # the job reports any real problem itself
            warm_up()
    while True:
        try:
            function, args, then = conn.recv()
        except (EOFError, OSError):
            break  # the main process is done with the helper (or stopped)
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except BaseException as exc:  # every failure goes back to the main process
            answer = ("error", exc)
        try:
            conn.send(answer)
        except (OSError, EOFError):
            break  # the main process is gone (killed): nobody is waiting for the answer
        except Exception:  # the answer would not pickle (an odd exception): send its text
            text = "".join(traceback.format_exception(answer[1])) if answer[0] == "error" else ""
            with contextlib.suppress(OSError, EOFError):
                conn.send(("error", text or "the helper's answer could not be sent"))
        if then is not None:
            with contextlib.suppress(Exception):
                then()
    conn.close()

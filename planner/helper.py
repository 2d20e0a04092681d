"""A helper process that makes the workbook and heatmaps while the main process reads and solves.

Matplotlib and openpyxl take most of a second to import, and each heatmap a fifth of a second
to draw, which for one college's plan is most of a ``planner plan`` run. So the command forks
a helper as soon as it starts, before it imports pandas: while the main process imports, reads
the data and solves, the helper imports matplotlib, openpyxl and pandas and warms the font
caches on the other core; when the plan is ready, the helper writes the workbook and draws
each heatmap in a forked child of its own (see :mod:`planner.render`) while the main process
checks the plan and writes the CSV files. The plan folder is still moved into place only
once every file is written, and the files are byte-identical to those made in the main
process.

The helper is used only where ``fork`` is safe and cheap (Linux) and not switched off with
``PLANNER_HELPER=0``; anywhere else, and if the helper is lost (killed, out of memory), the main
process makes the files itself. The helper ignores Ctrl-C (the terminal sends it to both
processes): the main process decides, and stops the helper when it stops."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

ENV_SWITCH = "PLANNER_HELPER"
"""Environment variable: ``0`` keeps all work in the main process."""

JOIN_SECONDS = 5.0
"""How long :meth:`Helper.close` waits for the helper to end before killing it."""


class HelperLost(RuntimeError):
    """The helper process ended without an answer; the caller does the work itself."""


class Helper:
    """One forked helper process that runs one job (a picklable callable and its arguments).

    Use :meth:`start` (``None`` where no helper can be used), :meth:`submit` once, then
    :meth:`result`; :meth:`close` (or the ``with`` block) always ends the process.
    """

    def __init__(self, process: Any, conn: Connection) -> None:
        self._process = process
        self._conn = conn
        self._submitted = False
        self._sender: threading.Thread | None = None
        self._answered = False

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

    def submit(self, function: Callable[..., Any], *args: Any) -> bool:
        """Hand ``function(*args)`` to the helper; ``False`` if it cannot take it.

        Returns at once: the job is pickled here and sent by a thread, as the helper may still
        be warming up and a large job would fill the pipe.
        """
        if self._submitted:
            raise RuntimeError("a helper runs one job")
        try:
            job = ForkingPickler.dumps((function, args))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            return False  # not picklable: the caller does it in-process
        self._sender = threading.Thread(
            target=self._send, args=(bytes(job),), name="planner-helper-send", daemon=True
        )
        self._sender.start()
        self._submitted = True
        return True

    def _send(self, job: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):  # lost: result() says so
            self._conn.send_bytes(job)

    def result(self) -> Any:
        """Wait for the job's return value; re-raise its exception; :class:`HelperLost` if lost."""
        if not self._submitted:
            raise RuntimeError("no job was submitted")
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise HelperLost("the helper process ended without an answer") from exc
        except Exception as exc:  # an exception that does not unpickle here
            raise RuntimeError(f"the helper process failed: {exc}") from exc
        self._answered = True
        if status == "ok":
            return value
        if isinstance(value, BaseException):
            raise value
        raise RuntimeError(f"the helper process failed:\n{value}")

    def close(self) -> None:
        """End the helper: it ends by itself after its job; else it is killed."""
        if self._process.is_alive() and not self._answered:
            self._process.kill()  # not needed any more (an error, Ctrl-C): stop drawing now
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._sender is not None:
            self._sender.join(JOIN_SECONDS)
        self._conn.close()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def enabled() -> bool:
    """Whether a helper process may be used here (Linux ``fork``, not switched off)."""
    if os.environ.get(ENV_SWITCH, "1").strip() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _serve(conn: Connection, parent_end: Connection, warm_up: Callable[[], None] | None) -> None:
    """The helper's life: warm up, run the one job it is sent, send back its outcome."""
    parent_end.close()  # so that the main process ending is seen as end of file
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm_up is not None:
        with contextlib.suppress(Exception):  # the job reports any real problem itself
            warm_up()
    try:
        function, args = conn.recv()
    except (EOFError, OSError):
        return  # the main process stopped before the plan was ready
    try:
        answer: tuple[str, Any] = ("ok", function(*args))
    except BaseException as exc:  # every failure goes back to the main process
        answer = ("error", exc)
    try:
        conn.send(answer)
    except (OSError, EOFError):
        pass  # the main process is gone (killed): nobody is waiting for the answer
    except Exception:  # the answer would not pickle (an odd exception): send its text
        text = "".join(traceback.format_exception(answer[1])) if answer[0] == "error" else ""
        with contextlib.suppress(OSError, EOFError):
            conn.send(("error", text or "the helper's answer could not be sent"))
    finally:
        conn.close()


def run_forked(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``calls[0]`` here and each later call in a forked child at once; their results.

    For the helper process, to use both cores when the main process has nothing left to do
    but wait. A child that fails or is lost is run again here, so the results are the same
    as running every call here, only sooner. Without ``fork`` every call runs here.
    """
    if not enabled():
        return [call() for call in calls]
    children = [_fork_call(call) for call in calls[1:]]
    results = [call() for call in calls[:1]]
    for call, child in zip(calls[1:], children, strict=True):
        outcome: tuple[str, Any] | None = None
        if child is not None:
            pid, conn = child
            with contextlib.suppress(EOFError, OSError, pickle.UnpicklingError):
                outcome = conn.recv()
            conn.close()
            os.waitpid(pid, 0)
        if outcome is not None and outcome[0] == "ok":
            results.append(outcome[1])
        else:
            results.append(call())  # failed or lost there: a real error is raised here
    return results


def _fork_call(call: Callable[[], Any]) -> tuple[int, Connection] | None:
    """Fork a child that sends back ``("ok", call())``; ``None`` if fork fails."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(read_fd)
            with Connection(write_fd, readable=False) as out:
                out.send(("ok", call()))
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, Connection(read_fd, writable=False)

"""Start the real service in a subprocess, as the systemd unit or ``make demo`` does."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from planner.service.warmup import WARM_UP_ENV

PLANNER = str(Path(sys.executable).with_name("planner"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def output_of(process: subprocess.Popen[bytes]) -> str:
    """What the server wrote so far (its log file; a pipe is never used: a server whose pipe
    nobody reads stops when the pipe is full)."""
    log = getattr(process, "log_path", None)
    if log is not None and Path(log).exists():
        return Path(log).read_text(errors="replace")
    return process.stdout.read().decode(errors="replace") if process.stdout else ""


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Poll ``url`` until it answers; fail with the server's output if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = output_of(process)
            raise AssertionError(f"the server stopped ({process.returncode}):\n{out[-4000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.3)
    raise AssertionError(f"the server did not answer {url} in {timeout} s")


def launch(
    args: list[str], env: dict[str, str], port: int, cwd: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``args`` (a ``planner serve`` command line) in a process group of its own and
    wait until it answers; the process and its base URL. Its output goes to a file in
    the temporary folder (``process.log_path``), never in ``cwd`` (which may be the checkout)."""
    log_path = Path(tempfile.mkdtemp(prefix="planner-server-")) / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            args,
            env={**os.environ, WARM_UP_ENV: "0", **env},  # warming is tested on its own
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = log_path  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz", process)
    except BaseException:
        stop(process, signal.SIGKILL)
        raise
    return process, base


def stop(process: subprocess.Popen[bytes], how: int = signal.SIGINT) -> None:
    """Stop the server's process group (``SIGINT``: as Ctrl-C; ``SIGKILL``: as a power cut)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, how)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed server
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def running(args: list[str], env: dict[str, str], port: int, cwd: Path) -> Iterator[str]:
    """Run ``args`` (a ``planner serve`` command line) until the block ends; its base URL."""
    process, base = launch(args, env, port, cwd)
    try:
        yield base
    finally:
        stop(process)

"""The service started the way ``deploy/planner.service`` starts it, against PostgreSQL."""

from __future__ import annotations

import shlex
import urllib.request
from pathlib import Path

import pytest

from .server import PLANNER, free_port, running

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "planner.service"


def unit_command() -> tuple[list[str], dict[str, str]]:
    """The unit's ExecStart (split) and its Environment= settings."""
    command: list[str] = []
    env: dict[str, str] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line.startswith("ExecStart="):
            command = shlex.split(line.removeprefix("ExecStart="))
        elif line.startswith("Environment="):
            key, _sep, value = line.removeprefix("Environment=").partition("=")
            env[key] = value
    return command, env


@pytest.mark.postgres
def test_the_unit_starts_the_service_on_postgres(fresh_postgres: str, tmp_path: Path) -> None:
    command, env = unit_command()
    assert command[0].endswith("/bin/planner") and command[1] == "serve"
    assert env["PLANNER_DATA_DIR"] and "--job-workers" in command
    port = free_port()
    args = [PLANNER, *command[1:]]
    args[args.index("--port") + 1] = str(port)
    env["PLANNER_DATA_DIR"] = str(tmp_path / "data")  # the unit's folder, moved for the test
    env["PLANNER_DATABASE_URL"] = fresh_postgres  # what /etc/planner/planner.env provides
    with running(args, env, port, tmp_path) as base:
        with urllib.request.urlopen(base + "/signin", timeout=10) as response:
            html = response.read().decode()
            cookies = response.headers.get_all("set-cookie") or []
        assert response.status == 200 and "登录" in html
        assert any("Secure" in c for c in cookies)  # PLANNER_SECURE_COOKIES=1 of the unit
    assert (tmp_path / "data").is_dir()

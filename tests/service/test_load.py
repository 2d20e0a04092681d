"""The load test's short form (30 s, 40 users, the demo university on SQLite, and on
PostgreSQL when it is there): no errors. Its figures are for ``make bench``, not asserted."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_module():  # type: ignore[no-untyped-def]
    if "benchmarks_load" in sys.modules:
        return sys.modules["benchmarks_load"]
    path = ROOT / "benchmarks" / "load.py"
    spec = importlib.util.spec_from_file_location("benchmarks_load", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks_load"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_forty_users_for_thirty_seconds(backend: str, fresh_postgres_or_none: str | None) -> None:
    load = load_module()
    result = load.run(fresh_postgres_or_none, users=40, duration=30)
    print(load.summary(result))
    assert result["requests"] > 40 and result["users"] == 40
    assert result["errors"] == 0, result["error_examples"]
    assert result["jobs_run"] <= result["jobs_queued"]


@pytest.fixture
def fresh_postgres_or_none(request: pytest.FixtureRequest) -> str | None:
    backend = request.node.callspec.params["backend"]
    if backend != "postgres":
        return None
    return str(request.getfixturevalue("fresh_postgres"))


def test_the_load_script_refuses_unbounded_runs() -> None:
    load = load_module()
    with pytest.raises(SystemExit):
        load.main(["--duration", "100000"])
    with pytest.raises(SystemExit):
        load.main(["--users", "5000"])
    assert os.path.basename(load.PLANNER) == "planner"

"""A university-size upload (3,000 cadres, ~9,600 targets, one workbook) validated and planned
through the pages of a real server, with the job's progress seen. Slow: not in ``make test``;
run with ``pytest -m slow tests/service/test_university.py -s`` (it prints the timings)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from planner.service import engine

from .server import PLANNER, free_port, running

pytestmark = pytest.mark.slow
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: httpx.Client, url: str) -> str:
    found = CSRF.search(client.get(url).text)
    assert found
    return found.group(1)


def test_a_university_plans_through_the_pages(tmp_path: Path) -> None:
    [book] = engine.write_generated(tmp_path / "uni", "university", fmt="workbook", headers="zh")
    port = free_port()
    args = [PLANNER, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path / "d")]
    with running(args, {}, port, tmp_path) as base, httpx.Client(base_url=base) as client:
        client.post(
            "/signin",
            data={
                "username": "admin",
                "password": "demo-admin-2026",
                "csrf_token": token(client, "/signin"),
            },
        )
        form = {"name": "2027春", "csrf_token": token(client, "/semesters")}
        client.post("/semesters", data=form)
        semester = client.get("/semesters").text
        sid = re.search(r'href="/semesters/(\d+)">2027春', semester).group(1)  # type: ignore[union-attr]
        started = time.perf_counter()
        response = client.post(
            f"/semesters/{sid}/uploads",
            data={"csrf_token": token(client, f"/semesters/{sid}")},
            files={"files": (book.name, book.read_bytes())},
            timeout=120,
        )
        upload_s = time.perf_counter() - started
        assert response.status_code == 303, response.text[-3000:]
        started = time.perf_counter()
        response = client.post(
            f"/semesters/{sid}/proposals", data={"csrf_token": token(client, f"/semesters/{sid}")}
        )
        job = response.headers["location"].split("?")[0]
        stages: list[str] = []
        while True:
            status = client.get(job + ".json").json()
            if status["stage"] and (not stages or stages[-1] != status["stage"]):
                stages.append(status["stage"])
            if status["finished"]:
                break
            assert time.perf_counter() - started < 600
            time.sleep(0.5)
        plan_s = time.perf_counter() - started
        assert status["state"] == "succeeded", status
        pages = {}
        plan = f"/plans/{status['plan']}"
        for name, url in [
            ("overview", plan),
            ("assignments", f"{plan}/assignments?kind=class&sort=name"),
            ("search", f"{plan}/assignments?q=张"),
            ("changes", f"{plan}/changes?college=C07"),
        ]:
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            pages[name] = round(time.perf_counter() - t0, 3)
    print(
        f"\nupload + validation: {upload_s:.1f} s; proposal job: {plan_s:.1f} s; "
        f"stages seen: {stages}; pages: {pages}"
    )
    assert len(stages) >= 3

"""Per-request CPU of the contact-work pages (ledger, duties, a cadre's duties, calendars,
cases), in process: the demo service (or university-size data) set up once in a folder, then
each page asked ``--repeats`` times through Starlette's TestClient by a signed-in SAO user and
a college secretary; CPU (``time.process_time``) and wall time per request, median and
slowest. The first request of each page is reported apart (cold caches).

    python benchmarks/ledger_pages.py                       # demo university
    python benchmarks/ledger_pages.py --preset university   # planner generate --preset university
    python benchmarks/ledger_pages.py --profile /semesters/1/duties

Set-up is kept in ``--work`` (default ``/tmp/ledger-pages``) and reused when present.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLANNER = str(Path(sys.executable).with_name("planner"))


def set_up(folder: Path, preset: str) -> Any:
    from planner.service.config import Settings
    from planner.service.demo import set_up_demo

    service = folder / f"service-{preset}"
    url = f"sqlite:///{service / 'planner.sqlite3'}"
    settings = Settings(data_dir=service, database_url=url)
    if (service / "ready").exists():
        return settings
    data = None
    if preset != "demo":
        data = folder / f"data-{preset}"
        if not data.exists():
            subprocess.run(
                [PLANNER, "generate", "--preset", preset, "--seed", "1", "--out", str(data)],
                check=True,
                capture_output=True,
            )
    service.mkdir(parents=True, exist_ok=True)
    assert set_up_demo(settings, demo_data=data) is not None
    (service / "ready").write_text("ok")
    return settings


def client(settings: Any, username: str, password: str) -> Any:
    import re

    from fastapi.testclient import TestClient

    from planner.service.app import create_app

    browser = TestClient(create_app(settings), follow_redirects=False)
    page = browser.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = browser.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": token[1], "next": "/"},
    )
    assert answer.status_code == 303, answer.text[:300]
    return browser


def pages(college: str, cadre: str, case: int) -> list[tuple[str, str, str]]:
    """(who, name, url) of each page measured."""
    return [
        ("sao", "ledger", "/semesters/1/ledger"),
        ("college", "ledger", "/semesters/1/ledger"),
        ("sao", "duties", "/semesters/1/duties"),
        ("college", "duties", "/semesters/1/duties"),
        ("college", "cadre duties", f"/semesters/1/duties/cadres/{cadre}"),
        ("college", "calendar college", f"/semesters/1/calendars/colleges/{college}.ics"),
        ("college", "calendar cadre", f"/semesters/1/calendars/cadres/{cadre}.ics"),
        ("sao", "cases", "/cases"),
        ("college", "cases", "/cases"),
        ("sao", "case", f"/cases/{case}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="demo", help="demo, or a planner generate preset")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ledger-pages"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", default="", help="profile this URL (SAO) and print")
    parser.add_argument("--who", default="sao", choices=["sao", "college"])
    parser.add_argument("--dump", type=Path, default=None, help="write each page's text here")
    parser.add_argument("--only", default="", help="measure the pages whose name contains this")
    args = parser.parse_args()
    settings = set_up(args.work, args.preset)

    from sqlalchemy import select

    from planner.service.accounts import service as accounts
    from planner.service.accounts.models import Role
    from planner.service.cases.models import ProblemCase
    from planner.service.db import Database
    from planner.service.ledger.models import ContactEntry

    db = Database(settings.database_url)
    with db.session() as session:
        college = "C01"
        if accounts.get_user(session, "bench-college") is None:
            accounts.add_user(
                session,
                username="bench-college",
                display_name="bench",
                password="bench-2026-pages",
                role=Role.COLLEGE,
                college=college,
            )
        cadre = session.scalar(
            select(ContactEntry.cadre_id).where(ContactEntry.college == college).limit(1)
        )
        case = session.scalar(select(ProblemCase.id).order_by(ProblemCase.id).limit(1)) or 1
        records = session.scalar(select(__import__("sqlalchemy").func.count(ContactEntry.id)))
    db.dispose()
    browsers = {
        "sao": client(settings, "staff", "demo-staff-2026"),
        "college": client(settings, "bench-college", "bench-2026-pages"),
    }
    print(f"{args.preset}: {records} ledger records; load {os.getloadavg()[0]:.2f}")
    if args.dump:
        import re

        args.dump.mkdir(parents=True, exist_ok=True)
        urls = [*pages(college, cadre, case)]
        for day in ("2026-09-20", "2026-10-31", "2027-02-01"):
            urls.append(("sao", f"duties {day}", f"/semesters/1/duties?as_of={day}"))
            urls.append(("college", f"duties {day}", f"/semesters/1/duties?as_of={day}"))
            urls.append(("sao", f"cadre {day}", f"/semesters/1/duties/cadres/{cadre}?as_of={day}"))
        urls.append(("sao", "duties central", "/semesters/1/duties?college=central"))
        urls.append(("sao", "duties C02", "/semesters/1/duties?college=C02"))
        urls.append(("sao", "calendar central", "/semesters/1/calendars/colleges/central.ics"))
        urls.append(("sao", "calendar C02", "/semesters/1/calendars/colleges/C02.ics"))
        for who, name, url in urls:
            for language in ("zh", "en"):
                browsers[who].cookies.set("planner_lang", language)
                body = browsers[who].get(url, headers={"Accept-Language": language}).text
                body = re.sub(r'(csrf_token" value=|nonce=)"[^"]+"', r"\1", body)
                (args.dump / f"{who}-{name}-{language}.txt".replace("/", "_")).write_text(body)
        print("dumped", len(urls) * 2)
        return
    if args.profile:
        import fastapi.routing

        browser = browsers[args.who]
        browser.get(args.profile)
        profile = cProfile.Profile()
        plain = fastapi.routing.run_in_threadpool

        async def profiled(func: Any, *a: Any, **k: Any) -> Any:
            return await plain(profile.runcall, func, *a, **k)

        fastapi.routing.run_in_threadpool = profiled  # the app runs in the client's thread
        for _i in range(args.repeats):
            answer = browser.get(args.profile)
        fastapi.routing.run_in_threadpool = plain
        print(answer.status_code, len(answer.content))
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        return
    print(
        f"{'who':8} {'page':18} {'first cpu':>9} {'cpu p50':>8} {'cpu max':>8} "
        f"{'wall p50':>8} bytes"
    )
    for who, name, url in pages(college, cadre, case):
        if args.only and args.only not in name:
            continue
        browser = browsers[who]
        cpu, wall = [], []
        for _i in range(args.repeats + 1):
            c0, w0 = time.process_time(), time.perf_counter()
            answer = browser.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            assert answer.status_code == 200, (url, answer.status_code)
        rest_cpu, rest_wall = cpu[1:], wall[1:]
        print(
            f"{who:8} {name:18} {cpu[0] * 1000:8.0f}m {statistics.median(rest_cpu) * 1000:7.0f}m "
            f"{max(rest_cpu) * 1000:7.0f}m {statistics.median(rest_wall) * 1000:7.0f}m "
            f"{len(answer.content)}"
        )
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

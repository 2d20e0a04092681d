"""A bounded load test of the planning service: loopback only, a fixed number of users and a
fixed duration, then it stops by itself.

    python benchmarks/load.py --duration 120                     # embedded SQLite
    python benchmarks/load.py --duration 120 --database postgresql://…/planner_load
    python benchmarks/load.py --preset university --duration 300  # university-size data

It sets up a service in ``benchmarks/work/load-<database>/`` (the demo university, or data
from ``planner generate --preset``; an SAO account, one secretary per college — 38 by
default, colleges taken in turn when the data has fewer — and a viewer; a planned proposal),
starts ``planner serve`` on 127.0.0.1 (its defaults: one web process per core; one job worker
and one for the parts' re-plans), and lets every user sign in and
work: the SAO browses the semester, the plan, the tables (filtered, searched, paged), jobs and
the audit log, downloads files; a college browses its part, filters, opens "why this
assignment" (an explanation job, cached once computed), its ledger, duties and calendar;
the viewer reads and downloads. Each user waits 0.5–2 s between requests. Users arrive over
the first seconds (each signs in after a random wait of up to ``--arrivals`` seconds, 10 by
default; 0: all at once), as people do, not all in the same instant.

The first secretary of each college also adjusts its part now and then (issue 16): on the
part's page, forbids one of its pairs (the part is re-planned, a job) or undoes the newest
adjustment, then waits for the updated page as the browser does (``app.js`` polls the part's
``state.json`` and reloads when the re-plan has finished). That wait, from the click to the
updated page, is its own row: ``adjust: pin → page`` (``adjust: undo → page`` for undo).

Figures (printed, and written with ``--json``): requests and errors (any 5xx, any failed
connection, any answer other than the one expected), latency p50/p95/p99 per page type, jobs
queued vs run during the test, the peak memory (resident, summed) of the server's process tree
(web process, job worker and its children), and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
PLANNER = str(Path(sys.executable).with_name("planner"))
PASSWORD = "load-test-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORBID = re.compile(
    r'name="cadre" value="([^"]+)"><input type="hidden" name="kind" value="([^"]+)">'
    r'<input type="hidden" name="target" value="([^"]+)"><input type="hidden" name="rule" '
    r'value="forbid">'
)
PAGE_GOAL_P95 = 0.300
ADJUST_GOAL_P95 = 1.0
ADJUST_SHARE = 0.15
"""How often (of its requests) a college's first secretary adjusts its part."""
POLLS = (0.15,) * 20
"""``app.js``'s waits before polling a running re-plan's state (then every second)."""


@dataclass
class Sample:
    """One request: its page type, how long it took, whether it went wrong."""

    page: str
    seconds: float
    error: str = ""
    at: float = field(default_factory=time.perf_counter)
    """When it ended (``time.perf_counter``)."""


@dataclass
class Shared:
    """What the users record (under a lock)."""

    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def set_up(folder: Path, database: str | None, preset: str, colleges_wanted: int) -> dict[str, Any]:
    """A service with data, accounts and a planned proposal; what the users need to know."""
    from sqlalchemy import select, text

    from planner.service.accounts import service as accounts
    from planner.service.accounts.models import Role
    from planner.service.config import Settings, normalise_url
    from planner.service.db import Database
    from planner.service.demo import set_up_demo
    from planner.service.plans.models import Assignment

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = normalise_url(database) if database else f"sqlite:///{folder / 'planner.sqlite3'}"
    if database:  # an empty database: drop what an earlier run left
        db = Database(url)
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.dispose()
    data = None
    if preset != "demo":
        data = WORK / f"load-data-{preset}"
        if not data.exists():
            subprocess.run(
                [PLANNER, "generate", "--preset", preset, "--seed", "1", "--out", str(data)],
                check=True,
                capture_output=True,
            )
    settings = Settings(data_dir=folder / "service", database_url=url)
    plan_id = set_up_demo(settings, demo_data=data)
    assert plan_id is not None
    db = Database(url)
    with db.session() as session:
        colleges = sorted(
            set(
                session.scalars(
                    select(Assignment.cadre_college).where(
                        Assignment.plan_id == plan_id, Assignment.cadre_college.is_not(None)
                    )
                )
            )
        )
        cadres: dict[str, list[str]] = defaultdict(list)
        for college, cadre in session.execute(
            select(Assignment.cadre_college, Assignment.cadre_id).where(
                Assignment.plan_id == plan_id
            )
        ):
            if college and len(cadres[college]) < 30 and cadre not in cadres[college]:
                cadres[college].append(cadre)
        users = [("load-sao", Role.SAO_STAFF, None), ("load-viewer", Role.VIEWER, None)]
        for i in range(colleges_wanted):
            users.append((f"load-c{i + 1:02d}", Role.COLLEGE, colleges[i % len(colleges)]))
        for name, role, college in users:
            accounts.add_user(
                session,
                username=name,
                display_name=name,
                password=PASSWORD,
                role=role,
                college=college,
            )
    db.dispose()
    return {
        "settings": settings,
        "plan": plan_id,
        "users": users,
        "cadres": dict(cadres),
        "colleges": colleges,
    }


def start_server(settings: Any, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``planner serve`` on a free loopback port with one job worker (and its re-plan lane);
    its base URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {
        **os.environ,
        "PLANNER_DATA_DIR": str(settings.data_dir),
        "PLANNER_DATABASE_URL": settings.database_url,
    }
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(
        [PLANNER, "serve", "--host", "127.0.0.1", "--port", str(port), "--job-workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped; see {folder / 'server.log'}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start in 120 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C to the server's group; SIGKILL if it lingers."""
    import signal

    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    time.sleep(2)
    with contextlib.suppress(ProcessLookupError):  # a job worker still stopping: no leftovers
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


class MemoryWatch(threading.Thread):
    """Polls the resident memory of the server's process tree (keeps the peak) and its CPU
    time: the web processes' (those listening on the port) and the job workers' with their
    jobs (finished children count through their parent), from :meth:`mark` on."""

    def __init__(self, pid: int, port: int = 0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.port = port
        self.peak = 0
        self.stop = threading.Event()
        self.cpu: dict[int, tuple[bool, float]] = {}
        self.start_cpu: dict[str, float] = {"web": 0.0, "jobs": 0.0}
        self.lock = threading.Lock()

    def _listens(self, proc: psutil.Process) -> bool:
        with contextlib.suppress(psutil.Error):
            return any(
                c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self.port
                for c in proc.net_connections(kind="tcp")
            )
        return False

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            total = 0
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    used = times.user + times.system + times.children_user + times.children_system
                    with self.lock:
                        web = self.cpu[proc.pid][0] if proc.pid in self.cpu else self._listens(proc)
                        self.cpu[proc.pid] = (web, used)
            self.peak = max(self.peak, total)
        except psutil.Error:
            pass

    def totals(self) -> dict[str, float]:
        """CPU seconds of the web processes and of the jobs side so far."""
        with self.lock:
            web = sum(used for is_web, used in self.cpu.values() if is_web)
            jobs = sum(used for is_web, used in self.cpu.values() if not is_web)
        return {"web": web, "jobs": jobs}

    def mark(self) -> None:
        """Count CPU from now on."""
        self.sample()
        self.start_cpu = self.totals()

    def used(self) -> dict[str, float]:
        """CPU seconds since :meth:`mark`."""
        now = self.totals()
        return {k: round(now[k] - self.start_cpu[k], 1) for k in now}

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.5)


class User(threading.Thread):
    """One person working until the deadline."""

    def __init__(
        self,
        base: str,
        name: str,
        role: str,
        college: str | None,
        env: dict[str, Any],
        adjusts: bool = False,
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.name, self.role, self.college = base, name, role, college
        self.env = env
        self.adjusts = adjusts
        self.random = random.Random(name)

    def run(self) -> None:
        shared: Shared = self.env["shared"]
        deadline: float = self.env["deadline"]
        with httpx.Client(base_url=self.base, timeout=60, follow_redirects=False) as client:
            time.sleep(self.random.uniform(0, self.env["arrivals"]))
            if not self._sign_in(client, shared):
                return
            while time.monotonic() < deadline:
                if self.adjusts and self.random.random() < ADJUST_SHARE:
                    self._adjust(client, shared)
                else:
                    page, url, expected = self._next()
                    self._get(client, shared, page, url, expected)
                time.sleep(self.random.uniform(0.5, 2.0))

    def _adjust(self, client: httpx.Client, shared: Shared) -> None:
        """Forbid one of the part's pairs (or undo the newest adjustment) and wait for the
        updated page as the browser does; the wait from the click is one sample."""
        part = f"/filing/{self.env['plan']}/{self.college}"
        page = self._get(client, shared, "part page", part)
        token = CSRF.search(page.text) if page is not None else None
        pairs = FORBID.findall(page.text) if page is not None else []
        if page is None or token is None or f'data-poll="{part}/state.json"' in page.text:
            return
        undo = f'action="{part}/undo"' in page.text and self.random.random() < 0.5
        if not undo and not pairs:
            return
        row = "adjust: undo → page" if undo else "adjust: pin → page"
        started = time.perf_counter()
        error = ""
        try:
            if undo:
                answer = client.post(part + "/undo", data={"csrf_token": token.group(1)})
            else:
                cadre, kind, target = self.random.choice(pairs)
                fields = {"cadre": cadre, "kind": kind, "target": target, "rule": "forbid"}
                answer = client.post(part + "/pins", data={**fields, "csrf_token": token.group(1)})
            if answer.status_code != 303:
                error = f"{answer.status_code} {row}"
            else:
                shown = client.get(answer.headers["location"])
                polls = list(POLLS)
                until = time.monotonic() + 60
                while f'data-poll="{part}/state.json"' in shown.text and not error:
                    time.sleep(polls.pop(0) if polls else 1.0)
                    state = client.get(part + "/state.json")
                    if state.status_code != 200:
                        error = f"{state.status_code} {part}/state.json"
                    elif state.json()["finished"]:
                        shown = client.get(part)
                    elif time.monotonic() > until:
                        error = f"re-plan not finished in 60 s {part}"
                if shown.status_code != 200 and not error:
                    error = f"{shown.status_code} {part}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        shared.add(Sample(row, time.perf_counter() - started, error))

    def _get(
        self, client: httpx.Client, shared: Shared, page: str, url: str, expected: int = 200
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = client.get(url)
        except httpx.HTTPError as exc:
            shared.add(Sample(page, time.perf_counter() - started, type(exc).__name__))
            return None
        seconds = time.perf_counter() - started
        error = "" if response.status_code == expected else f"{response.status_code} {url}"
        shared.add(Sample(page, seconds, error))
        return response

    def _sign_in(self, client: httpx.Client, shared: Shared) -> bool:
        form = self._get(client, shared, "sign-in page", "/signin")
        found = CSRF.search(form.text) if form is not None else None
        if found is None:
            return False
        started = time.perf_counter()
        try:
            response = client.post(
                "/signin",
                data={"username": self.name, "password": PASSWORD, "csrf_token": found.group(1)},
            )
            error = "" if response.status_code == 303 else f"sign-in {response.status_code}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        shared.add(Sample("sign-in", time.perf_counter() - started, error))
        return not error

    def _next(self) -> tuple[str, str, int]:
        plan = self.env["plan"]
        r = self.random
        tables = ("assignments", "uncovered", "changes")
        common = [
            ("plan overview", f"/plans/{plan}", 200),
            ("table", f"/plans/{plan}/{r.choice(tables)}?page={r.randint(1, 3)}", 200),
            (
                "table filtered",
                f"/plans/{plan}/assignments?kind={r.choice(['class', 'dorm'])}"
                f"&sort=name&dir={r.choice(['asc', 'desc'])}",
                200,
            ),
            ("semester", "/semesters/1", 200),
            ("ledger", "/semesters/1/ledger", 200),
            ("duties", "/semesters/1/duties", 200),
        ]
        if self.role == "college":
            cadre = r.choice(self.env["cadres"].get(self.college, ["none"]))
            choices = [
                *common,
                ("table searched", f"/plans/{plan}/assignments?q={cadre}", 200),
                ("explanation", f"/plans/{plan}/explain/page?cadre={cadre}", 200),
                ("download calendar", f"/semesters/1/calendars/colleges/{self.college}.ics", 200),
                ("part page", f"/filing/{plan}/{self.college}", 200),
            ]
        else:
            choices = [
                *common,
                ("download csv", f"/plans/{plan}/files/assignments.csv", 200),
                ("job status", "/jobs/1.json", 200),
            ]
            if self.role == "sao_staff":
                choices.append(("audit", "/audit", 200))
        return r.choice(choices)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0–1) of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def count_jobs(settings: Any, since_id: int) -> dict[str, int]:
    """Jobs created after ``since_id``, by state."""
    from sqlalchemy import func, select

    from planner.service.db import Database
    from planner.service.jobs.models import Job

    db = Database(settings.database_url)
    try:
        with db.session() as session:
            rows = session.execute(
                select(Job.state, func.count()).where(Job.id > since_id).group_by(Job.state)
            ).all()
            return {state: int(n) for state, n in rows}
    finally:
        db.dispose()


def last_job_id(settings: Any) -> int:
    from sqlalchemy import func, select

    from planner.service.db import Database
    from planner.service.jobs.models import Job

    db = Database(settings.database_url)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.max(Job.id))) or 0)
    finally:
        db.dispose()


def run(
    database: str | None,
    users: int,
    duration: float,
    preset: str = "demo",
    arrivals: float = 10.0,
    samples: Path | None = None,
) -> dict[str, Any]:
    """Set up, serve, load for ``duration`` seconds with ``users`` people (signing in over
    the first ``arrivals`` seconds); the figures (every request written to ``samples``)."""
    name = "postgres" if database else "sqlite"
    folder = WORK / f"load-{name}"
    colleges = max(1, users - 2)
    setup_started = time.perf_counter()
    found = set_up(folder, database, preset, colleges)
    setup_seconds = time.perf_counter() - setup_started
    settings = found["settings"]
    before_jobs = last_job_id(settings)
    process, base = start_server(settings, folder)
    watch = MemoryWatch(process.pid, int(base.rsplit(":", 1)[1]))
    watch.mark()
    watch.start()
    shared = Shared()
    load_before = os.getloadavg()
    env = {
        "shared": shared,
        "deadline": time.monotonic() + duration,
        "plan": found["plan"],
        "cadres": found["cadres"],
        "arrivals": min(arrivals, duration / 3),
    }
    people = []
    adjusting: set[str] = set()
    for n, role, college in found["users"][:users]:
        first = college is not None and college not in adjusting  # one adjuster per part
        adjusting.update([college] if first and college else [])
        people.append(User(base, n, str(role), college, env, adjusts=first))
    started = time.perf_counter()
    try:
        for person in people:
            person.start()
        for person in people:
            person.join(duration + 120)
    finally:
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()
        time.sleep(1)
        watch.stop.set()
        watch.join(5)
        watch.sample()
        cpu = watch.used()
        stop_server(process)
    if samples is not None:  # each request: when it ended (from the start), its latency, page
        samples.write_text(
            "".join(f"{x.at - started:.3f}\t{x.seconds:.4f}\t{x.page}\n" for x in shared.samples),
            encoding="utf-8",
        )
    by_page: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for sample in shared.samples:
        by_page[sample.page].append(sample.seconds)
        if sample.error:
            errors.append(f"{sample.page}: {sample.error}")
    pages = {
        page: {
            "requests": len(values),
            "p50_ms": round(1000 * percentile(values, 0.50)),
            "p95_ms": round(1000 * percentile(values, 0.95)),
            "p99_ms": round(1000 * percentile(values, 0.99)),
            "mean_ms": round(1000 * statistics.fmean(values)),
        }
        for page, values in sorted(by_page.items())
    }
    jobs = count_jobs(settings, before_jobs)
    return {
        "database": name,
        "preset": preset,
        "users": len(people),
        "duration_s": round(elapsed, 1),
        "setup_s": round(setup_seconds, 1),
        "requests": len(shared.samples),
        "requests_per_s": round(len(shared.samples) / elapsed, 1) if elapsed else 0,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:10],
        "pages": pages,
        "jobs_queued": sum(jobs.values()),
        "jobs_run": jobs.get("succeeded", 0) + jobs.get("failed", 0),
        "jobs_by_state": jobs,
        "peak_memory_mb": round(watch.peak / 1024 / 1024),
        "cpu_s": cpu,
        "web_cpu_ms_per_request": round(1000 * cpu["web"] / max(1, len(shared.samples)), 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "arrivals_s": env["arrivals"],
        "web_workers": "default (one per core)",
    }


def summary(result: dict[str, Any]) -> str:
    """The figures as lines of text."""
    lines = [
        f"{result['database']} ({result['preset']}): {result['users']} users for "
        f"{result['duration_s']} s: {result['requests']} requests "
        f"({result['requests_per_s']}/s), {result['errors']} errors; jobs queued "
        f"{result['jobs_queued']}, run {result['jobs_run']}; peak memory "
        f"{result['peak_memory_mb']} MB; load average {result['load_average_before'][0]} → "
        f"{result['load_average_after'][0]} on {result['cpus']} CPUs",
        f"  CPU: web processes {result['cpu_s']['web']} s "
        f"({result['web_cpu_ms_per_request']} ms per request, sign-ins included), "
        f"job workers and their jobs {result['cpu_s']['jobs']} s",
    ]
    for page, figures in result["pages"].items():
        lines.append(
            f"  {page:<22} {figures['requests']:>6}  p50 {figures['p50_ms']:>5} ms  "
            f"p95 {figures['p95_ms']:>5} ms  p99 {figures['p99_ms']:>5} ms"
        )
    for example in result["error_examples"]:
        lines.append(f"  error: {example}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--users", type=int, default=40, help="SAO + viewer + colleges")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--preset", default="demo", choices=["demo", "university"])
    parser.add_argument(
        "--arrivals", type=float, default=10.0, help="users sign in over these first seconds"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--samples", type=Path, default=None, help="write every request here (when, latency, page)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200 or not 1 <= args.duration <= 1800:
        parser.error("at most 200 users and 30 minutes")
    result = run(args.database, args.users, args.duration, args.preset, args.arrivals, args.samples)
    print(summary(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

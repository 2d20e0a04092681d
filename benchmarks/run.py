"""``make bench``: speed and memory of ``planner plan``, measured as whole processes.

Every command runs as a subprocess under ``/usr/bin/time -v`` (wall time, CPU time, the peak
resident memory of its largest process) while psutil polls the memory of the whole process
tree (PSS summed, so pages a forked helper shares are counted once); the peak memory reported
is the larger of the two. The median of ``--repeats`` runs is
reported, and every plan is re-checked with ``planner check``. Data comes from
``planner generate --seed 1`` into ``benchmarks/work/`` (git-ignored), regenerated on each run.

Parts (``--parts``, default all):

- ``scaling``: ``planner plan`` with ``scenarios/default.yaml`` at 0.25×, 0.5×, 1×, 2× and 3× the
  ``university`` preset (1× is the university goal);
- ``large``: the ``large`` preset (3× university);
- ``college``: one college's scope (the college with about 80 cadres) of the 1× data;
- ``flow``: the min-cost-flow relaxation (``benchmarks/flow_baseline.py``) at every scale;
- ``reference``: the straightforward formulation (``benchmarks/reference_baseline.py``) once
  per scale of ``--reference-scales`` with a time limit, stopped if it passes the memory cap;
- ``scenarios``: ``planner plan`` at 1× with every other shipped scenario (``scenarios/*.yaml``);
- ``read``, ``replan``, ``explain``: where a person waits (``benchmarks/interactive.py``):
  reading the university workbook against a bare ``read_excel``, warm re-plans after one pin
  (the university, and one college's part), explaining a target of a university plan;
- ``profile``: ``python -X importtime`` and cProfile of ``planner plan`` at 1×;
- ``load``: the service under 40 users (``benchmarks/load.py``) against SQLite and, when
  ``PLANNER_TEST_POSTGRES_URL`` names a server, PostgreSQL (``--load-seconds`` each; figures
  in ``results/load-<database>.json``).

Results go to ``benchmarks/results/results.json`` (every run; parts not run this time keep
their last results), ``benchmarks/results/summary.csv``, ``benchmarks/results/profile.txt``,
``benchmarks/scaling.png`` and ``benchmarks/README.md`` (written from the results).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results"
SCENARIO = ROOT / "scenarios" / "default.yaml"
INFEASIBLE_EXIT = 3
"""Exit code of ``planner plan`` when no plan can keep every hard rule (it says why)."""
PARTS = (
    "scaling",
    "large",
    "college",
    "scenarios",
    "flow",
    "reference",
    "read",
    "replan",
    "explain",
    "profile",
    "load",
)
SCALES = (0.25, 0.5, 1.0, 2.0, 3.0)
SEED = 1
COLLEGE_CADRES = 80
KEEP_OUTPUT = 1000
"""Characters of each run's stdout and stderr kept in the results (their ends)."""

GOALS = {
    "university_seconds": 10.0,
    "university_gb": 1.5,
    "university_gap": 0.001,
    "large_seconds": 40.0,
    "large_gb": 4.0,
    "college_seconds": 2.0,
    "reference_speedup": 10.0,
    "flow_ratio": 10.0,
    "read_seconds": 0.4,
    "plan_seconds": 2.5,
    "replan_seconds": 0.5,
    "college_replan_p95": 1.0,
    "explain_seconds": 1.0,
    "full_engagement_seconds": 4.0,
    "page_p95_ms": 300,
    "adjust_p95_ms": 1000,
}


# --------------------------------------------------------------------------------------------
# Running one command


@dataclass
class Run:
    """One measured subprocess."""

    label: str
    command: list[str]
    seconds: float
    peak_mb: float
    exit_code: int
    killed: str = ""
    """Why the runner stopped it (``memory cap`` or ``timeout``), else empty."""
    stdout: str = ""
    stderr: str = ""
    load: float = 0.0
    """1-minute load average when the run started."""
    cpu_seconds: float = 0.0
    """User + system CPU time of the process (``/usr/bin/time``); close to the wall time an idle
    machine would give a mostly single-threaded command."""
    info: dict[str, Any] = field(default_factory=dict)


def compile_bytecode() -> None:
    """Compile the package's bytecode, as installing it does, before anything is timed.

    ``pip install`` compiles an installed package's modules; an editable checkout gets its
    bytecode written on the first import. Where ``PYTHONDONTWRITEBYTECODE`` is set (as on
    some CI machines) an editable checkout would instead compile every module on every run,
    about 0.2 s that no installed copy spends.
    """
    import compileall

    compileall.compile_dir(ROOT / "planner", quiet=1)


def _planner() -> list[str]:
    exe = Path(sys.executable).with_name("planner")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "planner"]


def _tree_rss(pid: int) -> int:
    """Memory of a process and its descendants (bytes): the sum of their PSS.

    PSS (proportional set size, from ``/proc/PID/smaps_rollup``) shares each page among the
    processes that map it, so a forked helper and its children, which share most pages with
    the main process, are not counted twice as summing RSS would; RSS where PSS is unknown.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        pss = _pss(p.pid)
        if pss is None:
            with contextlib.suppress(psutil.Error):
                pss = p.memory_info().rss
        total += pss or 0
    return total


def _pss(pid: int) -> int | None:
    """PSS of one process in bytes, or ``None`` (not Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def measure(
    label: str, command: list[str], *, timeout: float = 900.0, memory_cap_gb: float = 16.0
) -> Run:
    """Run ``command`` once; wall time and peak RSS of the whole process (tree)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else "")
    time_file = WORK / f".time-{os.getpid()}.txt"
    wrapped = [gnu_time, "-v", "-o", str(time_file), *command] if gnu_time else command
    load = os.getloadavg()[0]
    peak = 0
    killed = ""
    have_psutil = True
    try:
        import psutil  # noqa: F401
    except ImportError:
        have_psutil = False
    started = time.perf_counter()
    proc = subprocess.Popen(
        wrapped,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: we can stop exactly what we started
    )
    out_parts: list[str] = []
    err_parts: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_parts.append(proc.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_parts.append(proc.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for r in readers:
        r.start()
    while proc.poll() is None:
        if have_psutil:
            rss = _tree_rss(proc.pid)
            peak = max(peak, rss)
            if rss > memory_cap_gb * 1e9 and not killed:
                killed = f"memory cap ({memory_cap_gb:g} GB)"
                os.killpg(proc.pid, signal.SIGKILL)
        if time.perf_counter() - started > timeout and not killed:
            killed = f"timeout ({timeout:g} s)"
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    for r in readers:
        r.join()
    exit_code = proc.returncode
    peak_mb = peak / 1e6
    cpu = 0.0
    if gnu_time and time_file.exists():
        text = time_file.read_text(errors="replace")
        time_file.unlink()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if m:
            peak_mb = max(peak_mb, int(m.group(1)) * 1024 / 1e6)
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
        if m:
            parts = [float(x) for x in m.group(1).split(":")]
            wall = sum(v * 60**i for i, v in enumerate(reversed(parts)))
            seconds = wall if not killed else seconds
        user = re.search(r"User time \(seconds\): ([\d.]+)", text)
        system = re.search(r"System time \(seconds\): ([\d.]+)", text)
        if user and system:
            cpu = float(user.group(1)) + float(system.group(1))
        m = re.search(r"Exit status: (\d+)", text)
        if m and not killed:
            exit_code = int(m.group(1))
    return Run(
        label=label,
        command=command,
        seconds=round(seconds, 3),
        peak_mb=round(peak_mb, 1),
        exit_code=exit_code,
        killed=killed,
        stdout="".join(out_parts)[-KEEP_OUTPUT:],
        stderr="".join(err_parts)[-KEEP_OUTPUT:],
        load=round(load, 2),
        cpu_seconds=round(cpu, 3),
    )


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Data


def scale_name(scale: float) -> str:
    return f"university-x{scale:g}"


def generate(name: str, preset: str, scale: float, fmt: str = "csv") -> Path:
    """Generate one data set into ``benchmarks/work/<name>`` (always afresh)."""
    out = WORK / name
    if out.exists():
        shutil.rmtree(out)
    command = [*_planner(), "generate", "--preset", preset, "--seed", str(SEED)]
    command += ["--scale", f"{scale:g}", "--out", str(out), "--format", fmt, "--headers", "zh"]
    if fmt == "csv":
        command = command[:-2]  # English headers, as the other parts always had
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return out


def data_size(folder: Path) -> dict[str, int]:
    """Rows of the tables that set the problem size."""
    import pandas as pd

    cadres = pd.read_csv(folder / "cadres.csv", dtype=str, encoding="utf-8-sig")
    size = {"cadres": int((cadres["available"] == "yes").sum())}
    size["targets"] = sum(
        len(pd.read_csv(folder / f"{t}.csv", dtype=str, encoding="utf-8-sig"))
        for t in ("classes", "dorms", "societies", "branches")
    )
    return size


def mid_size_college(folder: Path) -> tuple[str, int]:
    """The college whose available college-role cadres number closest to 80."""
    import pandas as pd

    cadres = pd.read_csv(folder / "cadres.csv", dtype=str, encoding="utf-8-sig")
    central = {"school_leader", "office_leader", "sao_cadre", "league_cadre"}
    mine = cadres[(cadres["available"] == "yes") & ~cadres["role"].isin(central)]
    counts = mine.groupby("unit").size()
    college = (counts - COLLEGE_CADRES).abs().sort_values(kind="stable").index[0]
    return str(college), int(counts[college])


# --------------------------------------------------------------------------------------------
# Plans


def check(data: Path, plan_dir: Path) -> dict[str, Any]:
    """``planner check`` on a plan folder: pass/fail and the violations (first few)."""
    done = subprocess.run(
        [*_planner(), "check", "--data", str(data), str(plan_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    violations = [
        line.removeprefix("violation: ")
        for line in done.stderr.splitlines()
        if line.startswith("violation: ")
    ]
    if done.returncode not in (0, 1):
        violations.append(f"planner check exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return {
        "check_ok": done.returncode == 0,
        "violations": len(violations),
        "h4_violations": sum("H4" in v for v in violations),
        "violation_examples": violations[:3],
    }


def plan_info(plan_dir: Path) -> dict[str, Any]:
    """Status, gap, solve seconds and stages from a plan folder's ``plan.json``."""
    try:
        meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    stages = meta.get("stages", [])
    coverage = next((s for s in stages if s.get("term") == "coverage"), None)
    return {
        "status": meta.get("status"),
        "gap": meta.get("gap"),
        "solve_seconds": meta.get("solve_seconds"),
        "stages": stages,
        "coverage_proven": bool(coverage and coverage.get("status") == "OPTIMAL"),
    }


def run_plan(
    label: str,
    data: Path,
    repeats: int,
    scope: str | None = None,
    timeout: float = 900.0,
    scenario: Path = SCENARIO,
) -> list[Run]:
    """``planner plan`` end to end, ``repeats`` times, each plan checked."""
    runs = []
    for i in range(repeats):
        out = WORK / "plans" / f"{label}-{i}"
        if out.exists():
            shutil.rmtree(out)
        command = [*_planner(), "plan", "--data", str(data), "--scenario", str(scenario)]
        command += ["--out", str(out), "--quiet"]
        if scope:
            command += ["--scope", scope]
        run = measure(label, command, timeout=timeout)
        run.info = {**plan_info(out), **check(data, out)} if run.exit_code == 0 else {}
        say(
            f"  {label} #{i + 1}: {run.seconds:.2f} s, {run.peak_mb:,.0f} MB, "
            f"{run.info.get('status', 'exit ' + str(run.exit_code))}, "
            f"check {'ok' if run.info.get('check_ok') else 'FAILED'}"
        )
        runs.append(run)
    return runs


def run_flow(label: str, data: Path, repeats: int) -> list[Run]:
    """The min-cost-flow relaxation end to end, ``repeats`` times, each plan checked."""
    runs = []
    for i in range(repeats):
        out = WORK / "plans" / f"{label}-{i}"
        if out.exists():
            shutil.rmtree(out)
        command = [sys.executable, str(HERE / "flow_baseline.py"), "--data", str(data)]
        command += ["--scenario", str(SCENARIO), "--out", str(out)]
        run = measure(label, command)
        info: dict[str, Any] = {}
        if run.exit_code == 0:
            try:
                info = json.loads(run.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                info = {}
            info.update(check(data, out))
        run.info = info
        say(
            f"  {label} #{i + 1}: {run.seconds:.2f} s, {run.peak_mb:,.0f} MB, "
            f"H4 violations {info.get('h4_violations', '?')}"
        )
        runs.append(run)
    return runs


def run_reference(label: str, data: Path, time_limit: float, memory_cap_gb: float) -> Run:
    """The straightforward formulation once, with a time limit and a memory cap."""
    out = WORK / "plans" / label
    if out.exists():
        shutil.rmtree(out)
    command = [sys.executable, str(HERE / "reference_baseline.py"), "--data", str(data)]
    command += ["--scenario", str(SCENARIO), "--out", str(out), "--time-limit", f"{time_limit:g}"]
    run = measure(label, command, timeout=time_limit * 4 + 600, memory_cap_gb=memory_cap_gb)
    info: dict[str, Any] = {}
    try:
        info = json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        info = {}
    if run.exit_code == 0:
        info.update(check(data, out))
    run.info = info
    say(
        f"  {label}: {run.seconds:.1f} s, {run.peak_mb:,.0f} MB, "
        f"{info.get('status', run.killed or 'exit ' + str(run.exit_code))}"
    )
    return run


def run_interactive(part: str, extra: list[str], repeats: int) -> dict[str, Any]:
    """One part of ``benchmarks/interactive.py`` in a process of its own: its JSON line, the
    load and the peak memory."""
    command = [sys.executable, str(HERE / "interactive.py"), part, *extra]
    run = measure(part, [*command, "--repeats", str(repeats)])
    try:
        found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        found = {"error": (run.stderr or run.stdout)[-500:]}
    found.update(load=run.load, peak_gb=round(run.peak_mb / 1000, 3), exit_code=run.exit_code)
    say(f"  {part}: " + ", ".join(f"{k} {v}" for k, v in found.items() if "seconds" in k))
    return found


# --------------------------------------------------------------------------------------------
# Profile


IMPORTS = (
    "pandas",
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "PIL.Image",
    "ortools",
    "openpyxl",
    "pydantic",
    "click",
    "yaml",
    "scipy",
    "rich",
)
"""Third-party packages whose import time is reported."""

PLAN_MODULES = ("planner.cli", "planner.planning", "planner.check.checker", "planner.report.write")
"""What ``planner plan`` imports (the command imports the last three lazily)."""

PHASES = (
    ("read and validate the data", "planner/io/readers.py", "read_dataset"),
    ("index the problem", "planner/solver/problem.py", "build_problem"),
    ("solve (flow, model, CP-SAT stages)", "planner/solver/solve.py", "solve"),
    ("hand out pairs", "planner/solver/decompose.py", "decompose"),
    ("describe the plan", "planner/planning.py", "describe"),
    ("independent check", "planner/check/checker.py", "check_assignments"),
    ("write every output", "planner/report/write.py", "write_plan"),
    ("  of which heatmaps (Pillow)", "planner/report/render.py", "render_heatmaps"),
    ("  of which the workbook", "planner/report/workbook.py", "render_workbook"),
    ("command (after imports)", "planner/cli/plan.py", "plan"),
)
"""Phases of ``planner plan``: label, file and function whose cumulative time is the phase."""


def profile_plan(label: str, data: Path, scope: str | None = None) -> dict[str, Any]:
    """cProfile of one ``planner plan``: phases, self time by package, planner functions."""
    prof = WORK / f"{label}.prof"
    out = WORK / "plans" / f"profile-{label}"
    if out.exists():
        shutil.rmtree(out)
    args = ["plan", "--data", str(data), "--scenario", str(SCENARIO), "--out", str(out)]
    args += ["--quiet", *(["--scope", scope] if scope else [])]
    # In one process (no helper), so the profile sees the workbook and the heatmaps too; via
    # cli() rather than main(), which ends the process before cProfile writes its file.
    statement = f"cli({args!r}, standalone_mode=False)"
    code = (
        f"import cProfile; from planner.cli import cli; cProfile.run({statement!r}, {str(prof)!r})"
    )
    command = ["env", "PLANNER_HELPER=0", sys.executable, "-c", code]
    run = measure(f"profile-{label}", command)
    if run.exit_code != 0 or not prof.exists():
        return {"label": label, "seconds": run.seconds, "error": run.stderr[-500:]}
    raw = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    total = max((v[3] for v in raw.values()), default=0.0)
    by_package: dict[str, float] = {}
    functions = []
    phases: dict[str, float] = {}
    for (file, line, name), (_cc, _nc, tottime, cumtime, _callers) in raw.items():
        package = _package(file)
        by_package[package] = by_package.get(package, 0.0) + tottime
        if "/planner/" in file and "/site-packages/" not in file:
            short = file[file.rindex("/planner/") + 1 :]
            functions.append((f"{short}:{line} {name}", cumtime, tottime))
            for phase, phase_file, phase_name in PHASES:
                if short.endswith(phase_file.removeprefix("planner/")) and name == phase_name:
                    phases[phase] = max(phases.get(phase, 0.0), cumtime)
    if "command (after imports)" in phases:
        phases["start-up: imports and click"] = total - phases.pop("command (after imports)")
    functions.sort(key=lambda f: -f[1])
    return {
        "label": label,
        "scope": scope or "university",
        "seconds": run.seconds,
        "profiled_seconds": round(total, 2),
        "phases": [(p, round(phases[p], 2)) for p, _, _ in PHASES if p in phases]
        + [(p, round(v, 2)) for p, v in phases.items() if p.startswith("start-up")],
        "packages": [(p, round(t, 2)) for p, t in sorted(by_package.items(), key=lambda x: -x[1])],
        "functions": [(f, round(c, 2), round(t, 2)) for f, c, t in functions[:40]],
    }


def profile(data: Path, college: str) -> dict[str, Any]:
    """Import time of the CLI, and cProfiles of ``planner plan`` at 1× and for one college."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {', '.join(PLAN_MODULES)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    cumulative: dict[str, float] = {}
    total_import = 0.0
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
        if m:
            cumulative.setdefault(m.group(4), int(m.group(2)) / 1e6)
            if len(m.group(3)) <= 1:  # a top-level import: the parts add up
                total_import += int(m.group(2)) / 1e6
    imports = sorted(
        ((n, t) for n, t in cumulative.items() if n in IMPORTS or n.startswith("planner.")),
        key=lambda x: -x[1],
    )
    imports = [(n, t) for n, t in imports if n not in PLAN_MODULES]
    runs = [profile_plan("university", data), profile_plan("college", data, f"college={college}")]
    text = []
    for r in runs:
        text += [
            f"== cProfile of planner plan, scope {r.get('scope')} "
            f"({r.get('profiled_seconds', r['seconds'])} s under the profiler)",
            "",
            "phases (cumulative s):",
            *[f"  {p:<40} {t:8.2f}" for p, t in r.get("phases", [])],
            "",
            "self time by package (s):",
            *[f"  {p:<40} {t:8.2f}" for p, t in r.get("packages", [])[:15]],
            "",
            "planner functions by cumulative time (cumulative s, self s):",
            *[f"  {c:8.2f} {t:8.2f}  {f}" for f, c, t in r.get("functions", [])],
            "",
        ]
    text += [f"== import time of {', '.join(PLAN_MODULES)} (total {total_import:.2f} s):"]
    text += ["  (cumulative; nested imports are counted in their parent too)"]
    text += [f"  {name:<40} {s:8.3f}" for name, s in imports[:20]]
    (RESULTS / "profile.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    for r in runs:
        r["packages"] = r.get("packages", [])[:8]
        r["functions"] = r.get("functions", [])[:12]
    return {
        "import_seconds": round(total_import, 3),
        "imports": [(n, round(s, 3)) for n, s in imports[:8]],
        "runs": runs,
    }


def _package(file: str) -> str:
    if "/site-packages/" in file:
        rest = file.split("/site-packages/", 1)[1]
        return rest.split("/", 1)[0].split(".", 1)[0]
    if "/planner/" in file:
        rest = file[file.rindex("/planner/") + 1 :]
        return rest.rsplit(".", 1)[0].replace("/", ".")
    if file.startswith("~") or file.startswith("<"):
        return "builtins"
    return "python stdlib"


# --------------------------------------------------------------------------------------------
# Machine


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    from importlib.metadata import version

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_gb = 0.0
    try:
        m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        memory_gb = int(m.group(1)) / 1024**2 if m else 0.0
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "planner"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "ortools": version("ortools"),
        "pandas": version("pandas"),
        "numpy": version("numpy"),
        "os": platform.platform(),
        "commit": commit + (" (with uncommitted changes in planner/)" if dirty else ""),
    }


# --------------------------------------------------------------------------------------------
# Summaries, plot, README


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall time and peak memory of successful runs, with what the plans were."""
    ok = [r for r in runs if r["exit_code"] == 0 and not r["killed"]]
    out: dict[str, Any] = {
        "runs": len(runs),
        "ok_runs": len(ok),
        "seconds": median([r["seconds"] for r in ok]),
        "seconds_min": min((r["seconds"] for r in ok), default=None),
        "seconds_max": max((r["seconds"] for r in ok), default=None),
        "peak_gb": median([r["peak_mb"] / 1000 for r in ok]),
        "cpu_seconds": median([r.get("cpu_seconds", 0.0) for r in ok]),
        "load": median([r["load"] for r in runs]),
        "failures": [_failure(r) for r in runs if r["exit_code"] != 0 or r["killed"]],
    }
    infos = [r["info"] for r in ok]
    if infos:
        out["status"] = sorted({str(i.get("status")) for i in infos})
        out["gap"] = max((i.get("gap") or 0.0) for i in infos)
        out["check_ok"] = all(i.get("check_ok") for i in infos)
        out["h4_violations"] = max(i.get("h4_violations", 0) for i in infos)
        out["coverage_proven"] = all(i.get("coverage_proven", False) for i in infos)
        out["solve_seconds"] = median([i["solve_seconds"] for i in infos if i.get("solve_seconds")])
        out["arcs"] = infos[0].get("arcs")
        out["stages"] = infos[0].get("stages")
    return out


def _failure(run: dict[str, Any]) -> str:
    """One line on a failed run: how it ended and the last line it printed."""
    how = run["killed"] or f"exit {run['exit_code']}"
    last = (run.get("stderr") or "").strip().splitlines()
    return f"{how} after {run['seconds']:.0f} s" + (f": {last[-1][:200]}" if last else "")


def _status(summary: dict[str, Any]) -> str:
    """Statuses of the successful runs, and how many runs failed."""
    text = ", ".join(summary.get("status", [])) or "—"
    failures = summary.get("failures") or []
    if failures:
        text += f"; **{len(failures)} of {summary.get('runs')} runs failed** ({failures[0]})"
    return text


def _int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def _fmt(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def plot(results: dict[str, Any]) -> None:
    """``benchmarks/scaling.png``: wall time and peak memory against size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scaling = results.get("summary", {}).get("scaling", {})
    flow = results.get("summary", {}).get("flow", {})
    rows = [(float(k), v) for k, v in scaling.items() if v.get("seconds") is not None]
    if not rows:
        return
    rows.sort()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    xs = [r[0] for r in rows]
    ax1.plot(xs, [r[1]["seconds"] for r in rows], "o-", label="planner plan")
    ax2.plot(xs, [r[1]["peak_gb"] for r in rows], "o-", label="planner plan")
    frows = sorted((float(k), v) for k, v in flow.items() if v.get("seconds") is not None)
    if frows:
        ax1.plot(
            [r[0] for r in frows], [r[1]["seconds"] for r in frows], "s--", label="flow relaxation"
        )
        ax2.plot(
            [r[0] for r in frows], [r[1]["peak_gb"] for r in frows], "s--", label="flow relaxation"
        )
    large = results.get("summary", {}).get("large", {})
    if large.get("seconds") is not None:
        ax1.plot([3.0], [large["seconds"]], "^", label="large preset")
        ax2.plot([3.0], [large["peak_gb"]], "^", label="large preset")
    ax1.axhline(GOALS["university_seconds"], color="grey", lw=0.8, ls=":")
    ax1.axhline(GOALS["large_seconds"], color="grey", lw=0.8, ls=":")
    ax2.axhline(GOALS["university_gb"], color="grey", lw=0.8, ls=":")
    ax2.axhline(GOALS["large_gb"], color="grey", lw=0.8, ls=":")
    ax1.set(xlabel="size (× university preset)", ylabel="wall time, median (s)", title="Time")
    ax2.set(xlabel="size (× university preset)", ylabel="peak RSS, median (GB)", title="Memory")
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(SCALES), [f"{x:g}×" for x in SCALES])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("planner plan end to end (dotted: goals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(HERE / "scaling.png", dpi=90)
    plt.close(fig)


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**pass**" if ok else "**FAIL**")


def goals_table(results: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Goal vs measured rows (markdown) and the same as data."""
    s = results.get("summary", {})
    uni = s.get("scaling", {}).get("1", {})
    large = s.get("large", {})
    college = s.get("college", {})
    flow1 = s.get("flow", {}).get("1", {})
    ref1 = s.get("reference", {}).get("1", {})
    rows: list[dict[str, Any]] = []

    def add(goal: str, measured: str, ok: bool | None) -> None:
        rows.append({"goal": goal, "measured": measured, "ok": ok})

    def status_ok(summary: dict[str, Any]) -> bool | None:
        if not summary.get("status"):
            return None
        if summary["status"] == ["OPTIMAL"]:
            return True
        gap_ok = summary.get("gap", 1.0) <= GOALS["university_gap"]
        return gap_ok and bool(summary.get("coverage_proven"))

    if uni:
        t, gb = uni.get("seconds"), uni.get("peak_gb")
        add(
            "University: `planner plan` ≤ 10 s (median)",
            _fmt(t, 2, " s"),
            None if t is None else t <= GOALS["university_seconds"],
        )
        add(
            "University: peak memory ≤ 1.5 GB",
            _fmt(gb, 2, " GB"),
            None if gb is None else gb <= GOALS["university_gb"],
        )
        add(
            "University: OPTIMAL (or gap ≤ 0.1 % with coverage proven maximal)",
            f"{_status(uni)}, "
            f"gap {_fmt((uni.get('gap') or 0) * 100, 3, ' %')}, "
            f"coverage proven: {'yes' if uni.get('coverage_proven') else 'no'}",
            status_ok(uni) and not uni.get("failures"),
        )
    if large:
        t, gb = large.get("seconds"), large.get("peak_gb")
        add(
            "Large preset (3×): ≤ 40 s",
            _fmt(t, 2, " s"),
            None if t is None else t <= GOALS["large_seconds"],
        )
        add(
            "Large preset (3×): ≤ 4 GB",
            _fmt(gb, 2, " GB"),
            None if gb is None else gb <= GOALS["large_gb"],
        )
    if college:
        t = college.get("seconds")
        add(
            f"One college's scope ({college.get('college')}, "
            f"{college.get('cadres')} cadres): ≤ 2 s",
            _fmt(t, 2, " s"),
            None if t is None else t <= GOALS["college_seconds"],
        )
    if uni and ref1:
        fast = uni.get("seconds")
        ref_t = ref1.get("seconds")
        proven = ref1.get("status") == "OPTIMAL"
        if fast and ref_t:
            ratio = ref_t / fast
            text = (
                f"{ratio:.1f}× (reference proved in {ref_t:.0f} s)"
                if proven
                else f"≥ {ratio:.1f}× (reference: no proof after {ref_t:.0f} s"
                + (f", {ref1['why']})" if ref1.get("why") else ")")
            )
            add(
                "≥ 10× faster to a proven plan than the straightforward formulation (1×)",
                text,
                ratio >= GOALS["reference_speedup"] and bool(uni.get("status") == ["OPTIMAL"]),
            )
    if uni and flow1:
        fast, flow_t = uni.get("seconds"), flow1.get("seconds")
        if fast and flow_t:
            add(
                "Within 10× of the min-cost-flow relaxation end to end (1×)",
                f"{fast / flow_t:.2f}× ({fast:.2f} s vs {flow_t:.2f} s)",
                fast / flow_t <= GOALS["flow_ratio"],
            )
    for row in waiting_goals(results):
        add(*row)
    plans = [*s.get("scaling", {}).values(), large, college]
    plans = [p for p in plans if p.get("runs")]
    if plans:
        runs = sum(p["runs"] for p in plans)
        failed = sum(len(p.get("failures") or []) for p in plans)
        unchecked = sum(1 for p in plans if p.get("check_ok") is False)
        add(
            "Every `planner plan` run writes a plan and it passes `planner check`",
            f"{runs - failed} of {runs} runs wrote a plan"
            + (f" ({failed} failed: see the tables)" if failed else "")
            + (f"; {unchecked} configuration(s) failed the check" if unchecked else "; all pass"),
            failed == 0 and unchecked == 0,
        )
    lines = ["| goal | measured | verdict |", "|---|---|---|"]
    lines += [f"| {r['goal']} | {r['measured']} | {verdict(r['ok'])} |" for r in rows]
    return lines, rows


def waiting_goals(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The goals where a person waits (issue 20): goal, measured (with its reference in the
    same run), verdict."""
    s = results.get("summary", {})
    inter = results.get("interactive", {})
    rows: list[tuple[str, str, bool | None]] = []
    read = inter.get("read", {})
    if read.get("seconds") is not None:
        t, ref = read["seconds"], read.get("reference_seconds") or 0.0
        rows.append(
            (
                "Read and validate the university workbook ≤ 0.4 s (median)",
                f"{t:.2f} s (CPU {read.get('cpu_seconds', 0):.2f} s); {t / ref:.2f}× a bare "
                f"`read_excel` with calamine ({ref:.2f} s)"
                if ref
                else f"{t:.2f} s",
                t <= GOALS["read_seconds"],
            )
        )
    uni, flow1 = s.get("scaling", {}).get("1", {}), s.get("flow", {}).get("1", {})
    if uni.get("seconds"):
        t, ref = uni["seconds"], flow1.get("seconds")
        rows.append(
            (
                "University: `planner plan` end to end ≤ 2.5 s (median)",
                f"{t:.2f} s (CPU {uni.get('cpu_seconds') or 0:.2f} s); {t / ref:.2f}× the flow "
                f"relaxation ({ref:.2f} s, CPU {flow1.get('cpu_seconds') or 0:.2f} s)"
                if ref
                else f"{t:.2f} s",
                t <= GOALS["plan_seconds"],
            )
        )
    warm = inter.get("replan", {})
    if warm.get("seconds") is not None:
        t, cold = warm["seconds"], warm.get("cold_seconds") or 0.0
        rows.append(
            (
                "Warm re-plan after one pin, university (median)  ≤ 0.5 s",
                f"{t:.2f} s (CPU {warm.get('cpu_seconds', 0):.2f} s, slowest "
                f"{warm.get('max_seconds', 0):.2f} s); {t / cold:.2f}× the first plan in the same "
                f"worker ({cold:.2f} s, CPU {warm.get('cold_cpu_seconds', 0):.2f} s)",
                t <= GOALS["replan_seconds"],
            )
        )
    if warm.get("college_p95") is not None:
        t = warm["college_p95"]
        rows.append(
            (
                f"A college's adjust re-plan, engine side (college {warm.get('college')}, "
                "p95) ≤ 1 s",
                f"{t:.2f} s (median {warm.get('college_seconds', 0):.2f} s, CPU "
                f"{warm.get('college_cpu_seconds') or 0:.2f} s)"
                + (
                    f"; {warm['college_seconds'] / cold_part:.2f}× the same re-plan cold "
                    f"({cold_part:.2f} s)"
                    if (cold_part := warm.get("college_cold_seconds"))
                    else ""
                ),
                t <= GOALS["college_replan_p95"],
            )
        )
    explained = inter.get("explain", {})
    if explained.get("seconds") is not None:
        t = explained["seconds"]
        rows.append(
            (
                "`explain` one target of a university plan ≤ 1 s (median, data loaded)",
                f"{t:.2f} s (CPU {explained.get('cpu_seconds', 0):.2f} s, slowest "
                f"{explained.get('max_seconds', 0):.2f} s)",
                t <= GOALS["explain_seconds"],
            )
        )
    rows += load_goals(results.get("load") or {})
    full = s.get("scenarios", {}).get("full-engagement", {})
    if full.get("seconds"):
        t, ref = full["seconds"], flow1.get("seconds")
        rows.append(
            (
                "Full-engagement, university: `planner plan` ≤ 4 s (median)",
                f"{t:.2f} s (CPU {full.get('cpu_seconds') or 0:.2f} s)"
                + (f"; {t / ref:.2f}× the flow relaxation" if ref else ""),
                t <= GOALS["full_engagement_seconds"],
            )
        )
    return rows


SIGN_IN = "sign-in"
"""The load test's sign-in request: argon2 hashing, slow by design; reported, not a page."""


def _is_adjust(page: str) -> bool:
    return page.startswith("adjust")


def load_goals(load: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """Service pages under the 40-user load and a college's adjust re-plan (click to updated
    page), per database, from ``benchmarks/load.py``."""
    rows: list[tuple[str, str, bool | None]] = []
    for name, run in sorted(load.items(), reverse=True):
        pages = run.get("pages") or {}
        shown = {p: v for p, v in pages.items() if p != SIGN_IN and not _is_adjust(p)}
        if shown:
            worst = max(shown, key=lambda p: shown[p]["p95_ms"])
            p95 = shown[worst]["p95_ms"]
            rows.append(
                (
                    f"Service pages under 40 users ({name}): every page type p95 ≤ 300 ms",
                    f"slowest p95 {p95} ms ({worst}); median of the page types' p95 "
                    f"{statistics.median(v['p95_ms'] for v in shown.values()):.0f} ms; "
                    f"{run.get('requests_per_s')} requests/s, {run.get('errors')} errors, "
                    f"load {run.get('load_average_before', ['?'])[0]} before",
                    p95 <= GOALS["page_p95_ms"],
                )
            )
        adjust = {p: v for p, v in pages.items() if _is_adjust(p)}
        if adjust:
            worst = max(adjust, key=lambda p: adjust[p]["p95_ms"])
            p95 = adjust[worst]["p95_ms"]
            rows.append(
                (
                    f"A college's adjust re-plan in the service, click to updated page ({name}, "
                    "p95) ≤ 1 s",
                    f"{p95} ms ({worst}; median {adjust[worst]['p50_ms']} ms, "
                    f"{adjust[worst]['requests']} re-plans under the load)",
                    p95 <= GOALS["adjust_p95_ms"],
                )
            )
    return rows


def _load_table(load: dict[str, Any]) -> list[str]:
    """Latency per page type under the load, one column pair per database."""
    if not load:
        return []
    names = sorted(load, reverse=True)
    pages = sorted({p for run in load.values() for p in (run.get("pages") or {})})
    head = " | ".join(f"{n} requests | {n} p50 (ms) | {n} p95 (ms)" for n in names)
    rows = []
    for page in pages:
        cells = []
        for n in names:
            v = (load[n].get("pages") or {}).get(page)
            cells += [str(v["requests"]), str(v["p50_ms"]), str(v["p95_ms"])] if v else ["—"] * 3
        rows.append(f"| {page} | " + " | ".join(cells) + " |")
    facts = []
    for n in names:
        run = load[n]
        facts.append(
            f"- {n}: {run.get('users')} users for {run.get('duration_s')} s, "
            f"{run.get('requests')} requests ({run.get('requests_per_s')}/s), "
            f"{run.get('errors')} errors; jobs queued {run.get('jobs_queued')}, run "
            f"{run.get('jobs_run')}; peak memory of the server's process tree "
            f"{run.get('peak_memory_mb')} MB; load average "
            f"{run.get('load_average_before', ['?'])[0]} → "
            f"{run.get('load_average_after', ['?'])[0]} on {run.get('cpus')} cores."
        )
    return [
        "## The service under load (`benchmarks/load.py`)",
        "",
        "40 users on the loopback (SAO staff, one secretary per college, a viewer), each waiting "
        "0.5–2 s between requests; the load generator runs on the same 2 cores as the server. "
        "`sign-in` is the password check (argon2, slow by design) and is not counted as a page; "
        "`adjust …` rows are a college pinning or unpinning in its part, from the click to the "
        "updated part page.",
        "",
        f"| page | {head} |",
        "|---|" + "---|" * (3 * len(names)),
        *rows,
        "",
        *facts,
        "",
    ]


PHASE_MODULES = {
    "read and validate the data": "`planner/io/readers.py`",
    "index the problem": "`planner/solver/problem.py`",
    "solve (flow, model, CP-SAT stages)": "`planner/solver/solve.py`, `planner/solver/stages.py`, "
    "`planner/solver/flow/`, `planner/solver/cpsat.py`",
    "hand out pairs": "`planner/solver/decompose.py`",
    "describe the plan": "`planner/planning.py` (change list, coverage, capacity notes)",
    "independent check": "`planner/check/checker.py`",
    "write every output": "`planner/report/write.py` → `planner/report/render.py`: "
    "`planner/plot/png.py` (heatmaps) and `planner/report/workbook.py` (workbook)",
    "start-up: imports and click": "module-level imports (pandas, OR-Tools, pydantic)",
}
"""Where to look for each phase."""


def _phase_text(run: dict[str, Any]) -> str:
    total = run.get("profiled_seconds") or 0.0
    phases = [(p, t) for p, t in run.get("phases", []) if not p.startswith("  ")]
    phases.sort(key=lambda x: -x[1])
    parts = []
    for phase, t in phases[:3]:
        share = f"{t / total:.0%}" if total else "?"
        parts.append(f"{phase} {share} ({PHASE_MODULES.get(phase, '?')})")
    return "; ".join(parts)


def findings(results: dict[str, Any]) -> list[str]:
    """Plain statements about the figures: what missed its goal and where the time goes."""
    s = results.get("summary", {})
    _, rows = goals_table(results)
    prof = {r.get("scope"): r for r in (results.get("profile") or {}).get("runs", [])}
    out = []
    loads = [
        r["load"] for part in results.get("runs", {}).values() for raw in part.values() for r in raw
    ]
    failed = [
        (part, key, _failure(r))
        for part, entries in results.get("runs", {}).items()
        if part != "reference"
        for key, raw in entries.items()
        for r in raw
        if (r["exit_code"] != 0 or r["killed"])
        and not (part == "scenarios" and r["exit_code"] == INFEASIBLE_EXIT)
    ]
    missed = [r for r in rows if r["ok"] is False]
    if not missed and rows:
        out.append("- Every goal measured in this run is met.")
    for r in missed:
        out.append(f"- **Missed:** {r['goal']} — measured {r['measured']}.")
    if loads:
        out.append(
            "- Median 1-minute load average at the start of the runs: "
            f"{statistics.median(loads):.1f} "
            f"(highest {max(loads):.1f}) on {results.get('machine', {}).get('nproc', '?')} cores. "
            "Above the core count other work shared the CPU and wall times are pessimistic; the "
            "CPU columns (user + system time) are what an idle machine would roughly give."
        )
    for part, key, why in failed:
        out.append(f"- A `{part}` run{f' at {key}×' if key else ''} failed: {why}.")
    uni = s.get("scaling", {}).get("1", {})
    if uni.get("seconds") and "university" in prof:
        solve = uni.get("solve_seconds")
        out.append(
            f"- At 1× the solve itself (`solve_seconds` in `plan.json`) takes "
            f"{_fmt(solve)} s of {_fmt(uni['seconds'])} s end to end. Largest phases under "
            f"cProfile: {_phase_text(prof['university'])}."
        )
    college_key = next((k for k in prof if str(k).startswith("college=")), None)
    college = s.get("college", {})
    if college.get("seconds") and college_key:
        out.append(
            f"- One college ({college.get('cadres')} cadres): {_fmt(college['seconds'])} s; "
            f"fixed costs dominate: {_phase_text(prof[college_key])}."
        )
    if prof:
        out.append(
            "- The profiles run `planner plan` in one process (`PLANNER_HELPER=0`), so that they "
            "see every phase; a real run has a helper process on the second core (forked once "
            "pandas is loaded, it reads the data while the main process imports the rest, then "
            "loads openpyxl and makes the workbook while the main process checks the plan, "
            "writes the CSV files and draws the heatmaps), so reading and writing take a "
            "smaller share of the wall time than shown. The import times are in "
            "`results/profile.txt`."
        )
    ref = s.get("reference", {}).get("1")
    if ref:
        stages = ref.get("stages") or []
        proven = [st["term"] for st in stages if st.get("status") == "OPTIMAL"]
        out.append(
            f"- The straightforward formulation at 1×: {_int(ref.get('pairs'))} Booleans, "
            f"{_fmt(ref.get('build_seconds'), 1)} s to build, peak {_fmt(ref.get('peak_gb'))} GB, "
            f"status {ref.get('status') or ref.get('why') or '—'} after "
            f"{_fmt(ref.get('seconds'), 0)} s; stages proven: {', '.join(proven) or 'none'}."
        )
    flow = s.get("flow", {})
    broken = {k: v.get("h4_violations") for k, v in flow.items() if v.get("h4_violations")}
    if broken:
        out.append(
            "- The flow relaxation breaks H4 (school leaders spread out) at "
            + ", ".join(
                f"{float(k):g}× ({v} college{'s' if v != 1 else ''})"
                for k, v in sorted(broken.items(), key=lambda x: float(x[0]))
            )
            + ": it is a bound on the work, not a valid plan."
        )
    return out


def readme(results: dict[str, Any], command: str) -> str:
    """``benchmarks/README.md`` from the results."""
    m = results.get("machine", {})
    s = results.get("summary", {})
    goal_lines, _ = goals_table(results)
    out = [
        "# Benchmarks",
        "",
        "Whole-process wall time and peak memory of `planner plan` end to end "
        "(read, validate, model, solve, write every output), measured as subprocesses under "
        "`/usr/bin/time -v`, median of the runs shown; data from `planner generate --seed 1` "
        "with `scenarios/default.yaml`; every plan re-checked with `planner check`. Peak "
        "memory (`peak RSS` below) is the larger of the largest process's RSS and the whole "
        "process tree's summed PSS (the helper process `planner plan` forks shares most of "
        "its pages with the main process; PSS counts them once).",
        "",
        "This file is written by the benchmark itself; to reproduce every figure:",
        "",
        "```",
        "make bench",
        "```",
        "",
        f"This run: `{command}`"
        + (
            f" ({results['bench_seconds'] / 60:.0f} min)  "
            if results.get("bench_seconds")
            else "  "
        ),
        "Options: `benchmarks/run.py --help` (parts, repeats, reference limits).",
        "",
        "## Machine",
        "",
        f"- Date: {m.get('date', '—')}",
        f"- CPU: {m.get('cpu', '—')}, {m.get('nproc', '—')} cores available",
        f"- Memory: {m.get('memory_gb', '—')} GB",
        f"- Python {m.get('python', '—')}, OR-Tools {m.get('ortools', '—')}, "
        f"pandas {m.get('pandas', '—')}, numpy {m.get('numpy', '—')}",
        f"- OS: {m.get('os', '—')}",
        f"- Code: commit {m.get('commit', '—')}",
        "",
        "The 1-minute load average at the start of each run is recorded in "
        "`results/results.json`; the tables give its median (`load`): on this 2-core machine a "
        "load above 2 means other work shared the cores and the times are pessimistic.",
        "",
        "## Goals",
        "",
        *goal_lines,
        "",
        "## Findings",
        "",
        *findings(results),
        "",
    ]
    scaling = s.get("scaling", {})
    flow = s.get("flow", {})
    if scaling:
        out += [
            "## Scaling (`university` preset × scale, default scenario)",
            "",
            "![scaling](scaling.png)",
            "",
            "| scale | cadres | targets | eligible pairs | `planner plan` (s) | min–max (s) | "
            "CPU (s) | peak RSS (GB) | status | check | flow relaxation (s) | flow CPU (s) | "
            "flow RSS (GB) | plan ÷ flow | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key in sorted(scaling, key=float):
            r = scaling[key]
            f = flow.get(key, {})
            ratio = (r["seconds"] / f["seconds"]) if r.get("seconds") and f.get("seconds") else None
            out.append(
                f"| {float(key):g}× | {_int(r.get('cadres'))} | {_int(r.get('targets'))} | "
                f"{_int(f.get('arcs'))} | {_fmt(r.get('seconds'))} | "
                f"{_fmt(r.get('seconds_min'))}–{_fmt(r.get('seconds_max'))} | "
                f"{_fmt(r.get('cpu_seconds'))} | {_fmt(r.get('peak_gb'))} | {_status(r)} | "
                f"{'ok' if r.get('check_ok') else 'FAILED'} | {_fmt(f.get('seconds'))} | "
                f"{_fmt(f.get('cpu_seconds'))} | {_fmt(f.get('peak_gb'))} | {_fmt(ratio, 1)} | "
                f"{_fmt(r.get('load'), 1)} |"
            )
        out += [
            "",
            "`cadres`: available cadres; `targets`: classes, dorms, societies and branches; "
            "`eligible pairs`: cadre–target pairs allowed by H3, H5 and the pins (the flow "
            "relaxation's arcs, and the straightforward formulation's Booleans). `planner plan`: "
            "median of the runs at every scale; flow relaxation: median at 1×, one run at the "
            "other scales (`--flow-repeats`). CPU: user + system seconds of the process.",
            "",
        ]
    out += _scenarios_table(s.get("scenarios", {}), results.get("runs", {}).get("scenarios", {}))
    out += _waiting_table(results.get("interactive", {}))
    out += _load_table(results.get("load") or {})
    large = s.get("large", {})
    college = s.get("college", {})
    if large or college:
        out += [
            "## Large preset and one college",
            "",
            "| run | s (median) | min–max | CPU (s) | peak RSS (GB) | status | check | load |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in (
            ("`--preset large` (3×)", large),
            (
                f"`--scope college={college.get('college', '?')}` "
                f"({college.get('cadres', '?')} cadres, 1× data)",
                college,
            ),
        ):
            if r:
                out.append(
                    f"| {name} | {_fmt(r.get('seconds'))} | {_fmt(r.get('seconds_min'))}–"
                    f"{_fmt(r.get('seconds_max'))} | {_fmt(r.get('cpu_seconds'))} | "
                    f"{_fmt(r.get('peak_gb'))} | {_status(r)} | "
                    f"{'ok' if r.get('check_ok') else 'FAILED'} | {_fmt(r.get('load'), 1)} |"
                )
        out.append("")
    if flow:
        h4 = {k: v.get("h4_violations") for k, v in flow.items()}
        out += [
            "## Min-cost-flow relaxation (`benchmarks/flow_baseline.py`)",
            "",
            "Reads the data with `planner.io.readers`, one arc per eligible cadre–target pair, one "
            "OR-Tools `SimpleMinCostFlow` with lexicographic integer costs for coverage, "
            "continuity, campus and dorm priority; **H4 and S5 dropped**; writes a CSV plan. "
            "Its plans are checked too: H4 violations per scale "
            + ", ".join(
                f"{float(k):g}×: {v}" for k, v in sorted(h4.items(), key=lambda x: float(x[0]))
            )
            + " (the relaxation is not a valid plan when H4 binds; it is a lower bound on the "
            "work any exact method must do).",
            "",
        ]
    ref = s.get("reference", {})
    if ref:
        out += [
            "## Straightforward formulation (`benchmarks/reference_baseline.py`)",
            "",
            "`planner/solver/reference.py`: one CP-SAT Boolean per eligible cadre–target pair, "
            "created in Python loops, every rule written per cadre, per target and per college, "
            "solved lexicographically with CP-SAT defaults (one worker, like `planner plan`). Time "
            "limit for the solve stages as shown; building the model comes on top. One run per "
            "scale; stopped if its memory passes the cap.",
            "",
            "| scale | pairs (Booleans) | wall (s) | build (s) | peak RSS (GB) | status | stages "
            "proven | `planner plan` (s, median) | speed-up to a proven plan |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for key in sorted(ref, key=float):
            r = ref[key]
            fast = scaling.get(key, {}).get("seconds") or r.get("fast_seconds")
            stages = r.get("stages") or []
            proven = ", ".join(
                f"{st['term']} {st['value']}" for st in stages if st["status"] == "OPTIMAL"
            )
            if r.get("seconds") and fast:
                speed = r["seconds"] / fast
                speed_text = (
                    f"{speed:.0f}×"
                    if r.get("status") == "OPTIMAL"
                    else f"≥ {speed:.0f}× (no proof)"
                )
            else:
                speed_text = "—"
            out.append(
                f"| {float(key):g}× | {_int(r.get('pairs'))} | {_fmt(r.get('seconds'), 1)} | "
                f"{_fmt(r.get('build_seconds'), 1)} | {_fmt(r.get('peak_gb'))} | "
                f"{r.get('status') or r.get('why') or '—'} | {proven or 'none'} | "
                f"{_fmt(fast)} | {speed_text} |"
            )
        out += [
            "",
            "Time limit: "
            + ", ".join(
                f"{float(k):g}×: {v.get('time_limit', '—')} s"
                for k, v in sorted(ref.items(), key=lambda x: float(x[0]))
            )
            + ". A run without proof gives a lower bound on the speed-up: the fast model's "
            "proven plan against the time the straightforward formulation spent without one.",
            "",
        ]
    uni = scaling.get("1", {})
    stages = uni.get("stages") or []
    prof = results.get("profile")
    if stages or prof:
        out += ["## Where the time goes (1×)", ""]
        if stages:
            out += [
                "Priority stages of one 1× run (from `plan.json`):",
                "",
                "| stage | status | value | seconds |",
                "|---|---|---|---|",
            ]
            out += [
                f"| {st['term']} | {st['status']} | {st['value']:,} | {st['seconds']:.2f} |"
                for st in stages
            ]
            out += [
                "",
                f"Solve (model + all stages, from `plan.json`): {_fmt(uni.get('solve_seconds'))} s "
                f"of {_fmt(uni.get('seconds'))} s end to end.",
                "",
            ]
        if prof and prof.get("runs"):
            runs = prof["runs"]
            names = [f"{r.get('scope')} ({r.get('profiled_seconds', '—')} s)" for r in runs]
            phase_names: list[str] = []
            for r in runs:
                phase_names += [p for p, _ in r.get("phases", []) if p not in phase_names]
            out += [
                "Phases of `planner plan` under cProfile (cumulative seconds; the profiler adds "
                "overhead, compare the shares), one run each at 1× and for one college; full "
                "listing in `results/profile.txt`. Importing what the command needs takes "
                f"{prof['import_seconds']:.2f} s (`python -X importtime`; largest: "
                + ", ".join(f"{n} {t:.2f} s" for n, t in prof.get("imports", [])[:4])
                + ").",
                "",
                "| phase | " + " | ".join(names) + " |",
                "|---|" + "---|" * len(runs),
            ]
            for phase in phase_names:
                cells = [dict(r.get("phases", [])).get(phase) for r in runs]
                out.append(f"| {phase} | " + " | ".join(_fmt(c) for c in cells) + " |")
            out += [
                "",
                "| self time by package (1×) | s |",
                "|---|---|",
                *[f"| {p} | {t:.2f} |" for p, t in runs[0].get("packages", [])[:8]],
                "",
                "| planner function at 1× (by cumulative time) | cumulative s | self s |",
                "|---|---|---|",
                *[
                    f"| `{f}` | {c:.2f} | {t:.2f} |"
                    for f, c, t in runs[0].get("functions", [])[:12]
                ],
                "",
            ]
    notes = results.get("notes")
    if notes:
        out += ["## Notes", "", *notes, ""]
    out += [
        "## Files",
        "",
        "- `run.py`: this benchmark (`make bench`); `--parts`, `--repeats`, `--reference-scales`, "
        "`--reference-time-limit`, `--memory-cap-gb`.",
        "- `flow_baseline.py`: the min-cost-flow relaxation; `reference_baseline.py`: the "
        "straightforward formulation (`planner/solver/reference.py`), both usable on their own.",
        "- `results/results.json`: every run (command, seconds, peak MB, load, plan status, "
        "check); `results/summary.csv`: the tables above; `results/profile.txt`: the profile.",
        "- `work/`: generated data and plans (git-ignored, rewritten on each run).",
        "",
    ]
    return "\n".join(out)


def _scenarios_table(scenarios: dict[str, Any], raw: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The other shipped scenarios at 1×: time, status, and how an infeasible one ended."""
    if not scenarios:
        return []
    out = [
        "## Other shipped scenarios (1× data)",
        "",
        "| scenario | s (median) | min–max | CPU (s) | solve (s) | peak RSS (GB) | status | "
        "check | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    reasons = []
    for name, r in sorted(scenarios.items()):
        runs = raw.get(name, [])
        status, check = _status(r), "ok" if r.get("check_ok") else "FAILED"
        seconds = [r.get("seconds"), r.get("seconds_min"), r.get("seconds_max")]
        if not r.get("ok_runs") and runs and all(x["exit_code"] == INFEASIBLE_EXIT for x in runs):
            # No plan can keep every hard rule with this data: the time is the diagnosis's.
            times = [x["seconds"] for x in runs]
            seconds = [median(times), min(times), max(times)]
            status, check = "no plan: the hard rules conflict (exit 3, explained)", "—"
            said = [ln for ln in runs[0].get("stderr", "").splitlines() if ln.startswith("- ")]
            if said:
                reasons.append(f"- `{name}`: {said[0][2:]}")
        out.append(
            f"| `{name}` | {_fmt(seconds[0])} | {_fmt(seconds[1])}–{_fmt(seconds[2])} | "
            f"{_fmt(r.get('cpu_seconds'))} | {_fmt(r.get('solve_seconds'))} | "
            f"{_fmt(r.get('peak_gb'))} | {status} | {check} | {_fmt(r.get('load'), 1)} |"
        )
    out.append("")
    if reasons:
        out += [*reasons, ""]
        out += [
            "That is the generated data, not the planner: its pins hold cross-campus contacts "
            "that a hard campus rule forbids. The time shown is how long `planner plan` takes "
            "to read the data, find the conflict and say which rows and rules clash.",
            "",
        ]
    return out


def _waiting_table(inter: dict[str, Any]) -> list[str]:
    """Reading, warm re-plans and explanations (``benchmarks/interactive.py``)."""
    if not inter:
        return []
    rows = []
    read = inter.get("read", {})
    if read.get("seconds") is not None:
        rows.append(
            f"| read and validate the university workbook (8 sheets) | {read['seconds']:.2f} | "
            f"bare `pandas.read_excel(engine='calamine')`: {read.get('reference_seconds', 0):.2f}"
            f" | {read.get('peak_gb', 0):.2f} | {_fmt(read.get('load'), 1)} |"
        )
    warm = inter.get("replan", {})
    if warm.get("seconds") is not None:
        rows.append(
            f"| warm re-plan after one pin, university (runs: {warm.get('runs')}) | "
            f"{warm['seconds']:.2f} | first plan in the worker: {warm.get('cold_seconds', 0):.2f}"
            f" | {warm.get('peak_gb', 0):.2f} | {_fmt(warm.get('load'), 1)} |"
        )
    if warm.get("college_seconds") is not None:
        rows.append(
            f"| re-plan of college {warm.get('college')}'s part after one pin (runs: "
            f"{warm.get('college_runs')}) | {warm['college_seconds']:.2f} (p95 "
            f"{warm.get('college_p95', 0):.2f}) | the same re-plan cold: "
            f"{_fmt(warm.get('college_cold_seconds'))}; making the part warm: "
            f"{warm.get('part_seconds', 0):.2f} | — | {_fmt(warm.get('load'), 1)} |"
        )
    explained = inter.get("explain", {})
    if explained.get("seconds") is not None:
        runs = [round(r, 2) for r in explained.get("runs", [])]
        rows.append(
            f"| `explain` one target of a university plan (runs: {runs}) | "
            f"{explained['seconds']:.2f} | — | {explained.get('peak_gb', 0):.2f} | "
            f"{_fmt(explained.get('load'), 1)} |"
        )
    return [
        "## Where a person waits (`benchmarks/interactive.py`)",
        "",
        "Seconds of the call itself in a process that has its libraries loaded and the data "
        "read (as the service's job worker has): median of the runs shown.",
        "",
        "| what | s (median) | reference (same run, s) | peak RSS (GB) | load |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]


def write_summary_csv(results: dict[str, Any]) -> None:
    rows = []
    for part, entries in results.get("summary", {}).items():
        if part in ("large", "college"):
            entries = {"": entries}
        for key, r in entries.items():
            if not isinstance(r, dict):
                continue
            rows.append(
                {
                    "part": part,
                    "scale": key,
                    "seconds_median": r.get("seconds"),
                    "seconds_min": r.get("seconds_min"),
                    "seconds_max": r.get("seconds_max"),
                    "peak_gb_median": r.get("peak_gb"),
                    "status": ";".join(r["status"])
                    if isinstance(r.get("status"), list)
                    else r.get("status"),
                    "check_ok": r.get("check_ok"),
                    "h4_violations": r.get("h4_violations"),
                    "runs": r.get("runs"),
                    "load_median": r.get("load"),
                }
            )
    with (RESULTS / "summary.csv").open("w", newline="", encoding="utf-8") as fh:
        if rows:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


# --------------------------------------------------------------------------------------------
# Main


def reference_summary(run: dict[str, Any]) -> dict[str, Any]:
    """What one run of the straightforward formulation achieved (also when it found no plan)."""
    info = run.get("info") or {}
    why = {3: "the hard rules cannot all hold", 4: "no plan at all within the time limit"}
    out: dict[str, Any] = {
        "time_limit": info.get("time_limit"),
        "why": run["killed"] or ("" if run["exit_code"] == 0 else why.get(run["exit_code"], "")),
        "status": info.get("status"),
        # A run that found no plan or was stopped still tells how long and how big it got.
        "seconds": run["seconds"],
        "peak_gb": round(run["peak_mb"] / 1000, 3),
    }
    for k in ("pairs", "variables", "build_seconds", "stages", "check_ok", "violations"):
        out[k] = info.get(k)
    return out


def report_only() -> int:
    """Re-summarise the stored runs and rewrite README, plot and CSV (no measuring)."""
    results = json.loads((RESULTS / "results.json").read_text(encoding="utf-8"))
    for part, entries in results.get("runs", {}).items():
        for key, raw in entries.items():
            for run in raw:
                run["stdout"] = run.get("stdout", "")[-KEEP_OUTPUT:]
                run["stderr"] = run.get("stderr", "")[-KEEP_OUTPUT:]
            if part == "reference":
                for run in raw:  # older results parsed the line only for a plan
                    if not run.get("info"):
                        with contextlib.suppress(ValueError, IndexError):
                            run["info"] = json.loads(run["stdout"].strip().splitlines()[-1])
                results["summary"][part][key].update(reference_summary(raw[0]))
                continue
            target = (
                results["summary"][part]
                if part in ("large", "college")
                else (results["summary"][part][key])
            )
            target.update(summarise(raw))
    (RESULTS / "results.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False), "utf-8"
    )
    write_summary_csv(results)
    plot(results)
    (HERE / "README.md").write_text(
        readme(results, results.get("command", "make bench")), encoding="utf-8"
    )
    return 0


def run_load(seconds: float) -> dict[str, Any]:
    """``benchmarks/load.py`` against SQLite and (if a server is named) PostgreSQL."""
    found: dict[str, Any] = {}
    targets: list[tuple[str, list[str]]] = [("sqlite", [])]
    postgres = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if postgres:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = postgres.replace("postgresql://", "postgresql+psycopg://", 1)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = 'planner_load'")
            ).scalar():
                connection.execute(text('CREATE DATABASE "planner_load"'))
        admin.dispose()
        load_url = make_url(url).set(database="planner_load").render_as_string(False)
        targets.append(("postgres", ["--database", load_url]))
    for name, extra in targets:
        out = RESULTS / f"load-{name}.json"
        say(f"load: 40 users for {seconds:g} s on {name}")
        command = [sys.executable, str(HERE / "load.py"), "--duration", f"{seconds:g}"]
        done = subprocess.run(
            [*command, *extra, "--json", str(out)], cwd=ROOT, capture_output=True, text=True
        )
        say(done.stdout.strip() or done.stderr[-2000:])
        if out.exists():
            found[name] = json.loads(out.read_text(encoding="utf-8"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of planner plan (make bench).")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES))
    parser.add_argument(
        "--reference-scales", default="0.05,0.25,1", help="scales for the reference"
    )
    parser.add_argument("--reference-time-limit", type=float, default=120.0)
    parser.add_argument("--memory-cap-gb", type=float, default=16.0)
    parser.add_argument(
        "--flow-repeats",
        type=int,
        default=1,
        help="runs of the flow relaxation at scales other than 1× (1× uses --repeats)",
    )
    parser.add_argument(
        "--report", action="store_true", help="only rewrite README, plot and CSV from results"
    )
    parser.add_argument("--load-seconds", type=float, default=300.0, help="duration of load")
    args = parser.parse_args(argv)
    if args.report:
        return report_only()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {unknown}; parts are {', '.join(PARTS)}")
    scales = [float(x) for x in args.scales.split(",") if x.strip()]
    ref_scales = [float(x) for x in args.reference_scales.split(",") if x.strip()]

    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    results_file = RESULTS / "results.json"
    results: dict[str, Any] = {}
    if results_file.exists():
        try:
            results = json.loads(results_file.read_text(encoding="utf-8"))
        except ValueError:
            results = {}
    results.setdefault("runs", {})
    results.setdefault("summary", {})
    results["machine"] = machine()
    started = time.perf_counter()

    # Data: every scale any part needs, regenerated so that it matches the generator.
    needed = set()
    if {"scaling", "flow"} & set(parts):
        needed |= set(scales)
    if {"college", "scenarios", "profile", "replan", "explain"} & set(parts) or (
        "reference" in parts and 1.0 in ref_scales
    ):
        needed.add(1.0)
    if "reference" in parts:
        needed |= set(ref_scales)
    data: dict[float, Path] = {}
    for scale in sorted(needed):
        say(f"generating university × {scale:g}")
        data[scale] = generate(scale_name(scale), "university", scale)
    if "large" in parts:
        say("generating large")
        large_data = generate("large", "large", 1.0)

    def keep(part: str, key: str, runs: list[Run], extra: dict[str, Any] | None = None) -> None:
        raw = [asdict(r) for r in runs]
        results["runs"].setdefault(part, {})[key] = raw
        summary = summarise(raw)
        summary.update(extra or {})
        if part in ("large", "college"):
            results["summary"][part] = summary
        else:
            results["summary"].setdefault(part, {})[key] = summary
        results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")

    if "scaling" in parts:
        say("planner plan at each scale")
        for scale in scales:
            runs = run_plan(scale_name(scale), data[scale], args.repeats)
            keep("scaling", f"{scale:g}", runs, data_size(data[scale]))
    if "large" in parts:
        say("planner plan, large preset")
        runs = run_plan("large", large_data, args.repeats)
        keep("large", "", runs, data_size(large_data))
    if "college" in parts:
        college, n = mid_size_college(data[1.0])
        say(f"planner plan, college={college} ({n} cadres)")
        runs = run_plan("college", data[1.0], args.repeats, scope=f"college={college}")
        keep("college", "", runs, {"college": college, "cadres": n})
    if "scenarios" in parts:
        say("planner plan at 1× with the other shipped scenarios")
        for path in sorted((ROOT / "scenarios").glob("*.yaml")):
            if path.resolve() != SCENARIO.resolve():
                runs = run_plan(f"scenario-{path.stem}", data[1.0], args.repeats, scenario=path)
                keep("scenarios", path.stem, runs)
    if "flow" in parts:
        say("min-cost-flow relaxation at each scale")
        for scale in scales:
            repeats = args.repeats if scale == 1.0 else args.flow_repeats
            runs = run_flow(f"flow-{scale_name(scale)}", data[scale], repeats)
            keep("flow", f"{scale:g}", runs)
    if "reference" in parts:
        say(
            f"straightforward formulation (time limit {args.reference_time_limit:g} s, "
            f"memory cap {args.memory_cap_gb:g} GB)"
        )
        for scale in ref_scales:
            run = run_reference(
                f"reference-{scale_name(scale)}",
                data[scale],
                args.reference_time_limit,
                args.memory_cap_gb,
            )
            extra = reference_summary(asdict(run))
            if f"{scale:g}" not in results["summary"].get("scaling", {}):
                fast = run_plan(f"fast-{scale_name(scale)}", data[scale], args.repeats)
                extra["fast_seconds"] = median([r.seconds for r in fast if r.exit_code == 0])
            keep("reference", f"{scale:g}", [run], extra)
    interactive = results.setdefault("interactive", {})
    if "read" in parts:
        say("reading the university workbook")
        book = generate("university-workbook", "university", 1.0, fmt="workbook") / "data.xlsx"
        interactive["read"] = run_interactive("read", ["--data", str(book)], args.repeats + 2)
    if "replan" in parts:
        college, _ = mid_size_college(data[1.0])
        say(f"warm re-plans (university, college {college})")
        extra = ["--data", str(data[1.0]), "--college", college]
        interactive["replan"] = run_interactive("replan", extra, args.repeats + 2)
    if "explain" in parts:
        say("explaining targets of a university plan")
        plan_dir = WORK / "plans" / "explain-university"
        if not plan_dir.exists():
            run_plan("explain-university", data[1.0], 1)
            (WORK / "plans" / "explain-university-0").rename(plan_dir)
        extra = ["--data", str(data[1.0]), "--plan", str(plan_dir)]
        interactive["explain"] = run_interactive("explain", extra, args.repeats + 2)
    if "load" in parts:
        results["load"] = run_load(args.load_seconds)
    if "profile" in parts:
        say("profile of planner plan at 1×")
        college, _ = mid_size_college(data[1.0])
        results["profile"] = profile(data[1.0], college)

    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    write_summary_csv(results)
    plot(results)
    command = (
        "make bench"
        if argv is None and len(sys.argv) == 1
        else " ".join(["benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    )
    results["command"] = command
    results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    (HERE / "README.md").write_text(readme(results, command), encoding="utf-8")
    _, rows = goals_table(results)
    say(f"done in {results['bench_seconds'] / 60:.1f} min; benchmarks/README.md written")
    for r in rows:
        mark = "  — " if r["ok"] is None else ("pass" if r["ok"] else "FAIL")
        say(f"  {mark}  {r['goal']}: {r['measured']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The README's semester section, run verbatim on the demo data.

Every ``sh`` block of "A semester, step by step" is run line by line as the README prints it,
in a scratch folder holding the demo data as ``data/demo``, with ``planner`` on the ``PATH``.
Every command must succeed; then the promises of the section's prose are checked on the
folders the commands wrote (issue 14, item 1: the staged flow loses nothing).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## A semester, step by step"


def section_commands(readme: str) -> list[str]:
    """The command lines of the section's ``sh`` blocks, in order."""
    start = readme.index(SECTION)
    end = readme.index("\n## ", start + len(SECTION))
    blocks = re.findall(r"```sh\n(.*?)```", readme[start:end], flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def triples(folder: Path) -> set[tuple[str, str, str]]:
    with (folder / "assignments.csv").open(encoding="utf-8-sig") as handle:
        return {(r["cadre_id"], r["kind"], r["target_id"]) for r in csv.DictReader(handle)}


def terms(folder: Path) -> dict[str, int]:
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return {name: term["value"] for name, term in doc["terms"].items()}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "data" / "demo", here / "data" / "demo")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    commands = section_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) >= 12 and all(c.startswith("planner ") for c in commands)
    for command in commands:
        result = subprocess.run(
            shlex.split(command), cwd=here, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    return here / "out"


def test_the_merged_plan_is_the_proposal_but_for_the_pinned_part(ran: Path) -> None:
    autumn = ran / "2026-autumn"
    proposal, university = triples(autumn / "proposal"), triples(autumn / "university")
    c01 = triples(autumn / "C01")
    assert c01 <= proposal  # re-planned without pins: C01's part is the proposal's
    assert triples(autumn / "central") <= proposal
    changed = university ^ proposal
    # The pin moved 陈宇 (028168) to class 2026C0201, and only the cadre who held it moves too.
    assert ("028168", "class", "2026C0201") in university
    (holder,) = {c for c, k, t in proposal if (k, t) == ("class", "2026C0201")}
    assert {cadre for cadre, _, _ in changed} == {"028168", holder}
    # Every figure but the ones the pin decides is the whole-university plan's.
    p, u = terms(autumn / "proposal"), terms(autumn / "university")
    assert u["coverage"] == p["coverage"] and u["central_spread"] == p["central_spread"]


def test_next_semester_continues_from_the_approved_plan(ran: Path) -> None:
    spring = ran / "2027-spring"
    doc = json.loads((spring / "C01" / "plan.json").read_text(encoding="utf-8"))
    assert doc["previous_from"]["folder"] == "out/2026-autumn/university"
    assert doc["base_plan"]["folder"] == "out/2027-spring/proposal"
    assert triples(spring / "C01") <= triples(spring / "proposal")
    assert terms(spring / "proposal")["continuity"] > 0

"""The command line in the reader's language: every held-back broken data set reported in
Chinese and in English, at the same places; the language follows ``--lang``, else the locale.

A Chinese message may still quote what the user wrote (a value, a file, a column header, a code
such as ``school_leader``), but no English sentence: :func:`english_words` finds the words left
once those are set aside.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.contract import KIND_ALIASES, ROLE_ALIASES, TABLES

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "data" / "broken"
TINY = ROOT / "tests" / "data" / "tiny"
LOCATED = re.compile(r"^(.*?):(\d+):([^:]*): (.*)$")

QUOTED = re.compile(r"“[^”]*”|'[^']*'|\"[^\"]*\"|（[A-Za-z0-9_ .,-]*）|\([^)]*\)")
"""What the user wrote, quoted: values, and codes or English names given in brackets."""

WORDS = re.compile(r"[A-Za-z][A-Za-z_]{2,}")

KNOWN_TOKENS = (
    {name for name in TABLES}
    | {c.name for t in TABLES.values() for c in t.columns}
    | {str(r.value) for r in ROLE_ALIASES.values()}
    | {str(k.value) for k in KIND_ALIASES.values()}
    | {"csv", "xlsx", "xls", "CSV", "UTF", "Excel", "Unicode", "yes", "true", "false"}
    | {"require", "forbid", "planner", "data", "json", "yaml", "SHA", "GB18030"}
)
"""Words a Chinese message may hold: names of tables, columns, roles and kinds as the files
write them, file types, and the command's own name."""


def english_words(text: str) -> list[str]:
    """Latin words of ``text`` that are none of the quoted values or :data:`KNOWN_TOKENS`."""
    bare = re.sub(r"0x[0-9A-Fa-f]+|U\+[0-9A-F]+", " ", QUOTED.sub(" ", text))
    bare = re.sub(r"\S+\.(csv|xlsx|xls|CSV|XLSX)(\[[^\]]*\])?", " ", bare)
    return [w for w in WORDS.findall(bare) if w not in KNOWN_TOKENS]


def _data_path(folder: Path) -> Path:
    book = folder / "book.xlsx"
    return book if book.exists() else folder


def _validate(path: Path, language: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["--lang", language, "validate", "--data", str(path)])
    return result.exit_code, result.stderr.splitlines()


BROKEN_SETS = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", BROKEN_SETS)
def test_a_broken_set_is_reported_in_both_languages_at_the_same_places(name: str) -> None:
    code_en, english = _validate(_data_path(BROKEN / name), "en")
    code_zh, chinese = _validate(_data_path(BROKEN / name), "zh")
    assert code_en == code_zh == 2
    assert english[0].startswith("The input has ")
    assert chinese[0].startswith("输入数据有 "), chinese[0]
    problems_en = [LOCATED.match(line) for line in english[1:]]
    problems_zh = [LOCATED.match(line) for line in chinese[1:]]
    assert all(problems_en) and all(problems_zh), chinese
    assert [m.group(1, 2, 3) for m in problems_zh if m] == [
        m.group(1, 2, 3) for m in problems_en if m
    ]
    for match in problems_zh:
        assert match is not None
        message = match[4]
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert english_words(message) == [], message


def test_a_valid_set_is_summarised_in_chinese() -> None:
    result = CliRunner().invoke(cli, ["--lang", "zh", "validate", "--data", str(TINY)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("数据集：2个学院，8名联系人（在岗 7 名，不在岗 1 名）")
    for line in lines:
        assert english_words(line) == [], line


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environ,
        cwd=ROOT,
    )


def test_the_command_line_follows_the_locale_unless_told_otherwise() -> None:
    broken = str(BROKEN / "unknown_college")
    chinese = _run(["validate", "--data", broken], LANG="zh_CN.UTF-8")
    assert chinese.returncode == 2
    assert "未知的学院“C99”（已有：C01, C02）" in chinese.stderr
    english = _run(["--lang", "en", "validate", "--data", broken], LANG="zh_CN.UTF-8")
    assert "unknown college 'C99' (known: C01, C02)" in english.stderr
    plain = _run(["validate", "--data", broken], LANG="C.UTF-8")
    assert "unknown college 'C99'" in plain.stderr
    told = _run(["--lang", "zh", "validate", "--data", broken], LANG="en_GB.UTF-8")
    assert "未知的学院“C99”" in told.stderr

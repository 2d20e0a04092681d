"""The message catalogue: complete in both languages, compiled, and switched per context."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planner import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_every_sentence_has_both_languages_and_the_compiled_files_are_current() -> None:
    """Fails naming each sentence without a Chinese or English text, and stale files."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh_CN.UTF-8", "zh"),
        ("zh-Hans", "zh"),
        ("中文", "zh"),
        ("en_GB.UTF-8", "en"),
        ("English", "en"),
        ("fr_FR.UTF-8", None),
        ("", None),
    ],
)
def test_language_names_are_normalised(value: str, expected: str | None) -> None:
    assert i18n.normalise(value) == expected


def test_the_command_line_follows_the_locale() -> None:
    assert i18n.language_from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.language_from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN"}) == "en"
    assert i18n.language_from_environment({"LANG": "C.UTF-8"}) == "en"
    assert i18n.language_from_environment({}) == "en"


def test_the_language_is_per_context_and_restored() -> None:
    before = i18n.current_language()
    with i18n.use_language("zh_CN"):
        assert i18n.current_language() == "zh"
        with i18n.use_language("en"):
            assert i18n.current_language() == "en"
        assert i18n.current_language() == "zh"
    assert i18n.current_language() == before
    with pytest.raises(ValueError, match="unknown language"):
        i18n.set_language("klingon")

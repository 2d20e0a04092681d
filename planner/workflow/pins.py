"""Pins given on the command line (``--require`` / ``--forbid CADRE:KIND:TARGET``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd

from planner.contract import KIND_ALIASES, KIND_TABLE, KINDS
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import gettext as _
from planner.words import chinese, kind_word


def _clean_id(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_pins(dataset: Dataset, require: Sequence[str], forbid: Sequence[str]) -> pd.DataFrame:
    """Pins given as ``--require CADRE:KIND:TARGET`` / ``--forbid ...``, validated like the
    data set's pins (the cadre and the target must exist).

    Returns a canonical pins frame (``cadre, kind, target, rule, row``); rows are numbered
    after the data set's pins, so messages about "pin row N" stay unambiguous. Every problem
    raises one :class:`UsageError` (exit code 2) naming the option.
    """
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    cadres = set(dataset.cadres["id"].tolist())
    targets = {kind.value: set(dataset.table(KIND_TABLE[kind])["id"].tolist()) for kind in KINDS}

    def where(table: str) -> str:
        source = dataset.sources.get(table)
        return source.display if source else _("the {table} table").format(table=table)

    start = int(dataset.pins["row"].max()) + 1 if len(dataset.pins) else 2
    for option, rule, values in (("--require", "require", require), ("--forbid", "forbid", forbid)):
        for value in values:
            parts = [_clean_id(p) for p in str(value).split(":", 2)]
            if len(parts) != 3 or not all(parts):
                problems.append(
                    _(
                        "{option} {value}: write CADRE:KIND:TARGET, e.g. {option} "
                        "044156:class:2026C0101 (kind: class, dorm, society or branch)"
                    ).format(option=option, value=value)
                )
                continue
            cadre, word, target = parts
            kind = KIND_ALIASES.get(word) or KIND_ALIASES.get(word.lower())
            bad = False
            if kind is None:
                problems.append(
                    _(
                        "{option} {value}: unknown kind '{word}' (use class, dorm, society or "
                        "branch; 班级, 宿舍, 社团 or 党支部)"
                    ).format(option=option, value=value, word=word)
                )
                bad = True
            if cadre not in cadres:
                problems.append(
                    _("{option} {value}: unknown cadre '{cadre}': not in {file}").format(
                        option=option, value=value, cadre=cadre, file=where("cadres")
                    )
                )
                bad = True
            if kind is not None and target not in targets[kind.value]:
                table = KIND_TABLE[kind]
                problems.append(
                    _("{option} {value}: unknown {kind} '{target}': not in {file}").format(
                        option=option,
                        value=value,
                        kind=kind_word(kind.value) if chinese() else kind.value,
                        target=target,
                        file=where(table),
                    )
                )
                bad = True
            if not bad and kind is not None:
                rows.append({"cadre": cadre, "kind": kind.value, "target": target, "rule": rule})
    if problems:
        raise UsageError("\n".join(problems))
    frame = pd.DataFrame(rows, columns=["cadre", "kind", "target", "rule"])
    frame["row"] = pd.Series(range(start, start + len(frame)), dtype="int64")
    return frame


def pin_rows(pins: pd.DataFrame) -> list[list[str]]:
    """Pins as ``[cadre, kind, target, rule]`` texts (what ``plan.json`` records)."""
    return [
        [str(c), str(k), str(t), str(r)]
        for c, k, t, r in zip(
            pins["cadre"], pins["kind"], pins["target"], pins["rule"], strict=True
        )
    ]

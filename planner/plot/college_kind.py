"""Heatmap of coverage by college × kind (``coverage_college_kind.png``)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planner.contract import KIND_LABELS_ZH, KINDS, Kind
from planner.plot._heatmap import draw_share_heatmap, new_axes
from planner.plot.fonts import font_family, resolve_labels

UNIVERSITY_CODE = "(university)"
"""Row label of targets without a college (university-level societies) in code mode."""


def plot_college_kind(
    coverage: pd.DataFrame, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Plot the share of targets covered per college (rows) and kind (columns).

    ``coverage`` is ``Plan.coverage``: ``college, college_name, campus, kind, targets,
    covered``. Each cell shows ``covered/targets``. ``labels`` is ``auto`` (Chinese college
    names when a CJK font is installed, else codes), ``names`` or ``codes`` (codes and
    English only: the same picture on every machine). Returns the figure.
    """
    use_cjk = resolve_labels(labels)
    frame = coverage.copy()
    frame["college"] = frame["college"].astype(object).where(frame["college"].notna(), None)
    frame["_row"] = frame["college"].fillna(UNIVERSITY_CODE).astype(str)
    kinds = [k for k in KINDS if k.value in set(frame["kind"].astype(str))] or list(KINDS)
    rows = sorted(frame["_row"].unique(), key=lambda c: (c == UNIVERSITY_CODE, c))

    targets = _pivot(frame, "targets", rows, kinds)
    covered = _pivot(frame, "covered", rows, kinds)
    names = (
        frame.assign(college_name=frame["college_name"].fillna("").astype(str))
        .drop_duplicates("_row")
        .set_index("_row")["college_name"]
    )
    row_labels = [_row_label(row, str(names.get(row, "")), use_cjk) for row in rows]
    col_labels = [f"{KIND_LABELS_ZH[k]}\n{k.value}" if use_cjk else k.value for k in kinds]

    if ax is None:
        ax = new_axes(len(rows), len(kinds), max((len(s) for s in row_labels), default=4) * 2)
    return draw_share_heatmap(
        ax,
        covered,
        targets,
        row_labels=row_labels,
        col_labels=col_labels,
        title=(
            "各学院覆盖率\nCoverage by college × kind" if use_cjk else "Coverage by college × kind"
        ),
        xlabel="类型 kind" if use_cjk else "kind",
        ylabel="学院 college" if use_cjk else "college",
        colorbar_label="覆盖率 coverage" if use_cjk else "coverage",
        family=font_family(use_cjk),
    )


def _pivot(frame: pd.DataFrame, column: str, rows: list[str], kinds: list[Kind]) -> pd.DataFrame:
    table = frame.pivot_table(
        index="_row", columns="kind", values=column, aggfunc="sum", fill_value=0
    )
    return table.reindex(index=rows, columns=[k.value for k in kinds], fill_value=0)


def _row_label(code: str, name: str, use_cjk: bool) -> str:
    if code == UNIVERSITY_CODE:
        return "校级 university" if use_cjk else UNIVERSITY_CODE
    return f"{code} {name}" if use_cjk and name else code

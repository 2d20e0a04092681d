"""Two key figures of several plans against each other (a scenario sweep's trade-off)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import UsageError
from planner.plan import KPI_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_tradeoff(
    table: pd.DataFrame,
    x: str = "cross_campus",
    y: str = "kept_from_previous",
    ax: Axes | None = None,
    *,
    annotate: bool = True,
    labels: str = "auto",
) -> Figure:
    """Plot KPI ``y`` against KPI ``x`` for the plans of a KPI table, in the table's order.

    ``table`` is what :func:`planner.analysis.compare.compare` or
    :func:`planner.analysis.sweep.sweep` return; rows without figures (failed scenarios) are
    skipped. Each point is annotated with its plan's label. Returns the figure.
    """
    from matplotlib.figure import Figure

    from planner.plot.fonts import font_family, resolve_labels, user_text_family
    from planner.plot.heatmap import root_figure

    for column in (x, y):
        if column not in table.columns:
            raise UsageError(
                f"'{column}' is not a column of the KPI table (columns: {', '.join(table.columns)})"
            )
    points = table[[x, y]].apply(pd.to_numeric, errors="coerce").dropna()
    if ax is None:
        ax = Figure(figsize=(6.4, 4.4), layout="constrained").add_subplot()
    use_cjk = resolve_labels(labels)
    family = font_family(use_cjk)
    ax.plot(points[x], points[y], marker="o", color="#b22222", linewidth=1.2)
    if annotate:
        # Plans landing on the same point share one label ("a, b"), not two overprinted ones.
        same: dict[tuple[float, float], list[str]] = {}
        for label, row in points.iterrows():
            same.setdefault((float(row[x]), float(row[y])), []).append(str(label))
        for (px, py), names in same.items():
            shown = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
            ax.annotate(
                shown,
                (px, py),
                textcoords="offset points",
                xytext=(6, 4),
                fontsize=8,
                fontfamily=user_text_family(),
            )
        ax.margins(x=0.25, y=0.12)  # room for the labels
    ax.set_xlabel(KPI_LABELS.get(x, x) if use_cjk else x.replace("_", " "), fontfamily=family)
    ax.set_ylabel(KPI_LABELS.get(y, y) if use_cjk else y.replace("_", " "), fontfamily=family)
    ax.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    return root_figure(ax)

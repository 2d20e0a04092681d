"""The college × kind coverage heatmaps of several plans side by side
(``coverage_compare.png`` of ``planner compare``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from planner.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from planner.plan import Plan


def plot_plans(
    plans: Mapping[str, Plan],
    *,
    labels: str = "auto",
    columns: int = 3,
    fig: Figure | None = None,
) -> Figure:
    """The college × kind heatmap of each plan, one panel each, titled with its label.

    Panels are laid out ``columns`` to a row. ``fig`` is an empty figure to draw on (default:
    a new one, made without pyplot). ``labels`` as in
    :func:`planner.plot.college_kind.plot_college_kind`. Returns the figure.
    """
    from matplotlib.figure import Figure

    from planner.plot.college_kind import plot_college_kind
    from planner.plot.fonts import user_text_family

    if not plans:
        raise UsageError("nothing to plot: no plan among the ones given (all failed?)")
    n = len(plans)
    n_cols = max(1, min(columns, n))
    n_rows = math.ceil(n / n_cols)
    n_colleges = max(p.coverage["college"].nunique() for p in plans.values())
    if fig is None:
        fig = Figure(
            figsize=(min(5.2 * n_cols, 20.0), min((1.9 + 0.32 * n_colleges) * n_rows, 40.0)),
            layout="constrained",
        )
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, (label, plan) in zip(axes, plans.items(), strict=False):
        plot_college_kind(plan.coverage, ax=ax, labels=labels)
        ax.set_title(label, fontfamily=user_text_family())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig

"""Charts of a plan: one plotting function per module, each taking ``ax=None``.

Each function returns the :class:`~matplotlib.figure.Figure` it drew on; with ``ax=None`` it
makes a new figure without pyplot, so nothing global changes and nothing needs closing (in a
notebook the returned figure displays itself).

A chart is made in two steps: its data (:class:`~planner.plot.spec.Heatmap`, made with
pandas by each chart module's ``*_heatmap`` function) and its picture: a matplotlib figure for
notebooks (the ``plot_*`` functions, :mod:`planner.plot.heatmap`), or pixels drawn with Pillow
for the PNG files of a plan folder (:mod:`planner.plot.png`: the same chart, without the second
it takes to load matplotlib; :mod:`planner.report.render` makes those files). The charts that
compare plans are :mod:`planner.plot.compare` and :mod:`planner.plot.tradeoff`. Importing this
package loads none of these libraries; each name below is loaded when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.plot.campus_kind import plot_campus_kind
    from planner.plot.college_kind import plot_college_kind
    from planner.plot.coverage import (
        campus_kind_coverage,
        dorm_campus_grade_coverage,
        target_coverage,
    )
    from planner.plot.dorm_campus_grade import plot_dorm_campus_grade
    from planner.plot.fonts import cjk_font

__all__ = [
    "campus_kind_coverage",
    "cjk_font",
    "dorm_campus_grade_coverage",
    "plot_campus_kind",
    "plot_college_kind",
    "plot_dorm_campus_grade",
    "target_coverage",
]

_LAZY = {
    "plot_campus_kind": "planner.plot.campus_kind",
    "plot_college_kind": "planner.plot.college_kind",
    "plot_dorm_campus_grade": "planner.plot.dorm_campus_grade",
    "campus_kind_coverage": "planner.plot.coverage",
    "dorm_campus_grade_coverage": "planner.plot.coverage",
    "target_coverage": "planner.plot.coverage",
    "cjk_font": "planner.plot.fonts",
}
"""Names of this package that live in a submodule, loaded when first asked for."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # loaded once
    return value

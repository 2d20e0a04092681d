"""Tests of the coverage charts: an image comparison, the data helpers, fonts and files."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from matplotlib import image as mpimg
from matplotlib import style as mpl_style
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images
from PIL import Image

from planner.io.plan_folder import HEATMAP_FILES
from planner.plot import (
    campus_kind_coverage,
    dorm_campus_grade_coverage,
    fonts,
    plot_campus_kind,
    plot_college_kind,
    plot_dorm_campus_grade,
    png,
    target_coverage,
)
from planner.plot import heatmap as heatmap_module
from planner.plot.college_kind import college_kind_heatmap
from planner.plot.spec import is_light
from planner.report.render import render_heatmaps

BASELINE = Path(__file__).parent / "baseline"

COVERAGE = pd.DataFrame(
    [
        ("C01", "文学院", "主校区", "class", 10, 10),
        ("C01", "文学院", "主校区", "dorm", 40, 22),
        ("C01", "文学院", "主校区", "society", 3, 1),
        ("C01", "文学院", "主校区", "branch", 4, 4),
        ("C02", "理学院", "东校区", "class", 12, 6),
        ("C02", "理学院", "东校区", "dorm", 0, 0),
        ("C02", "理学院", "东校区", "branch", 5, 0),
        ("C03", "工学院", "南校区", "class", 8, 7),
        ("C03", "工学院", "南校区", "dorm", 30, 30),
        ("C03", "工学院", "南校区", "society", 2, 2),
        ("C03", "工学院", "南校区", "branch", 3, 2),
        (None, None, "主校区", "society", 6, 3),
    ],
    columns=["college", "college_name", "campus", "kind", "targets", "covered"],
)
"""A fixed coverage table: full, partial, empty and missing cells, a university row."""

TARGETS = pd.DataFrame(
    [
        ("class", "K1", "一班", "C01", "主校区", None, 2024, 30),
        ("class", "K2", "二班", "C01", "东校区", None, 2024, 30),
        ("dorm", "D1", "1-101", "C01", "主校区", "M", 2024, 4),
        ("dorm", "D2", "1-102", "C01", "主校区", "M", 2025, 4),
        ("dorm", "D3", "1-103", "C02", "东校区", "F", None, 4),
        ("branch", "B1", "支部", "C01", "主校区", None, None, 9),
    ],
    columns=["kind", "id", "name", "college", "campus", "gender", "grade", "size"],
).astype({"grade": "Int64"})
ASSIGNMENTS = pd.DataFrame(
    {"cadre_id": ["1", "2", "3", "4"], "kind": ["class", "class", "dorm", "branch"]}
    | {"target_id": ["K1", "K2", "D1", "B1"]}
)
UNCOVERED = pd.DataFrame({"kind": ["class"], "target_id": ["K2"], "reason": ["x"]})


def test_college_kind_matches_baseline(tmp_path: Path) -> None:
    """Codes only, so the picture does not depend on the fonts installed."""
    with mpl_style.context("default"):
        figure = plot_college_kind(COVERAGE, labels="codes")
        actual = tmp_path / "coverage_college_kind.png"
        figure.savefig(actual, dpi=100, facecolor="white", metadata={"Software": None})
    expected = BASELINE / "coverage_college_kind.png"
    result = compare_images(str(expected), str(actual), tol=5)
    assert result is None, result


def test_plots_draw_on_a_given_axes() -> None:
    figure = Figure()
    left, middle, right = figure.subplots(1, 3)
    assert plot_college_kind(COVERAGE, ax=left, labels="codes") is figure
    campus = campus_kind_coverage(ASSIGNMENTS, TARGETS, UNCOVERED)
    assert plot_campus_kind(campus, ax=middle, labels="codes") is figure
    dorms = dorm_campus_grade_coverage(ASSIGNMENTS, TARGETS)
    assert plot_dorm_campus_grade(dorms, ax=right, labels="codes") is figure
    assert [t.get_text() for t in left.get_yticklabels()] == ["C01", "C02", "C03", "(university)"]
    assert [t.get_text() for t in left.get_xticklabels()] == ["class", "dorm", "society", "branch"]
    annotations = {t.get_text() for t in left.texts}
    assert {"22/40", "0/5", "—", "3/6"} <= annotations


def test_chinese_labels_when_a_font_exists() -> None:
    if fonts.cjk_font() is None:
        pytest.skip("no CJK font installed")
    figure = plot_college_kind(COVERAGE, labels="names")
    ax = figure.axes[0]
    assert ax.get_yticklabels()[0].get_text() == "C01 文学院"
    assert ax.get_xticklabels()[0].get_text() == "班级\nclass"
    assert "各学院覆盖率" in ax.get_title()


def test_no_cjk_font_falls_back_to_codes_and_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = plot_college_kind(COVERAGE)
        plot_campus_kind(campus_kind_coverage(ASSIGNMENTS, TARGETS))
    messages = [str(w.message) for w in caught if issubclass(w.category, fonts.FontWarning)]
    assert messages == [fonts.NO_CJK_FONT_MESSAGE]
    assert first.axes[0].get_yticklabels()[0].get_text() == "C01"


def test_chinese_campus_names_without_font_become_numbered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figure = plot_campus_kind(campus_kind_coverage(ASSIGNMENTS, TARGETS), labels="codes")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["campus 1", "campus 2"]


def test_bad_labels_argument() -> None:
    with pytest.raises(ValueError, match="labels must be"):
        plot_college_kind(COVERAGE, labels="chinese")


def test_target_coverage() -> None:
    table = target_coverage(ASSIGNMENTS, TARGETS, UNCOVERED).set_index("id")
    assert table["cadres"].to_dict() == {"K1": 1, "K2": 1, "D1": 1, "D2": 0, "D3": 0, "B1": 1}
    # K2 holds a cadre but is below its coverage minimum: listed as uncovered
    assert table["covered"].to_dict() == {
        "K1": True,
        "K2": False,
        "D1": True,
        "D2": False,
        "D3": False,
        "B1": True,
    }


def test_campus_kind_coverage() -> None:
    table = campus_kind_coverage(ASSIGNMENTS, TARGETS, UNCOVERED)
    rows = {(r.campus, r.kind): (r.targets, r.covered) for r in table.itertuples()}
    assert rows == {
        ("东校区", "class"): (1, 0),
        ("东校区", "dorm"): (1, 0),
        ("主校区", "class"): (1, 1),
        ("主校区", "dorm"): (2, 1),
        ("主校区", "branch"): (1, 1),
    }


def test_dorm_campus_grade_coverage() -> None:
    table = dorm_campus_grade_coverage(ASSIGNMENTS, TARGETS)
    grades = [None if pd.isna(g) else int(g) for g in table["grade"].tolist()]
    rows = {
        (campus, grade): (targets, covered)
        for campus, grade, targets, covered in zip(
            table["campus"], grades, table["targets"], table["covered"], strict=True
        )
    }
    assert rows == {("东校区", None): (1, 0), ("主校区", 2024): (1, 1), ("主校区", 2025): (1, 0)}
    figure = plot_dorm_campus_grade(table, labels="codes")
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == ["2024", "2025", "unknown"]


def test_heatmap_files_png_size() -> None:
    from planner.plan import Plan

    plan = Plan(
        status="OPTIMAL",
        assignments=ASSIGNMENTS,
        uncovered=UNCOVERED,
        changes=pd.DataFrame(),
        terms={},
        objective=0.0,
        bound=0.0,
        gap=0.0,
        solve_seconds=0.0,
        scenario={},
        scope="all",
        coverage=COVERAGE,
    )
    files = render_heatmaps(plan, TARGETS)
    assert list(files) == list(HEATMAP_FILES)
    for name, data in files.items():
        image = mpimg.imread(io.BytesIO(data), format="png")
        height, width = image.shape[:2]
        assert 400 <= width <= 2000 and 250 <= height <= 4000, (name, width, height)
    assert list(render_heatmaps(plan, None)) == [HEATMAP_FILES[0]]


# --- the PNG files (Pillow) ------------------------------------------------------------------


def test_png_colours_are_matplotlibs_colour_map() -> None:
    from matplotlib import colormaps

    reference = colormaps[heatmap_module.CMAP]
    for share in [i / 997 for i in range(998)]:
        expected = tuple(round(255 * c) for c in reference(share)[:3])
        assert png.rgb255(png.share_colour(share)) == expected, share
        assert png.text_colour(png.share_colour(share)) == (
            png.BLACK if is_light(reference(share)) else png.WHITE
        )


def test_png_shows_every_cell_in_its_colour() -> None:
    chart = college_kind_heatmap(COVERAGE)
    image = Image.open(io.BytesIO(png.render_png(chart, labels="codes"))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}
    targets, covered = chart.targets, chart.covered
    for i, j in zip(*targets.nonzero(), strict=True):
        assert png.rgb255(png.share_colour(covered[i, j] / targets[i, j])) in colours, (i, j)
    assert png.EMPTY in colours  # C02 has no society: a grey cell
    assert image.info["dpi"] == pytest.approx((png.DPI, png.DPI), abs=0.05)  # in dots per metre


def test_png_labels_follow_the_labels_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    chart = college_kind_heatmap(COVERAGE)
    codes = png.render_png(chart, labels="codes")
    assert png.render_png(chart, labels="codes") == codes  # the same bytes every time
    with pytest.raises(ValueError, match="labels must be"):
        png.render_png(chart, labels="chinese")
    monkeypatch.setattr(png, "cjk_file", lambda: None)  # no CJK font: codes, one warning
    monkeypatch.setattr(fonts, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert png.render_png(chart, labels="auto") == codes
        png.render_png(chart, labels="names")
    messages = [str(w.message) for w in caught if issubclass(w.category, fonts.FontWarning)]
    assert messages == [fonts.NO_CJK_FONT_MESSAGE]


def test_png_files_need_neither_matplotlib_nor_pandas() -> None:
    code = (
        "import sys, numpy as np\n"
        "from planner.plot.png import render_png\n"
        "from planner.plot.spec import Heatmap\n"
        "chart = Heatmap(np.array([[1, 0]]), np.array([[2, 0]]), [('甲', 'a')],"
        " [('乙', 'b'), ('丙', 'c')], ('t', 't'), ('x', 'x'), ('y', 'y'), ('c', 'c'))\n"
        "assert render_png(chart, labels='codes').startswith(b'\\x89PNG')\n"
        "print(sorted(m for m in ('matplotlib', 'pandas') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

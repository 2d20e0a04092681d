"""The heatmap PNG files of a plan folder, drawn with Pillow.

The charts are the ones :func:`planner.plot.heatmap.draw_heatmap` draws with matplotlib
for notebooks: the same :class:`~planner.plot.spec.Heatmap` data and texts, the same colour
map (:func:`share_colour`, matplotlib's ``YlOrRd_r``), the same black-or-white cell text and
grey empty cells. Drawn straight to pixels they take a few hundredths of a second each and
need neither matplotlib nor pandas, where matplotlib takes most of a second to import and a
fifth of a second per chart: for one college's ``planner plan`` that was most of the run.

Fonts are files: a CJK font for Chinese labels (the ones :mod:`planner.plot.fonts` knows,
found without matplotlib where possible) and DejaVu Sans, which matplotlib ships, for digits
and for charts without Chinese.
"""

from __future__ import annotations

import functools
import importlib.util
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from planner.plot.spec import DPI, Heatmap, is_light

PX = DPI / 72
"""Pixels per typographic point."""

YL_OR_RD = (
    (1.0, 1.0, 0.8),
    (1.0, 0.9294117647058824, 0.6274509803921569),
    (0.996078431372549, 0.8509803921568627, 0.4627450980392157),
    (0.996078431372549, 0.6980392156862745, 0.2980392156862745),
    (0.9921568627450981, 0.5529411764705883, 0.23529411764705882),
    (0.9882352941176471, 0.3058823529411765, 0.16470588235294117),
    (0.8901960784313725, 0.10196078431372549, 0.10980392156862745),
    (0.7411764705882353, 0.0, 0.14901960784313725),
    (0.5019607843137255, 0.0, 0.14901960784313725),
)
"""ColorBrewer's YlOrRd, the anchors of matplotlib's ``YlOrRd`` colour map."""

EMPTY = (217, 217, 217)
"""Colour of a cell without targets (``#d9d9d9``, as in the notebook charts)."""

DASH_COLOUR = (85, 85, 85)
"""Colour of the dash in a cell without targets (``#555555``)."""

BAR_STEPS = (0.2, 0.25, 0.5, 1.0)
"""Steps between the colour bar's labels, the finest that fits first."""

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def _lookup_table() -> np.ndarray:
    """``YlOrRd_r`` as matplotlib samples it: 256 colours, linear between the anchors."""
    anchors = np.array(YL_OR_RD[::-1])
    at = np.linspace(0.0, 1.0, len(anchors))
    x = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(x, at, anchors[:, c]) for c in range(3)], axis=1)


_LUT = _lookup_table()


NEUTRAL = (0.87, 0.91, 0.95)
"""Colour of a cell whose coverage is not counted (a pale blue-grey, off the red scale)."""


def share_colour(share: float) -> tuple[float, float, float]:
    """The colour of a cell whose share covered is ``share`` (0 dark red, 1 pale yellow)."""
    index = min(max(int(share * 256), 0), 255)
    red, green, blue = _LUT[index]
    return float(red), float(green), float(blue)


def text_colour(rgb: tuple[float, float, float]) -> tuple[int, int, int]:
    """Black on light cells, white on dark ones, as in the notebook charts."""
    return BLACK if is_light(rgb) else WHITE


def rgb255(colour: tuple[float, float, float]) -> tuple[int, int, int]:
    """A colour of 0–1 channels as the 0–255 channels a PNG pixel holds."""
    red, green, blue = (round(255 * c) for c in colour)
    return red, green, blue


# --------------------------------------------------------------------------------------------
# Fonts


@functools.cache
def dejavu_file() -> str:
    """DejaVu Sans, as shipped with matplotlib (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return str(path)
    from matplotlib import font_manager  # an unusual install: ask matplotlib

    return str(font_manager.findfont("DejaVu Sans"))


@functools.cache
def cjk_file() -> str | None:
    """A font file that can draw Chinese, or ``None`` (see :mod:`planner.plot.fonts`)."""
    from planner.plot import fonts

    for file in fonts.CJK_FONT_FILES:
        if Path(file).is_file():
            return file
    if fonts.cjk_font() is None:  # matplotlib's font list: slower, but knows every font
        return None
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=fonts.cjk_font()))
    return str(found) if found else None


@functools.cache
def _font(file: str, points: float) -> ImageFont.FreeTypeFont:
    # Basic layout: no text here needs shaping, and it is several times faster than Raqm.
    size = max(1, round(points * PX))
    return ImageFont.truetype(file, size=size, layout_engine=ImageFont.Layout.BASIC)


def use_chinese(labels: str) -> bool:
    """:func:`planner.plot.fonts.resolve_labels` for the PNG files: the font is looked for as
    a file, without loading matplotlib where a known font file exists."""
    from planner.plot.fonts import resolve_labels

    return resolve_labels(labels, font_found=lambda: cjk_file() is not None)


# --------------------------------------------------------------------------------------------
# Drawing


class _Canvas:
    """An RGB image with text drawn in one of two fonts, sizes in points."""

    def __init__(self, width: int, height: int, text_file: str) -> None:
        self.image = Image.new("RGB", (width, height), WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.text_file = text_file

    def font(self, points: float, digits: bool = False) -> ImageFont.FreeTypeFont:
        return _font(dejavu_file() if digits else self.text_file, points)

    def size(self, text: str, points: float, digits: bool = False) -> tuple[float, float]:
        """Width and height of ``text`` (lines included), pixels."""
        if not text:
            return 0.0, 0.0
        left, top, right, bottom = self.draw.multiline_textbbox(
            (0, 0), text, font=self.font(points, digits), spacing=_spacing(points), align="center"
        )
        return right - left, bottom - top

    def text(
        self,
        centre: tuple[float, float],
        text: str,
        points: float,
        colour: tuple[int, int, int] = BLACK,
        *,
        digits: bool = False,
        align: str = "center",
        anchor_x: str = "m",
    ) -> None:
        """Draw ``text`` centred vertically on ``centre``; horizontally by ``anchor_x``
        (``l`` left edge, ``m`` middle, ``r`` right edge at ``centre[0]``)."""
        if not text:
            return
        font = self.font(points, digits)
        spacing = _spacing(points)
        left, top, right, bottom = self.draw.multiline_textbbox(
            (0, 0), text, font=font, spacing=spacing, align=align
        )
        width, height = right - left, bottom - top
        x = {"l": centre[0], "m": centre[0] - width / 2, "r": centre[0] - width}[anchor_x]
        y = centre[1] - height / 2
        self.draw.multiline_text(
            (round(x - left), round(y - top)),
            text,
            fill=colour,
            font=font,
            spacing=spacing,
            align=align,
        )

    def vertical_text(self, centre: tuple[float, float], text: str, points: float) -> None:
        """Draw ``text`` turned a quarter left (reading upwards), centred on ``centre``."""
        width, height = self.size(text, points)
        if not width:
            return
        label = Image.new("RGB", (round(width) + 4, round(height) + 4), WHITE)
        _Canvas._onto(label, text, self.font(points), points)
        turned = label.rotate(90, expand=True)
        self.image.paste(
            turned,
            (round(centre[0] - turned.width / 2), round(centre[1] - turned.height / 2)),
        )

    @staticmethod
    def _onto(image: Image.Image, text: str, font: ImageFont.FreeTypeFont, points: float) -> None:
        draw = ImageDraw.Draw(image)
        left, top, _, _ = draw.multiline_textbbox((0, 0), text, font=font, spacing=_spacing(points))
        draw.multiline_text((2 - left, 2 - top), text, fill=BLACK, font=font)


def _spacing(points: float) -> int:
    return max(1, round(0.2 * points * PX))


def warm_up() -> None:
    """Find and load the fonts (a helper process does this before the charts are drawn)."""
    files = [dejavu_file(), *([cjk_file() or ""] if use_chinese("auto") else [])]
    for file in filter(None, files):
        for points in (9.0, 10.0, 12.0):
            _font(file, points)


def render_png(heatmap: Heatmap, *, labels: str = "auto") -> bytes:
    """``heatmap`` drawn as the bytes of a PNG file (``labels`` as for the notebook charts)."""
    chinese = use_chinese(labels)
    pick = 0 if chinese else 1
    text_file = (cjk_file() if chinese else None) or dejavu_file()
    texts = _Texts(
        rows=[label[pick] for label in heatmap.rows],
        cols=[label[pick] for label in heatmap.cols],
        title=heatmap.title[pick],
        xlabel=heatmap.xlabel[pick],
        ylabel=heatmap.ylabel[pick],
        bar=heatmap.colorbar_label[pick],
    )
    covered = np.asarray(heatmap.covered, dtype=float)
    targets = np.asarray(heatmap.targets, dtype=float)
    n_rows, n_cols = targets.shape
    # The same figure size as the notebook chart's (planner.plot.heatmap.new_axes).
    widest_row = max((len(s) for s in texts.rows), default=4) * 2
    width_in = min(2.8 + 0.09 * widest_row + 1.15 * max(n_cols, 1), 16.0)
    height_in = min(1.9 + 0.32 * max(n_rows, 1), 40.0)
    canvas = _Canvas(round(width_in * DPI), round(height_in * DPI), text_file)
    box = _Layout.of(canvas, texts, n_rows, n_cols)
    _cells(canvas, box, covered, targets, set(heatmap.neutral))
    _labels(canvas, box, texts)
    _colour_bar(canvas, box, texts)
    buffer = io.BytesIO()
    canvas.image.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


@dataclass(frozen=True)
class _Texts:
    """Every text of one chart, in the label set chosen."""

    rows: list[str]
    cols: list[str]
    title: str
    xlabel: str
    ylabel: str
    bar: str


TICK, LABEL, TITLE = 10.0, 10.0, 12.0
"""Font sizes (points) of tick labels, axis labels and the title."""


@dataclass(frozen=True)
class _Layout:
    """Where everything goes: the cell area, the texts around it and the colour bar (pixels)."""

    left: float
    right: float
    top: float
    bottom: float
    cell_w: float
    cell_h: float
    cell_points: float
    pad: float
    gap: float
    title_h: float
    xlabel_h: float
    ylabel_w: float
    col_h: float
    bar_label_w: float
    bar_title_w: float
    bar_w: int
    bar_gap: int

    @classmethod
    def of(cls, canvas: _Canvas, texts: _Texts, n_rows: int, n_cols: int) -> _Layout:
        """The layout that fits ``texts`` around ``n_rows`` × ``n_cols`` cells."""
        pad, gap = 0.05 * DPI, 6 * PX  # margin around everything; space between texts
        ylabel_w = canvas.size(texts.ylabel, LABEL)[1]
        xlabel_h = canvas.size(texts.xlabel, LABEL)[1]
        title_h = canvas.size(texts.title, TITLE)[1]
        row_w = max((canvas.size(r, TICK)[0] for r in texts.rows), default=0)
        col_h = max((canvas.size(c, TICK)[1] for c in texts.cols), default=0)
        bar_label_w = canvas.size("100%", TICK, digits=True)[0]
        bar_title_w = canvas.size(texts.bar, LABEL)[1]
        bar_w, bar_gap = round(0.16 * DPI), round(0.2 * DPI)
        left = pad + ylabel_w + gap + row_w + gap
        right = canvas.image.width - (pad + bar_title_w + gap + bar_label_w + gap + bar_w + bar_gap)
        top = pad + title_h + gap
        bottom = canvas.image.height - (pad + xlabel_h + gap + col_h + gap)
        return cls(
            left=left,
            right=right,
            top=top,
            bottom=bottom,
            cell_w=max((right - left) / max(n_cols, 1), 1.0),
            cell_h=max((bottom - top) / max(n_rows, 1), 1.0),
            cell_points=9.0 if n_rows <= 40 else 7.0,
            pad=pad,
            gap=gap,
            title_h=title_h,
            xlabel_h=xlabel_h,
            ylabel_w=ylabel_w,
            col_h=col_h,
            bar_label_w=bar_label_w,
            bar_title_w=bar_title_w,
            bar_w=bar_w,
            bar_gap=bar_gap,
        )


def _cells(
    canvas: _Canvas,
    at: _Layout,
    covered: np.ndarray,
    targets: np.ndarray,
    neutral: set[int] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Each cell in its colour with ``covered/targets`` (a dash without targets; the columns
    ``neutral`` in a neutral colour), then the white lines between the cells."""
    n_rows, n_cols = targets.shape
    for i in range(n_rows):
        for j in range(n_cols):
            box = (
                round(at.left + j * at.cell_w),
                round(at.top + i * at.cell_h),
                round(at.left + (j + 1) * at.cell_w) - 1,
                round(at.top + (i + 1) * at.cell_h) - 1,
            )
            middle = ((box[0] + box[2] + 1) / 2, (box[1] + box[3] + 1) / 2)
            if targets[i, j] > 0:
                colour = NEUTRAL if j in neutral else share_colour(covered[i, j] / targets[i, j])
                canvas.draw.rectangle(box, fill=rgb255(colour))
                text = f"{int(covered[i, j])}/{int(targets[i, j])}"
                canvas.text(middle, text, at.cell_points, text_colour(colour), digits=True)
            else:
                canvas.draw.rectangle(box, fill=EMPTY)
                canvas.text(middle, "—", at.cell_points, DASH_COLOUR, digits=True)
    line = max(1, round(1.5 * PX))  # the white lines between cells
    for j in range(1, n_cols):
        x = round(at.left + j * at.cell_w)
        canvas.draw.line([(x, round(at.top)), (x, round(at.bottom))], fill=WHITE, width=line)
    for i in range(1, n_rows):
        y = round(at.top + i * at.cell_h)
        canvas.draw.line([(round(at.left), y), (round(at.right), y)], fill=WHITE, width=line)


def _labels(canvas: _Canvas, at: _Layout, texts: _Texts) -> None:
    """Row and column labels, the title and the axis labels."""
    for i, text in enumerate(texts.rows):
        canvas.text((at.left - at.gap, at.top + (i + 0.5) * at.cell_h), text, TICK, anchor_x="r")
    for j, text in enumerate(texts.cols):
        canvas.text(
            (at.left + (j + 0.5) * at.cell_w, at.bottom + at.gap + at.col_h / 2), text, TICK
        )
    middle_x, middle_y = (at.left + at.right) / 2, (at.top + at.bottom) / 2
    canvas.text((middle_x, at.pad + at.title_h / 2), texts.title, TITLE)
    below = at.bottom + at.gap + at.col_h + at.gap + at.xlabel_h / 2
    canvas.text((middle_x, below), texts.xlabel, LABEL)
    canvas.vertical_text((at.pad + at.ylabel_w / 2, middle_y), texts.ylabel, LABEL)


def _colour_bar(canvas: _Canvas, at: _Layout, texts: _Texts) -> None:
    """The colour bar: the map from 0 % (bottom) to 100 % (top), ticks as many as fit."""
    bar_left = round(at.right + at.bar_gap)
    top, bottom = round(at.top), round(at.bottom)
    height = max(bottom - top, 1)
    shares = np.linspace(1.0, 0.0, height)
    column = np.array([rgb255(share_colour(s)) for s in shares], dtype=np.uint8)
    strip = np.repeat(column[:, None, :], at.bar_w, axis=1)
    canvas.image.paste(Image.fromarray(strip, "RGB"), (bar_left, top))
    room = height / (1.8 * canvas.size("0%", TICK, digits=True)[1])  # label heights that fit
    step = next((s for s in BAR_STEPS if 1 / s <= room), BAR_STEPS[-1])
    for k in range(round(1 / step) + 1):
        share = k * step
        y = bottom - share * (bottom - top)
        x = bar_left + at.bar_w
        canvas.draw.line([(x, y), (x + round(3.5 * PX), y)], fill=BLACK, width=1)
        text = f"{round(100 * share)}%"
        canvas.text((x + round(3.5 * PX) + at.gap / 2, y), text, TICK, digits=True, anchor_x="l")
    title_x = bar_left + at.bar_w + at.gap + at.bar_label_w + at.gap + at.bar_title_w / 2
    canvas.vertical_text((title_x, (at.top + at.bottom) / 2), texts.bar, LABEL)

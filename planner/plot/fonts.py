"""Finding a font that can draw Chinese labels.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs: Chinese text comes out as empty
boxes. :func:`cjk_font` looks for a font that has them; when there is none, charts fall back
to college codes and English labels, and :func:`warn_no_cjk_font` says so once per process.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path

CJK_FONT_NAMES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)
"""Font family names that can draw simplified Chinese, most wanted first."""

CJK_FONT_FILES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
"""Files tried when matplotlib's font cache predates the font's installation."""

NO_CJK_FONT_MESSAGE = (
    "No Chinese font found; chart labels use college codes. Install fonts-wqy-microhei."
)


class FontWarning(UserWarning):
    """No font able to draw Chinese was found; charts use codes and English instead."""


_warned = False


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed font that can draw Chinese, or ``None``.

    Looks in matplotlib's font list first, then registers well-known font files that the
    (possibly stale) font cache does not know yet. The answer is cached for the process.
    """
    from matplotlib import font_manager  # only here: the PNG files need no matplotlib

    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONT_NAMES:
        if name in known:
            return name
    for file in CJK_FONT_FILES:
        path = Path(file)
        if not path.is_file():
            continue
        try:
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        if name:
            return name
    return None


def warn_no_cjk_font() -> None:
    """Warn (a :class:`FontWarning`, once per process) that charts fall back to codes."""
    global _warned
    if _warned:
        return
    _warned = True
    warnings.warn(NO_CJK_FONT_MESSAGE, FontWarning, stacklevel=3)


def font_family(use_cjk: bool) -> list[str]:
    """The font family list for chart text: the CJK font (if wanted and found), then DejaVu.

    Matplotlib falls back glyph by glyph along the list, so any character the CJK font lacks
    still comes from DejaVu Sans.
    """
    font = cjk_font() if use_cjk else None
    return [font, "DejaVu Sans"] if font else ["DejaVu Sans"]


def user_text_family() -> list[str]:
    """Fonts for texts the user chose, such as plan labels: Chinese whenever a CJK font exists,
    whatever a chart's ``labels`` says."""
    return font_family(cjk_font() is not None)


def resolve_labels(labels: str, font_found: Callable[[], bool] | None = None) -> bool:
    """Whether a chart should show Chinese names, for ``labels`` = ``auto``/``names``/``codes``.

    ``codes`` never uses Chinese (reproducible output whatever fonts are installed); ``auto``
    and ``names`` use Chinese when a CJK font exists, and otherwise warn once and use codes.
    ``font_found`` says whether one exists (default: matplotlib's font list has one).
    """
    if labels not in ("auto", "names", "codes"):
        raise ValueError(f"labels must be 'auto', 'names' or 'codes', not {labels!r}")
    if labels == "codes":
        return False
    if not (font_found() if font_found else cjk_font() is not None):
        warn_no_cjk_font()
        return False
    return True

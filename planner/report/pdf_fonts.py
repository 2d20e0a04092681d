"""Fonts for Chinese PDFs: an installed CJK TrueType font, embedded, or a built-in fallback.

:func:`pdf_font` embeds (a subset of) an installed CJK TrueType font (Debian's
``fonts-wqy-microhei``, else Noto/Source Han TrueType files), so the file prints the same
everywhere; without one it falls back to reportlab's built-in CID font ``STSong-Light`` (not
embedded: every PDF reader has a substitute for it) and says so once per process
(:class:`PdfFontWarning`).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from planner.i18n import gettext as _

CID_FONT = "STSong-Light"
"""reportlab's built-in simplified Chinese font: the fallback when no CJK font is installed."""

FONT_FILES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/noto/NotoSerifSC-Regular.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
)
"""CJK font files tried in order, with the index of the simplified Chinese face in a ``.ttc``.

Only TrueType outlines can be embedded by reportlab; a file with PostScript outlines (Debian's
Noto CJK ``.ttc`` is one) is skipped and the next is tried.
"""


class PdfFontWarning(UserWarning):
    """No CJK TrueType font is installed; PDFs use the built-in, not embedded, STSong-Light."""


@dataclass(frozen=True)
class PdfFont:
    """The font a document is set in."""

    name: str
    """Its name in reportlab's font registry."""
    embedded: bool
    """True for an installed TrueType font embedded in the file; False for STSong-Light."""
    source: str
    """The font file, or ``STSong-Light``."""


_warned = False


def pdf_font(font: str | Path | None = None) -> PdfFont:
    """The font for Chinese text: ``None`` finds one (see the module docstring), ``"cid"``
    forces the built-in STSong-Light, a path names a TrueType file (``.ttf``/``.ttc``).

    Raises :class:`ValueError` when a named file cannot be used.
    """
    if font is None:
        for path, index in FONT_FILES:
            found = _truetype(path, index)
            if found is not None:
                return found
        _warn_fallback()
        return _cid()
    if str(font) == "cid":
        return _cid()
    found = _truetype(str(font), 0)
    if found is None:
        raise ValueError(f"{font}: not a TrueType font file reportlab can embed")
    return found


@functools.cache
def _truetype(path: str, index: int) -> PdfFont | None:
    """Register ``path`` (face ``index``) once; None when it is missing or unusable."""
    if not Path(path).is_file():
        return None
    name = f"planner-{Path(path).stem}-{index}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except (TTFError, OSError, ValueError, KeyError, IndexError):
        return None
    return PdfFont(name, True, path)


@functools.cache
def _cid() -> PdfFont:
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return PdfFont(CID_FONT, False, CID_FONT)


def _warn_fallback() -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            _(
                "No Chinese TrueType font found; the PDF uses the built-in font STSong-Light, "
                "which is not embedded. Install fonts-wqy-microhei to embed one."
            ),
            PdfFontWarning,
            stacklevel=4,
        )

"""The look of the printed documents: colours, paragraph styles, and text made safe for them.

Used by :mod:`planner.report.pdf`; kept apart so the builder stays about blocks and pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

INK = colors.HexColor("#1F1F1F")
GREY = colors.HexColor("#666666")
RULE = colors.HexColor("#9AA5B1")
HEADER_FILL = colors.HexColor("#DDEBF7")
"""The header colour of the workbook's sheets, so the printouts look like one family."""
STRIPE_FILL = colors.HexColor("#F5F8FC")
FIGURE_FILL = colors.HexColor("#EEF3F9")

ALIGNMENTS = {"L": TA_LEFT, "C": TA_CENTER, "R": TA_RIGHT}


def text(value: object) -> str:
    """``value`` as paragraph text: markup characters escaped, line breaks kept."""
    if value is None:
        return ""
    return escape(str(value)).replace("\n", "<br/>")


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one document, all in its font."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    small_centred: ParagraphStyle
    small_right: ParagraphStyle
    body_right: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    value: ParagraphStyle
    label: ParagraphStyle

    @classmethod
    def for_font(cls, font: str, *, chinese: bool = True) -> Styles:
        """The styles set in ``font``: Chinese line breaking (at any character) for a Chinese
        document; for another language, breaks between words, and inside a word (a Chinese
        name, say) only when it is longer than the line."""

        def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
            base: dict[str, Any] = {
                "fontName": font,
                "fontSize": size,
                "leading": size * 1.45,
                "textColor": INK,
                "wordWrap": "CJK" if chinese else None,
                "splitLongWords": True,
                "bulletFontName": font,
            }
            return ParagraphStyle(name, **(base | extra))

        return cls(
            title=style("title", 18, alignment=TA_CENTER, spaceAfter=2 * mm),
            subtitle=style("subtitle", 11, alignment=TA_CENTER, textColor=GREY),
            heading=style(
                "heading", 12.5, spaceBefore=3.5 * mm, spaceAfter=1.5 * mm, keepWithNext=1
            ),
            body=style("body", 10.5, spaceAfter=1.5 * mm),
            small=style("small", 8.5, textColor=GREY),
            small_centred=style("small_centred", 8.5, textColor=GREY, alignment=TA_CENTER),
            small_right=style("small_right", 8.5, textColor=GREY, alignment=TA_RIGHT),
            body_right=style("body_right", 10.5, alignment=TA_RIGHT),
            cell=style("cell", 9, leading=12.5),
            head=style("head", 9, leading=12.5),
            value=style("value", 16, alignment=TA_CENTER, leading=20),
            label=style("label", 9, alignment=TA_CENTER, leading=12),
        )

"""A small builder of printable A4 documents in Chinese (or English), on reportlab.

Blocks are added in reading order; the document flows them onto pages, repeats a table's
header row on every page it spans, and puts the title, a footer line (a plan's hash, say) and
"第 2 页，共 5 页" at the foot of every page::

    from planner.report.pdf import Document

    doc = Document("领导干部联系学生安排审批表", footer="方案指纹 SHA-256：3f2a…")
    doc.title_block("领导干部联系学生安排审批表", subtitle="暨党发〔2019〕47号",
                    lines=["2026—2027学年第一学期"])
    doc.key_figures([("班级覆盖", "118 / 120", "98.3%"), ("未覆盖", "2", "")])
    doc.heading("各学院汇总")
    doc.table(["学院", "联系人"], [["法学院（C01）", 58]], widths=[3, 1], align="LR")
    doc.image(png_bytes, caption="各学院覆盖情况")
    doc.signatures(["学生处"], opinion="审批意见：")
    doc.save(path)                     # atomic; doc.render() gives the bytes

Every text given to a block is plain text: ``<``, ``&`` and line breaks are shown as typed
(names from rosters are never read as markup). Long Chinese text wraps at any character, as
Chinese typesetting does, also inside table cells.

Fonts. Chinese needs a font with its glyphs: an installed CJK TrueType font is embedded, else
reportlab's built-in STSong-Light is used, and that is said once (see
:mod:`planner.report.pdf_fonts`).

Output is deterministic: the same blocks give the same bytes (no creation time or random
document id is written).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from planner.i18n import current_language, use_language
from planner.i18n import gettext as _
from planner.report.pdf_fonts import pdf_font
from planner.report.pdf_styles import (
    ALIGNMENTS,
    FIGURE_FILL,
    GREY,
    HEADER_FILL,
    INK,
    RULE,
    STRIPE_FILL,
    Styles,
    text,
)

PAGE_SIZE = A4
"""Every document is A4 portrait, what Chinese offices print on."""

MARGINS_MM = (20.0, 18.0, 20.0, 22.0)
"""Top, right, bottom, left margins in millimetres (the left one leaves room to bind)."""

FRAME_PADDING = 6.0
"""Points between the margins and the text (reportlab's frame padding, on every side)."""


class Document:
    """One A4 document being built; add blocks, then :meth:`render` or :meth:`save`.

    The words the builder adds itself (page numbers, 签字 / 日期 / 盖章) are in the language
    of the context the document was made in.

    ``title`` is the PDF's title and is repeated at the foot of every page with the page
    number; ``footer`` is a second footer line (e.g. the plan's hash); ``font`` is passed to
    :func:`pdf_font`.
    """

    def __init__(
        self,
        title: str,
        *,
        footer: str = "",
        author: str = "",
        font: str | Path | None = None,
    ) -> None:
        self.title = title
        self.language = current_language()
        """The language of the words the builder adds itself (page numbers, 签字…)."""
        self.footer = footer
        self.author = author
        self.font = pdf_font(font)
        self.styles = Styles.for_font(self.font.name, chinese=self.language == "zh")
        self.story: list[Flowable] = []
        top, right, bottom, left = (m * mm for m in MARGINS_MM)
        self.margins = (top, right, bottom, left)
        self.width = PAGE_SIZE[0] - left - right - 2 * FRAME_PADDING
        """Width of the text area, in points."""
        self.height = PAGE_SIZE[1] - top - bottom - 2 * FRAME_PADDING
        """Height of the text area of a page, in points."""

    # ---------------------------------------------------------------- text blocks

    def title_block(
        self, title: str, *, subtitle: str = "", lines: Sequence[str] = (), compact: bool = False
    ) -> None:
        """The document's title, centred, with a subtitle and short lines under it;
        ``compact`` sets the title smaller (a page that must hold much)."""
        style = self.styles.title
        if compact:
            style = ParagraphStyle("title_compact", parent=style, fontSize=14, leading=18)
        self.story.append(Paragraph(text(title), style))
        if subtitle:
            self.story.append(Paragraph(text(subtitle), self.styles.subtitle))
        for line in lines:
            self.story.append(Paragraph(text(line), self.styles.subtitle))
        self.story.append(Spacer(1, (1.5 if compact else 4) * mm))

    def heading(self, value: str) -> None:
        """A section heading (kept on the page of what follows it)."""
        self.story.append(Paragraph(text(value), self.styles.heading))

    def paragraph(self, value: str, *, small: bool = False, compact: bool = False) -> None:
        """A paragraph of plain text; ``small`` sets it as a grey note, ``compact`` in the
        size of table cells (to keep a page to one page)."""
        style = self.styles.small if small else self.styles.cell if compact else self.styles.body
        self.story.append(Paragraph(text(value), style))

    def paragraph_right(self, value: str) -> None:
        """A paragraph set flush right (a letter's sender and date)."""
        self.story.append(Paragraph(text(value), self.styles.body_right))

    def numbered(self, items: Sequence[str], *, compact: bool = False) -> None:
        """A numbered list: ``1. …`` with the text of each item hanging under its first line;
        ``compact`` sets it smaller and closer (a long list that must stay on one page)."""
        parent = self.styles.cell if compact else self.styles.body
        style = ParagraphStyle(
            "numbered",
            parent=parent,
            leftIndent=7 * mm,
            spaceAfter=0.8 * mm if compact else 1.5 * mm,
        )
        for number, item in enumerate(items, 1):
            self.story.append(
                Paragraph(text(item), style, bulletText=f"{number}.")  # bullet in the indent
            )

    def story_height(self, start: int = 0) -> float:
        """The height in points the blocks from ``start`` on take, set one after another
        (to choose a tighter layout for what must stay on one page)."""
        total = 0.0
        for block in self.story[start:]:
            _width, height = block.wrap(self.width, self.height)
            total += height + block.getSpaceBefore() + block.getSpaceAfter()
        return total

    def spacer(self, height_mm: float = 4.0) -> None:
        """Vertical space."""
        self.story.append(Spacer(1, height_mm * mm))

    def page_break(self) -> None:
        """Start a new page."""
        self.story.append(PageBreak())

    # ---------------------------------------------------------------- figures and tables

    def key_figures(self, figures: Sequence[tuple[str, str, str]], *, columns: int = 4) -> None:
        """Boxes of key figures, ``columns`` to a row: each ``(label, value, note)``.

        The value is set large, the label under it, the note (e.g. a share) smaller still.
        """
        if not figures:
            return
        cells = [
            [
                Paragraph(text(value), self.styles.value),
                Paragraph(text(label), self.styles.label),
                *([Paragraph(text(note), self.styles.small_centred)] if note else []),
            ]
            for label, value, note in figures
        ]
        rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
        missing = columns - len(rows[-1])
        rows[-1] = rows[-1] + [[]] * missing
        table = Table(rows, colWidths=[self.width / columns] * columns)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), FIGURE_FILL),
                    ("BACKGROUND", (columns - missing, -1), (-1, -1), colors.white),
                    ("GRID", (0, 0), (-1, -1), 4, colors.white),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ]
            )
        )
        self.story.append(table)

    def fields(self, pairs: Sequence[tuple[str, str]], *, columns: int = 2) -> None:
        """A boxed form of ``(label, value)`` pairs, ``columns`` pairs to a row."""
        if not pairs:
            return
        cells: list[Any] = []
        for label, value in pairs:
            cells += [
                Paragraph(text(label), self.styles.head),
                Paragraph(text(value), self.styles.cell),
            ]
        per_row = 2 * columns
        rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        rows[-1] = rows[-1] + [""] * (per_row - len(rows[-1]))
        label_width = min(24 * mm, self.width / per_row)
        value_width = (self.width - columns * label_width) / columns
        table = Table(rows, colWidths=[label_width, value_width] * columns)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        style += [("BACKGROUND", (2 * c, 0), (2 * c, -1), HEADER_FILL) for c in range(columns)]
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        widths: Sequence[float] | None = None,
        align: str = "",
        empty: str = "",
        compact: bool = False,
    ) -> None:
        """A table that splits across pages, its header row repeated on each.

        ``widths`` are relative column widths (default: equal); ``align`` one letter per
        column, ``L``/``C``/``R`` (default left); cell text wraps. With no rows, ``empty`` is
        shown as a paragraph instead (nothing when it is empty too). ``compact`` sets a table
        of many narrow columns smaller and closer, so short headers stay on one line.
        """
        body = [list(row) for row in rows]
        if not body:
            if empty:
                self.paragraph(empty)
            return
        n = len(header)
        weights = list(widths) if widths else [1.0] * n
        col_widths = [self.width * w / sum(weights) for w in weights]
        size = {"fontSize": 8, "leading": 11} if compact else {}
        cell_styles = [
            ParagraphStyle(
                f"cell{j}",
                parent=self.styles.cell,
                alignment=ALIGNMENTS[(align + "L" * n)[j]],
                **size,
            )
            for j in range(n)
        ]
        head_style = ParagraphStyle("head", parent=self.styles.head, **size)
        head = [Paragraph(text(h), head_style) for h in header]
        data: list[list[Any]] = [head]
        for row in body:
            data.append([Paragraph(text(value), cell_styles[j]) for j, value in enumerate(row[:n])])
        table = Table(data, colWidths=col_widths, repeatRows=1, splitByRow=True)
        style: list[Any] = [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if compact:
            style += [("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
        style += [("BACKGROUND", (0, r), (-1, r), STRIPE_FILL) for r in range(2, len(data), 2)]
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def image(
        self,
        data: bytes | Path,
        *,
        caption: str = "",
        max_width: float = 1.0,
        max_height: float = 0.42,
    ) -> None:
        """A picture (PNG or JPEG bytes, or a file), scaled to at most ``max_width`` of the
        text width and ``max_height`` of the text height, centred, with a caption under it."""
        raw = data.read_bytes() if isinstance(data, Path) else data
        width, height = ImageReader(io.BytesIO(raw)).getSize()
        scale = min(self.width * max_width / width, self.height * max_height / height)
        picture = Image(io.BytesIO(raw), width=width * scale, height=height * scale)
        parts: list[Flowable] = [picture]
        if caption:
            parts.append(Paragraph(text(caption), self.styles.small_centred))
        parts.append(Spacer(1, 3 * mm))
        self.story.append(KeepTogether(parts))

    # ---------------------------------------------------------------- signing

    def signatures(self, parties: Sequence[str], *, opinion: str = "", seal: bool = True) -> None:
        """Signature lines, one block per party (签字 / 日期 / 盖章), all on one page.

        ``opinion`` (e.g. "审批意见：") adds a box above each block to write an opinion in;
        ``seal=False`` leaves out the space for the seal (a person signs alone).
        """
        parts: list[Flowable] = []
        for party in parties:
            parts.append(Spacer(1, 5 * mm))
            if opinion:
                parts.append(self._opinion_box(opinion))
                parts.append(Spacer(1, 3 * mm))
            parts.append(self._signature_table(party, seal))
        self.story.append(KeepTogether(parts))  # every party signs on the same page

    def signature_line(self, *, height_mm: float = 14.0) -> None:
        """One line to sign and date (签字 / 日期), for a person signing alone (a receipt),
        ``height_mm`` high (room above the line to sign in)."""
        table = self._signature_table("", seal=False, heading=False)
        table._argH = [height_mm * mm]  # reportlab keeps the row heights here
        self.story.append(table)

    def _date_blank(self, width: float) -> Flowable | str:
        """Where a date is written by hand: "　　年　　月　　日" in Chinese (fixed cells, so it
        looks the same in every font), a plain line in another language."""
        if self.language != "zh":
            return ""
        cells = ["", "年", "", "月", "", "日"]
        unit = min(width / 8, 12 * mm)
        blank = Table(
            [[Paragraph(c, self.styles.body) for c in cells]],
            colWidths=[2 * unit, unit, unit, unit, unit, unit],
            hAlign="RIGHT",
        )
        blank.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ]
            )
        )
        return blank

    def cut_line(self, label: str) -> None:
        """A dashed line across the page to cut along, with ``label`` (e.g. "回执") under it."""
        line = Table([[""]], colWidths=[self.width], rowHeights=[3 * mm])
        line.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.6, GREY, None, (3, 3))]))
        self.story.append(line)
        self.story.append(Spacer(1, 2 * mm))
        self.story.append(Paragraph(text(label), self.styles.body))

    def _opinion_box(self, label: str) -> Table:
        box = Table(
            [[Paragraph(text(label), self.styles.body)]],
            colWidths=[self.width],
            rowHeights=[32 * mm],
        )
        box.setStyle(
            TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")])
        )
        return box

    def _signature_table(self, party: str, seal: bool, *, heading: bool = True) -> Table:
        """``party`` on top (unless not ``heading``); 签字 and 日期 on lines below; a space for
        the seal on the right (if ``seal``)."""
        body = self.styles.body
        sign, date = _("Signature:"), _("Date:")
        label = max(pdfmetrics.stringWidth(t, self.font.name, body.fontSize) for t in (sign, date))
        label += 14  # the cell's padding, 6 points each side, and a little air
        seal_width = 40 * mm if seal else 0.0
        line = (self.width - seal_width - 2 * label - 6 * mm) / 2
        widths = [label, line, label, line, 6 * mm, seal_width]
        rows = [
            [Paragraph(text(party), self.styles.heading), "", "", "", "", ""],
            [
                Paragraph(text(sign), body),
                "",
                Paragraph(text(date), body),
                self._date_blank(line),
                "",
                "",
            ],
        ]
        style: list[Any] = [
            ("SPAN", (0, 0), (3, 0)),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LINEBELOW", (1, 1), (1, 1), 0.6, INK),
            ("LINEBELOW", (3, 1), (3, 1), 0.6, INK),
        ]
        if seal:
            rows[0][5] = Paragraph(text(_("(Seal)")), self.styles.small_centred)
            style += [
                ("SPAN", (5, 0), (5, 1)),
                ("BOX", (5, 0), (5, 1), 0.4, RULE, None, (2, 2)),
                ("VALIGN", (5, 0), (5, 1), "MIDDLE"),
            ]
        else:
            rows = [row[:5] for row in rows]
            widths = widths[:5]
        heights = [14 * mm, 14 * mm]
        if not heading:  # the signing line alone: row 1 becomes row 0
            rows, heights = rows[1:], heights[1:]
            style = [("VALIGN", (0, 0), (-1, -1), "BOTTOM")] + [
                ("LINEBELOW", (c, 0), (c, 0), 0.6, INK) for c in (1, 3)
            ]
        table = Table(rows, colWidths=widths, rowHeights=heights)
        table.setStyle(TableStyle(style))
        return table

    # ---------------------------------------------------------------- output

    def render(self) -> bytes:
        """The PDF file's bytes."""
        buffer = io.BytesIO()
        top, right, bottom, left = self.margins
        template = SimpleDocTemplate(
            buffer,
            pagesize=PAGE_SIZE,
            topMargin=top,
            rightMargin=right,
            bottomMargin=bottom,
            leftMargin=left,
            title=self.title,
            author=self.author,
            creator="planner",
            invariant=True,
        )
        with use_language(self.language):  # the footers are drawn now
            template.build(list(self.story), canvasmaker=self._canvas_class())
        return buffer.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the PDF to ``path`` atomically (see :func:`write_bytes_atomic`)."""
        return write_bytes_atomic(Path(path), self.render())

    def _canvas_class(self) -> type[Canvas]:
        """A canvas that holds its pages back until it knows their number, then draws each
        page's footer ("第 2 页，共 5 页") before writing it."""
        document = self

        class FooterCanvas(Canvas):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._held: list[dict[str, Any]] = []

            def showPage(self) -> None:
                self._held.append(dict(self.__dict__))
                self._startPage()

            def save(self) -> None:
                total = len(self._held)
                for state in self._held:
                    self.__dict__.update(state)
                    document.draw_footer(self, total)
                    super().showPage()
                super().save()

        return FooterCanvas

    def draw_footer(self, canvas: Canvas, total: int) -> None:
        """The foot of the current page: a rule, the title and the page number, the footer."""
        _top, right, bottom, left = self.margins
        x_right = PAGE_SIZE[0] - right
        y = bottom - 7 * mm
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(left, y + 4 * mm, x_right, y + 4 * mm)
        canvas.setFillColor(GREY)
        canvas.setFont(self.font.name, 8)
        canvas.drawString(left, y, self.title)
        page = _("Page {page} of {total}").format(page=canvas.getPageNumber(), total=total)
        canvas.drawRightString(x_right, y, page)
        if self.footer:
            canvas.setFont(self.font.name, 7)
            canvas.drawString(left, y - 4 * mm, self.footer)
        canvas.restoreState()


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one.

    The bytes go to a hidden temporary file in the same folder, then replace ``path`` in one
    rename; on any failure the temporary file is removed and ``path`` is unchanged.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path

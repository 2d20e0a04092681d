"""The PDF document builder: Chinese that renders with either font, tables that split with
their header, page numbers and footer, no overflow, same bytes, atomic writing."""

from __future__ import annotations

import io
import os
import subprocess
import warnings
from pathlib import Path

import pytest
from PIL import Image
from printed import flat, ink, needs_poppler, page_count, pages_text, render, save, words

from planner.i18n import use_language
from planner.report import pdf as pdfmod
from planner.report import pdf_fonts
from planner.report.pdf import Document, write_bytes_atomic
from planner.report.pdf_fonts import PdfFontWarning, pdf_font

pytestmark = needs_poppler

LONG = "这是一段很长的原因说明，用来检查表格单元格中的中文能否自动换行而不超出单元格的边界" * 2


def _sample(font: str | None = None, rows: int = 120) -> Document:
    with use_language("zh"):
        doc = Document("联系学生安排审批表", footer="方案指纹 SHA-256：" + "ab" * 32, font=font)
        doc.title_block("联系学生安排审批表", subtitle="暨党发〔2019〕47号", lines=["学期"])
        doc.key_figures([("有联系人的班级", "118 / 120", "98.3%"), ("跨校区联系", "6", "")])
        doc.heading("各学院汇总")
        doc.table(
            ["编号", "学院", "原因"],
            [[f"R{i:03d}", f"法学院（C{i % 7:02d}）", LONG] for i in range(rows)],
            widths=[1, 2, 6],
            align="LLL",
        )
        doc.paragraph("<b>不是标记</b> & 照原样显示")
        doc.signatures(["学生处"], opinion="审批意见：")
    return doc


def test_chinese_is_embedded_and_every_page_renders(tmp_path: Path) -> None:
    font = pdf_font()
    if not font.embedded:
        pytest.skip("no CJK TrueType font installed (fonts-wqy-microhei)")
    with use_language("zh"):
        pdf = save(_sample().render(), tmp_path)
    raw = pdf.read_bytes()
    assert b"/FontFile2" in raw  # the TrueType font travels inside the file
    pages = pages_text(pdf)
    assert len(pages) == page_count(pdf) >= 3
    text = flat("".join(pages))
    for expected in (
        "联系学生安排审批表",
        "暨党发〔2019〕47号",
        "各学院汇总",
        "审批意见：",
        "签字：",
        "日期：",
        "（盖章）",
    ):
        assert expected in text, expected
    images = render(pdf, tmp_path)
    assert len(images) == len(pages)
    assert all(ink(png) > 0.01 for png in images)


def test_without_a_cjk_font_the_builtin_font_is_used_and_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_fonts, "FONT_FILES", ())
    monkeypatch.setattr(pdf_fonts, "_warned", False)
    with pytest.warns(PdfFontWarning, match="STSong-Light"):
        font = pdf_font()
    assert (font.name, font.embedded) == ("STSong-Light", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: a second document does not warn again
        pdf = save(_sample(rows=30).render(), tmp_path)
    raw = pdf.read_bytes()
    assert b"STSong-Light" in raw and b"/FontFile2" not in raw
    text = flat("".join(pages_text(pdf)))
    assert "联系学生安排审批表" in text and "法学院（C03）" in text
    images = render(pdf, tmp_path, resolution=60)
    assert all(ink(png) > 0.01 for png in images)  # the viewer's substitute draws the glyphs


def test_forced_fallback_and_a_bad_font_file(tmp_path: Path) -> None:
    assert pdf_font("cid").name == "STSong-Light"
    bad = tmp_path / "not-a-font.ttf"
    bad.write_bytes(b"nothing")
    with pytest.raises(ValueError, match="not a TrueType font"):
        pdf_font(bad)


def test_a_long_table_repeats_its_header_and_nothing_leaves_the_page(tmp_path: Path) -> None:
    pdf = save(_sample(rows=120).render(), tmp_path)
    pages = pages_text(pdf)
    assert len(pages) >= 4
    table_pages = [p for p in pages if "R0" in p or "R1" in p]
    assert len(table_pages) >= 3
    for page in table_pages:
        assert "编号" in page and "原因" in page  # the header row on every page of the table
    text = "".join(pages)
    for i in range(120):
        assert text.count(f"R{i:03d}") == 1
    found, (width, height) = words(pdf)
    left, right = pdfmod.MARGINS_MM[3] * 72 / 25.4, pdfmod.MARGINS_MM[1] * 72 / 25.4
    assert found
    for word in found:  # wrapped inside the text area: nothing runs into the margin
        assert word.x_min >= left - 1 and word.x_max <= width - right + 1, word
        assert word.y_min >= 0 and word.y_max <= height


def test_page_numbers_and_footer_on_every_page(tmp_path: Path) -> None:
    pdf = save(_sample(rows=60).render(), tmp_path)
    pages = pages_text(pdf)
    for number, page in enumerate(pages, 1):
        assert f"第{number}页，共{len(pages)}页" in flat(page)
        assert "ab" * 32 in flat(page)


def test_text_is_never_read_as_markup(tmp_path: Path) -> None:
    pdf = save(_sample(rows=1).render(), tmp_path)
    assert "<b>不是标记</b>&照原样显示" in flat("".join(pages_text(pdf)))


def test_english_words_of_the_builder(tmp_path: Path) -> None:
    with use_language("en"):
        doc = Document("Approval form")
        doc.signatures(["Student Affairs Office"])
        pdf = save(doc.render(), tmp_path)
    text = "".join(pages_text(pdf))
    assert "Signature:" in text and "Date:" in text and "(Seal)" in text
    assert "Page 1 of 1" in text


def test_pictures_are_scaled_into_the_page(tmp_path: Path) -> None:
    wide = io.BytesIO()
    Image.new("RGB", (4000, 500), "red").save(wide, format="PNG")
    doc = Document("图")
    doc.image(wide.getvalue(), caption="很宽的图")
    pdf = save(doc.render(), tmp_path)
    assert page_count(pdf) == 1
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert " 4000 " in listing and " 500 " in listing
    (png,) = render(pdf, tmp_path)
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        row = [rgb.getpixel((x, y)) for y in range(rgb.height) for x in (0, rgb.width - 1)]
    assert all(pixel == (255, 255, 255) for pixel in row)  # the picture stays off the edges


def test_the_same_blocks_give_the_same_bytes() -> None:
    assert _sample(rows=10).render() == _sample(rows=10).render()


def test_saving_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "pack.pdf"
    assert _sample(rows=5).save(target) == target
    before = target.read_bytes()
    assert before.startswith(b"%PDF")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_bytes_atomic(target, b"%PDF-new")
    assert target.read_bytes() == before  # the old file, whole
    assert sorted(p.name for p in target.parent.iterdir()) == ["pack.pdf"]  # no leftovers

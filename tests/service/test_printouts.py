"""A plan's printed pages as downloads (SQLite and PostgreSQL): the approval pack for the SAO
and viewers, a college's filing copy and its letters for the college itself, and nothing of
another college for a college secretary."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from printed import flat, needs_poppler, page_count, pages_text
from sqlalchemy import select

from planner.service.plans.models import Assignment

from .conftest import Service

pytestmark = needs_poppler


def _cadres(service: Service, college: str) -> int:
    with service.db.session() as db:
        ids = db.scalars(
            select(Assignment.cadre_id).where(
                Assignment.plan_id == service.plan_id, Assignment.cadre_college == college
            )
        )
        return len(set(ids))


def test_the_plan_page_offers_the_printouts_in_scope(service: Service) -> None:
    plan = f"/plans/{service.plan_id}"
    sao = service.client("staff").get(plan).text
    assert "print/pack.pdf" in sao and "print/letters/central.pdf" in sao
    assert "print/letters/C02.pdf" in sao
    mine = service.client("c01").get(plan).text
    assert "print/filing/C01.pdf" in mine and "print/letters/C01.pdf" in mine
    assert "print/pack.pdf" not in mine and "C02.pdf" not in mine and "central.pdf" not in mine


def test_a_college_prints_its_own_filing_copy_and_letters(service: Service, tmp_path: Path) -> None:
    client = service.client("c01")
    base = f"/plans/{service.plan_id}/print"
    letters = client.get(f"{base}/letters/C01.pdf")
    assert letters.status_code == 200 and letters.headers["content-type"] == "application/pdf"
    path = tmp_path / "letters.pdf"
    path.write_bytes(letters.content)
    assert page_count(path) == _cadres(service, "C01")
    text = flat("".join(pages_text(path)))
    assert "领导干部联系学生工作通知书" in text
    assert "：每月至少1次" in text or "：每学期至少1次" in text  # the rule table's wording
    sheet = client.get(f"{base}/letters/C01.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(min_row=2))
    assert len(rows) == _cadres(service, "C01")
    filing = client.get(f"{base}/filing/C01.pdf")
    assert filing.status_code == 200
    path.write_bytes(filing.content)
    assert "备案" in flat("".join(pages_text(path)))
    for url in ("pack.pdf", "filing/C02.pdf", "letters/C02.pdf", "letters/central.xlsx"):
        assert client.get(f"{base}/{url}").status_code in (403, 404), url
    assert client.get(f"{base}/filing/C99.pdf").status_code == 404


def test_the_sao_prints_the_approval_pack(service: Service, tmp_path: Path) -> None:
    response = service.client("viewer").get(f"/plans/{service.plan_id}/print/pack.pdf")
    assert response.status_code == 200
    path = tmp_path / "pack.pdf"
    path.write_bytes(response.content)
    text = flat("".join(pages_text(path)))
    assert "审批" in text and "暨党发〔2019〕47号" in text

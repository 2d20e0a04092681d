"""The contact work in a real browser (Debian's chromium through Playwright) on the real
server of ``make demo``: entering a contact, importing a ledger, reading the duties page.

Screenshots are saved in ``out/screenshots/`` (``15-…`` to ``21-…``) for a reviewer to look at.
The demo's ledger runs to the day the server starts, so nothing here depends on the date
beyond the demo semester's own dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from .ledger_helpers import fill_template
from .test_browser import ROOT, chromium, demo_server, shot

pytestmark = pytest.mark.browser
DAY = "2026-11-16"
"""A day inside the demo semester (2026-09-01 to 2027-01-15) for the contacts entered here."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("browser-ledger")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("--lang=zh-CN") as instance:
        yield instance


def signed_in(browser: Any, server: str, user: str, password: str, height: int = 900) -> Any:
    """A page of a new browser context, signed in; script errors are collected in
    ``page.errors``."""
    context = browser.new_context(
        viewport={"width": 1360, "height": height}, accept_downloads=True, locale="zh-CN"
    )
    page = context.new_page()
    page.errors = []
    page.on(
        "console",
        lambda m: (
            page.errors.append(m.text)
            if m.type == "error" and "status of 400" not in m.text
            else None
        ),
    )
    page.goto(server + "/signin")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/semesters")
    return page


def submit(page: Any, button: str) -> None:
    """Click a form's button and wait for the answer page (a page may hold the same element
    as the one that answers, e.g. the import's result)."""
    with page.expect_navigation():
        page.click(button)


def test_entering_a_contact(server: str, browser: Any) -> None:
    page = signed_in(browser, server, "c01", "demo-c01-2026")
    page.click("nav.nav >> text=工作台账")
    page.wait_for_url("**/semesters/*/ledger")
    page.click("#new-record")
    page.wait_for_selector("#record-form")
    cadre = page.evaluate(
        """() => Array.from(document.querySelectorAll('#field-target optgroup'))
              .find(g => g.querySelector('option[value^="dorm:"]')).getAttribute('data-cadre')"""
    )
    page.select_option("#field-cadre", cadre)
    visible = page.evaluate(
        """() => Array.from(document.querySelectorAll('#field-target optgroup'))
              .filter(g => !g.hidden).map(g => g.getAttribute('data-cadre'))"""
    )
    assert visible == [cadre]  # the targets narrow to the chosen cadre's
    target = page.evaluate(
        """c => document.querySelector(`#field-target optgroup[data-cadre="${c}"] option`).value""",
        cadre,
    )
    page.select_option("#field-target", target)
    page.fill("input[name=date]", DAY)
    page.select_option("select[name=activity]", "dorm_visit")
    page.fill("input[name=students]", "3")
    page.fill("textarea[name=note]", "走访宿舍，学生电话13812345678")
    submit(page, "#record-form button[type=submit]")
    error = page.locator("#error-note")
    assert "身份证号" in error.inner_text()
    assert page.locator("select[name=activity]").input_value() == "dorm_visit"  # kept
    shot(page, "15-ledger-form-problem")
    page.fill("textarea[name=note]", "走访宿舍，了解学生期中复习情况")
    submit(page, "#record-form button[type=submit]")
    page.wait_for_url("**notice=record_added")
    assert "联系记录已通过检查" in page.locator(".notice").inner_text()
    assert "了解学生期中复习情况" in page.locator("#table-records").inner_text()
    shot(page, "16-ledger")
    assert not page.errors, page.errors
    page.context.close()


def test_importing_a_ledger(server: str, browser: Any, tmp_path: Path) -> None:
    page = signed_in(browser, server, "c01", "demo-c01-2026")
    page.goto(server + "/ledger")
    with page.expect_download() as info:
        page.click("text=下载台账模板")
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    book = openpyxl.load_workbook(template)
    options = book.worksheets[-1]
    cadre = str(options.cell(2, 1).value)
    contacts = book.worksheets[1]
    target = next(
        (str(r[3].value), str(r[2].value))
        for r in contacts.iter_rows(min_row=2)
        if str(r[0].value) == cadre
    )
    good = [cadre, "", target[1], target[0], "", DAY, "线上交流", 8, "微信群答疑", "", ""]
    bad = [cadre, "", target[1], target[0], "", "2026-11-31", "跳舞", 2, "", "", ""]
    broken = fill_template(template, [good, bad], tmp_path / "学院台账-有误.xlsx")
    page.set_input_files("#import-form input[type=file]", str(broken))
    submit(page, "#import-form button[type=submit]")
    problems = page.locator(".problems")
    text = problems.inner_text()
    assert "学院台账-有误.xlsx" in text and "跳舞" in text and "2026-11-31" in text
    assert "未保存" in text
    shot(page, "17-ledger-import-problems")
    fixed = fill_template(template, [good], tmp_path / "学院台账.xlsx")
    page.set_input_files("#import-form input[type=file]", str(fixed))
    submit(page, "#import-form button[type=submit]")
    assert "新增1条联系记录" in page.locator("#import-result").inner_text()
    page.set_input_files("#import-form input[type=file]", str(fixed))
    submit(page, "#import-form button[type=submit]")
    assert "1行已在台账中，未重复导入" in page.locator("#import-result").inner_text()
    shot(page, "18-ledger-imported")
    assert not page.errors, page.errors
    page.context.close()


def test_reading_the_duties_page(server: str, browser: Any) -> None:
    page = signed_in(browser, server, "admin", "demo-admin-2026", height=1250)
    page.click("nav.nav >> text=工作要求落实情况")
    page.wait_for_url("**/semesters/*/duties")
    page.wait_for_selector("#heatmap")
    month = page.locator("#table-dorm-month tbody tr")
    assert month.count() >= 6  # six colleges and the SAO's own cadres
    assert page.locator("#table-open-cases tbody tr").count() > 0
    assert page.locator("#heatmap tbody tr").count() >= 6
    assert "本月宿舍走访" in page.content() and "尚未答复的学生问题" in page.content()
    page.screenshot(path=str(ROOT / "out" / "screenshots" / "19-duties.png"))
    page.locator("#heatmap").scroll_into_view_if_needed()
    page.locator("#heatmap").screenshot(
        path=str(ROOT / "out" / "screenshots" / "20-duties-heatmap.png")
    )
    page.locator("#heatmap tbody tr th a", has_text="C02").click()
    page.wait_for_url("**college=C02**")
    assert page.locator("#heatmap").count() == 0
    assert page.locator("#table-cadres tbody tr").count() > 0
    page.click("nav.tabs >> text=学生反映问题")
    page.wait_for_url("**/cases")
    page.wait_for_selector("#table-cases tbody tr")
    shot(page, "21-cases")
    page.locator("#table-cases tbody tr a").first.click()
    page.wait_for_selector("#table-steps tbody tr")
    assert "办理记录" in page.content()
    assert not page.errors, page.errors
    page.context.close()

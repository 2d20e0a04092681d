"""A whole semester of filing in a real browser (Debian's chromium through Playwright), on a
real server with its job worker: two college secretaries and the SAO, each in a browser
context of their own (so with their own session), through the pages alone.

proposal (the demo's) → C01 forbids a pair and its part is re-planned, files → C02 files →
the SAO returns C01's part with a reason → C01 files again → the other colleges file →
the administrator approves → downloads from the frozen plan, verification → next semester.
Screenshots are written to ``out/screenshots/filing-*.png``; the README shows copies of them
from ``docs/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from .test_browser import chromium, demo_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"
OTHERS = ("C03", "C04", "C05", "C06")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("filing")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def shot(page: Any, name: str) -> None:
    """The top of the page as a user first sees it (the long tables below are folded)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"filing-{name}.png"))


def signed_in(browser: Any, server: str, username: str, password: str) -> tuple[Any, Any]:
    """A browser context of its own, signed in as ``username``; its context and page."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, accept_downloads=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(server + "/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/semesters")
    return context, page


def test_a_semester_is_adjusted_filed_and_approved_through_the_pages(
    server: str, browser: Any, tmp_path: Path
) -> None:
    admin_context, admin = signed_in(browser, server, "admin", "demo-admin-2026")
    for college in OTHERS:  # secretaries of the other colleges, added on the accounts page
        admin.goto(server + "/accounts")
        admin.fill("form.form-grid input[name=username]", college.lower())
        admin.fill("form.form-grid input[name=display_name]", f"{college} 学院联络员")
        admin.fill("form.form-grid input[name=password]", f"demo-{college.lower()}-2026")
        admin.select_option("form.form-grid select[name=role]", "college")
        admin.select_option("form.form-grid select[name=college]", college)
        admin.click("form.form-grid button[type=submit]")
        admin.wait_for_selector(".notice")

    # C01 adjusts: forbids its first pair; the part is re-planned by a job
    c01_context, c01 = signed_in(browser, server, "c01", "demo-c01-2026")
    c01.click("nav.nav >> text=调整与备案")
    c01.wait_for_url("**/filing/*/C01")
    assert "法学院" in c01.content() and "未开始" in c01.content()
    shot(c01, "1-college")
    c01.locator("#part-rows button", has_text="不安排此联系").first.click()
    c01.wait_for_selector("#adjustments >> text=生效中", timeout=90_000)
    assert "调整中" in c01.content()
    shot(c01, "2-adjusted")
    c01.fill("#file-form input[name=note]", "已与各联系人确认")
    c01.click("#file-form button[type=submit]")
    c01.wait_for_selector("text=本部分已备案，现为只读")
    assert c01.locator("#pin-form").count() == 0  # read-only

    c02_context, c02 = signed_in(browser, server, "c02", "demo-c02-2026")
    c02.goto(server + "/filing")
    c02.click("#file-form button[type=submit]")
    c02.wait_for_selector("text=本部分已备案，现为只读")

    # the SAO returns C01's part
    staff_context, staff = signed_in(browser, server, "staff", "demo-staff-2026")
    staff.goto(server + "/filing")
    staff.wait_for_selector("#board")
    staff.click("#board a:has-text('法学院')")
    staff.fill("#return-form input[name=reason]", "请为 2024 级各班补充联系人后重新备案")
    staff.click("#return-form button[type=submit]")
    staff.wait_for_selector("text=已将本部分退回学院修改")

    c01.goto(server + "/filing")
    assert "请为 2024 级各班补充联系人后重新备案" in c01.content()
    shot(c01, "3-returned")
    c01.click("#file-form button[type=submit]")
    c01.wait_for_selector("text=本部分已备案，现为只读")

    staff.goto(server + "/filing")
    shot(staff, "4-board")
    assert "还有 4 个学院尚未备案" in staff.content()
    for college in OTHERS:
        context, page = signed_in(browser, server, college.lower(), f"demo-{college.lower()}-2026")
        page.goto(server + "/filing")
        page.click("#file-form button[type=submit]")
        page.wait_for_selector("text=本部分已备案，现为只读")
        context.close()

    # the administrator approves; downloads come from the frozen plan
    admin.goto(server + "/filing")
    assert "各学院均已备案" in admin.content()
    admin.click("#approve-form button[type=submit]")
    admin.wait_for_selector("#approved", timeout=120_000)
    assert "全校方案已批准" in admin.content()
    with admin.expect_download() as info:
        admin.click("#approved a[href$='assignments.xlsx']")
    saved = tmp_path / "approved.xlsx"
    info.value.save_as(saved)
    assert len(openpyxl.load_workbook(saved).sheetnames) >= 3
    with admin.expect_download() as info:
        admin.click("#approved a[href$='/C01.xlsx']")
    info.value.save_as(tmp_path / "C01.xlsx")
    assert openpyxl.load_workbook(tmp_path / "C01.xlsx").sheetnames == ["联系安排", "未覆盖对象"]
    admin.click("#verify-form button[type=submit]")
    admin.wait_for_selector("#verified")
    shot(admin, "5-approved")

    c01.goto(server + "/filing")
    assert "本部分不能再修改" in c01.content()

    # the next semester starts from the approved plan
    admin.fill("#next-form input[name=name]", "2027春")
    admin.click("#next-form button[type=submit]")
    admin.wait_for_url("**/semesters/*")
    assert "2027春" in admin.content() and "v1" in admin.content()
    admin.goto(server + "/audit")
    for action in ("备案", "退回修改", "审批方案"):
        assert action in admin.content(), action
    for context in (admin_context, c01_context, c02_context, staff_context):
        context.close()

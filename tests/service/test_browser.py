"""The service in a real browser (Debian's chromium through Playwright), on a real server.

Screenshots of the main pages are saved in ``out/screenshots/`` for a reviewer to look at.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from planner.service import engine

from .server import PLANNER, free_port, running

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """``planner serve --demo`` on a free port with one job worker, as ``make demo`` runs it;
    its base URL."""
    port = free_port()
    args = [PLANNER, "serve", "--demo", "--port", str(port), "--data-dir", str(folder / "data")]
    with running([*args, "--job-workers", "1"], {}, port, ROOT) as base:
        yield base


@contextlib.contextmanager
def chromium(*extra: str) -> Iterator[Any]:
    """Debian's chromium, driven by Playwright (no browser is downloaded)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, *extra])
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("browser")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_semester_through_the_pages(server: str, browser: object, tmp_path: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
        accept_downloads=True,
        locale="zh-CN",
    )
    page = context.new_page()
    errors: list[str] = []
    # script errors and CSP refusals (a 400 answer to a bad form is expected, not an error)
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None
        ),
    )
    page.goto(server + "/")
    assert "/signin" in page.url
    shot(page, "01-signin")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit].primary")
    assert "用户名或密码不正确" in page.content()
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo-admin-2026")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/semesters")
    shot(page, "02-semesters")
    page.click("text=2026秋")

    # a broken workbook: every problem located, nothing stored
    [book_path] = engine.write_generated(tmp_path / "wb", "demo", fmt="workbook", headers="zh")
    book = openpyxl.load_workbook(book_path)
    book["班级"]["C4"] = "C99"  # no such college
    broken = tmp_path / "名单-有误.xlsx"
    book.save(broken)
    page.set_input_files("#upload-form input[type=file]", str(broken))
    page.click("#upload-form button[type=submit]")
    problems = page.locator(".problems")
    assert "名单-有误.xlsx[班级]" in problems.inner_text()
    assert "C99" in problems.inner_text()
    shot(page, "03-upload-problems")

    # the demo workbook: stored as version 2
    page.set_input_files("#upload-form input[type=file]", str(book_path))
    page.click("#upload-form button[type=submit]")
    assert "新的数据版本" in page.locator(".notice").inner_text()
    assert page.locator("text=v2").count() >= 1
    shot(page, "04-semester")

    # the proposal: queued, watched by the page's script until it finishes
    page.select_option("select[name=version]", "2")
    page.click("text=开始计算")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("text=打开方案", timeout=90_000)
    assert "已完成" in page.content()
    shot(page, "05-job-finished")
    page.click("text=打开方案")
    page.wait_for_selector(".kpi")
    assert "班级覆盖率" in page.content()
    # every image loaded (the load event; a polled predicate would need eval, which the
    # pages' CSP forbids, and fails whenever the images are not there at the first look)
    page.wait_for_load_state("load")
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth)")
    shot(page, "06-plan-overview")

    # the assignments table: filter by college and kind (the selects submit by themselves)
    page.click("nav.tabs >> text=联系安排")
    page.select_option("select[name=college]", "C02")
    page.wait_for_url("**college=C02**")
    page.select_option("select[name=kind]", "class")
    page.wait_for_url("**kind=class**")
    rows = page.locator("#table-assignments tbody tr")
    assert rows.count() > 0
    assert all("班级" in rows.nth(i).inner_text() for i in range(rows.count()))
    shot(page, "07-assignments-filtered")
    page.click("nav.tabs >> text=未覆盖对象")
    shot(page, "08-uncovered")
    page.click("nav.tabs >> text=与上学期相比的变动")
    shot(page, "09-changes")

    # an explanation: computed by a job, shown when ready
    page.click("nav.tabs >> text=联系安排")
    page.locator("#table-assignments tbody tr a.explain").first.click()
    page.wait_for_selector("text=最佳替代安排", timeout=90_000)
    shot(page, "10-explanation")

    # the workbook download, read back
    page.go_back()
    page.go_back()
    page.click("nav.tabs >> text=概览")
    with page.expect_download() as info:
        page.click("ul.downloads a[href$='assignments.xlsx']")
    saved = tmp_path / "assignments.xlsx"
    info.value.save_as(saved)
    sheets = openpyxl.load_workbook(saved).sheetnames
    assert len(sheets) >= 3
    page.goto(server + "/audit")
    assert "上传名单" in page.content() and "方案计算完成" in page.content()
    shot(page, "11-audit")
    page.goto(server + "/accounts")
    shot(page, "12-accounts")
    assert not errors, errors  # no script errors and no CSP violations
    context.close()


def test_a_college_secretary_sees_its_college(server: str, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server + "/signin")
    page.fill("input[name=username]", "c01")
    page.fill("input[name=password]", "demo-c01-2026")
    page.click("button[type=submit].primary")
    page.click("text=2026秋")
    page.locator("a", has_text="方案").first.click()
    page.wait_for_url("**/plans/*")
    assert "本学院：C01" in page.content()
    assert page.locator("select[name=college]").count() == 0
    page.click("nav.tabs >> text=联系安排")
    shot(page, "13-college-assignments")
    page.goto(server + "/language/en?next=/semesters")
    assert "Semesters" in page.content()
    shot(page, "14-english")
    context.close()

"""The service through HTTP (the ASGI test client), on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from planner.service.accounts.service import SESSION_COOKIE
from planner.service.app import create_app
from planner.service.permissions import PERMISSIONS, route_table
from planner.service.plans.models import Assignment

from .conftest import PASSWORDS, Service, csrf_of, post_form, sign_in


def test_every_route_declares_exactly_one_permission(service: Service) -> None:
    table = route_table(create_app(service.settings, service.db).routes)
    assert len(table) >= 25
    missing = [f"{r.method} {r.path}" for r in table if len(r.permissions) != 1]
    assert not missing, f"routes without exactly one permission: {missing}"
    used = {r.permissions[0].name for r in table}
    assert used == {p.name for p in PERMISSIONS}


def test_signing_in_rotates_the_session_and_signing_out_ends_it(service: Service) -> None:
    client = service.client()
    page = client.get("/signin")
    assert page.status_code == 200
    assert "登录" in page.text  # Chinese by default
    token = csrf_of(page.text)
    wrong = client.post(
        "/signin", data={"username": "admin", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert "用户名或密码不正确" in wrong.text
    sign_in(client, "admin", PASSWORDS["admin"])
    first = client.cookies.get(SESSION_COOKIE)
    sign_in(client, "admin", PASSWORDS["admin"])
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second
    # the old session no longer works
    other = service.client()
    other.cookies.set(SESSION_COOKIE, first)
    assert other.get("/semesters").status_code == 303
    response = post_form(client, "/semesters", "/signout")
    assert response.status_code == 303  # type: ignore[attr-defined]
    stale = service.client()
    stale.cookies.set(SESSION_COOKIE, second)
    assert stale.get("/semesters").status_code == 303


def test_session_cookie_is_httponly_and_samesite(service: Service) -> None:
    client = service.client()
    token = csrf_of(client.get("/signin").text)
    response = client.post(
        "/signin", data={"username": "staff", "password": PASSWORDS["staff"], "csrf_token": token}
    )
    header = next(h for h in response.headers.get_list("set-cookie") if SESSION_COOKIE in h)
    assert "HttpOnly" in header and "SameSite=lax" in header
    assert "content-security-policy" in response.headers
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_anonymous_visitors_are_sent_to_sign_in(service: Service) -> None:
    client = service.client()
    for url in ("/", "/semesters", f"/plans/{service.plan_id}", "/audit", "/jobs/1"):
        response = client.get(url)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=")
    assert client.get("/jobs/1.json").status_code == 401


def test_forms_without_the_csrf_token_are_refused(service: Service) -> None:
    client = service.client("admin")
    response = client.post("/semesters", data={"name": "2027春"})
    assert response.status_code == 403
    response = client.post("/semesters", data={"name": "2027春", "csrf_token": "forged"})
    assert response.status_code == 403
    anonymous = service.client()
    assert (
        anonymous.post(
            "/signin", data={"username": "admin", "password": PASSWORDS["admin"]}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("user", "url", "expected"),
    [
        ("viewer", "/audit", 403),
        ("c01", "/audit", 403),
        ("c01", "/accounts", 403),
        ("staff", "/accounts", 403),
        ("c01", "/jobs/1", 403),
        ("c01", "/semesters/1/versions/1/download", 403),
        ("viewer", "/semesters/1/versions/1/download", 200),
        ("staff", "/audit", 200),
        ("viewer", "/jobs/1", 200),
    ],
)
def test_roles_see_what_the_design_note_allows(
    service: Service, user: str, url: str, expected: int
) -> None:
    assert service.client(user).get(url).status_code == expected


def test_a_viewer_and_a_college_cannot_change_anything(service: Service) -> None:
    for user in ("viewer", "c01"):
        client = service.client(user)
        token = csrf_of(client.get("/semesters").text)
        assert (
            client.post("/semesters", data={"name": "2027春", "csrf_token": token}).status_code
            == 403
        )
        files = {"files": ("data.xlsx", b"x", "application/octet-stream")}
        assert (
            client.post("/semesters/1/uploads", data={"csrf_token": token}, files=files).status_code
            == 403
        )
        assert client.post("/semesters/1/proposals", data={"csrf_token": token}).status_code == 403
        assert client.post("/jobs/1/rerun", data={"csrf_token": token}).status_code == 403


def test_a_college_sees_only_its_own_rows(service: Service) -> None:
    client = service.client("c01")
    page = client.get(f"/plans/{service.plan_id}/assignments")
    assert page.status_code == 200
    with service.db.session() as db:
        theirs = db.scalars(
            select(Assignment).where(
                Assignment.plan_id == service.plan_id,
                Assignment.cadre_college == "C02",
                Assignment.target_college == "C02",
            )
        ).first()
        mine = db.scalar(
            select(func.count()).where(
                Assignment.plan_id == service.plan_id,
                (Assignment.cadre_college == "C01") | (Assignment.target_college == "C01"),
            )
        )
    assert theirs is not None
    assert f"{mine:,}" in page.text
    # asking for another college by URL shows nothing of it
    other = client.get(f"/plans/{service.plan_id}/assignments?college=C02&q={theirs.cadre_id}")
    assert theirs.cadre_name not in other.text
    # its explanation is "not found", exactly as for an id that does not exist
    url = f"/plans/{service.plan_id}/explain/page"
    assert client.get(f"{url}?cadre={theirs.cadre_id}").status_code == 404
    assert client.get(f"{url}?cadre=no-such-id").status_code == 404
    assert client.get(f"/plans/{service.plan_id}/files/assignments.xlsx").status_code == 403
    # the SAO may
    assert service.client("staff").get(f"{url}?cadre={theirs.cadre_id}").status_code == 200


def test_tables_search_filter_sort_and_page(service: Service) -> None:
    client = service.client("staff")
    base = f"/plans/{service.plan_id}/assignments"
    everything = client.get(base)
    total = int(re.search(r"([\d,]+) 行", everything.text).group(1).replace(",", ""))
    classes = client.get(f"{base}?kind=class")
    n_classes = int(re.search(r"([\d,]+) 行", classes.text).group(1).replace(",", ""))
    assert 0 < n_classes < total
    with service.db.session() as db:
        rows = db.scalars(
            select(Assignment)
            .where(Assignment.plan_id == service.plan_id)
            .order_by(Assignment.cadre_name.desc(), Assignment.id)
        ).all()
    by_name = client.get(f"{base}?sort=name&dir=desc")
    assert by_name.text.index(rows[0].cadre_name) < by_name.text.index(rows[5].cadre_name)
    found = client.get(f"{base}?q={rows[3].cadre_id}")
    assert rows[3].cadre_name in found.text
    page2 = client.get(f"{base}?page=2")
    assert "第 2 页" in page2.text
    for table in ("uncovered", "changes"):
        assert (
            client.get(
                f"/plans/{service.plan_id}/{table}?kind=class&sort=kind&dir=desc"
            ).status_code
            == 200
        )
    assert client.get(f"/plans/{service.plan_id}/nothing").status_code == 404
    assert client.get(f"{base}?page=abc").status_code == 400


def test_the_plan_page_shows_figures_heatmaps_and_downloads(service: Service) -> None:
    client = service.client("admin")
    page = client.get(f"/plans/{service.plan_id}")
    assert page.status_code == 200
    assert "班级覆盖率" in page.text and "全校" in page.text
    assert "coverage_college_kind.png" in page.text
    image = client.get(f"/plans/{service.plan_id}/files/coverage_college_kind.png?inline=1")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    book = client.get(f"/plans/{service.plan_id}/files/assignments.xlsx")
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
    assert len(sheets) >= 3
    assert client.get(f"/plans/{service.plan_id}/files/..%2Fplanner.sqlite3").status_code == 404
    assert client.get(f"/plans/{service.plan_id}/files/secret.txt").status_code == 404
    assert client.get("/plans/999999").status_code == 404


def test_english_on_request(service: Service) -> None:
    client = service.client("admin")
    switched = client.get("/language/en?next=/semesters")
    assert switched.status_code == 303 and switched.headers["location"] == "/semesters"
    page = client.get("/semesters")
    assert "Semesters" in page.text and "学期" not in page.text.split("<main>")[1]
    assert client.get("/language/en?next=//evil.example").headers["location"] == "/"

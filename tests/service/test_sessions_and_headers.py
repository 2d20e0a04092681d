"""Sessions, CSRF, sign-in throttling, security headers and clean log lines (issue 18)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from planner.service import logs
from planner.service.accounts import service as accounts
from planner.service.accounts.models import SignInFailure, User, UserSession
from planner.service.app import create_app
from planner.service.web import TEMPLATE_DIRS

from .conftest import PASSWORDS, Service, csrf_of, sign_in


def _post_signin(client: TestClient, username: str, password: str) -> object:
    token = csrf_of(client.get("/signin").text)
    return client.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}
    )


def _session_cookie(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(accounts.SESSION_COOKIE + "="))


def test_passwords_are_stored_as_argon2id_hashes_only(service: Service) -> None:
    with service.db.session() as db:
        users = db.scalars(select(User)).all()
    assert users
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORDS.get(user.username, "\x00") not in user.password_hash


def test_cookies_are_secure_over_tls_and_behind_the_proxy(service: Service) -> None:
    app = create_app(service.settings, service.db)
    plain = TestClient(app, follow_redirects=False)
    assert "Secure" not in _session_cookie(_post_signin(plain, "staff", PASSWORDS["staff"]))
    tls = TestClient(app, base_url="https://testserver", follow_redirects=False)
    response = _post_signin(tls, "staff", PASSWORDS["staff"])
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")  # type: ignore[attr-defined]
    # behind nginx: plain HTTP on the loopback, X-Forwarded-Proto from the trusted proxy
    proxied = TestClient(
        ProxyHeadersMiddleware(app, trusted_hosts="*"),
        follow_redirects=False,
        headers={"X-Forwarded-Proto": "https"},
    )
    page = proxied.get("/signin")
    (cookie,) = page.headers.get_list("set-cookie")
    assert cookie.startswith("planner_csrf=") and "Secure" in cookie and "HttpOnly" in cookie
    assert page.headers["strict-transport-security"].startswith("max-age=")


def test_an_idle_session_ends(service: Service) -> None:
    client = service.client("viewer")
    assert client.get("/semesters").status_code == 200
    token = client.cookies.get(accounts.SESSION_COOKIE)
    idle = dt.timedelta(minutes=service.settings.idle_minutes + 1)
    with service.db.session() as db:
        db.execute(update(UserSession).values(last_seen=accounts.utcnow() - idle))
    response = client.get("/semesters")
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    with service.db.session() as db:
        assert db.get(UserSession, accounts._digest(token or "")) is None


def test_repeated_failures_lock_the_name_for_a_while(service: Service) -> None:
    client = service.client()
    for _attempt in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert _post_signin(client, "c01", "wrong password").status_code == 400  # type: ignore[attr-defined]
    locked = _post_signin(client, "C01 ", PASSWORDS["c01"])  # even the right password
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "登录失败次数过多" in locked.text  # type: ignore[attr-defined]
    assert accounts.SESSION_COOKIE not in client.cookies
    # another account is not affected
    assert _post_signin(client, "c02", PASSWORDS["c02"]).status_code == 303  # type: ignore[attr-defined]
    # the window passes: the name may sign in again
    with service.db.session() as db:
        db.execute(update(SignInFailure).values(at=accounts.utcnow() - accounts.FAILURE_WINDOW))
    assert _post_signin(service.client(), "c01", PASSWORDS["c01"]).status_code == 303  # type: ignore[attr-defined]
    # the stored keys are digests, never the names typed
    with service.db.session() as db:
        keys = db.scalars(select(SignInFailure.key)).all()
    assert keys and not any("c01" in k for k in keys)


def test_an_administrator_unlocks_a_name_by_setting_its_password(service: Service) -> None:
    client = service.client()
    for _attempt in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        _post_signin(client, "viewer", "wrong password")
    assert _post_signin(client, "viewer", PASSWORDS["viewer"]).status_code == 429  # type: ignore[attr-defined]
    with service.db.session() as db:
        user = accounts.get_user(db, "viewer")
        assert user is not None
        accounts.set_password(db, user, "a-new-password-1")
    assert _post_signin(client, "viewer", "a-new-password-1").status_code == 303  # type: ignore[attr-defined]


def test_csrf_tokens_cannot_be_replayed(service: Service) -> None:
    client = service.client("admin")
    old = csrf_of(client.get("/semesters").text)
    anonymous_token = client.cookies.get("planner_csrf")
    # the token of another user's session
    theirs = csrf_of(service.client("staff").get("/semesters").text)
    assert (
        client.post("/semesters", data={"name": "2031春", "csrf_token": theirs}).status_code == 403
    )
    # the pre-session (sign-in form) token
    if anonymous_token:
        assert (
            client.post(
                "/semesters", data={"name": "2031春", "csrf_token": anonymous_token}
            ).status_code
            == 403
        )
    # sign out and in again: the old session's token no longer works
    assert client.post("/signout", data={"csrf_token": old}).status_code == 303
    sign_in(client, "admin", PASSWORDS["admin"])
    assert client.post("/semesters", data={"name": "2031春", "csrf_token": old}).status_code == 403
    fresh = csrf_of(client.get("/semesters").text)
    assert fresh != old
    assert (
        client.post("/semesters", data={"name": "2031春", "csrf_token": fresh}).status_code == 303
    )
    # a header token works for scripts; an empty one does not
    assert client.post("/jobs/1/cancel", headers={"x-csrf-token": ""}).status_code == 403


HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


@pytest.mark.parametrize(
    ("user", "url"),
    [
        (None, "/signin"),
        (None, "/semesters"),
        ("admin", "/semesters"),
        ("c01", "/audit"),
        ("admin", "/plans/999999"),
        ("admin", "/static/app.js"),
        ("admin", "/template.xlsx"),
    ],
)
def test_every_answer_carries_the_security_headers(
    service: Service, user: str | None, url: str
) -> None:
    response = service.client(user).get(url)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    if not url.startswith("/static/"):
        assert response.headers["cache-control"] == "no-store"


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE
)


def test_no_template_has_inline_script_or_style() -> None:
    found = []
    for folder in TEMPLATE_DIRS:
        for path in Path(folder).rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE.search(line):
                    found.append(f"{path.name}:{number}: {line.strip()}")
    assert not found, found


# ---- log lines


def test_redact_hides_secrets_and_personal_values() -> None:
    line = logs.redact(
        '127.0.0.1:5000 - "GET /plans/1/assignments?q=张三&page=2&kind=class&cadre=T0042'
        '&next=/x HTTP/1.1" 200 password=hunter2 token: abc csrf_token=xyz '
        "hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA GET /semesters/1/duties/cadres/T0042 "
        "Cookie: planner_session=SECRET"
    )
    for secret in ("张三", "T0042", "hunter2", "abc", "xyz", "$argon2id$", "SECRET", "next=/x"):
        assert secret not in line, secret
    assert "page=2" in line and "kind=class" in line


def test_no_password_token_or_personal_field_reaches_a_log_line(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    logs.install()
    caplog.set_level(logging.DEBUG)
    client = service.client()
    _post_signin(client, "c01", "the-secret-typed-wrong")
    sign_in(client, "staff", PASSWORDS["staff"])
    session = client.cookies.get(accounts.SESSION_COOKIE) or ""
    # what uvicorn's access log and an error log would write
    access = logging.getLogger("uvicorn.access")
    access.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:4000",
        "GET",
        "/plans/1/assignments?q=王小明&page=1",
        "1.1",
        200,
    )
    logging.getLogger("planner.test").warning("cookie planner_session=%s", session)
    name = "".join(["李", "雷"])  # not in this file's source (a traceback quotes it)
    try:
        with service.db.session() as db:
            db.execute(text("SELECT no_such_column FROM users WHERE username = :u"), {"u": name})
    except Exception:
        logging.getLogger("planner.test").exception("query failed")
    lines = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert "query failed" in lines and "page=1" in lines
    for secret in (
        "the-secret-typed-wrong",
        PASSWORDS["staff"],
        session,
        "王小明",
        "李雷",
        "$argon2",
    ):
        assert secret not in lines, secret


def test_uvicorn_access_lines_keep_their_format_and_lose_the_search_terms(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from uvicorn.logging import AccessFormatter

    logs.install()
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:4000", "GET", "/cases?q=王小明&page=2", "1.1", 200
    )
    (record,) = [r for r in caplog.records if r.name == "uvicorn.access"]
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == '127.0.0.1:4000 - "GET /cases?q=***&page=2 HTTP/1.1" 200 OK'


@pytest.mark.skipif(sys.platform != "linux", reason="threads have their own nice on Linux")
def test_password_checks_run_below_the_pages() -> None:
    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    page = nice()
    checking = accounts._CHECKS.submit(nice).result()
    assert checking == min(19, page + accounts.PASSWORD_NICE)
    assert nice() == page  # the pages' threads keep theirs

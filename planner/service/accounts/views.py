"""Sign-in, sign-out, the language switch, the home page and the accounts page."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from planner.i18n import gettext as _
from planner.service import permissions as perms
from planner.service.accounts import service
from planner.service.accounts.models import Role, User
from planner.service.forms import FormError
from planner.service.permissions import Principal
from planner.service.web import LANGUAGE_COOKIE, redirect, render, safe_next, secure_request

router = APIRouter()
Anyone = Annotated[Principal | None, Depends(perms.PUBLIC)]
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
Admin = Annotated[Principal, Depends(perms.MANAGE_ACCOUNTS)]


@router.get("/signin")
def signin_page(request: Request, who: Anyone, next: str = "/") -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if who is not None:
        return redirect(safe_next(next))
    return render(request, "accounts/signin.html", {"next": safe_next(next)})


@router.post("/signin")
def signin(
    request: Request,
    who: Anyone,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; on success a new session (the old one, if any, ends)."""
    state = request.app.state
    old = request.cookies.get(service.SESSION_COOKIE)
    address = request.client.host if request.client else ""
    with service.SIGNING_IN, state.db.session() as db:
        wait = service.throttled(db, username, address)
        if wait is not None:
            user = token = None
        else:
            user = service.authenticate(db, username, password)
            token = service.start_session(db, user, old) if user else None
            if user is None:
                service.note_failure(db, username, address)
            else:
                service.clear_failures(db, username)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        context = {
            "next": safe_next(next),
            "username": username,
            "error": _(
                "Too many failed sign-ins. Try again in {minutes} minutes, or ask the SAO "
                "administrator to set a new password."
            ).format(minutes=minutes),
        }
        return render(request, "accounts/signin.html", context, status=429)
    if token is None:
        context = {
            "next": safe_next(next),
            "username": username,
            "error": _("The user name or the password is wrong."),
        }
        return render(request, "accounts/signin.html", context, status=400)
    response = redirect(safe_next(next))
    response.set_cookie(
        service.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_request(request),
        path="/",
    )
    return response


@router.post("/signout")
def signout(request: Request, who: Anyone) -> Response:
    """End the session and forget the cookie."""
    token = request.cookies.get(service.SESSION_COOKIE)
    if token:
        with request.app.state.db.session() as db:
            service.end_session(db, token)
    response = redirect("/signin", "signed_out")
    response.delete_cookie(service.SESSION_COOKIE, path="/")
    return response


@router.get("/language/{code}")
def language(request: Request, code: str, who: Anyone, next: str = "/") -> Response:
    """Switch the pages' language (a cookie; no account needed)."""
    if code not in ("zh", "en"):
        raise HTTPException(status_code=404)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="lax",
        httponly=True,
        secure=secure_request(request),
    )
    return response


@router.get("/healthz")
def healthz(who: Anyone) -> dict[str, str]:
    """For the load balancer: the process answers."""
    return {"status": "ok"}


@router.get("/")
def home(request: Request, who: SignedIn) -> Response:
    """Start page: the semesters (every role sees this list)."""
    return redirect("/semesters")


@router.get("/accounts")
def accounts_page(request: Request, who: Admin) -> Response:
    """Every account, and a form to add one."""
    return _accounts(request, {})


def _accounts(request: Request, context: dict[str, object], status: int = 200) -> Response:
    from planner.service.semesters.service import known_colleges

    with request.app.state.db.session() as db:
        users = service.list_users(db)
        colleges = known_colleges(db)
    return render(
        request,
        "accounts/accounts.html",
        {"users": users, "colleges": colleges, "roles": list(Role), "form": {}, **context},
        status=status,
    )


@router.post("/accounts")
def add_account(
    request: Request,
    who: Admin,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    college: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add an account (SAO administrator only)."""
    try:
        with request.app.state.db.session() as db:
            service.add_user(
                db,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
                college=college,
                actor=who,
            )
    except FormError as exc:
        form = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "college": college,
        }
        return _accounts(request, {"problems": exc.problems, "form": form}, status=400)
    return redirect("/accounts", "user_added")


def _user(db: Session, username: str) -> User:
    user = service.get_user(db, username)
    if user is None:
        raise HTTPException(status_code=404)
    return user


@router.post("/accounts/{username}/password")
def reset_password(
    request: Request,
    username: str,
    who: Admin,
    password: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Set another account's password (its sessions end)."""
    try:
        with request.app.state.db.session() as db:
            service.set_password(db, _user(db, username), password, actor=who)
    except FormError as exc:
        return _accounts(request, {"problems": exc.problems, "password_for": username}, status=400)
    return redirect("/accounts", "password_set")


@router.post("/accounts/{username}/active")
def set_active(
    request: Request,
    username: str,
    who: Admin,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Disable or enable an account (one cannot disable oneself)."""
    with request.app.state.db.session() as db:
        user = _user(db, username)
        if user.id == who.user_id:
            raise HTTPException(status_code=400)
        service.set_active(db, user, active == "1", actor=who)
    return redirect("/accounts", "user_changed")

"""Accounts: add and change users, check passwords (argon2), sessions in the database."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from planner.i18n import gettext as _
from planner.service.accounts.models import Role, SignInFailure, User, UserSession
from planner.service.audit.service import record
from planner.service.db import utcnow
from planner.service.forms import FormError
from planner.service.permissions import Principal

if TYPE_CHECKING:
    from fastapi import Request

HASHER = PasswordHasher()
SIGNING_IN = threading.BoundedSemaphore(1)
"""One sign-in at a time per web process (an argon2 hash uses 64 MiB and four threads for a
quarter of a second): a burst of sign-ins queues here, holding no database connection."""
PASSWORD_NICE = 10
"""The password checks run this much below the pages (``nice``), as the explanation jobs do.
The scheduler weighs each thread: four argon2 threads per hash, two hashes at a time at nice 5
outweighed a college's re-plan and the pages during a morning's burst of sign-ins (an
adjustment then took 1.8 s instead of 0.8 s); at 10, one hash per web process, the pages and
re-plans come first and the sign-ins use the rest."""


def _below_pages() -> None:
    """Lower this thread's priority (and that of the threads argon2 starts from it); Linux
    gives each thread its own; elsewhere nothing is changed."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_NICE)


_CHECKS = ThreadPoolExecutor(1, thread_name_prefix="password", initializer=_below_pages)
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
SESSION_COOKIE = "planner_session"
TOUCH_EVERY = dt.timedelta(seconds=60)
"""``last_seen`` is written at most this often (not on every request)."""
_DUMMY_HASH = HASHER.hash("not a password of anyone")
FAILURE_WINDOW = dt.timedelta(minutes=15)
"""Failed sign-ins count for this long."""
MAX_FAILURES_PER_ACCOUNT = 5
"""After this many failures in the window, the account's name is refused until it passes."""
MAX_FAILURES_PER_ADDRESS = 30
"""After this many failures from one address in the window, that address is refused."""


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return HASHER.hash(password)


def _check_fields(
    username: str, display_name: str, password: str, role: str, college: str | None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not USERNAME.match(username):
        problems["username"] = _(
            "2 to 64 letters, digits or the signs _ . @ - (no spaces, no Chinese characters)"
        )
    if not display_name.strip() or len(display_name) > 100:
        problems["display_name"] = _("give a name of at most 100 characters")
    if len(password) < MIN_PASSWORD or len(password) > 200:
        problems["password"] = _("at least {n} characters").format(n=MIN_PASSWORD)
    if role not in set(Role):
        problems["role"] = _("choose one of the roles")
    if role == Role.COLLEGE and not (college or "").strip():
        problems["college"] = _("a college secretary needs a college")
    return problems


def add_user(
    db: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    college: str | None = None,
    actor: Principal | None = None,
) -> User:
    """Create an account; raises :class:`FormError` naming each bad field."""
    username = username.strip()
    college = (college or "").strip() or None
    problems = _check_fields(username, display_name, password, role, college)
    if "username" not in problems and db.scalar(select(User).where(User.username == username)):
        problems["username"] = _("this user name is taken")
    if problems:
        raise FormError(problems)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        college=college if role == Role.COLLEGE else None,
    )
    db.add(user)
    db.flush()
    record(
        db, actor, "user.add", "user", user.username, detail={"role": role, "college": user.college}
    )
    return user


def get_user(db: Session, username: str) -> User | None:
    """The account called ``username``."""
    return db.scalar(select(User).where(User.username == username.strip()))


def list_users(db: Session) -> list[User]:
    """Every account, by role then name."""
    return list(db.scalars(select(User).order_by(User.role, User.username)))


def set_password(db: Session, user: User, password: str, actor: Principal | None = None) -> None:
    """Change ``user``'s password and end every session of theirs."""
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise FormError({"password": _("at least {n} characters").format(n=MIN_PASSWORD)})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.execute(
        delete(SignInFailure).where(SignInFailure.key == _failure_key("user", user.username))
    )
    record(db, actor, "user.password", "user", user.username)


def set_active(db: Session, user: User, active: bool, actor: Principal | None = None) -> None:
    """Enable or disable an account; a disabled account's sessions end."""
    user.active = active
    if not active:
        db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    record(db, actor, "user.enable" if active else "user.disable", "user", user.username)


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way)."""
    user = get_user(db, username) if username else None
    try:
        _CHECKS.submit(
            HASHER.verify, user.password_hash if user else _DUMMY_HASH, password
        ).result()
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _failure_key(kind: str, value: str) -> str:
    return kind + ":" + _digest(value.strip().lower())[:64]


def throttled(db: Session, username: str, address: str) -> dt.timedelta | None:
    """How long until ``username`` (from ``address``) may try again, or None when it may now:
    too many recent failures lock the name (and, far more, the address) for the window."""
    since = utcnow() - FAILURE_WINDOW
    waits = []
    for key, limit in (
        (_failure_key("user", username), MAX_FAILURES_PER_ACCOUNT),
        (_failure_key("addr", address), MAX_FAILURES_PER_ADDRESS),
    ):
        count, first = db.execute(
            select(func.count(), func.min(SignInFailure.at)).where(
                SignInFailure.key == key, SignInFailure.at > since
            )
        ).one()
        if count >= limit and first is not None:
            first = first if first.tzinfo else first.replace(tzinfo=dt.UTC)
            waits.append(first + FAILURE_WINDOW - utcnow())
    return max(waits) if waits else None


def note_failure(db: Session, username: str, address: str) -> None:
    """Count a failed sign-in against the name and the address (old failures are dropped)."""
    now = utcnow()
    db.execute(delete(SignInFailure).where(SignInFailure.at < now - FAILURE_WINDOW))
    for key in (_failure_key("user", username), _failure_key("addr", address)):
        db.add(SignInFailure(key=key, at=now))


def clear_failures(db: Session, username: str) -> None:
    """Forget the name's failures (after a successful sign-in)."""
    db.execute(delete(SignInFailure).where(SignInFailure.key == _failure_key("user", username)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user: User, old_token: str | None = None) -> str:
    """A new session for ``user`` (any previous one of this browser ends); the cookie's token."""
    if old_token:
        db.execute(delete(UserSession).where(UserSession.token_hash == _digest(old_token)))
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32)
        )
    )
    record(db, principal_of(user, "", ""), "session.start", "user", user.username)
    return token


def end_session(db: Session, token: str) -> None:
    """End the session of ``token`` (sign-out)."""
    db.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def principal_of(user: User, csrf: str = "", session_hash: str = "") -> Principal:
    """The :class:`Principal` of ``user`` (with its session's CSRF token, when signed in)."""
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        college=user.college,
        csrf_token=csrf,
        session_hash=session_hash,
    )


def principal_for(db: Session, token: str, idle_minutes: int) -> Principal | None:
    """The user of the session ``token``, or None (unknown, idle too long, account disabled)."""
    if not token or len(token) > 200:
        return None
    found = db.get(UserSession, _digest(token))
    if found is None:
        return None
    now = utcnow()
    if now - found.last_seen > dt.timedelta(minutes=idle_minutes):
        db.delete(found)
        return None
    user = db.get(User, found.user_id)
    if user is None or not user.active:
        return None
    if now - found.last_seen > TOUCH_EVERY:
        found.last_seen = now
    return principal_of(user, found.csrf_token, found.token_hash)


def principal_for_request(request: Request) -> Principal | None:
    """The signed-in user of ``request`` (its session cookie), or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    state = request.app.state
    with state.db.session() as db:
        return principal_for(db, token, state.settings.idle_minutes)

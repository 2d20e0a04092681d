"""No password, token or personal field in any log line.

:func:`install` wraps the logging module's record factory, so every record of every logger
(uvicorn's access log, the job workers, SQLAlchemy, libraries) is cleaned when it is made,
whatever handler later writes it: query-string values other than a short list of harmless
filters (a search ``q=`` may be a student's name), passwords, tokens, cookies, argon2 hashes,
staff ids in URLs, and the parameters of a failed SQL statement. Tracebacks are cleaned the
same way. The database engine is made with ``hide_parameters`` too (:mod:`planner.service.db`).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

MASK = "***"
HARMLESS_PARAMS = frozenset(
    {
        "page",
        "sort",
        "dir",
        "kind",
        "status",
        "tab",
        "inline",
        "as_of",
        "month",
        "college",
        "notice",
        "version",
        "scenario",
        "problems",
        "activity",
        "category",
        "role",
    }
)
"""Query parameters whose values are kept in log lines (filters, never people)."""

_QUERY = re.compile(r"([?&;])([^=&\s\"'#]+)=([^&\s\"'#]*)")
_SECRET = re.compile(
    r"(?i)(password|passwd|secret|token|csrf_token|planner_session|planner_csrf|authorization"
    r"|cookie)(\"?\s*[:=]\s*\"?|'?\s*[:=]\s*'?|\s+)([^\s\"'&;,}]+)"
)
_ARGON2 = re.compile(r"\$argon2[a-z]*\$[^\s\"',)]+")
_PATH_IDS = re.compile(r"(/(?:cadres|accounts)/)([^/?\s\"']+)")
_SQL_PARAMS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background|$))", re.DOTALL)


def redact(text: str) -> str:
    """``text`` with every secret and personal value replaced by ``***``."""
    text = _ARGON2.sub(MASK, text)
    text = _SQL_PARAMS.sub(f"[parameters: {MASK}]", text)
    text = _SECRET.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _QUERY.sub(
        lambda m: (
            m.group(0) if m.group(2) in HARMLESS_PARAMS else f"{m.group(1)}{m.group(2)}={MASK}"
        ),
        text,
    )
    return _PATH_IDS.sub(lambda m: m.group(1) + MASK, text)


def _redacted_arg(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact(value if isinstance(value, str) else str(value))


def clean(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message (and traceback) redacted in place. Its arguments are kept
    as arguments where that is enough (formatters such as uvicorn's access log read them),
    else the message is replaced by its redacted text."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw message, redacted
        message = str(record.msg)
        record.args = ()
    if redact(message) != message:
        args = record.args
        record.msg = redact(str(record.msg))
        if isinstance(args, tuple):
            record.args = tuple(_redacted_arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: _redacted_arg(v) for k, v in args.items()}
        try:
            again = record.getMessage()
        except Exception:
            again = message
        if redact(again) != again:  # a secret spread over the message and its arguments
            record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info))
        record.exc_text = redact(text.rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed = False


def install() -> None:
    """Clean every log record of this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return clean(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True

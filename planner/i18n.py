"""The message catalogue: every user-facing sentence in 简体中文 and English (gettext).

Sentences are written in code in English and marked for the catalogue::

    from planner.i18n import gettext as _, ngettext

    _("unknown college '{college}'").format(college=value)
    ngettext("{n} class stays uncovered", "{n} classes stay uncovered", n).format(n=n)

``N_("...")`` marks a sentence kept in a constant; translate it where it is shown
(``_(CONSTANT)``). The translations live in ``planner/locale/<lang>/LC_MESSAGES/planner.po``
(source) and ``.mo`` (compiled, shipped); ``make catalog`` extracts new sentences from the code
and the service's templates, merges them into both catalogues and compiles them (Babel).
At run time only the standard library's :mod:`gettext` is used, so no command pays for
importing Babel.

The language is per context (a :class:`contextvars.ContextVar`): the command line sets it
from ``--lang`` or the locale (``LANG=zh_CN.UTF-8`` → Chinese, otherwise English), the service
from the user's choice (Chinese by default) for each request.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("zh", "en")
"""The languages of the catalogue: 简体中文 and English."""

LANGUAGE_NAMES: dict[str, str] = {"zh": "简体中文", "en": "English"}
"""Each language as its speakers write it (for a language switch)."""

DOMAIN = "planner"
"""The gettext domain: the catalogue files are ``planner.po`` / ``planner.mo``."""

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
"""Where the catalogues live inside the package."""

_language: ContextVar[str] = ContextVar("planner_language", default="en")


def normalise(language: str | None) -> str | None:
    """``zh``, ``zh_CN.UTF-8``, ``zh-Hans``, ``中文`` → ``zh``; ``en_GB`` → ``en``; else None."""
    if not language:
        return None
    text = language.strip().lower().replace("-", "_")
    if text.startswith("zh") or text in ("中文", "简体中文", "chinese", "cn"):
        return "zh"
    if text.startswith("en") or text == "english":
        return "en"
    return None


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """The command line's language: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is
    set decides (Chinese for ``zh…``); English when none is set or it names another language."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalise(value) or "en"
    return "en"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``language`` (``zh`` or ``en``), loaded once."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for language {language!r}; known: {LANGUAGES}")
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def current_language() -> str:
    """The language of this context: ``zh`` or ``en``."""
    return _language.get()


def set_language(language: str) -> None:
    """Set this context's language (``zh`` or ``en``; other spellings via :func:`normalise`)."""
    code = normalise(language)
    if code is None:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    _language.set(code)


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Speak ``language`` inside the ``with`` block, then return to the language before."""
    code = normalise(language)
    if code is None:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    token = _language.set(code)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    """``message`` in this context's language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a sentence for ``n``, in this context's language."""
    return translations(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in this context's language, disambiguated by ``context`` (a short word)."""
    return translations(_language.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """:func:`ngettext` disambiguated by ``context`` (``count``: a noun as counted, which in
    Chinese carries its measure word: 3个班级)."""
    return translations(_language.get()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (translate where shown)."""
    return message


_ = gettext

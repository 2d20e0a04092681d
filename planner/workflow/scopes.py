"""Which part of the university a plan covers: a scope as a user writes it, checked against the
data set.

A scope is ``university``, ``central`` (the cadres the Student Affairs Office places) or
``college=ID``. :func:`resolve_scope` turns what a user typed into that canonical form: a
college may be named by its id in any letter case or by its name (``college=c01``,
``college=法学院``) when that names exactly one college; anything else is refused, naming the
known colleges, instead of planning an empty scope.
"""

from __future__ import annotations

import unicodedata

from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import gettext as _
from planner.words import listed

UNIVERSITY = "university"
CENTRAL = "central"
COLLEGE_PREFIX = "college="


def college_of(scope: str) -> str | None:
    """The college id of a ``college=ID`` scope, else ``None``."""
    return scope[len(COLLEGE_PREFIX) :] if scope.startswith(COLLEGE_PREFIX) else None


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def resolve_scope(dataset: Dataset, scope: str) -> str:
    """``scope`` in canonical form for ``dataset``; a :class:`UsageError` (exit 2) naming the
    known colleges when a college scope names no college, or more than one."""
    text = unicodedata.normalize("NFKC", str(scope)).strip()
    if text.casefold() in (UNIVERSITY, CENTRAL):
        return text.casefold()
    if not text.casefold().startswith(COLLEGE_PREFIX):
        raise UsageError(
            _("--scope {scope}: write university, central or college=ID (e.g. college=C01)").format(
                scope=scope
            )
        )
    wanted = text[len(COLLEGE_PREFIX) :].strip()
    colleges = dataset.colleges
    ids = [str(c) for c in colleges["id"]]
    if wanted in ids:
        return COLLEGE_PREFIX + wanted
    key = _folded(wanted)
    matches = sorted(
        {
            str(cid)
            for cid, name in zip(colleges["id"], colleges["name"], strict=True)
            if key and key in (_folded(cid), _folded(name))
        }
    )
    if len(matches) == 1:
        return COLLEGE_PREFIX + matches[0]
    known = listed([f"{cid} {name}" for cid, name in zip(ids, colleges["name"], strict=True)], 40)
    if matches:
        raise UsageError(
            _("--scope {scope}: names more than one college ({matches}); give its id").format(
                scope=scope, matches=", ".join(matches)
            )
        )
    raise UsageError(
        _("--scope {scope}: no college '{wanted}' in the data (known: {known})").format(
            scope=scope, wanted=wanted, known=known
        )
    )

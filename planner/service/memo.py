"""Values the pages compute once per process and database, by a key naming everything they
depend on (see :func:`memo`)."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")


class _Memo:
    """Recently computed values of one database, by key (least recently used dropped first).

    A key names everything the value depends on (the plan's id, the semester's dates, a
    fingerprint of the ledger…), so a value is never stale: a change of the data makes a new
    key. A value is computed once even when several requests ask for it at the same moment
    (the others wait for it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[Hashable, threading.Lock] = {}
        self.slots: dict[Hashable, Hashable] = {}
        """The key now held for each slot (see :func:`memo`)."""

    def get(self, key: Hashable, make: Callable[[], T], slot: Hashable = None) -> T:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
            busy = self.pending.setdefault(key, threading.Lock())
        with busy:
            with self.lock:
                if key in self.values:
                    return self.values[key]
            try:
                value = make()
            finally:
                with self.lock:
                    self.pending.pop(key, None)
            with self.lock:
                if slot is not None:
                    older = self.slots.get(slot)
                    if older is not None and older != key:
                        self.values.pop(older, None)  # the same thing, before a change
                    self.slots[slot] = key
                self.values[key] = value
                while len(self.values) > self.size:
                    self.values.popitem(last=False)
                if len(self.slots) > 4 * self.size:
                    held = set(self.values)
                    self.slots = {s: k for s, k in self.slots.items() if k in held}
        return value


_MEMOS: weakref.WeakKeyDictionary[Any, dict[str, _Memo]] = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def memo(
    db: Session,
    key: Hashable,
    make: Callable[[], T],
    pool: str = "pages",
    slot: Hashable = None,
    size: int = 96,
) -> T:
    """``make()``, computed once per ``key`` for the database behind ``db`` (values are
    shared between requests: treat them as read-only). Each ``pool`` keeps its own
    ``size`` latest values (one cadre's values do not push out a college's). A
    ``slot`` names what the value is of, whatever its version (the key without the data's
    fingerprint): a new version drops the one before at once, so a whole university's
    frames changed many times a day do not pile up."""
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _MEMOS_LOCK:
        pools = _MEMOS.get(engine)
        if pools is None:
            pools = _MEMOS[engine] = {}
        found = pools.get(pool)
        if found is None:
            found = pools[pool] = _Memo(size)
    return found.get(key, make, slot)

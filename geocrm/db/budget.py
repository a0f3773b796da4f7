"""The time budget of the work under way (a request): a deadline that bounds the wait for a
pooled connection and the statement timeout of the queries that carry it.

A context variable, so that it follows a request from the middleware that sets it into the
worker threads of its route (Starlette copies the context into them). ``KeyedLocks``: one
piece of work per key at a time (a tile's drawing), waited for within the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from geocrm.db.errors import TOO_SLOW
from geocrm.errors import Overloaded

_deadline: ContextVar[float | None] = ContextVar("geocrm_db_deadline", default=None)


def remaining() -> float | None:
    """Seconds left of the budget (0 or less: spent), or None when there is no budget."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def statement_timeout_ms() -> int | None:
    """The statement timeout of the next query: what is left of the budget, in ms (None:
    no budget); ``Overloaded`` (a 503) when nothing is left."""
    left = remaining()
    if left is None:
        return None
    if left <= 0.001:
        raise Overloaded(TOO_SLOW)
    return max(1, int(left * 1000))


def wait_limit(longest: float) -> float:
    """How long the next wait (for a pooled connection) may last: ``longest``, or less when
    the budget ends sooner; never negative."""
    left = remaining()
    return longest if left is None else max(0.0, min(longest, left))


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the block with at most ``seconds`` more of budget (an enclosing, shorter budget
    stays in force); the previous budget is restored after it."""
    ends = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(ends if current is None else min(current, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def unbounded() -> Iterator[None]:
    """Run the block with no budget (work that must not inherit a request's, e.g. a pool
    being recreated)."""
    token = _deadline.set(None)
    try:
        yield
    finally:
        _deadline.reset(token)


def set_deadline(seconds: float | None) -> None:
    """Give the current context (a request) a budget of ``seconds`` from now (None: none)."""
    _deadline.set(None if seconds is None else time.monotonic() + seconds)


class KeyedLocks:
    """One lock per key, made while someone holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def turn(self, key: tuple) -> Iterator[None]:
        """Hold the lock of ``key`` for the block, waiting for it at most what is left of
        the budget (``Overloaded``, a 503, when it runs out first)."""
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            if not lock.acquire(timeout=wait_limit(threading.TIMEOUT_MAX)):
                raise Overloaded(TOO_SLOW)
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._locks[key]

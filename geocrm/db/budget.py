"""The time budget of the work under way (a request): a deadline that bounds the wait for a
pooled connection and the statement timeout of the queries that carry it.

A context variable, so that it follows a request from the middleware that sets it into the
worker threads of its route (Starlette copies the context into them). ``SharedWork``: one
run of the work of a key at a time (a tile's drawing), waited for within the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from functools import partial
from typing import TypeVar

from geocrm.db.errors import TOO_SLOW
from geocrm.errors import Overloaded

T = TypeVar("T")

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


class SharedWork:
    """One run at a time of the work of a key (a tile's drawing), shared by every caller
    that asks meanwhile. Each caller waits for it at most what is left of its own budget
    (``Overloaded``, a 503, when it runs out first); the run itself has a budget of its own
    (``seconds``), in the context of the caller that started it (the user the database
    sees), on one of ``workers`` threads. A run already started when every caller has given
    up finishes, so that its result (a tile put in the cache) is not lost to the next;
    one not started yet is dropped."""

    def __init__(self, workers: int, seconds: float) -> None:
        self._seconds = seconds
        self._guard = threading.Lock()
        self._runs: dict[tuple, list] = {}  # key -> [future, callers waiting]
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geocrm-work")

    def run(self, key: tuple, work: Callable[[], T]) -> tuple[T, bool]:
        """The result of ``work()`` run for ``key``, and whether this call started it."""
        with self._guard:
            entry = self._runs.get(key)
            first = entry is None
            if entry is None:
                run = partial(copy_context().run, self._bounded, key, work)
                entry = self._runs[key] = [self._pool.submit(run), 0]
            entry[1] += 1
        future: Future = entry[0]
        try:
            return future.result(timeout=wait_limit(threading.TIMEOUT_MAX)), first
        except FutureTimeout:
            raise Overloaded(TOO_SLOW) from None
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1] and future.cancel():  # nobody waits, not started: dropped
                    self._runs.pop(key, None)

    def _bounded(self, key: tuple, work: Callable[[], T]) -> T:
        try:
            with unbounded(), within(self._seconds):
                return work()
        finally:
            with self._guard:
                self._runs.pop(key, None)

"""A time budget for the map's live reads (a vector tile, ``/api/cube``, a zone count):
``GEOCRM_TILE_TIMEOUT_MS`` counted from the request's arrival. The waits for pooled
connections (the caller's sign-in check included) and the statement timeouts of its
queries come out of ``DATABASE_SHARE`` of it (``geocrm.db.budget``), the rest is kept for
the answer's own work, so a busy service answers 503 with ``Retry-After`` in time instead
of late. Other requests (exports, imports, territory design) have no
budget: their wait for a connection is bounded by ``GEOCRM_POOL_TIMEOUT_S``, their queries
by ``GEOCRM_STATEMENT_TIMEOUT_MS``."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from geocrm.db import budget
from geocrm.settings import api_settings

#: The map's live reads: a tile, the cube's reads, a zone's or a drawn area's count.
LIVE_READS = re.compile(
    r"^(/tiles/[^/]+/[^/]+/[^/]+/[^/]+\.mvt|/api/cube(/.*)?|/api/zones/([^/]+/)?count)$"
)


#: The share of a live read's budget its database work may use: the rest is kept for the
#: answer's own work (drawing it, compressing, encoding and sending it), so that under load
#: the answer is out within the budget, not only its queries.
DATABASE_SHARE = 0.8


def request_budget(scope: Scope) -> float | None:
    """The time budget of a request's database work, in seconds: ``DATABASE_SHARE`` of
    ``GEOCRM_TILE_TIMEOUT_MS`` for the map's live reads (``LIVE_READS``), None for anything
    else."""
    if LIVE_READS.match(scope.get("path", "")):
        return api_settings().tile_timeout_ms / 1000 * DATABASE_SHARE
    return None


class DeadlineMiddleware:
    """Sets the budget of each HTTP request to ``budget_of(scope)`` seconds (None: no
    budget, only the pool's own timeout bounds a wait)."""

    def __init__(self, app: ASGIApp, budget_of: Callable[[Scope], float | None] = request_budget):
        self.app = app
        self.budget_of = budget_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # the context of this request only: the worker threads of its route copy it
            budget.set_deadline(self.budget_of(scope))
        await self.app(scope, receive, send)

"""Connection pools that keep the service's limits: sized to fit the server's
``max_connections``, and waiting for a connection no longer than the request's budget.

Each GeoCRM process holds two engines (the web app's role and the owner's); with
``GEOCRM_WORKERS`` processes and ``GEOCRM_DB_RESERVE_CONNECTIONS`` left free for psql, CLI
commands and import jobs, every pool fits when::

    workers x 2 x (pool_size + max_overflow) + reserve <= max_connections - reserved
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.pool import QueuePool

from geocrm.db import budget
from geocrm.errors import SetupError
from geocrm.settings import DatabaseSettings, database_settings

#: Engines of one GeoCRM process: the web app's (scoped) and the owner's.
ENGINES_PER_PROCESS = 2


@dataclass(frozen=True)
class PoolLimits:
    """The size of one engine's pool and the longest wait for one of its connections."""

    size: int
    max_overflow: int
    timeout_s: float

    @property
    def most(self) -> int:
        """The most connections the pool opens at once."""
        return self.size + self.max_overflow

    @classmethod
    def configured(cls, settings: DatabaseSettings | None = None) -> PoolLimits:
        """The pool the settings ask for (``GEOCRM_POOL_*``)."""
        settings = settings or database_settings()
        return cls(settings.pool_size, settings.pool_max_overflow, settings.pool_timeout_s)


def fit_limits(
    wanted: PoolLimits,
    max_connections: int,
    reserved: int,
    *,
    workers: int,
    reserve: int,
) -> PoolLimits:
    """``wanted``, made smaller when needed so that ``workers`` processes of
    ``ENGINES_PER_PROCESS`` pools each, plus ``reserve``, fit in the ``max_connections -
    reserved`` connections ordinary roles may open. ``SetupError`` when not even one
    connection per pool fits."""
    available = max_connections - reserved - reserve
    per_pool = available // (workers * ENGINES_PER_PROCESS)
    if per_pool < 1:
        raise SetupError(
            f"The database accepts {max_connections} connections ({reserved} reserved): too "
            f"few for {workers} GeoCRM process(es) of {ENGINES_PER_PROCESS} pools with "
            f"{reserve} left free. Raise max_connections, or lower GEOCRM_WORKERS or "
            "GEOCRM_DB_RESERVE_CONNECTIONS."
        )
    if wanted.most <= per_pool:
        return wanted
    size = min(wanted.size, per_pool)
    return PoolLimits(size=size, max_overflow=per_pool - size, timeout_s=wanted.timeout_s)


class BudgetedQueuePool(QueuePool):
    """SQLAlchemy's ``QueuePool`` whose wait for a connection is the pool timeout or what is
    left of the current budget (``geocrm.db.budget``), whichever is shorter. A wait that
    ends empty-handed raises ``sqlalchemy.exc.TimeoutError`` (a 503 in the API)."""

    @property  # type: ignore[override]
    def _timeout(self) -> float:
        return budget.wait_limit(self._longest_wait)

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._longest_wait = value

    def recreate(self) -> QueuePool:
        with budget.unbounded():  # the new pool keeps the configured timeout
            return super().recreate()

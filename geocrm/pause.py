"""Test-only pause points: where the fault tests kill GeoCRM with ``kill -9``.

With ``GEOCRM_TEST_PAUSE_AT=<point>`` in its environment, a process that reaches that
named point prints one line, ``GEOCRM_TEST_PAUSED <point> pid=<pid>``, to its standard
output (and writes it to ``GEOCRM_TEST_PAUSE_FILE`` when set), then blocks until it is
killed. A test starts a command as a subprocess, waits for that line (no sleeps), kills it
and checks what a crash at exactly that moment leaves behind. Unset (always, outside the
tests), a pause point costs one environment lookup.

The points, in the order work reaches them:

``reading``       an import has staged its first batch of rows (nothing committed);
``merging``       an import has upserted its rows, in its still open transaction;
``after-change``  a change committed (import, pin, re-geocoding, demo data, published
                  plan, forgotten customer); its enrichment and cube refresh not started;
``enriching``     the first chunk of customers enriched and committed, others pending;
``refreshing``    a cube refresh has claimed the queued cells, its transaction open;
``cube-build``    a cube build has computed everything, its transaction open;
``publishing``    a territory plan is being published, its transaction open.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

POINTS = frozenset(
    {
        "reading",
        "merging",
        "after-change",
        "enriching",
        "refreshing",
        "cube-build",
        "publishing",
    }
)


def pause_at(point: str) -> None:
    """Block here for good when ``GEOCRM_TEST_PAUSE_AT`` names ``point`` (tests only)."""
    assert point in POINTS, point
    if os.environ.get("GEOCRM_TEST_PAUSE_AT") != point:
        return
    line = f"GEOCRM_TEST_PAUSED {point} pid={os.getpid()}"
    marker = os.environ.get("GEOCRM_TEST_PAUSE_FILE")
    if marker:
        Path(marker).write_text(line + "\n")
    print("\n" + line, file=sys.stdout, flush=True)  # its own line, whatever came before
    threading.Event().wait()  # until the test kills the process

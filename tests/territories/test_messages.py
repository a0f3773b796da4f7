"""What a refused edit tells the user names the plan and the territory by their names, in
plain words (hexagons, not cell ids); the ids stay in the logs and the audit trail."""

from __future__ import annotations

import re

import h3
import pytest

from geocrm import pipeline, territories
from geocrm.errors import Conflict, InvalidInput
from tests.territories.facts import cells_of

CELL_ID = re.compile(r"\b8[0-9a-f]{14}\b")  # an H3 cell id as text


def test_refused_edits_name_the_territory_and_the_plan_not_their_ids(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers", name="Spring east")
    pid = plan["plan_id"]
    ids = [t["territory_id"] for t in plan["territories"]]
    territories.edit_territory(engine, pid, ids[0], name="Kallio", locked=True)
    cells = cells_of(engine, pid)
    inside = next(c for c, t in cells.items() if t == ids[0])

    # a locked territory keeps its hexagons: the message says which one by its name
    with pytest.raises(InvalidInput) as locked:
        territories.move_cells(engine, pid, [inside], territory_id=ids[1])
    message = str(locked.value)
    assert "territory “Kallio” is locked" in message
    assert f"territory {ids[0]}" not in message and not CELL_ID.search(message)

    # emptying a territory: named, not numbered
    last = [c for c, t in cells.items() if t == ids[2]]
    with pytest.raises(InvalidInput) as emptied:
        territories.move_cells(engine, pid, last, territory_id=ids[1])
    name = next(t["name"] for t in plan["territories"] if t["territory_id"] == ids[2])
    assert f"territory “{name}” without cells" in str(emptied.value)
    assert f"territory {ids[2]}" not in str(emptied.value)

    # hexagons outside the plan: counted, the plan named, no cell id
    outside = h3.str_to_int(h3.latlng_to_cell(0.0, 0.0, plan["res"]))
    with pytest.raises(InvalidInput) as missing:
        territories.move_cells(engine, pid, [outside], territory_id=ids[1])
    assert "1 of the chosen hexagons are outside plan “Spring east”" in str(missing.value)
    assert not CELL_ID.search(str(missing.value)) and f"plan {pid}" not in str(missing.value)

    # a published plan is read-only: the plan by its name
    territories.edit_territory(engine, pid, ids[0], locked=False)
    pipeline.publish_plan(engine, pid)
    with pytest.raises(Conflict) as published:
        territories.move_cells(engine, pid, [inside], territory_id=ids[1])
    assert "plan “Spring east” is published" in str(published.value)
    assert f"plan {pid}" not in str(published.value)

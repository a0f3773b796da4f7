"""Versions and edits: a published plan is changed through an editable copy; a draft's
cells move and its territories get another rep, a lock or a name, with the balance and
the strong bonds kept before and after."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from geocrm import pipeline, territories
from geocrm.errors import Conflict, InvalidInput, NotFound
from tests.territories.facts import (
    cells_of,
    free_rep,
)


def test_a_draft_can_be_edited_with_balance_before_and_after(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, plan["plan_id"])
    ids = [t["territory_id"] for t in plan["territories"]]
    cell = next(c for c, t in cells.items() if t == ids[0])
    edited = territories.move_cells(engine, plan["plan_id"], [cell], territory_id=ids[1])
    assert edited["edit"]["balance_before"] == plan["balance"]
    assert cells_of(engine, plan["plan_id"])[cell] == ids[1]
    with engine.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT what->>'action' FROM crm.territory_edits WHERE plan_id = :p "
                "ORDER BY edit_id"
            ),
            {"p": plan["plan_id"]},
        ).scalars()
        assert list(actions) == ["design", "edit"]
    # a territory keeps at least one cell
    last = [c for c, t in cells_of(engine, plan["plan_id"]).items() if t == ids[2]]
    with pytest.raises(InvalidInput, match="without cells"):
        territories.move_cells(engine, plan["plan_id"], last, territory_id=ids[0])


def test_a_new_version_of_a_published_plan_is_an_editable_draft_copy(engine, enriched):
    """A manager cannot edit the published plan: she makes version 2 of it, which has the
    same territories, reps, cells and locks, edits that, and the original stays as it was."""
    designed = territories.design_plan(engine, k=3, measure="customers", name="autumn")
    cell = next(iter(cells_of(engine, designed["plan_id"])))
    territories.move_cells(engine, designed["plan_id"], [cell], locked=True)
    original = pipeline.publish_plan(engine, designed["plan_id"])

    copy = territories.copy_plan(engine, original["plan_id"], who="maria")
    assert copy["plan_id"] != original["plan_id"]
    assert copy["status"] == "draft" and copy["active"] is False
    assert copy["name"] == "autumn"
    assert copy["version"] == original["version"] + 1 == 2
    assert copy["based_on"] == original["plan_id"]
    assert copy["stats"]["balance"] == original["stats"]["balance"]
    # the same territories in the same order: name, rep, lock, cells, locked cells
    assert len(copy["territories"]) == len(original["territories"])
    for new, old in zip(copy["territories"], original["territories"], strict=True):
        assert new["territory_id"] != old["territory_id"]
        for key in ("name", "rep_id", "locked", "h3_cells", "locked_cells", "workload"):
            assert new[key] == old[key], key
    with engine.connect() as conn:
        cells_and_locks = (
            "SELECT h3, locked FROM crm.territory_cells WHERE plan_id = :p ORDER BY h3"
        )
        assert (
            conn.execute(text(cells_and_locks), {"p": copy["plan_id"]}).all()
            == conn.execute(text(cells_and_locks), {"p": original["plan_id"]}).all()
        )
        history = conn.execute(
            text("SELECT who, what FROM crm.territory_edits WHERE plan_id = :p"),
            {"p": copy["plan_id"]},
        ).all()
    assert [(who, what["action"], what["from_plan"]) for who, what in history] == [
        ("maria", "copy", original["plan_id"])
    ]

    # the copy is editable, the original is not and does not change
    ids = [t["territory_id"] for t in copy["territories"]]
    movable = next(
        c for c, t in cells_of(engine, copy["plan_id"]).items() if t == ids[0] and c != cell
    )
    territories.move_cells(engine, copy["plan_id"], [movable], territory_id=ids[1])
    assert cells_of(engine, copy["plan_id"])[movable] == ids[1]
    with pytest.raises(Conflict):
        territories.move_cells(
            engine,
            original["plan_id"],
            [movable],
            territory_id=original["territories"][1]["territory_id"],
        )
    assert (
        territories.get_plan(engine, original["plan_id"])["territories"] == original["territories"]
    )
    # a version of a version
    third = territories.copy_plan(engine, copy["plan_id"])
    assert (third["version"], third["based_on"]) == (3, copy["plan_id"])
    assert (
        third["territories"][1]["h3_cells"]
        == territories.get_plan(engine, copy["plan_id"])["territories"][1]["h3_cells"]
    )
    with pytest.raises(NotFound):
        territories.copy_plan(engine, 999_999)


def test_giving_a_territory_another_rep_changes_the_bonds_it_keeps(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, plan["plan_id"])
    with engine.connect() as conn:
        area = territories.load_area(conn, plan["res"], list(cells))
    ids = [t["territory_id"] for t in plan["territories"]]
    labels = np.array([ids.index(cells[int(c)]) for c in area.cells])
    reps = [t["rep_id"] for t in plan["territories"]]
    # the territory whose rep keeps the most strong bonds, given to a rep with no territory
    kept = area.kept_bonds(labels, reps)
    target = int(np.argmax(kept))
    assert kept[target] > 0
    new_rep = free_rep(engine, plan)
    after_reps = [new_rep if i == target else r for i, r in enumerate(reps)]
    expected_after = int(area.kept_bonds(labels, after_reps).sum())

    edited = territories.edit_territory(
        engine, plan["plan_id"], ids[target], rep_id=new_rep, who="maria"
    )
    edit = edited["edit"]
    assert edit["action"] == "territory" and edit["who"] == "maria"
    assert edit["territory_id"] == ids[target]
    assert edit["changes"] == {"rep_id": {"before": reps[target], "after": new_rep}}
    assert edit["bonds_kept_before"] == plan["stats"]["bonds_kept"] == int(kept.sum())
    assert edit["bonds_kept_after"] == expected_after < edit["bonds_kept_before"]
    # a rep change moves no cell: the balance stays
    assert edit["balance_before"] == edit["balance_after"] == plan["balance"]
    assert edit["contiguous"] is True
    # stored like after a cell move: the plan's and the territory's stats
    saved = territories.get_plan(engine, plan["plan_id"])
    assert saved["stats"]["bonds_kept"] == expected_after
    assert saved["stats"]["bonds_broken"] == saved["stats"]["strong_bonds"] - expected_after
    changed = saved["territories"][target]
    assert changed["rep_id"] == new_rep and changed["rep_name"] is not None
    assert changed["rep_mean_distance_km"] != plan["territories"][target]["rep_mean_distance_km"]

    # no rep at all ("rep_id": null) keeps none of its bonds; a name and a lock
    bare = territories.edit_territory(
        engine, plan["plan_id"], ids[target], rep_id=None, name="  North  ", locked=True
    )
    assert bare["territories"][target]["rep_id"] is None
    assert bare["territories"][target]["name"] == "North"
    assert bare["territories"][target]["locked"] is True
    assert bare["edit"]["bonds_kept_after"] == int(
        area.kept_bonds(labels, [None if i == target else r for i, r in enumerate(reps)]).sum()
    )
    assert set(bare["edit"]["changes"]) == {"rep_id", "name", "locked"}
    # leaving rep_id out leaves the rep
    other = (target + 1) % 3
    renamed = territories.edit_territory(engine, plan["plan_id"], ids[other], name="South")
    assert renamed["territories"][other]["rep_id"] == saved["territories"][other]["rep_id"]
    assert set(renamed["edit"]["changes"]) == {"name"}
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT what->>'action' FROM crm.territory_edits WHERE plan_id = :p ORDER BY at"),
            {"p": plan["plan_id"]},
        ).scalars()
        assert list(actions) == ["design", "territory", "territory", "territory"]


def test_a_cell_move_reports_the_bonds_kept_before_and_after(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, plan["plan_id"])
    ids = [t["territory_id"] for t in plan["territories"]]
    with engine.connect() as conn:
        area = territories.load_area(conn, plan["res"], list(cells))
    reps = [t["rep_id"] for t in plan["territories"]]
    # a boundary cell of territory 0 with bonds, moved to a neighbouring territory
    index = {int(c): i for i, c in enumerate(area.cells)}
    labels = np.array([ids.index(cells[int(c)]) for c in area.cells])
    nbrs = territories.neighbours(area.cells.tolist())
    i, j = next(
        (i, j)
        for i in range(len(area.cells))
        for j in nbrs[i]
        if labels[j] != labels[i] and area.bonds.get(i)
    )
    moved = labels.copy()
    moved[i] = labels[j]
    edited = territories.move_cells(
        engine, plan["plan_id"], [int(area.cells[i])], territory_id=ids[labels[j]]
    )
    assert index[int(area.cells[i])] == i
    assert edited["edit"]["bonds_kept_before"] == int(area.kept_bonds(labels, reps).sum())
    assert edited["edit"]["bonds_kept_after"] == int(area.kept_bonds(moved, reps).sum())
    assert edited["edit"]["bonds_kept_after"] == edited["stats"]["bonds_kept"]


def test_territory_edits_are_refused_with_the_right_error(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    other = territories.design_plan(engine, k=2, measure="customers")
    ids = [t["territory_id"] for t in plan["territories"]]
    with pytest.raises(NotFound, match="does not exist"):
        territories.edit_territory(engine, 999_999, ids[0], name="x")
    with pytest.raises(NotFound, match="not in territory plan"):
        territories.edit_territory(
            engine, plan["plan_id"], other["territories"][0]["territory_id"], name="x"
        )
    with pytest.raises(InvalidInput, match="rep 999999 does not exist"):
        territories.edit_territory(engine, plan["plan_id"], ids[0], rep_id=999_999)
    with pytest.raises(InvalidInput, match="nothing to change"):
        territories.edit_territory(engine, plan["plan_id"], ids[0])
    with pytest.raises(InvalidInput, match="name"):
        territories.edit_territory(engine, plan["plan_id"], ids[0], name="  ")
    with engine.begin() as conn:
        inactive = conn.execute(
            text(
                "INSERT INTO crm.reps (external_id, name, region, home_base, active) "
                "VALUES ('gone', 'Gone Rep', 'x', ST_SetSRID(ST_MakePoint(24.94, 60.17), 4326),"
                " false) RETURNING rep_id"
            )
        ).scalar_one()
    with pytest.raises(InvalidInput, match="not active"):
        territories.edit_territory(engine, plan["plan_id"], ids[0], rep_id=inactive)
    # nothing was changed by the refused edits
    assert territories.get_plan(engine, plan["plan_id"])["territories"] == plan["territories"]
    pipeline.publish_plan(engine, plan["plan_id"])
    with pytest.raises(Conflict, match="read-only"):
        territories.edit_territory(engine, plan["plan_id"], ids[0], name="x")


def test_cells_cannot_move_into_or_out_of_a_locked_territory(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    ids = [t["territory_id"] for t in plan["territories"]]
    territories.edit_territory(engine, plan["plan_id"], ids[0], locked=True)
    cells = cells_of(engine, plan["plan_id"])
    mine = next(c for c, t in cells.items() if t == ids[0])
    theirs = next(c for c, t in cells.items() if t == ids[1])
    with pytest.raises(InvalidInput, match=r"locked.*out of"):
        territories.move_cells(engine, plan["plan_id"], [mine], territory_id=ids[1])
    with pytest.raises(InvalidInput, match=r"locked.*into"):
        territories.move_cells(engine, plan["plan_id"], [theirs], territory_id=ids[0])
    assert cells_of(engine, plan["plan_id"]) == cells
    # (un)locking its cells is not a move; once unlocked, its cells move again
    territories.move_cells(engine, plan["plan_id"], [mine], locked=True)
    territories.edit_territory(engine, plan["plan_id"], ids[0], locked=False)
    territories.move_cells(engine, plan["plan_id"], [theirs], territory_id=ids[0])
    assert cells_of(engine, plan["plan_id"])[theirs] == ids[0]

"""`geocrm territories`: design, list and copy plans from the command line."""

from __future__ import annotations

import json

import h3
from sqlalchemy import text

from geocrm import territories
from geocrm.cli import main
from tests.territories.facts import (
    bound,
)


def test_the_cli_designs_a_plan_and_prints_json(engine, enriched, use_database, capsys):
    assert main(["territories", "design", "--k", "3", "--measure", "customers", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["contiguous"] is True
    assert plan["balance"] <= bound(engine, 3)
    assert len(plan["territories"]) == 3
    assert all("workload" in t and "customers" in t for t in plan["territories"])
    assert main(["territories", "list"]) == 0
    assert str(plan["plan_id"]) in capsys.readouterr().out
    # a cell locked into the third territory stays there
    cell = plan["territories"][0]["territory_id"]
    with engine.connect() as conn:
        first = conn.execute(
            text("SELECT h3 FROM crm.territory_cells WHERE territory_id = :t LIMIT 1"),
            {"t": cell},
        ).scalar_one()
    args = ["territories", "design", "--k", "3", "--measure", "customers", "--json"]
    assert main([*args, "--lock", f"{h3.int_to_str(first)}=2"]) == 0
    locked = json.loads(capsys.readouterr().out)
    assert locked["territories"][2]["locked_cells"] == [h3.int_to_str(first)]
    assert main([*args, "--lock", "nonsense"]) == 2


def test_the_cli_copies_a_plan(engine, enriched, use_database, capsys):
    plan = territories.design_plan(engine, k=2, measure="customers")
    assert main(["territories", "copy", str(plan["plan_id"]), "--json"]) == 0
    copy = json.loads(capsys.readouterr().out)
    assert copy["based_on"] == plan["plan_id"] and copy["version"] == 2
    assert [t["h3_cells"] for t in copy["territories"]] == [
        t["h3_cells"] for t in plan["territories"]
    ]
    assert main(["territories", "copy", "999999"]) == 3

"""The command line renders what the domain returns: the plan table; a hook's sentence."""

from geocrm.cli.territories import plan_table
from geocrm.freshness import FreshnessReport


def test_the_freshness_line_says_what_the_hook_did_to_the_cube():
    assert "not built yet" in FreshnessReport(built=False).summary()
    failed = FreshnessReport(error="disk on fire").summary()
    assert "NOT refreshed (disk on fire)" in failed and "geocrm cube refresh" in failed
    assert FreshnessReport(rebuilt=True, seconds={"total": 2.25}).summary() == (
        "hex cube: rebuilt in 2.2 s"
    )
    assert FreshnessReport(enriched=3, cells=7, seconds={"total": 0.5}).summary() == (
        "hex cube: 3 customers enriched, 7 cells refreshed in 0.50 s"
    )
    assert FreshnessReport(seconds={"total": 0.01}).summary() == ("hex cube: up to date (0.01 s)")


def test_the_plan_table_has_a_row_per_plan_under_its_header():
    plans = [
        {"plan_id": 1, "status": "published", "active": True, "measure": "customers", "k": 4,
         "res": 9, "balance": 1.0412, "name": "North"},
        {"plan_id": 12, "status": "draft", "active": False, "measure": "mix", "k": 3,
         "res": 8, "balance": None, "name": "Trial"},
    ]  # fmt: skip
    header, first, second = plan_table(plans).splitlines()
    assert header.split() == ["id", "status", "active", "measure", "k", "res", "balance", "name"]
    assert first.split() == ["1", "published", "yes", "customers", "4", "9", "1.041", "North"]
    assert second.split() == ["12", "draft", "mix", "3", "8", "-", "Trial"]

"""A manager filters the map and opens a hexagon: the hexagon panel (GET /api/cube/{cell})
shows the figures of the map's hexagon under the same filters — measures, top customers
and every breakdown — with the k-rule and row-level security as on the map."""

from __future__ import annotations

import h3
import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geocrm.cube import FILTERS, MEASURES, build_cube, query_cube
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy

K = 5  # GEOCRM_MIN_CELL_COUNT's default
TWO_STAGES = {"stage": "client,partner"}

# the customers of a res-11 id range under a stage filter, straight from the CRM tables
CUSTOMERS_OF_RANGE = """
SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
       coalesce(sum(c.annual_revenue), 0) AS revenue
FROM crm.customers c JOIN crm.customer_enrichment e USING (customer_id)
WHERE e.h3_11 BETWEEN :lo AND :hi AND c.stage = ANY (CAST(:stages AS text[]))
"""


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def cell(engine, built) -> dict:
    """The res-9 cell with the most clients and partners."""
    return max(query_cube(engine, res=9, filters=TWO_STAGES), key=lambda c: c["customers"])


def _detail(client, cell: str, **params) -> dict:
    response = client.get(f"/api/cube/{cell}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _n(row: dict) -> int:
    return row["customers"] + row["prospects"]


def _range(cell: str) -> tuple[int, int]:
    children = [h3.str_to_int(c) for c in h3.cell_to_children(cell, 11)]
    return min(children), max(children)


def test_the_panel_of_a_cell_is_the_cell_of_the_filtered_map(client, engine, cell):
    everything = _detail(client, cell["h3"])
    detail = _detail(client, cell["h3"], **TWO_STAGES)
    assert {k: detail[k] for k in MEASURES} == {k: cell[k] for k in MEASURES}
    assert detail["revenue"] < everything["revenue"]  # the filter narrows the panel
    # the cube cell is the CRM's own sum of the clients and partners in the hexagon
    lo, hi = _range(cell["h3"])
    with engine.connect() as conn:
        raw = conn.execute(
            text(CUSTOMERS_OF_RANGE), {"lo": lo, "hi": hi, "stages": ["client", "partner"]}
        ).one()
    assert (detail["customers"], detail["prospects"]) == (raw.customers, raw.prospects)
    assert detail["revenue"] == pytest.approx(float(raw.revenue), abs=0.01)
    # top customers: the matching ones only, by revenue
    top = detail["top_customers"]
    assert top and {c["stage"] for c in top} <= {"client", "partner"}
    assert [c["annual_revenue"] for c in top] == sorted(
        (c["annual_revenue"] for c in top), reverse=True
    )
    assert all(h3.cell_to_parent(c["h3_11"], 9) == cell["h3"] for c in top)
    # every breakdown splits the filtered cell
    for dimension in FILTERS:
        rows = detail["breakdown"][dimension]
        assert sum(r["customers"] for r in rows) == detail["customers"], dimension
        assert sum(r["prospects"] for r in rows) == detail["prospects"], dimension
    assert {r["value"] for r in detail["breakdown"]["stage"]} <= {"client", "partner"}
    # by month: each month is the cell under the stage filter and that month
    months = detail["breakdown"]["month"]
    assert months
    for row in months[-2:]:
        (that_month,) = [
            c
            for c in query_cube(engine, res=9, filters={**TWO_STAGES, "month": row["value"]})
            if c["h3"] == cell["h3"]
        ]
        assert row["customers"] == that_month["customers"]
        assert row["orders"] == that_month["orders"]


def test_the_panel_equals_the_hexagon_of_the_filtered_tile(client, cell):
    lat, lon = h3.cell_to_latlng(cell["h3"])
    x, y = tile_xy(lon, lat, 13)  # the map draws res 9 at zoom 13
    tile = client.get(f"/tiles/hexes/13/{x}/{y}.mvt", params={"measure": "revenue", **TWO_STAGES})
    assert tile.status_code == 200
    features = mapbox_vector_tile.decode(tile.content)["hexes"]["features"]
    (drawn,) = [f["properties"] for f in features if f["properties"]["h3"] == cell["h3"]]
    detail = _detail(client, cell["h3"], **TWO_STAGES)
    assert drawn["value"] == pytest.approx(detail["revenue"], abs=0.01)
    assert (drawn["customers"], drawn["prospects"]) == (detail["customers"], detail["prospects"])
    # and the hexagon is the sum of its children drawn at the next zoom
    finer = client.get(
        f"/api/cube/{cell['h3']}/children", params={"measure": "revenue", **TWO_STAGES}
    ).json()
    assert sum(c["revenue"] for c in finer) == pytest.approx(detail["revenue"], abs=0.01)


def test_a_month_and_several_dimensions_filter_the_panel_too(client, engine, cell):
    months = client.get("/api/cube/dimensions").json()["month"]
    filters = {"kind": "person,business", "stage": "client", "month": months[-1]}
    detail = _detail(client, cell["h3"], **filters)
    cells = {c["h3"]: c for c in query_cube(engine, res=9, filters=filters)}
    expected = cells.get(cell["h3"])
    if expected is None:  # nothing matches there: zero, not an error
        assert _n(detail) == 0 and detail["top_customers"] == []
    else:
        assert {k: detail[k] for k in MEASURES} == {k: expected[k] for k in MEASURES}
        assert {c["stage"] for c in detail["top_customers"]} <= {"client"}


def test_a_filter_matching_nothing_gives_zeros_and_bad_filters_are_refused(client, engine, cell):
    with engine.connect() as conn:
        store = conn.execute(text("SELECT max(store_id) FROM crm.stores")).scalar_one()
    far = {"store_id": str(store), "stage": "prospect", "kind": "business"}
    matching = {c["h3"] for c in query_cube(engine, res=9, filters=far)}
    empty_cell = next(
        c["h3"] for c in query_cube(engine, res=9) if c["h3"] not in matching and _n(c) > 0
    )
    detail = _detail(client, empty_cell, **far)
    assert _n(detail) == 0 and detail["revenue"] == 0 and detail["top_customers"] == []
    assert all(rows == [] for name, rows in detail["breakdown"].items() if name != "month")
    bad = client.get(f"/api/cube/{cell['h3']}", params={"stage": "client,champion"})
    assert bad.status_code == 422 and "champion" in bad.json()["detail"]
    tokyo = h3.latlng_to_cell(35.68, 139.76, 9)
    assert client.get(f"/api/cube/{tokyo}", params=TWO_STAGES).status_code == 404


def test_the_k_rule_and_row_level_security_hold_under_filters(client_as, engine, cell, built):
    analyst = client_as("analyst")
    shown = {c["h3"]: c for c in analyst.get("/api/cube", params={"res": 9, **TWO_STAGES}).json()}[
        cell["h3"]
    ]
    detail = _detail(analyst, cell["h3"], **TWO_STAGES)
    assert {k: detail[k] for k in shown if k != "cell"} == {
        k: v for k, v in shown.items() if k != "cell"
    }
    assert "suppressed_cells" in detail
    assert detail["top_customers"] == []  # an analyst sees no customer row
    for dimension, rows in detail["breakdown"].items():
        assert all(_n(r) >= K for r in rows), dimension
        assert all("suppressed_cells" in r for r in rows), dimension
    # a rep: only their own customers among the top ones, and only matching ones
    with engine.connect() as conn:
        rep = conn.execute(
            text(
                "SELECT c.assigned_rep_id FROM crm.customers c "
                "JOIN crm.customer_enrichment e USING (customer_id) "
                "WHERE e.h3_11 BETWEEN :lo AND :hi AND c.stage IN ('client', 'partner') "
                "AND c.assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            dict(zip(("lo", "hi"), _range(cell["h3"]), strict=True)),
        ).scalar_one()
    as_rep = _detail(client_as("rep", (rep,)), cell["h3"], **TWO_STAGES)
    top = as_rep["top_customers"]
    assert top and all(c["rep_id"] == rep and c["stage"] in ("client", "partner") for c in top)

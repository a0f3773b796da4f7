"""Customers outside the loaded city (issue 14): a country-wide file keeps every row, but a
point at 0,0, with lat and lon swapped, or in Paris is flagged ``outside_city``, listed by
``geocoding-issues`` and left out of enrichment, the hex cube and territory design (which
says how many it left out); a manual pin there is refused."""

from __future__ import annotations

import h3
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from geocrm import territories
from geocrm.cli import main
from geocrm.cube import build_cube, query_cube, refresh_cube
from geocrm.customers import geocoding_issues, pin_customer
from geocrm.db.extent import flag_outside_city
from geocrm.errors import InvalidInput
from geocrm.pipeline import enrich_city, import_customers
from geocrm.settings import CitySettings, city_settings
from tests.ingest.customer_files import STATION, write_csv

#: lat, lon of each row: three outside the city, one inside
ZERO = (0.0, 0.0)
SWAPPED = (24.94, 60.17)  # Helsinki given the other way round
PARIS = (48.8566, 2.3522)
OUTSIDE = {"T-out-zero": ZERO, "T-out-swapped": SWAPPED, "T-out-paris": PARIS}
#: 5 km north of the extent of the bundled extract's streets (its north edge is ~60.18)
NEAR = (60.225, 24.94)


@pytest.fixture(scope="module")
def built(engine, demo):
    """The demo customers enriched and the cube built."""
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture
def own(engine, built):
    """Customers T-out-* and plans a test adds; removed afterwards, the cube refreshed."""
    plans: list[int] = []
    yield plans
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-out-%'"))
        conn.execute(
            text("DELETE FROM crm.territory_plans WHERE plan_id = ANY (:ids)"), {"ids": plans}
        )
    refresh_cube(engine)


@pytest.fixture
def margin(monkeypatch):
    """Set GEOCRM_EXTENT_MARGIN_KM for the test (the settings are read once a process)."""

    def set_km(km: float) -> None:
        monkeypatch.setenv("GEOCRM_EXTENT_MARGIN_KM", str(km))
        city_settings.cache_clear()

    yield set_km
    monkeypatch.delenv("GEOCRM_EXTENT_MARGIN_KM", raising=False)
    city_settings.cache_clear()


def _import(engine, tmp_path, rows: dict[str, tuple[float, float]]):
    path = write_csv(
        tmp_path / "country.csv",
        [
            [eid, f"Customer {eid}", "business", "customer", "100", "0.1", *p]
            for eid, p in rows.items()
        ],
    )
    return import_customers(engine, path, progress=False)


def _flags(engine) -> dict[str, tuple[bool, bool]]:
    """external_id -> (outside_city, has an enrichment row) of the T-out-* customers."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.external_id, c.outside_city, e.customer_id IS NOT NULL "
                "FROM crm.customers c LEFT JOIN crm.customer_enrichment e USING (customer_id) "
                "WHERE c.external_id LIKE 'T-out-%'"
            )
        ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _inside_customers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE geom IS NOT NULL AND NOT outside_city")
        ).scalar_one()


def _cube_total(engine) -> int:
    return int(sum(c["customers"] + c["prospects"] for c in query_cube(engine, res=5)))


def _city_box(engine) -> tuple[float, float, float, float]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT min(ST_XMin(extent)), min(ST_YMin(extent)), max(ST_XMax(extent)), "
                    "max(ST_YMax(extent)) FROM ref.datasets"
                )
            ).one()
        )


def test_rows_outside_the_city_land_flagged_listed_and_left_out_of_cube_and_territories(
    engine, client, own, tmp_path
):
    report = _import(engine, tmp_path, {**OUTSIDE, "T-out-inside": STATION})
    assert (report.rows, report.inserted, report.rejected, report.outside_city) == (4, 4, 0, 3)
    # every row landed; the outside ones flagged and never enriched, the inside one enriched
    assert _flags(engine) == {
        "T-out-zero": (True, False),
        "T-out-swapped": (True, False),
        "T-out-paris": (True, False),
        "T-out-inside": (False, True),
    }

    issues = {r["external_id"]: r for r in geocoding_issues(engine)}
    assert {e for e, r in issues.items() if r["reason"] == "outside_city"} == set(OUTSIDE)
    assert "look swapped" in issues["T-out-swapped"]["detail"]
    assert "look swapped" not in issues["T-out-paris"]["detail"]
    listed = client.get("/api/customers/geocoding-issues").json()
    assert {r["external_id"] for r in listed if r["reason"] == "outside_city"} == set(OUTSIDE)
    assert list(listed[0])[-2:] == ["reason", "detail"] and listed[0]["reason"] == "outside_city"

    # the cube counts exactly the customers inside, and /health says how many are outside
    assert _cube_total(engine) == _inside_customers(engine)
    health = client.get("/health").json()["data"]
    assert health["customers_outside_city"] == 3
    assert build_cube(engine)["customers_outside_city"] == 3
    assert _cube_total(engine) == _inside_customers(engine)  # a full build agrees

    # a territory design is over the city only, and says whom it left out
    response = client.post("/api/territory-plans", json={"k": 3, "measure": "customers"})
    assert response.status_code == 201, response.text
    plan = response.json()
    own.append(plan["plan_id"])
    left_out = plan["stats"]["left_out"]
    assert left_out["outside_city"] == 3
    assert (
        plan["customers_left_out"]
        == left_out["total"]
        == sum(v for k, v in left_out.items() if k != "total")
    )
    in_design = sum(t["customers"] for t in plan["territories"])
    assert in_design + plan["customers_left_out"] == health["customers"]


def test_one_customer_at_0_0_no_longer_breaks_territory_design(engine, client, own, tmp_path):
    # before: H3FailedError "Couldn't find line between cells" (a 500) on every design
    assert _import(engine, tmp_path, {"T-out-zero": ZERO}).outside_city == 1
    with engine.connect() as conn:
        not_placed = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE geom IS NULL")
        ).scalar_one()
    response = client.post("/api/territory-plans", json={"k": 2, "measure": "customers"})
    assert response.status_code == 201, response.text
    plan = response.json()
    own.append(plan["plan_id"])
    assert plan["stats"]["left_out"]["outside_city"] == 1
    assert plan["customers_left_out"] == 1 + not_placed
    # every cell of the plan lies in the city (not on a line across a continent)
    west, south, east, north = _city_box(engine)
    with engine.connect() as conn:
        cells = conn.execute(
            text("SELECT h3 FROM crm.territory_cells WHERE plan_id = :p"), {"p": plan["plan_id"]}
        ).scalars()
        centres = [h3.cell_to_latlng(h3.int_to_str(c)) for c in cells]
    assert centres and all(
        south - 0.01 <= lat <= north + 0.01 and west - 0.01 <= lon <= east + 0.01
        for lat, lon in centres
    )


def test_the_cli_lists_them_and_its_design_says_how_many_it_left_out(
    engine, own, tmp_path, use_database, capsys
):
    _import(engine, tmp_path, {"T-out-paris": PARIS})
    assert main(["customers", "geocoding-issues"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "T-out-" in line]
    assert len(listed) == 1 and listed[0].split()[:2] == ["T-out-paris", "outside_city"]
    assert main(["territories", "design", "--k", "2", "--measure", "customers"]) == 0
    out = capsys.readouterr().out
    assert "customers left out: " in out
    assert "1 outside the loaded cities" in out
    own.extend(p["plan_id"] for p in territories.list_plans(engine) if p["status"] == "draft")


def test_a_pin_outside_the_city_is_refused_by_the_api_and_the_cli(
    engine, client, own, tmp_path, use_database, capsys
):
    _import(engine, tmp_path, {"T-out-inside": STATION})
    before = _flags(engine)
    response = client.put(
        "/api/customers/T-out-inside/location", json={"lat": SWAPPED[0], "lon": SWAPPED[1]}
    )
    assert response.status_code == 422
    message = response.json()["detail"]
    assert "look swapped" in message and "GEOCRM_EXTENT_MARGIN_KM" in message
    args = ["customers", "pin", "T-out-inside", "--lat", str(PARIS[0]), "--lon", str(PARIS[1])]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "km from the loaded cities" in err and "within 10 km" in err
    with engine.connect() as conn:
        lat, level = conn.execute(
            text(
                "SELECT ST_Y(geom), geocode_match_level FROM crm.customers "
                "WHERE external_id = 'T-out-inside'"
            )
        ).one()
    assert (lat, level) == (pytest.approx(STATION[0]), "provided")
    assert _flags(engine) == before
    # within the city (and its margin) a pin still works
    assert (
        client.put(
            "/api/customers/T-out-inside/location", json={"lat": NEAR[0], "lon": NEAR[1]}
        ).json()["match_level"]
        == "manual"
    )


def test_the_margin_is_a_setting(engine, own, tmp_path, margin):
    # 5 km outside the extent: inside the default margin of 10 km
    assert CitySettings().extent_margin_km == 10
    assert _import(engine, tmp_path, {"T-out-near": NEAR}).outside_city == 0
    margin(2)
    with engine.begin() as conn:  # what `geocrm enrich` runs first: the new margin applies
        moved = flag_outside_city(conn)
    assert (moved.flagged, moved.unflagged) == (1, 0)
    assert _flags(engine)["T-out-near"] == (True, False)  # its enrichment dropped
    with pytest.raises(InvalidInput, match="within 2 km"):
        pin_customer(engine, "T-out-near", lon=NEAR[1], lat=NEAR[0])
    margin(10)
    with engine.begin() as conn:
        assert flag_outside_city(conn).unflagged == 1
    assert _flags(engine)["T-out-near"] == (False, False)  # enriched by the next enrichment
    enrich_city(engine, progress=False)
    assert _flags(engine)["T-out-near"] == (False, True)
    for bad in ("-1", "nan", "1001", "km"):
        with pytest.raises(ValidationError):
            CitySettings(extent_margin_km=bad)


def test_loading_another_city_brings_its_customers_inside(engine, own, tmp_path):
    """What `geocrm load-osm` runs in its transaction once the new extent is set: here a
    second city's extent around Paris (its row only: reading a real extract is slow)."""
    _import(engine, tmp_path, {"T-out-paris": PARIS, "T-out-zero": ZERO})
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ref.datasets (name, source_path, source_sha256, extent) "
                "VALUES ('t-paris', 'paris.osm.pbf', 'x', "
                "ST_MakeEnvelope(2.25, 48.81, 2.42, 48.90, 4326))"
            )
        )
        moved = flag_outside_city(conn)
    try:
        assert (moved.flagged, moved.unflagged) == (0, 1)
        assert _flags(engine) == {"T-out-paris": (False, False), "T-out-zero": (True, False)}
        issues = {
            r["external_id"] for r in geocoding_issues(engine) if r["reason"] == "outside_city"
        }
        assert issues == {"T-out-zero"}
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ref.datasets WHERE name = 't-paris'"))
            flag_outside_city(conn)
    assert _flags(engine)["T-out-paris"] == (True, False)

"""A rep's map asks the API for customers in view; bad requests get clear 4xx answers."""

import pytest
from shapely.geometry import box, shape
from sqlalchemy import text

HELSINKI_CENTRE = (24.935, 60.160, 24.955, 60.172)


def test_health_reports_database_postgis_and_data(client):
    res = client.get("/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok" and body["database"] == "reachable"
    assert body["postgis_version"].startswith("3.")
    assert body["data_loaded"] is True
    assert body["data"]["cities"] == ["helsinki"]
    assert body["data"]["customers"] > 0 and body["data"]["buildings"] > 0


def test_customers_in_a_bbox_are_valid_geojson_inside_the_bbox(client, engine):
    res = client.get(
        "/api/customers", params={"bbox": ",".join(map(str, HELSINKI_CENTRE)), "limit": 5000}
    )
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/json")
    fc = res.json()
    assert fc["type"] == "FeatureCollection"
    area = box(*HELSINKI_CENTRE)
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        point = shape(feature["geometry"])
        assert point.geom_type == "Point" and area.covers(point)
        assert {"external_id", "name", "stage", "annual_revenue"} <= feature["properties"].keys()
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT count(*) FROM crm.customers WHERE "
                "ST_Covers(ST_MakeEnvelope(:a, :b, :c, :d, 4326), geom)"
            ),
            dict(zip("abcd", HELSINKI_CENTRE, strict=True)),
        ).scalar()
    assert 0 < expected < fc["numberMatched"] + 1
    assert fc["numberMatched"] == fc["numberReturned"] == expected


def test_paging_walks_every_customer_once(client, engine):
    seen, url, pages = [], "/api/customers?limit=150", 0
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url, pages = (nxt[0] if nxt else None), pages + 1
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM crm.customers")).scalar()
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 150)


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ("1,2,3", "four comma-separated numbers"),
        ("a,b,c,d", "must be numbers"),
        ("24.9,60.1,24.8,60.2", "greater than max_lon"),
        ("24.9,60.2,25.0,60.1", "greater than max_lat"),
        ("60.1,24.9,60.2,95", "outside -90..90"),
        ("200,60,201,61", "outside -180..180"),
        ("nan,60,25,61", "finite"),
    ],
)
def test_a_bad_bbox_is_a_422_with_a_clear_message(client, bbox, message):
    res = client.get("/api/customers", params={"bbox": bbox})
    assert res.status_code == 422
    body = res.json()
    assert body["error"] == "InvalidInput" and message in body["detail"]


def test_bad_paging_is_a_422(client):
    res = client.get("/api/customers", params={"limit": 0})
    assert res.status_code == 422 and "limit" in res.json()["detail"]


def test_openapi_docs_are_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/customers" in spec["paths"] and "/health" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_health_says_unavailable_when_the_database_is_down():
    from fastapi.testclient import TestClient

    from geocrm.api.app import create_app
    from geocrm.db import make_engine

    # a port nothing listens on
    dead = make_engine("postgresql://geocrm@127.0.0.1:9/none", scoped=True)
    client = TestClient(create_app(dead))
    res = client.get("/health")
    assert res.status_code == 503 and res.json()["status"] == "unavailable"
    # any route (the token cannot be checked either): a clear JSON 503, never a bare 500
    res = client.get("/api/customers", headers={"Authorization": "Bearer gcrm_whatever"})
    assert res.status_code == 503 and res.json()["error"] == "DatabaseUnavailable"

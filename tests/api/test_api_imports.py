"""Over HTTP: upload a customer file and follow its job; geocode a batch; fix locations."""

from __future__ import annotations

import time

from sqlalchemy import text

CSV = (
    "external_id,name,address,stage\n"
    "T-api1,Kahvila Esimerkki Oy,Aleksanterink. 5,customer\n"
    'T-api2,Aino Virtanen,"Alexandersgatan 5, Helsingfors",prospect\n'
    "T-api3,Nobody,Olematonkatu 12,customer\n"
    "T-api4,Bad Stage,Bulevardi 5,champion\n"
)


def _wait_for(client, url: str, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"import did not finish: {body}")


def test_a_marketer_uploads_a_file_and_follows_the_import(client, engine):
    try:
        res = client.post("/api/imports", files={"file": ("leads.csv", CSV, "text/csv")})
        assert res.status_code == 202
        job = _wait_for(client, res.json()["status_url"])
        assert job["status"] == "succeeded", job
        assert (job["inserted"], job["rejected"], job["geocoded"], job["not_geocoded"]) == (
            3,
            1,
            2,
            1,
        )
        rejected = client.get(f"/api/imports/{job['import_id']}/rejects").json()
        assert rejected[0]["line"] == 5 and "champion" in rejected[0]["reason"]
        with engine.connect() as conn:
            placed = dict(
                conn.execute(
                    text(
                        "SELECT external_id, geocoded_address FROM crm.customers "
                        "WHERE external_id IN ('T-api1', 'T-api2')"
                    )
                ).all()
            )
        assert placed == {
            "T-api1": "Aleksanterinkatu 5, 00100 Helsinki",
            "T-api2": "Aleksanterinkatu 5, 00100 Helsinki",
        }

        issues = client.get("/api/customers/geocoding-issues").json()
        assert "T-api3" in {row["external_id"] for row in issues}
        pinned = client.put("/api/customers/T-api3/location", json={"lat": 60.1690, "lon": 24.9508})
        assert pinned.status_code == 200 and pinned.json()["match_level"] == "manual"
        assert "T-api3" not in {
            r["external_id"] for r in client.get("/api/customers/geocoding-issues").json()
        }
        # re-geocoding everything never moves a manual pin
        client.post("/api/customers/regeocode", params={"everything": True})
        with engine.connect() as conn:
            level, lat = conn.execute(
                text(
                    "SELECT geocode_match_level, ST_Y(geom) FROM crm.customers "
                    "WHERE external_id = 'T-api3'"
                )
            ).one()
        assert level == "manual" and abs(lat - 60.1690) < 1e-9
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-api%'"))


def test_bad_uploads_and_unknown_imports_are_clear_4xx(client):
    res = client.post("/api/imports", files={"file": ("leads.xlsx", b"PK..", "application/zip")})
    assert res.status_code == 422 and "unsupported file type" in res.json()["detail"]
    res = client.post(
        "/api/imports", files={"file": ("leads.csv", CSV, "text/csv")}, data={"map": ["nonsense"]}
    )
    assert res.status_code == 422 and "SOURCE=TARGET" in res.json()["detail"]
    assert client.get("/api/imports/999999").status_code == 404
    res = client.put("/api/customers/NOPE/location", json={"lat": 60.17, "lon": 24.94})
    assert res.status_code == 404
    res = client.put("/api/customers/NOPE/location", json={"lat": 95, "lon": 24.94})
    assert res.status_code == 422


def test_a_failed_import_job_says_why(client):
    res = client.post("/api/imports", files={"file": ("people.csv", "nimi\nAino\n", "text/csv")})
    job = _wait_for(client, res.json()["status_url"])
    assert job["status"] == "failed" and "no column for external_id" in job["error"]


def test_geocode_a_batch(client):
    res = client.post(
        "/api/geocode",
        json={"addresses": ["Aleksanterink. 5", "lonnrotinkatu 7 A 12", "Olematonkatu 1"]},
    )
    assert res.status_code == 200
    results = res.json()["results"]
    assert [r["match_level"] for r in results] == ["address", "address", "none"]
    assert results[0]["matched_address"].startswith("Aleksanterinkatu 5")
    assert results[2]["lat"] is None and results[2]["confidence"] == 0
    too_many = client.post("/api/geocode", json={"addresses": ["x"] * 1001})
    assert too_many.status_code == 422 and "at most 1000" in too_many.json()["detail"]
    assert client.post("/api/geocode", json={"addresses": []}).status_code == 422

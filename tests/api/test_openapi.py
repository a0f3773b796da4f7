"""A client generated from /openapi.json knows every answer: each route's 2xx body is
described, every error has the one error body, and real answers match what is declared."""

from __future__ import annotations

import logging

import jsonschema
import pytest
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import territories, zones
from geocrm.api.app import create_app
from geocrm.api.errors import install_error_handlers
from geocrm.cube import build_cube
from geocrm.db.status import health
from geocrm.pipeline import enrich_city

ERROR_KEYS = {"error", "detail", "problems", "request_id"}
ERROR_REF = "#/components/schemas/ErrorBody"
NO_BODY = {"204", "302", "304"}  # 302: the sign-in redirects (single sign-on)
ZONE = {
    "type": "Polygon",
    "coordinates": [[[24.935, 60.16], [24.955, 60.16], [24.955, 60.172], [24.935, 60.16]]],
}


@pytest.fixture(scope="module")
def spec() -> dict:
    # the schema needs no database: an app on an engine it never uses
    return TestClient(create_app()).get("/openapi.json").json()


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_every_operation_describes_its_success_body(spec):
    for name, op in _operations(spec):
        ok = {c: r for c, r in op["responses"].items() if c.startswith("2") or c == "302"}
        assert ok, f"{name}: no 2xx (or redirect) response"
        for code, response in ok.items():
            if code in NO_BODY:
                continue
            content = response.get("content")
            assert content, f"{name} {code}: no content"
            for media, body in content.items():
                schema = body.get("schema")
                assert schema, f"{name} {code} {media}: no schema"
                if media == "application/json":
                    assert (
                        "$ref" in schema
                        or "anyOf" in schema
                        or schema.get("type")
                        in (
                            "object",
                            "array",
                        )
                    ), f"{name}: {schema}"
                    assert schema.get("type") != "array" or schema["items"], name


def test_every_error_response_is_the_error_body(spec):
    for name, op in _operations(spec):
        errors = {c: r for c, r in op["responses"].items() if c[0] in "45"}
        assert {"4XX", "5XX"} <= errors.keys(), name
        for code, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            if (name, code) == ("GET /health", "503"):  # the probe's status and the error body
                health_problem = spec["components"]["schemas"]["HealthProblem"]
                assert set(health_problem["required"]) >= ERROR_KEYS
                continue
            assert schema == {"$ref": ERROR_REF}, f"{name} {code}: {schema}"
    error_body = spec["components"]["schemas"]["ErrorBody"]
    assert set(error_body["properties"]) == set(error_body["required"]) == ERROR_KEYS


# ---------------------------------------------------------------- real errors


def _assert_error(res, status: int, kind: str) -> dict:
    assert res.status_code == status, res.text
    body = res.json()
    assert set(body) == ERROR_KEYS and body["error"] == kind
    assert isinstance(body["problems"], list) and body["detail"]
    assert body["request_id"] == res.headers["x-request-id"]
    return body


def test_errors_have_the_four_keys_and_the_request_id(client, caplog):
    with caplog.at_level(logging.WARNING, logger="geocrm.api"):
        unknown = _assert_error(client.get("/api/customers/999999999"), 404, "NotFound")
    assert unknown["problems"] == []
    assert any(
        unknown["request_id"] in r.getMessage()
        and "GET /api/customers/999999999 -> 404" in r.getMessage()
        for r in caplog.records
    )
    bad = _assert_error(client.get("/api/customers", params={"limit": 0}), 422, "InvalidInput")
    assert bad["problems"] and "limit" in bad["problems"][0]
    _assert_error(client.get("/api/no-such-thing"), 404, "NotFound")
    not_allowed = client.delete("/api/customers")
    _assert_error(not_allowed, 405, "MethodNotAllowed")
    assert "GET" in not_allowed.headers["allow"]


def test_a_sane_request_id_is_echoed_and_a_wild_one_replaced(client):
    res = client.get("/api/customers/999999999", headers={"X-Request-ID": "rep-42.trace"})
    assert res.headers["x-request-id"] == "rep-42.trace"
    assert res.json()["request_id"] == "rep-42.trace"
    ok = client.get("/api/cube/dimensions", headers={"X-Request-ID": "abc"})
    assert ok.status_code == 200 and ok.headers["x-request-id"] == "abc"
    for wild in ("x" * 65, "tab\there"):
        res = client.get("/api/customers/999999999", headers={"X-Request-ID": wild})
        rid = res.headers["x-request-id"]
        assert rid != wild and len(rid) == 32 and res.json()["request_id"] == rid
    first, second = client.get("/health"), client.get("/health")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_bug_is_a_500_without_internals_and_logged_with_its_traceback(caplog):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("secret connection string")

    with caplog.at_level(logging.ERROR, logger="geocrm.api"):
        res = TestClient(app).get("/boom", headers={"X-Request-ID": "bug-1"})
    body = _assert_error(res, 500, "InternalError")
    assert "secret" not in res.text and body["request_id"] == "bug-1"
    (record,) = [r for r in caplog.records if r.name == "geocrm.api"]
    assert "bug-1 GET /boom -> 500" in record.getMessage() and record.exc_info


# ---------------------------------------------------------------- real answers


def _strict(schema: dict) -> dict:
    """The schema with closed objects: a field the model does not declare is an error
    (unless the model says ``extra="allow"``, i.e. additionalProperties is set)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def _validate(spec: dict, method: str, path: str, body, status: str = "200") -> None:
    declared = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    schema = {**_strict(declared["schema"]), "components": _strict(spec["components"])}
    jsonschema.validate(body, schema)


@pytest.fixture(scope="module")
def plan(client, engine) -> dict:
    """A draft territory plan and a saved zone, on an enriched city with its cube built."""
    enrich_city(engine, progress=False)
    build_cube(engine)
    zone = {"name": "openapi", "kind": "polygon", "geometry": ZONE, "filters": {"stage": "client"}}
    assert client.post("/api/zones", json=zone).status_code == 201
    res = client.post("/api/territory-plans", json={"k": 3, "measure": "customers"})
    assert res.status_code == 201, res.text
    yield res.json()
    with engine.begin() as conn:  # a draft no other test module expects
        conn.execute(
            text("DELETE FROM crm.territory_plans WHERE plan_id = :p"),
            {"p": res.json()["plan_id"]},
        )
        conn.execute(text("DELETE FROM crm.target_zones WHERE name = 'openapi'"))


def test_real_answers_match_the_declared_schemas(client, engine, spec, plan):
    answers = {
        ("get", "/health"): client.get("/health"),
        ("get", "/api/customers"): client.get("/api/customers", params={"limit": 20}),
        ("get", "/api/cube"): client.get("/api/cube", params={"res": 9}),
        ("get", "/api/cube/dimensions"): client.get("/api/cube/dimensions"),
        ("get", "/api/zones"): client.get("/api/zones"),
        ("get", "/api/stores"): client.get("/api/stores"),
        ("get", "/api/territory-plans/{plan_id}"): client.get(
            f"/api/territory-plans/{plan['plan_id']}"
        ),
        ("get", "/tiles/{layer}.json"): client.get("/tiles/hexes.json"),
    }
    for (method, path), res in answers.items():
        assert res.status_code == 200, (path, res.text)
        _validate(spec, method, path, res.json())
    _validate(spec, "post", "/api/territory-plans", plan, "201")
    geojson = client.get("/api/cube", params={"res": 8, "format": "geojson"}).json()
    _validate(spec, "get", "/api/cube", geojson)


def test_typed_answers_are_the_domain_answers_nothing_dropped(client, engine, plan):
    assert client.get("/health").json() == jsonable_encoder(health(engine))
    assert client.get("/api/zones").json() == jsonable_encoder(zones.list_zones(engine))
    got = client.get(f"/api/territory-plans/{plan['plan_id']}").json()
    assert got == jsonable_encoder(territories.get_plan(engine, plan["plan_id"]))

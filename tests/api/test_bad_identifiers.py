"""Every bad identifier or string of the corpus (``bad_identifiers.py``), given where a route
takes an id, an H3 cell, a resolution, a tile zoom or a filter value (in the path, the
query string or a JSON body), is a 4xx with the one error body: never a 500, never a 2xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.bad_identifiers import BAD_IDENTIFIERS

ERROR_KEYS = {"error", "detail", "problems", "request_id"}
ZONE = {
    "type": "Polygon",
    "coordinates": [[[24.935, 60.16], [24.955, 60.16], [24.955, 60.172], [24.935, 60.16]]],
}
TILE = "14/9326/4740.mvt"

#: (method, path with {} for the value, JSON body or None)
PATHS: list[tuple[str, str, Any]] = [
    ("GET", "/api/cube/{}", None),
    ("GET", "/api/cube/{}/children", None),
    ("GET", "/api/cube/{}/parent", None),
    ("GET", "/api/territory-plans/{}", None),
    ("GET", "/api/territory-plans/{}/history", None),
    ("GET", "/api/territory-plans/{}/compare", None),
    ("POST", "/api/territory-plans/{}/edits", {"cells": ["891126d9403ffff"]}),
    ("PATCH", "/api/territory-plans/1/territories/{}", {"name": "x"}),
    ("GET", "/api/zones/{}", None),
    ("GET", "/api/zones/{}/count", None),
    ("GET", "/api/zones/{}/audience.csv", None),
    ("PUT", "/api/zones/{}", {"name": "renamed"}),
    ("DELETE", "/api/zones/{}", None),
    ("GET", "/api/customers/{}", None),
    ("GET", "/api/customers/{}/interactions", None),
    ("GET", "/api/imports/{}", None),
    ("GET", "/api/imports/{}/rejects", None),
    ("DELETE", "/api/admin/tokens/{}", None),
    ("POST", "/api/admin/users/{}/disable", None),
    ("GET", "/tiles/hexes/{}/9326/4740.mvt", None),
    ("GET", "/tiles/{}.json", None),
]

#: Values of the corpus that are well-formed where the column is a ``bigint``.
VALID_BIGINT = {"int32_overflow"}
#: (path, query parameter)
QUERIES: list[tuple[str, str]] = [
    ("/api/cube", "res"),
    ("/api/cube", "stage"),
    ("/api/cube", "rep_id"),
    ("/api/cube", "month"),
    (f"/tiles/hexes/{TILE}", "res"),
    (f"/tiles/hexes/{TILE}", "stage"),
    (f"/tiles/hexes/{TILE}", "rep_id"),
    (f"/tiles/hexes/{TILE}", "territory_id"),
    (f"/tiles/hexes/{TILE}", "with"),
    ("/tiles/hexes.json", "res"),
    ("/tiles/hexes.json", "store_id"),
    ("/tiles/hexes.json", "with"),
    ("/tiles/territories.json", "plan_id"),
    (f"/tiles/territories/{TILE}", "plan_id"),
    (f"/tiles/customers/{TILE}", "segment"),
    ("/api/territory-plans/1/compare", "with"),
    ("/api/trade-areas", "store_id"),
    ("/api/customers", "limit"),
    ("/api/imports/1/rejects", "limit"),
    ("/api/admin/audit", "limit"),
    ("/api/customers/geocoding-issues", "limit"),
]

#: (method, path, the JSON body with the value in it)
BODIES: list[tuple[str, str, Callable[[str], Any]]] = [
    ("POST", "/api/territory-plans", lambda v: {"k": v, "measure": "customers"}),
    ("POST", "/api/territory-plans", lambda v: {"k": 3, "measure": "customers", "res": v}),
    ("POST", "/api/territory-plans", lambda v: {"k": 3, "measure": "customers", "zone": v}),
    ("POST", "/api/territory-plans", lambda v: {"k": 3, "measure": v}),
    ("POST", "/api/territory-plans", lambda v: {"k": 3, "measure": "customers", "based_on": v}),
    (
        "POST",
        "/api/territory-plans",
        lambda v: {"k": 3, "measure": "customers", "locked_cells": {v: 0}},
    ),
    ("POST", "/api/territory-plans/1/edits", lambda v: {"cells": [v]}),
    (
        "POST",
        "/api/territory-plans/1/edits",
        lambda v: {"cells": ["8b1126d90400fff"], "territory_id": v},
    ),
    ("PATCH", "/api/territory-plans/1/territories/1", lambda v: {"rep_id": v}),
    ("POST", "/api/zones/count", lambda v: {"geometry": ZONE, "filters": {"stage": v}}),
    ("POST", "/api/zones/count", lambda v: {"geometry": ZONE, "filters": {"rep_id": [v]}}),
    ("POST", "/api/routes", lambda v: {"rep_id": v}),
    ("POST", "/api/routes", lambda v: {"rep_id": 1, "customer_ids": [v]}),
    ("POST", "/api/admin/users", lambda v: {"email": "x@test.example", "role": "rep", "reps": [v]}),
]


def _assert_refused(res, where: str) -> None:
    assert 400 <= res.status_code < 500, (where, res.status_code, res.text[:300])
    body = res.json()
    assert set(body) == ERROR_KEYS, (where, body)
    assert body["request_id"] == res.headers["x-request-id"]
    assert len(body["detail"]) <= 1000, where  # an echoed 10 KB value is cut


NAMES = list(BAD_IDENTIFIERS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method,template,body", PATHS, ids=[f"{m} {p}" for m, p, _ in PATHS])
def test_a_bad_id_in_the_path_is_a_4xx(client, name, method, template, body):
    url = template.format(quote(BAD_IDENTIFIERS[name], safe=""))
    _assert_refused(client.request(method, url, json=body), f"{method} {template} {name}")


#: Every query parameter with every value of the corpus, but a bigint's well-formed ones.
QUERY_CASES = [
    pytest.param(path, param, name, id=f"{path}?{param}-{name}")
    for path, param in QUERIES
    for name in NAMES
    # territory ids are bigint: 2^31 is one (of no territory: an empty tile)
    if not (param == "territory_id" and name in VALID_BIGINT)
]


@pytest.mark.parametrize("path,param,name", QUERY_CASES)
def test_a_bad_value_in_the_query_string_is_a_4xx(client, path, param, name):
    res = client.get(path, params={param: BAD_IDENTIFIERS[name]})
    _assert_refused(res, f"{path}?{param} {name}")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "index", range(len(BODIES)), ids=[f"{m} {p} #{i}" for i, (m, p, _) in enumerate(BODIES)]
)
def test_a_bad_value_in_a_json_body_is_a_4xx(client, name, index):
    method, path, make = BODIES[index]
    res = client.request(method, path, json=make(BAD_IDENTIFIERS[name]))
    _assert_refused(res, f"{method} {path} #{index} {name}")


def _param(spec: dict, path: str, name: str, method: str = "get") -> dict:
    (found,) = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    return found["schema"]


def test_the_openapi_document_states_the_limits(client):
    spec = client.get("/openapi.json").json()
    plan = _param(spec, "/api/territory-plans/{plan_id}", "plan_id")
    assert (plan["minimum"], plan["maximum"]) == (1, 2**63 - 1)
    zone = _param(spec, "/api/zones/{zone_id}", "zone_id")
    assert (zone["minimum"], zone["maximum"]) == (1, 2**31 - 1)
    assert "pattern" in _param(spec, "/api/cube/{cell}", "cell")
    res = _param(spec, "/api/cube", "res")
    assert (res["minimum"], res["maximum"]) == (5, 11)
    z = _param(spec, "/tiles/{layer}/{z}/{x}/{y}.mvt", "z")
    assert (z["minimum"], z["maximum"]) == (0, 24)


@pytest.mark.parametrize(
    "url,says",
    [
        ("/api/cube/%C2%B2/children", "path.cell: Value error, not an H3 cell: give its hex index"),
        ("/api/cube/-1", "not an H3 cell"),
        ("/api/territory-plans/1_000", "must be an integer written with the digits 0-9"),
        ("/api/zones/2147483648", "less than or equal to 2147483647"),
        ("/api/cube?res=%C2%B2", "res: Value error, must be an integer written with the digits"),
        ("/tiles/territories.json?plan_id=%C2%B2", "unknown plan_id '²'"),
        (f"/tiles/hexes/{TILE}?with=%C2%B2", "does not take 'with'"),
    ],
)
def test_the_422_says_what_is_wrong(client, url, says):
    res = client.get(url)
    assert res.status_code == 422, res.text
    assert says in res.json()["detail"]

"""Every route of the app, called by every role: the access each route declares is the access
it gives.

The routes come from the app's own route list, so a route added later is covered (or fails
here) without editing this file's logic: a route must declare its rule with ``allow(...)``
(``geocrm.api.access``) and have a sample request in ``SAMPLES``. The expected answer of a
(route, role) pair is derived from the rules on the route (router-level and route-level, all
of which must hold): anonymous -> 401 unless the route is public, a role the rules leave
out -> 403, a role they let in -> an answer of the handler (never 401/403, never a 5xx).
A signed-in browser session must also send its CSRF token on every state-changing request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import ingest, territories, zones
from geocrm.api.access import CSRF_HEADER
from geocrm.api.app import create_app
from geocrm.auth.principal import ROLES
from geocrm.cube import build_cube, last_build
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy

ANONYMOUS = "anonymous"
CALLERS = (*ROLES, ANONYMOUS)
PASSWORD = "correct horse battery"  # tests/conftest.py make_user
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Routes of the framework itself (API docs) and the web app's files: anyone may read them.
FRAMEWORK_ROUTES = {"/openapi.json", "/docs"}
STATIC_MOUNTS = {""}  # the web app, mounted at "/"
MISSING_ID = 2**31 - 1  # an id no row has
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[24.935, 60.160], [24.955, 60.160], [24.955, 60.172], [24.935, 60.172], [24.935, 60.160]]
    ],
}


@dataclass
class World:
    """Real ids of the demo database the sample requests use."""

    rep_id: int
    manager_reps: tuple[int, int]
    customer_id: int  # one of rep_id's accounts
    plan_id: int  # a draft
    territory_id: int
    plan_cell: str
    zone_id: int
    import_id: int
    cell: str  # an H3 cell at res 9 holding customers
    tile: tuple[int, int, int]
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    fresh_zone: Callable[[], int] = lambda: 0
    months: tuple[str, str] = ("", "")  # the cube's first and last month of activity


@dataclass(frozen=True)
class Sample:
    """A plausible request of a route: ``ok`` is what a caller the rule lets in gets."""

    ok: frozenset[int]
    path: Callable[[World], dict[str, Any]] = lambda w: {}
    params: Callable[[World], dict[str, Any]] = lambda w: {}
    json: Callable[[World, str], Any] | None = None
    files: dict[str, Any] | None = None


def ok(*codes: int) -> frozenset[int]:
    return frozenset(codes)


# Destructive or slow handlers get a request their handler refuses after the access check
# (a missing id, an invalid body): what is tested here is who gets past the rule.
SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/"): Sample(ok(200, 503)),
    ("GET", "/health"): Sample(ok(200)),
    ("GET", "/api/auth/config"): Sample(ok(200)),
    ("POST", "/api/auth/login"): Sample(
        ok(200), json=lambda w, role: {"email": w.emails[role], "password": PASSWORD}
    ),
    ("POST", "/api/auth/logout"): Sample(ok(204)),
    ("GET", "/api/auth/me"): Sample(ok(200)),
    # administration: writes refused after the rule (unknown ids, an unknown role)
    ("GET", "/api/admin/users"): Sample(ok(200)),
    ("POST", "/api/admin/users"): Sample(
        ok(422), json=lambda w, role: {"email": "matrix@test.example", "role": "nonsense"}
    ),
    ("POST", "/api/admin/users/{user_id}/disable"): Sample(
        ok(404), path=lambda w: {"user_id": MISSING_ID}
    ),
    ("PUT", "/api/admin/users/{user_id}/role"): Sample(
        ok(404), path=lambda w: {"user_id": MISSING_ID}, json=lambda w, role: {"role": "analyst"}
    ),
    ("GET", "/api/admin/tokens"): Sample(ok(200)),
    ("POST", "/api/admin/tokens"): Sample(
        ok(404), json=lambda w, role: {"email": "nobody@nowhere.example"}
    ),
    ("DELETE", "/api/admin/tokens/{token_id}"): Sample(
        ok(404), path=lambda w: {"token_id": MISSING_ID}
    ),
    ("GET", "/api/admin/audit"): Sample(ok(200)),
    # single sign-on is not configured here: a clear 404 for anyone
    ("GET", "/api/auth/oidc/login"): Sample(ok(404)),
    ("GET", "/api/auth/oidc/callback"): Sample(ok(404), params=lambda w: {"state": "x"}),
    ("POST", "/api/auth/password"): Sample(
        ok(422), json=lambda w, role: {"current_password": PASSWORD, "new_password": ""}
    ),
    ("POST", "/api/geocode"): Sample(
        ok(200), json=lambda w, role: {"addresses": ["Mannerheimintie 1"]}
    ),
    ("GET", "/api/customers/geocoding-issues"): Sample(ok(200)),
    ("PUT", "/api/customers/{external_id}/location"): Sample(
        ok(404),
        path=lambda w: {"external_id": "matrix-no-such-customer"},
        json=lambda w, role: {"lat": 60.17, "lon": 24.94},
    ),
    ("POST", "/api/customers/regeocode"): Sample(ok(422), params=lambda w: {"everything": "?"}),
    ("GET", "/api/customers"): Sample(ok(200), params=lambda w: {"limit": 5}),
    ("GET", "/api/customers/search"): Sample(ok(200), params=lambda w: {"q": "katu"}),
    ("GET", "/api/search"): Sample(ok(200), params=lambda w: {"q": "kamppi"}),
    ("GET", "/api/customers/{customer_id}"): Sample(
        ok(200, 404), path=lambda w: {"customer_id": w.customer_id}
    ),
    ("GET", "/api/customers/{customer_id}/interactions"): Sample(
        ok(200, 404), path=lambda w: {"customer_id": w.customer_id}
    ),
    ("POST", "/api/imports"): Sample(ok(422), files={"file": ("matrix.xyz", b"x")}),
    ("GET", "/api/imports/{import_id}"): Sample(ok(200), path=lambda w: {"import_id": w.import_id}),
    ("GET", "/api/imports/{import_id}/rejects"): Sample(
        ok(200), path=lambda w: {"import_id": w.import_id}
    ),
    ("GET", "/api/stores"): Sample(ok(200)),
    ("GET", "/api/trade-areas"): Sample(ok(200)),
    # issue 16, the lookalike model card (wt-lookalike): every signed-in role reads it
    ("GET", "/api/prospecting/model"): Sample(ok(200)),
    ("GET", "/api/cube"): Sample(ok(200), params=lambda w: {"res": 9}),
    ("GET", "/api/cube/dimensions"): Sample(ok(200)),
    # issue 16: 404 until a whitespace build (this world builds the cube only)
    ("GET", "/api/whitespace"): Sample(ok(200, 404), params=lambda w: {"res": 10}),
    ("GET", "/api/cube/concentration"): Sample(ok(200), params=lambda w: {"res": 9}),
    ("GET", "/api/cube/{cell}"): Sample(ok(200), path=lambda w: {"cell": w.cell}),
    ("GET", "/api/cube/{cell}/children"): Sample(ok(200), path=lambda w: {"cell": w.cell}),
    ("GET", "/api/cube/{cell}/parent"): Sample(ok(200), path=lambda w: {"cell": w.cell}),
    ("GET", "/api/cube/compare"): Sample(
        ok(200), params=lambda w: {"res": 9, "a": w.months[0], "b": "..".join(w.months)}
    ),
    ("GET", "/api/cube/{cell}/series"): Sample(ok(200), path=lambda w: {"cell": w.cell}),
    ("GET", "/api/zones/{zone_id}/series"): Sample(ok(200), path=lambda w: {"zone_id": w.zone_id}),
    ("GET", "/api/territory-plans/{plan_id}/territories/{territory_id}/series"): Sample(
        ok(200), path=lambda w: {"plan_id": w.plan_id, "territory_id": w.territory_id}
    ),
    ("GET", "/tiles"): Sample(ok(200)),
    ("GET", "/tiles/style.json"): Sample(ok(200)),
    ("GET", "/tiles/fonts/{fontstack}/{glyph_range}.pbf"): Sample(
        ok(200), path=lambda w: {"fontstack": "Noto Sans Regular", "glyph_range": "0-255"}
    ),
    ("GET", "/tiles/{layer}.json"): Sample(ok(200), path=lambda w: {"layer": "customers"}),
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.mvt"): Sample(
        ok(200, 204),
        path=lambda w: {"layer": "customers", **dict(zip("zxy", w.tile, strict=True))},
    ),
    ("GET", "/api/zones"): Sample(ok(200)),
    ("POST", "/api/zones/count"): Sample(ok(200), json=lambda w, role: {"geometry": SQUARE}),
    ("POST", "/api/zones"): Sample(
        ok(201),
        json=lambda w, role: {
            "name": f"matrix-{role}-{uuid.uuid4().hex[:8]}",
            "kind": "polygon",
            "geometry": SQUARE,
        },
    ),
    ("GET", "/api/zones/{zone_id}"): Sample(ok(200), path=lambda w: {"zone_id": w.zone_id}),
    ("PUT", "/api/zones/{zone_id}"): Sample(
        ok(200), path=lambda w: {"zone_id": w.zone_id}, json=lambda w, role: {"filters": {}}
    ),
    ("DELETE", "/api/zones/{zone_id}"): Sample(ok(204), path=lambda w: {"zone_id": w.fresh_zone()}),
    ("GET", "/api/zones/{zone_id}/count"): Sample(ok(200), path=lambda w: {"zone_id": w.zone_id}),
    ("GET", "/api/zones/{zone_id}/audience.csv"): Sample(
        ok(200), path=lambda w: {"zone_id": w.zone_id}
    ),
    ("GET", "/api/zones/{zone_id}/audience/rows"): Sample(
        ok(200), path=lambda w: {"zone_id": w.zone_id}
    ),
    ("POST", "/api/zones/audience/rows"): Sample(
        ok(200), json=lambda w, role: {"geometry": SQUARE}
    ),
    ("GET", "/api/isochrone"): Sample(
        ok(200), params=lambda w: {"lon": 24.945, "lat": 60.17, "minutes": 3}
    ),
    ("POST", "/api/territory-plans"): Sample(
        ok(422), json=lambda w, role: {"k": 1, "measure": "customers"}
    ),
    ("GET", "/api/territory-plans"): Sample(ok(200)),
    ("GET", "/api/territory-plans/{plan_id}"): Sample(
        ok(200), path=lambda w: {"plan_id": w.plan_id}
    ),
    ("GET", "/api/territory-plans/{plan_id}/concentration"): Sample(
        ok(200), path=lambda w: {"plan_id": w.plan_id}
    ),
    ("POST", "/api/territory-plans/{plan_id}/publish"): Sample(
        ok(404), path=lambda w: {"plan_id": MISSING_ID}
    ),
    ("POST", "/api/territory-plans/{plan_id}/edits"): Sample(
        ok(200),
        path=lambda w: {"plan_id": w.plan_id},
        json=lambda w, role: {"cells": [w.plan_cell], "locked": False},
    ),
    ("POST", "/api/territory-plans/{plan_id}/versions"): Sample(
        ok(201), path=lambda w: {"plan_id": w.plan_id}
    ),
    ("PATCH", "/api/territory-plans/{plan_id}/territories/{territory_id}"): Sample(
        ok(200),
        path=lambda w: {"plan_id": w.plan_id, "territory_id": w.territory_id},
        json=lambda w, role: {"name": "matrix territory"},
    ),
    ("GET", "/api/territory-plans/{plan_id}/history"): Sample(
        ok(200), path=lambda w: {"plan_id": w.plan_id}
    ),
    ("GET", "/api/territory-plans/{plan_id}/compare"): Sample(
        ok(200), path=lambda w: {"plan_id": w.plan_id}
    ),
    ("POST", "/api/routes"): Sample(
        ok(200), json=lambda w, role: {"rep_id": w.rep_id, "max_stops": 2, "mode": "walk"}
    ),
    # issue 16: hotspots (every role, over what it may see)
    ("GET", "/api/hotspots"): Sample(ok(200), params=lambda w: {"measure": "customers", "res": 10}),
    # leads (issue 16): a missing lead for the changes (refused after the rule)
    ("GET", "/api/leads"): Sample(ok(200)),
    ("POST", "/api/leads/query"): Sample(ok(200), json=lambda w, role: {"polygon": SQUARE}),
    ("GET", "/api/leads/export"): Sample(ok(200), params=lambda w: {"format": "csv"}),
    ("POST", "/api/leads/{lead_id}/assign"): Sample(
        ok(404), path=lambda w: {"lead_id": "n1"}, json=lambda w, role: {"rep_id": w.rep_id}
    ),
    ("PATCH", "/api/leads/{lead_id}"): Sample(
        ok(404), path=lambda w: {"lead_id": "n1"}, json=lambda w, role: {"status": "contacted"}
    ),
}


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    rules: tuple[tuple[str, ...], ...]  # every allow(...) on the route, router's first

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        """Anyone may call it: every rule on it is ``allow(*PUBLIC)``."""
        return bool(self.rules) and all(not roles for roles in self.rules)

    def allowed(self, caller: str) -> bool:
        """What the rules say of ``caller`` (a role, or anonymous)."""
        if self.public:
            return True
        if caller == ANONYMOUS:
            return False
        return all(caller in roles for roles in self.rules if roles)


def endpoints(app) -> tuple[list[Endpoint], list[str]]:
    """The app's API routes with their rules, and every other route's path."""
    found, others = [], []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            others.append(route.path)
            continue
        rules = tuple(
            d.dependency.access_roles
            for d in route.dependencies
            if hasattr(d.dependency, "access_roles")
        )
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append(Endpoint(method, route.path, rules))
    return found, others


#: The routes as built without a database (the same code builds them with one).
ENDPOINTS, OTHER_ROUTES = endpoints(create_app())


def test_every_route_declares_who_may_call_it_and_has_a_sample(app_engine):
    api, others = endpoints(create_app(app_engine))
    without_rule = [e.name for e in api if not e.rules]
    assert not without_rule, (
        f"routes without an access rule: {without_rule}; add dependencies=[allow(...)] "
        "(geocrm.api.access) to each"
    )
    without_sample = [e.name for e in api if (e.method, e.path) not in SAMPLES]
    assert not without_sample, (
        f"routes without a sample request in {__name__}.SAMPLES: {without_sample}"
    )
    unknown = set(others) - FRAMEWORK_ROUTES - STATIC_MOUNTS
    assert not unknown, f"routes that are neither API routes nor known framework routes: {unknown}"
    assert {e.name for e in api} == {e.name for e in ENDPOINTS}


def test_a_route_without_a_rule_is_named(app_engine):
    app = create_app(app_engine)

    @app.get("/api/matrix-unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    api, _ = endpoints(app)
    missing = [e.name for e in api if not e.rules]
    assert missing == ["GET /api/matrix-unguarded"]


# --------------------------------------------------------------------------- the calls


@pytest.fixture(scope="module")
def world(engine, demo, make_user) -> World:
    enrich_city(engine, progress=False)  # skipped when done
    build_cube(engine)
    with engine.connect() as conn:
        reps = conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers WHERE assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
            )
        ).scalars()
        rep_id, other_rep = list(reps)
        customer_id = conn.execute(
            text("SELECT min(customer_id) FROM crm.customers WHERE assigned_rep_id = :r"),
            {"r": rep_id},
        ).scalar()
        cell = conn.execute(
            text("SELECT h3 FROM cube.rollup WHERE res = 9 ORDER BY customers DESC, h3 LIMIT 1")
        ).scalar()
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM crm.customers WHERE customer_id = :c"),
            {"c": customer_id},
        ).one()
        months = sorted(last_build(engine)["months"])
    plan = territories.design_plan(engine, k=2, measure="customers", name="matrix")
    plan_cell = plan_cells(engine, plan["plan_id"])
    zone = zones.create_zone(
        engine, name=f"matrix-{uuid.uuid4().hex[:8]}", kind="polygon", geometry=SQUARE
    )

    def fresh_zone() -> int:
        made = zones.create_zone(
            engine, name=f"matrix-{uuid.uuid4().hex[:8]}", kind="polygon", geometry=SQUARE
        )
        return made["id"]

    made_by = {
        "admin": make_user("admin"),
        "manager": make_user("manager", (rep_id, other_rep)),
        "rep": make_user("rep", (rep_id,)),
        "marketer": make_user("marketer"),
        "analyst": make_user("analyst"),
    }
    emails = {role: email for role, (email, _) in made_by.items()}
    w = World(
        rep_id=rep_id,
        manager_reps=(rep_id, other_rep),
        customer_id=customer_id,
        plan_id=plan["plan_id"],
        territory_id=plan["territories"][0]["territory_id"],
        plan_cell=plan_cell,
        zone_id=zone["id"],
        import_id=ingest.create_job(engine, "matrix.csv", "csv", {}),
        cell=format(cell, "x"),
        tile=(15, *tile_xy(lon, lat, 15)),
        emails=emails | {ANONYMOUS: emails["analyst"]},  # anyone may sign in
        tokens={role: token for role, (_, token) in made_by.items()},
        fresh_zone=fresh_zone,
        months=(months[0], months[min(len(months), 24) - 1]),
    )
    yield w
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones WHERE name LIKE 'matrix-%'"))


def plan_cells(engine, plan_id: int) -> str:
    with engine.connect() as conn:
        cell = conn.execute(
            text("SELECT h3 FROM crm.territory_cells WHERE plan_id = :p ORDER BY h3 LIMIT 1"),
            {"p": plan_id},
        ).scalar()
        return format(cell, "x")


def call(app, world: World, endpoint: Endpoint, caller: str, *, headers=None, client=None):
    """Send the endpoint's sample request as ``caller`` (a fresh client unless given)."""
    sample = SAMPLES[(endpoint.method, endpoint.path)]
    if client is None:
        client = TestClient(app)
        if caller != ANONYMOUS:
            client.headers["Authorization"] = f"Bearer {world.tokens[caller]}"
    url = endpoint.path.format(**sample.path(world))
    kwargs: dict[str, Any] = {"params": sample.params(world), "headers": headers or {}}
    if sample.json is not None:
        kwargs["json"] = sample.json(world, caller)
    if sample.files is not None:
        kwargs["files"] = sample.files
    return client.request(endpoint.method, url, **kwargs), sample


def expectation(endpoint: Endpoint, caller: str, sample: Sample) -> str:
    if endpoint.allowed(caller):
        return f"one of {sorted(sample.ok)}"
    return "401" if caller == ANONYMOUS else "403"


def verdict(endpoint: Endpoint, caller: str, sample: Sample, status: int) -> bool:
    if endpoint.allowed(caller):
        return status in sample.ok
    return status == (401 if caller == ANONYMOUS else 403)


@pytest.fixture(scope="module")
def app(app_engine):
    return create_app(app_engine)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_role_gets_what_the_route_declares(app, world, endpoint):
    wrong = []
    for caller in CALLERS:
        res, sample = call(app, world, endpoint, caller)
        if not verdict(endpoint, caller, sample, res.status_code):
            wrong.append(
                f"{caller}: {res.status_code} (expected {expectation(endpoint, caller, sample)})"
                f" {res.text[:200]}"
            )
    assert not wrong, f"{endpoint.name}:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def sessions(app, world):
    """A signed-in browser session per role: (client, csrf token)."""
    out = {}
    for role in ROLES:
        client = TestClient(app)
        res = client.post(
            "/api/auth/login", json={"email": world.emails[role], "password": PASSWORD}
        )
        assert res.status_code == 200, res.text
        out[role] = (client, res.json()["csrf_token"])
    return out


UNSAFE_GUARDED = [e for e in ENDPOINTS if e.method in UNSAFE and not e.public]


@pytest.mark.parametrize("endpoint", UNSAFE_GUARDED, ids=lambda e: e.name)
def test_a_session_must_send_its_csrf_token_to_change_anything(app, world, sessions, endpoint):
    wrong = []
    for role in ROLES:
        if not endpoint.allowed(role):
            continue
        client, csrf = sessions[role]
        res, sample = call(app, world, endpoint, role, client=client)
        if res.status_code != 403 or CSRF_HEADER not in res.json().get("detail", ""):
            wrong.append(f"{role} without {CSRF_HEADER}: {res.status_code} {res.text[:200]}")
        res, sample = call(app, world, endpoint, role, client=client, headers={CSRF_HEADER: csrf})
        if res.status_code not in sample.ok:
            wrong.append(
                f"{role} with {CSRF_HEADER}: {res.status_code} (expected one of "
                f"{sorted(sample.ok)}) {res.text[:200]}"
            )
    assert not wrong, f"{endpoint.name}:\n" + "\n".join(wrong)


def test_framework_routes_and_the_web_app_are_public(app):
    anonymous = TestClient(app)
    for path in ("/openapi.json", "/docs"):
        assert anonymous.get(path).status_code == 200, path
    if "" in OTHER_ROUTES:  # the built web app is mounted at /
        assert anonymous.get("/").status_code == 200

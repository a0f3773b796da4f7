"""A sales manager scores the city's leads by how much they look like the company's best
customers: only a model that beats random on held-out customers gives scores, each with
three reasons; the model card says how good it is, to every signed-in user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geocrm import db, settings
from geocrm.api.app import create_app
from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.cli import main
from geocrm.cube import build_cube
from geocrm.db import app_url, bulk_transaction, make_engine
from geocrm.demo import generate_demo_data
from geocrm.osm import load_osm
from geocrm.pipeline import enrich_city, migrate
from geocrm.prospecting.lookalike import LookalikeSettings, model_card, score_leads

#: Business POIs as leads, with the columns the lead build fills (building, foot traffic in
#: front, trade areas, nearest store, H3 cell), joined as the enrichment joins customers.
LEADS_FROM_POIS = """
INSERT INTO crm.leads (lead_id, dataset_id, osm_type, osm_id, origin, name, category,
    subcategory, building_id, building_class, floor_area_m2, footfall_index, trade_area_ids,
    nearest_store_id, nearest_store_minutes, nearest_store_mode, h3_11, geom)
SELECT left(p.osm_type, 1) || p.osm_id, p.dataset_id, p.osm_type, p.osm_id, 'poi', p.name,
       p.category, p.subcategory, b.building_id, b.building_class,
       b.area_m2 * coalesce(b.levels, 4), ff.footfall_index, coalesce(ta.ids, '{}'),
       st.store_id, st.travel_minutes, st.mode, p.h3_11, p.geom
FROM ref.pois p
LEFT JOIN LATERAL (SELECT building_id, building_class, area_m2, levels FROM ref.buildings b
                   WHERE ST_Contains(b.footprint, p.geom) LIMIT 1) b ON true
LEFT JOIN LATERAL (SELECT f.footfall_index FROM ref.streets s
                   JOIN ref.street_footfall f USING (street_id)
                   WHERE s.network = 'walk' AND ST_DWithin(s.geom, p.geom, 0.0015)
                     AND ST_DWithin(s.geom::geography, p.geom::geography, 60)
                   ORDER BY s.geom <-> p.geom LIMIT 1) ff ON true
LEFT JOIN LATERAL (SELECT array_agg(DISTINCT t.trade_area_id) AS ids FROM crm.trade_area_parts t
                   WHERE ST_Intersects(t.geom, p.geom)) ta ON true
LEFT JOIN LATERAL (SELECT h.store_id, h.travel_minutes, h.mode FROM crm.huff_cells h
                   WHERE h.h3 = ref.h3_cell_to_parent(p.h3_11, 10)
                   ORDER BY CASE WHEN h.mode = 'walk' AND h.travel_minutes <= 15 THEN 0
                                 WHEN h.mode = 'drive' THEN 1 ELSE 2 END, h.travel_minutes
                   LIMIT 1) st ON true
WHERE p.category IN ('shop', 'amenity') AND p.h3_11 IS NOT NULL
ON CONFLICT DO NOTHING
"""


@dataclass
class World:
    """The lookalike tests' own database: its URL, the owner's and the app's engines, and
    how many leads there are."""

    url: str
    owner: Engine
    app: Engine
    leads: int

    def client(self, role: str, reps: tuple[int, ...] = ()) -> TestClient:
        """The API as a new user of ``role`` (an API token)."""
        email = f"{role}-{'-'.join(map(str, reps)) or 'all'}-{uuid.uuid4().hex[:6]}@lk.example"
        add_user(self.owner, email, role, reps=reps, password="correct horse battery")
        token = create_token(self.owner, email, name="tests")
        return TestClient(create_app(self.app), headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def world(make_database, tmp_path_factory):
    """A database of its own, so that the customers other test modules import into the
    session's database do not change what the model learns from: Helsinki, the small demo
    CRM (400 customers, seed 7) enriched and its cube built, and leads to score: until the
    lead build (wt-leads) is merged, the city's shops and amenities made leads with SQL."""
    url = make_database("geocrm_test_lookalike")
    owner = make_engine(url)
    migrate(owner)
    load_osm(owner, progress=False)
    out = tmp_path_factory.mktemp("lookalike") / "customers.csv"
    generate_demo_data(owner, customers=400, seed=7, out=out, progress=False)
    enrich_city(owner, progress=False)
    build_cube(owner)  # the cell context of the features, as `make demo` builds it
    with bulk_transaction(owner) as conn:
        conn.execute(text(LEADS_FROM_POIS))
        leads = conn.execute(text("SELECT count(*) FROM crm.leads")).scalar_one()
    app = make_engine(app_url(url), scoped=True)
    yield World(url, owner, app, leads)
    app.dispose()
    owner.dispose()


#: Every customer past the prospect stage, the best being the top quarter by revenue: the
#: small test demo (400 customers) has too few business accounts for the default.
ALL_CUSTOMERS = LookalikeSettings(customers="all")


def lead_scores(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT lead_id, score, reasons FROM crm.leads")).all()


def test_before_any_training_the_card_says_how_to_train(world):
    card = world.client("admin").get("/api/prospecting/model").json()
    assert card["trained_at"] is None and card["beats_random"] is False
    assert "geocrm lookalike train" in card["message"]
    assert [f["name"] for f in card["features"]][:2] == ["building_class", "floor_area_m2"]


def test_too_few_business_customers_give_no_score_and_say_how_many_are_needed(world):
    report = score_leads(world.owner, progress=False, settings=LookalikeSettings())
    assert 0 < report.customers < 150 and not report.beats_random
    assert report.auc is None and report.leads_scored == 0
    assert "Too few customers" in report.message and "at least 150 needed" in report.message
    assert all(score is None and reasons == [] for _, score, reasons in lead_scores(world.owner))
    card = model_card(world.owner)
    assert card["model_id"] == report.model_id and card["message"] == report.message
    assert all(f["weight"] is None for f in card["features"])


def test_a_model_of_the_best_customers_scores_every_lead_with_three_reasons(world):
    report = score_leads(world.owner, progress=False, settings=ALL_CUSTOMERS)
    assert report.customers >= 150 and report.positives >= 30
    assert report.held_out == pytest.approx(0.3 * report.customers, abs=1)
    assert report.beats_random, report.message
    assert report.auc_low > 0.5 and report.lift_top_decile > 1
    assert report.leads == world.leads and report.leads_scored == world.leads > 50
    assert report.message.startswith("Leads scored")
    rows = lead_scores(world.owner)
    assert all(0 <= score <= 1 for _, score, _ in rows)
    assert all(len(reasons) == 3 and all(reasons) for _, _, reasons in rows)
    assert len({score for _, score, _ in rows}) > 10  # scores differ from lead to lead
    texts = {t for _, _, reasons in rows for t in reasons}
    assert any(t.endswith(" building") for t in texts)

    card = model_card(world.owner)
    assert card["beats_random"] and card["auc"] == pytest.approx(report.auc, abs=1e-4)
    assert card["customers"] == report.customers and card["leads_scored"] == world.leads
    classes = next(f for f in card["features"] if f["name"] == "building_class")
    assert set(classes["weight"]) >= {"residential", "retail", "office"}


def test_shuffled_labels_are_reported_as_no_better_than_random_and_clear_the_scores(world):
    score_leads(world.owner, progress=False, settings=ALL_CUSTOMERS)
    assert any(score is not None for _, score, _ in lead_scores(world.owner))
    report = score_leads(world.owner, progress=False, settings=ALL_CUSTOMERS, shuffle_labels=True)
    assert not report.beats_random and report.auc_low <= 0.5
    assert "does not beat random" in report.message and "No lead is scored" in report.message
    assert "shuffled" in report.positive_rule
    assert all(score is None and reasons == [] for _, score, reasons in lead_scores(world.owner))
    assert model_card(world.owner)["beats_random"] is False


def test_every_signed_in_role_reads_the_card_and_no_customer_is_in_it(world):
    report = score_leads(world.owner, progress=False, settings=ALL_CUSTOMERS)
    with world.owner.connect() as conn:
        rep_id = conn.execute(text("SELECT min(rep_id) FROM crm.reps")).scalar_one()
        names = set(conn.execute(text("SELECT name FROM crm.customers")).scalars())
    for role, reps in (
        ("rep", (rep_id,)),
        ("manager", (rep_id,)),
        ("analyst", ()),
        ("marketer", ()),
    ):
        answer = world.client(role, reps).get("/api/prospecting/model")
        assert answer.status_code == 200, answer.text
        card = answer.json()
        assert card["model_id"] == report.model_id and card["beats_random"] is True
        assert card["customers"] == report.customers and card["trained_at"]
        assert not any(name in answer.text for name in names)
    assert TestClient(create_app(world.app)).get("/api/prospecting/model").status_code == 401


@pytest.fixture
def on_world(world, monkeypatch):
    """Point the process-wide settings (as the CLI reads them) at the lookalike database."""
    monkeypatch.setenv("DATABASE_URL", world.url)
    settings.database_settings.cache_clear()
    db.get_engine.cache_clear()
    yield world
    settings.database_settings.cache_clear()
    db.get_engine.cache_clear()


def test_the_command_line_trains_and_shows_the_card(on_world, capsys):
    assert main(["lookalike", "train"]) == 0
    out = capsys.readouterr().out
    assert "lookalike model" in out and "Too few customers" in out  # default: business only
    assert main(["lookalike", "show", "--json"]) == 0
    shown = capsys.readouterr().out
    assert '"beats_random": false' in shown and '"customers":' in shown
    with on_world.owner.connect() as conn:
        logged = conn.execute(
            text("SELECT count(*) FROM auth.audit_log WHERE action = 'lookalike.train'")
        ).scalar_one()
    assert logged == 1

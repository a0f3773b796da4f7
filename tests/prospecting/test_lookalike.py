"""A sales manager scores the city's leads by how much they look like the company's best
customers: only a model that beats random on held-out customers gives scores, each with
three reasons; the model card says how good it is, to every signed-in user."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geocrm.cli import main
from geocrm.prospecting.lookalike import LookalikeSettings, model_card, score_leads

#: Every customer past the prospect stage, the best being the top quarter by revenue: the
#: small test demo (400 customers) has too few business accounts for the default.
ALL_CUSTOMERS = LookalikeSettings(customers="all")


def lead_scores(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT lead_id, score, reasons FROM crm.leads")).all()


def test_too_few_business_customers_give_no_score_and_say_how_many_are_needed(engine, leads):
    report = score_leads(engine, progress=False, settings=LookalikeSettings())
    assert report.customers < 150 and not report.beats_random
    assert report.auc is None and report.leads_scored == 0
    assert "Too few customers" in report.message and "at least 150 needed" in report.message
    assert all(score is None and reasons == [] for _, score, reasons in lead_scores(engine))
    card = model_card(engine)
    assert card["model_id"] == report.model_id and card["message"] == report.message
    assert all(f["weight"] is None for f in card["features"])


def test_a_model_of_the_best_customers_scores_every_lead_with_three_reasons(engine, leads):
    report = score_leads(engine, progress=False, settings=ALL_CUSTOMERS)
    assert report.customers >= 150 and report.positives >= 30
    assert report.held_out == pytest.approx(0.3 * report.customers, abs=1)
    assert report.beats_random, report.message
    assert report.auc_low > 0.5 and report.lift_top_decile > 1
    assert report.leads == leads and report.leads_scored == leads > 50
    assert report.message.startswith("Leads scored")
    rows = lead_scores(engine)
    assert all(0 <= score <= 1 for _, score, _ in rows)
    assert all(len(reasons) == 3 and all(reasons) for _, _, reasons in rows)
    assert len({score for _, score, _ in rows}) > 10  # scores differ from lead to lead
    texts = {t for _, _, reasons in rows for t in reasons}
    assert any(t.endswith(" building") for t in texts)

    card = model_card(engine)
    assert card["beats_random"] and card["auc"] == pytest.approx(report.auc, abs=1e-4)
    assert card["customers"] == report.customers and card["leads_scored"] == leads
    classes = next(f for f in card["features"] if f["name"] == "building_class")
    assert set(classes["weight"]) >= {"residential", "retail", "office"}


def test_shuffled_labels_are_reported_as_no_better_than_random_and_clear_the_scores(engine, leads):
    score_leads(engine, progress=False, settings=ALL_CUSTOMERS)
    assert any(score is not None for _, score, _ in lead_scores(engine))
    report = score_leads(engine, progress=False, settings=ALL_CUSTOMERS, shuffle_labels=True)
    assert not report.beats_random and report.auc_low <= 0.5
    assert "does not beat random" in report.message and "No lead is scored" in report.message
    assert "shuffled" in report.positive_rule
    assert all(score is None and reasons == [] for _, score, reasons in lead_scores(engine))
    assert model_card(engine)["beats_random"] is False


def test_every_signed_in_role_reads_the_card_and_no_customer_is_in_it(engine, leads, client_as):
    report = score_leads(engine, progress=False, settings=ALL_CUSTOMERS)
    with engine.connect() as conn:
        rep_id = conn.execute(text("SELECT min(rep_id) FROM crm.reps")).scalar_one()
        names = set(conn.execute(text("SELECT name FROM crm.customers")).scalars())
    for role, reps in (("rep", (rep_id,)), ("analyst", ()), ("admin", ())):
        answer = client_as(role, reps).get("/api/prospecting/model")
        assert answer.status_code == 200, answer.text
        card = answer.json()
        assert card["model_id"] == report.model_id and card["beats_random"] is True
        assert card["customers"] == report.customers and card["trained_at"]
        assert not any(name in answer.text for name in names)


def test_the_command_line_trains_and_shows_the_card(engine, leads, use_database, capsys):
    assert main(["lookalike", "train"]) == 0
    out = capsys.readouterr().out
    assert "lookalike model" in out and "Too few customers" in out  # default: business only
    assert main(["lookalike", "show", "--json"]) == 0
    shown = capsys.readouterr().out
    assert '"beats_random": false' in shown and '"customers":' in shown
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT count(*) FROM auth.audit_log WHERE action = 'lookalike.train'")
        ).scalar_one()
    assert logged >= 1

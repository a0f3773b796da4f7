"""Lookalike scores of the leads, with reasons (issue 16): a model trained on the company's
own customers, validated on held-out ones, kept with its card in ``crm.lead_models``.

``score_leads`` reads the features of the customers and of the leads (the same SQL,
``spatial_sql/prospecting/lookalike_features.sql``), marks the best customers (the positive
rule of :class:`LookalikeSettings`), validates on a stratified held-out share, and only when
the model beats random (``lookalike_model.Validation.beats_random``) refits on every
customer and writes each lead's score and three reasons; otherwise every lead's score is
NULL and its reasons empty, and the card says why. The model itself is in
``lookalike_model`` (no database).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, text
from sqlalchemy.sql.elements import TextClause
from tqdm import tqdm

from geocrm.db import bulk_transaction, sql_file
from geocrm.prospecting import lookalike_model as model

STAGES_CLIENT_OR_ABOVE = ("client", "supporter", "advocate", "partner")


class LookalikeSettings(BaseSettings):
    """Who the lookalike model learns from and who counts as a best customer."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_LOOKALIKE_", extra="ignore")

    customers: Literal["business", "all"] = Field(
        default="business",
        description="The customers the model learns from: business accounts (leads are "
        "businesses) or all; prospects are never among them (not customers yet).",
    )
    positive: Literal["revenue", "stage"] = Field(
        default="revenue",
        description="Best customers: the top share by annual revenue (revenue), or those "
        "at the client stage or above on the relationship ladder (stage).",
    )
    top_share: float = Field(
        default=0.25, gt=0, lt=1, description="revenue: the share of customers that are best."
    )
    min_customers: int = Field(
        default=150, ge=20, description="Fewest customers to train on (else no score)."
    )
    min_positives: int = Field(
        default=30,
        ge=5,
        description="Fewest best customers, and fewest others, to train on (else no score).",
    )
    held_out: float = Field(
        default=0.3, gt=0.05, lt=0.9, description="Share of customers kept out to validate on."
    )


@lru_cache
def lookalike_settings() -> LookalikeSettings:
    """The lookalike settings of this process (read once)."""
    return LookalikeSettings()


@dataclass
class TrainingData:
    """The customers the model learns from, their labels, and the rule in words."""

    frame: pd.DataFrame
    labels: np.ndarray
    rule: str

    @property
    def positives(self) -> int:
        """How many best customers."""
        return int(self.labels.sum())


@dataclass
class LookalikeReport:
    """What ``score_leads`` trained, how it validated, and what it wrote on the leads."""

    customers: int
    positives: int
    positive_rule: str
    message: str
    beats_random: bool = False
    held_out: int = 0
    auc: float | None = None
    auc_low: float | None = None
    auc_high: float | None = None
    lift_top_decile: float | None = None
    leads: int = 0
    leads_scored: int = 0
    model_id: int | None = None
    trained_at: Any = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (the CLI's ``--json``)."""
        return asdict(self)


def _sql(name: str) -> TextClause:
    return text(sql_file(f"prospecting/lookalike_{name}.sql"))


def features(engine: Engine, subjects: Literal["customers", "leads"]) -> pd.DataFrame:
    """The model's features of every enriched customer, or of every lead."""
    with engine.connect() as conn:
        return pd.read_sql(_sql("features"), conn, params={"subjects": subjects})


def training_data(engine: Engine, settings: LookalikeSettings | None = None) -> TrainingData:
    """The customers to learn from (settings ``customers``, past the prospect stage) and
    their labels (settings ``positive``)."""
    settings = settings or lookalike_settings()
    frame = features(engine, "customers")
    frame = frame[frame["stage"] != "prospect"]
    who = "customers"
    if settings.customers == "business":
        frame = frame[frame["kind"] == "business"]
        who = "business customers"
    frame = frame.reset_index(drop=True)
    revenue = frame["annual_revenue"].astype(float).to_numpy()
    if settings.positive == "stage":
        labels = frame["stage"].isin(STAGES_CLIENT_OR_ABOVE).to_numpy()
        rule = f"{who} past the prospect stage; best: client stage or above"
    else:
        cut = float(np.quantile(revenue, 1 - settings.top_share)) if revenue.size else 0.0
        labels = (revenue >= cut) & (revenue > 0)
        rule = (
            f"{who} past the prospect stage; best: the top {settings.top_share:.0%} by "
            f"annual revenue (at least {cut:,.0f})"
        )
    return TrainingData(frame, np.asarray(labels, dtype=bool), rule)


def too_few(data: TrainingData, settings: LookalikeSettings) -> str | None:
    """Why there are too few customers to train on, or None when there are enough."""
    n, pos = len(data.labels), data.positives
    if n >= settings.min_customers and min(pos, n - pos) >= settings.min_positives:
        return None
    return (
        f"Too few customers to train a lookalike model: {n} customers to learn from (at "
        f"least {settings.min_customers} needed), {pos} of them best and {n - pos} others "
        f"(at least {settings.min_positives} of each needed). No lead is scored."
    )


def shuffled(data: TrainingData, seed: int = model.SEED) -> TrainingData:
    """The same customers with their labels shuffled (a baseline that must not beat random)."""
    labels = np.random.default_rng(seed).permutation(data.labels)
    return TrainingData(data.frame, labels, data.rule + " (labels shuffled: a baseline)")


def _figures(v: model.Validation) -> str:
    return (
        f"held-out AUC {v.auc:.2f}, 95% interval {v.auc_low:.2f}-{v.auc_high:.2f}, on "
        f"{v.held_out} customers; top-decile lift {v.lift_top_decile:.2f}"
    )


def score_leads(
    engine: Engine,
    progress: bool = True,
    *,
    settings: LookalikeSettings | None = None,
    shuffle_labels: bool = False,
) -> LookalikeReport:
    """Train the lookalike model on the customers, validate it on held-out customers, keep
    it in ``crm.lead_models`` and write ``crm.leads.score`` and ``reasons``: NULL and empty
    when there are too few customers or the model does not beat random (the report's
    ``message`` says which).

    Parameters
    ----------
    engine
        The owner's engine (the build writes every lead).
    progress
        Show a progress bar.
    settings
        Who to learn from and who is best (default: ``GEOCRM_LOOKALIKE_*``).
    shuffle_labels
        Shuffle the best/other labels first (seeded): the baseline the backtest and the
        tests compare with; such a model must not score anything.
    """
    settings = settings or lookalike_settings()
    seconds: dict[str, float] = {}
    bar = tqdm(total=4, desc="lookalike", unit=" step", disable=not progress)
    started = time.perf_counter()
    bar.set_postfix_str("customers' features")
    data = training_data(engine, settings)
    if shuffle_labels:
        data = shuffled(data)
    seconds["features"] = time.perf_counter() - started
    bar.update(1)
    report = LookalikeReport(
        customers=len(data.labels), positives=data.positives, positive_rule=data.rule, message=""
    )
    fitted: model.FittedModel | None = None
    reason = too_few(data, settings)
    if reason is None:
        bar.set_postfix_str("validating")
        started = time.perf_counter()
        validation = model.validate(data.frame, data.labels, held_out=settings.held_out)
        seconds["validate"] = time.perf_counter() - started
        report.held_out = validation.held_out
        report.auc = validation.auc
        report.auc_low, report.auc_high = validation.auc_low, validation.auc_high
        report.lift_top_decile = validation.lift_top_decile
        report.beats_random = validation.beats_random
        if validation.beats_random:
            fitted = model.fit(data.frame, data.labels)
        else:
            reason = (
                f"The lookalike model does not beat random ({_figures(validation)}); a "
                "model must have the interval above 0.5 and a lift above 1. No lead is scored."
            )
    bar.update(1)
    bar.set_postfix_str("scoring leads")
    started = time.perf_counter()
    scored = _score(engine, fitted) if fitted is not None else None
    seconds["score"] = time.perf_counter() - started
    bar.update(1)
    report.leads = _lead_count(engine)
    if reason is not None:
        report.message = reason
    elif not report.leads:
        report.message = (
            f"The lookalike model beats random ({_figures(validation)}), but there are no "
            "leads to score yet: run `geocrm leads build`."
        )
    else:
        report.message = f"Leads scored: the lookalike model beats random ({_figures(validation)})."
    bar.set_postfix_str("writing")
    started = time.perf_counter()
    _write(engine, report, fitted, scored)
    seconds["write"] = time.perf_counter() - started
    bar.update(1)
    bar.close()
    report.seconds = seconds
    return report


def _score(engine: Engine, fitted: model.FittedModel) -> pd.DataFrame:
    """Each lead's score and three reasons, from its features."""
    leads = features(engine, "leads")
    texts = model.reasons(fitted, leads)
    padded = [[*t, "", "", ""][:3] for t in texts]
    return pd.DataFrame(
        {
            "lead_id": leads["subject_id"].astype(str),
            "score": np.round(fitted.predict(leads), 4) if len(leads) else [],
            "r1": [t[0] for t in padded],
            "r2": [t[1] for t in padded],
            "r3": [t[2] for t in padded],
        }
    )


def _lead_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(_sql("lead_count")).scalar_one())


def _write(
    engine: Engine,
    report: LookalikeReport,
    fitted: model.FittedModel | None,
    scored: pd.DataFrame | None,
) -> None:
    """In one transaction: clear every lead's score, write the new ones, keep the model."""
    with bulk_transaction(engine) as conn:
        conn.execute(_sql("clear_scores"))
        if scored is not None and len(scored):
            conn.execute(
                _sql("write_scores"),
                {
                    "lead_ids": scored["lead_id"].tolist(),
                    "scores": scored["score"].astype(float).tolist(),
                    "r1": scored["r1"].tolist(),
                    "r2": scored["r2"].tolist(),
                    "r3": scored["r3"].tolist(),
                },
            )
            report.leads_scored = len(scored)
        row = conn.execute(
            _sql("record_model"),
            {
                "customers": report.customers,
                "positives": report.positives,
                "held_out": report.held_out,
                "auc": report.auc,
                "auc_low": report.auc_low,
                "auc_high": report.auc_high,
                "lift_top_decile": report.lift_top_decile,
                "beats_random": report.beats_random,
                "features": json.dumps(model.feature_list()),
                "coefficients": json.dumps(fitted.to_json() if fitted else {}),
                "positive_rule": report.positive_rule,
                "message": report.message,
                "leads_scored": report.leads_scored,
            },
        ).one()
    report.model_id, report.trained_at = row.model_id, row.trained_at


def model_card(engine: Engine) -> dict[str, Any]:
    """The card of the model in use: held-out AUC and interval, top-decile lift, customers
    used, whether it beats random, when it was trained, its features and their weights.
    Aggregates only, never a customer. Before any training: ``trained_at`` None and a
    message saying how to train."""
    with engine.connect() as conn:
        row = conn.execute(_sql("latest_model")).mappings().first()
    if row is None:
        return {
            "model_id": None,
            "trained_at": None,
            "customers": 0,
            "positives": 0,
            "held_out": 0,
            "auc": None,
            "auc_low": None,
            "auc_high": None,
            "lift_top_decile": None,
            "beats_random": False,
            "positive_rule": None,
            "leads_scored": 0,
            "message": "No lookalike model has been trained yet: run `geocrm lookalike train` "
            "(`geocrm leads build` trains one too). No lead is scored.",
            "features": _card_features(model.feature_list(), {}),
        }
    card = {k: row[k] for k in row if k not in ("features", "coefficients")}
    for key in ("auc", "auc_low", "auc_high", "lift_top_decile"):
        card[key] = None if card[key] is None else round(float(card[key]), 4)
    card["trained_at"] = card["trained_at"].isoformat()
    card["features"] = _card_features(row["features"], row["coefficients"] or {})
    return card


def _card_features(features_: list[dict], coefficients: dict) -> list[dict[str, Any]]:
    """Each feature with its weight (per class for the building class), when fitted."""
    weights = dict(zip(coefficients.get("columns", []), coefficients.get("coef", []), strict=True))
    out = []
    for f in features_:
        entry = dict(f)
        if f["name"] == model.CLASS_FEATURE:
            prefix = f"{model.CLASS_FEATURE}="
            classes = {
                k[len(prefix) :]: round(v, 4) for k, v in weights.items() if k.startswith(prefix)
            }
            entry["weight"] = classes or None
        else:
            entry["weight"] = None if f["name"] not in weights else round(weights[f["name"]], 4)
        out.append(entry)
    return out

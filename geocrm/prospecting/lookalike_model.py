"""The lookalike model itself, pure (no database): features, fit, held-out validation and
per-lead reasons.

A logistic regression (scikit-learn) on standardised numeric features and one-hot building
classes. A subject's contribution of a feature is its coefficient times the subject's
standardised value (summed over the one-hot columns of the building class), so the three
largest contributions are the three reasons that raise its score most. Validation keeps a
stratified share of the customers out of training (fixed seed): the held-out AUC with a 95%
stratified bootstrap interval, and the lift of the top decile. A model *beats random* when
the interval's lower bound is above 0.5 and the top-decile lift above 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from geocrm import vocabulary

#: Building classes as ref.buildings has them, and ``none`` where no building was matched.
BUILDING_CLASSES = (*vocabulary.BUILDING_CLASSES, "none")
#: Seed of the split and of the bootstrap: the same customers give the same model card.
SEED = 16
BOOTSTRAPS = 1000


@dataclass(frozen=True)
class Feature:
    """A numeric feature: its column, how a rep reads it, and whether it is log-scaled.

    ``style`` words a reason: ``level`` "High foot traffic in front (82/100)", ``count``
    "Many shops within 150 m (126)" / "Few ...", ``size`` "Large floor area (2,400 m²)",
    ``minutes`` "5 min walk from the nearest store", ``share`` "88% likely ...".
    """

    name: str
    label: str
    style: Literal["level", "count", "size", "minutes", "share"]
    log: bool = False


#: The numeric features, in model order (lookalike_features.sql computes them).
FEATURES: tuple[Feature, ...] = (
    Feature("floor_area_m2", "floor area", "size", log=True),
    Feature("footfall_index", "foot traffic in front", "level"),
    Feature("nearest_store_minutes", "minutes to the nearest store", "minutes"),
    Feature("trade_areas", "store trade areas", "count"),
    Feature("huff_probability", "likely to shop at the nearest store (Huff)", "share"),
    Feature("footfall_around", "foot traffic around", "level"),
    Feature("households_around", "households around", "count", log=True),
    Feature("buildings_around", "addressable buildings around", "count", log=True),
    Feature("shops", "shops within 150 m", "count", log=True),
    Feature("amenities", "amenities within 150 m", "count", log=True),
    Feature("tourism", "tourism places within 150 m", "count", log=True),
    Feature("transit", "transit stops within 150 m", "count", log=True),
)
#: How far from the customers' mean (in standard deviations) a value reads as high or low.
_NOTABLE = 0.5
CLASS_FEATURE = "building_class"


def feature_list() -> list[dict[str, str]]:
    """The features as the model card lists them: ``[{name, label, kind}]``."""
    return [{"name": CLASS_FEATURE, "label": "building class", "kind": "category"}] + [
        {"name": f.name, "label": f.label, "kind": "log number" if f.log else "number"}
        for f in FEATURES
    ]


@dataclass
class Validation:
    """The held-out figures of a model: ``beats_random`` decides whether leads get scores."""

    held_out: int
    auc: float
    auc_low: float
    auc_high: float
    lift_top_decile: float

    @property
    def beats_random(self) -> bool:
        """The AUC's 95% lower bound above 0.5 and more positives in the top decile."""
        return self.auc_low > 0.5 and self.lift_top_decile > 1.0


@dataclass
class FittedModel:
    """A fitted lookalike model: imputation medians, scales and coefficients."""

    medians: dict[str, float]
    means: list[float]
    scales: list[float]
    coef: list[float]
    intercept: float
    columns: list[str] = field(default_factory=list)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The standardised design matrix of ``frame`` (numeric, then one-hot classes)."""
        raw = _raw_matrix(frame, self.medians)
        return (raw - np.asarray(self.means)) / np.asarray(self.scales)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The probability of being among the best customers, per row of ``frame``."""
        z = self.matrix(frame) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """Per row, each feature's push on the log-odds (the class's one-hot columns summed),
        in the order of :func:`feature_list`."""
        parts = self.matrix(frame) * np.asarray(self.coef)
        numeric = parts[:, : len(FEATURES)]
        classes = parts[:, len(FEATURES) :].sum(axis=1, keepdims=True)
        return np.hstack([classes, numeric])

    def to_json(self) -> dict[str, Any]:
        """What ``crm.lead_models.coefficients`` keeps."""
        return {
            "intercept": self.intercept,
            "columns": self.columns,
            "coef": self.coef,
            "means": self.means,
            "scales": self.scales,
            "medians": self.medians,
        }

    def weights(self) -> dict[str, float]:
        """Coefficient per column (standardised), for the model card."""
        return dict(zip(self.columns, (round(c, 4) for c in self.coef), strict=True))


def _raw_matrix(frame: pd.DataFrame, medians: dict[str, float]) -> np.ndarray:
    cols = []
    for f in FEATURES:
        values = pd.to_numeric(frame[f.name], errors="coerce").astype(float).to_numpy()
        values = np.where(np.isnan(values), medians[f.name], values)
        cols.append(np.log1p(np.maximum(values, 0)) if f.log else values)
    classes = frame[CLASS_FEATURE].fillna("none").to_numpy()
    cols.extend((classes == c).astype(float) for c in BUILDING_CLASSES)
    return np.column_stack(cols) if len(frame) else np.zeros((0, len(cols)))


def _columns() -> list[str]:
    return [f.name for f in FEATURES] + [f"{CLASS_FEATURE}={c}" for c in BUILDING_CLASSES]


def fit(frame: pd.DataFrame, labels: np.ndarray) -> FittedModel:
    """Fit the model on customers ``frame`` with boolean ``labels`` (True: a best customer)."""
    medians = {}
    for f in FEATURES:
        values = pd.to_numeric(frame[f.name], errors="coerce").astype(float)
        median = values.median()
        medians[f.name] = 0.0 if pd.isna(median) else float(median)
    raw = _raw_matrix(frame, medians)
    means = raw.mean(axis=0)
    scales = raw.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit((raw - means) / scales, np.asarray(labels, dtype=bool))
    return FittedModel(
        medians=medians,
        means=means.tolist(),
        scales=scales.tolist(),
        coef=clf.coef_[0].tolist(),
        intercept=float(clf.intercept_[0]),
        columns=_columns(),
    )


def lift_top_decile(scores: np.ndarray, labels: np.ndarray) -> float:
    """Share of positives among the top 10% by score over the share among all."""
    labels = np.asarray(labels, dtype=bool)
    if labels.size == 0 or not labels.any():
        return 0.0
    k = max(1, int(np.ceil(labels.size * 0.1)))
    top = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return float(labels[top].mean() / labels.mean())


def bootstrap_auc(
    scores: np.ndarray, labels: np.ndarray, rounds: int = BOOTSTRAPS, seed: int = SEED
) -> tuple[float, float]:
    """The 95% percentile interval of the AUC, resampling positives and negatives apart
    (stratified: every resample has both)."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    pos, neg = scores[labels], scores[~labels]
    rng = np.random.default_rng(seed)
    aucs = np.empty(rounds)
    for i in range(rounds):
        p = pos[rng.integers(pos.size, size=pos.size)]
        n = neg[rng.integers(neg.size, size=neg.size)]
        # Mann-Whitney: AUC from the positives' ranks among both (ties count a half)
        ranks = pd.Series(np.concatenate([p, n])).rank().to_numpy()[: p.size]
        aucs[i] = (ranks.sum() - p.size * (p.size + 1) / 2) / (p.size * n.size)
    low, high = np.percentile(aucs, [2.5, 97.5])
    return float(low), float(high)


def validate(
    frame: pd.DataFrame, labels: np.ndarray, *, held_out: float = 0.3, seed: int = SEED
) -> Validation:
    """Fit on a stratified share of the customers, measure on the rest (fixed seed)."""
    labels = np.asarray(labels, dtype=bool)
    train, test = train_test_split(
        np.arange(len(frame)), test_size=held_out, stratify=labels, random_state=seed
    )
    model = fit(frame.iloc[train], labels[train])
    scores = model.predict(frame.iloc[test])
    truth = labels[test]
    low, high = bootstrap_auc(scores, truth, seed=seed)
    return Validation(
        held_out=int(test.size),
        auc=float(roc_auc_score(truth, scores)),
        auc_low=low,
        auc_high=high,
        lift_top_decile=lift_top_decile(scores, truth),
    )


def reasons(model: FittedModel, frame: pd.DataFrame, top: int = 3) -> list[list[str]]:
    """The ``top`` features that raise each row's score most, as short texts."""
    if frame.empty:
        return []
    contributions = model.contributions(frame)
    # a value the subject lacks (imputed) is no reason
    missing = np.column_stack(
        [np.zeros(len(frame), dtype=bool)]
        + [pd.to_numeric(frame[f.name], errors="coerce").isna().to_numpy() for f in FEATURES]
    )
    contributions = np.where(missing, -np.inf, contributions)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    z = model.matrix(frame)[:, : len(FEATURES)]
    names = [CLASS_FEATURE] + [f.name for f in FEATURES]
    rows = frame.to_dict("records")
    return [
        [_reason_text(names[j], row, z[i, j - 1] if j else 0.0) for j in order[i]]
        for i, row in enumerate(rows)
    ]


_BY_NAME = {f.name: f for f in FEATURES}
_CLASS_TEXT = {"none": "No building matched", "other": "Other building type"}
_WORDS = {"level": ("High", "Low"), "count": ("Many", "Few"), "size": ("Large", "Small")}


def _reason_text(name: str, row: dict, z: float) -> str:
    """A reason as a rep reads it; ``z``: the row's standardised value of the feature."""
    if name == CLASS_FEATURE:
        cls = row.get(CLASS_FEATURE) or "none"
        return _CLASS_TEXT.get(cls, f"{str(cls).capitalize()} building")
    feature = _BY_NAME[name]
    value = pd.to_numeric(row.get(name), errors="coerce")
    if pd.isna(value):
        return f"Unknown {feature.label}"
    value = float(value)
    if feature.style == "minutes":
        mode = row.get("nearest_store_mode")
        how = " walk" if mode == "walk" else " drive" if mode == "drive" else ""
        return f"{value:.0f} min{how} from the nearest store"
    if feature.style == "share":
        return f"{value:.0%} {feature.label}"
    shown = {
        "level": f"{value:.0f}/100",
        "size": f"{value:,.0f} m²",
        "count": f"{value:,.0f}",
    }[feature.style]
    high, low = _WORDS[feature.style]
    word = high if z > _NOTABLE else low if z < -_NOTABLE else "Average"
    if word == "Average" and feature.style == "count":
        return f"{shown} {feature.label}"
    return f"{word} {feature.label} ({shown})"

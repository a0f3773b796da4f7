"""Answer of ``/api/prospecting/model``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from geocrm.api.models.customers import Timestamp


class ModelFeature(BaseModel):
    name: str
    label: str
    kind: str = Field(description="category, number or log number")
    weight: float | dict[str, float] | None = Field(
        description="coefficient on the standardised feature (per class for the building "
        "class); null before a model beats random"
    )


class ModelCard(BaseModel):
    """The lookalike model in use: aggregates only, never a customer."""

    model_id: int | None
    trained_at: Timestamp | None
    customers: int = Field(description="customers the model learnt from (incl. held-out)")
    positives: int = Field(description="of them, the best customers")
    held_out: int = Field(description="customers kept out of training to validate on")
    auc: float | None = Field(description="held-out area under the ROC curve")
    auc_low: float | None = Field(description="lower bound of its 95% bootstrap interval")
    auc_high: float | None
    lift_top_decile: float | None
    beats_random: bool = Field(description="auc_low > 0.5 and lift > 1: leads are scored")
    positive_rule: str | None
    leads_scored: int
    message: str
    features: list[ModelFeature]

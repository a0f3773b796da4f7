"""``/api/prospecting/model``: the card of the lookalike model that scores the leads."""

from typing import Any

from fastapi import APIRouter

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.lookalike import ModelCard
from geocrm.prospecting.lookalike import model_card

router = APIRouter(
    prefix="/api/prospecting",
    tags=["prospecting"],
    responses=ERROR_RESPONSES,
    dependencies=[allow(*ANY_ROLE)],
)


@router.get(
    "/model",
    summary="The lookalike model card: held-out AUC, top-decile lift, customers used",
    response_model=ModelCard,
)
def get_model_card(engine: EngineDep) -> dict[str, Any]:
    """Every signed-in user may read it: it holds aggregates, never a customer."""
    return model_card(engine)

"""``/health``: is the service usable."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from geocrm.api.access import PUBLIC, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES, error_body
from geocrm.api.models.health import Health, HealthProblem
from geocrm.db.status import health
from geocrm.errors import DatabaseUnavailable

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES, dependencies=[allow(*PUBLIC)])


@router.get(
    "/health",
    summary="Database reachable, PostGIS version, data loaded, hex cube up to date",
    response_model=Health,
    responses={503: {"model": HealthProblem, "description": "not usable: why, and what to do"}},
)
def get_health(request: Request, engine: EngineDep) -> JSONResponse:
    try:
        report = health(engine)
    except DatabaseUnavailable as exc:
        report = {"status": "unavailable", "database": "unreachable", "detail": str(exc)}
    if report["status"] == "ok":
        return JSONResponse(report)
    problem = error_body(request, 503, DatabaseUnavailable.__name__, report["detail"])
    return JSONResponse(
        {**report, **problem},
        status_code=503,
        headers={"Retry-After": str(DatabaseUnavailable.retry_after_s)},
    )

"""``/health``: is the service usable."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from geocrm.api.deps import EngineDep
from geocrm.db.status import health
from geocrm.errors import DatabaseUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", summary="Database reachable, PostGIS version, data loaded")
def get_health(engine: EngineDep) -> JSONResponse:
    try:
        report = health(engine)
    except DatabaseUnavailable as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

"""The one error body of every 4xx/5xx answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """What went wrong, in the same four fields for every error the API returns."""

    error: str = Field(
        description="the kind of error, e.g. InvalidInput, NotFound, Conflict, "
        "DatabaseUnavailable, Overloaded, MethodNotAllowed, InternalError",
        examples=["NotFound"],
    )
    detail: str = Field(description="what is wrong and what to do, for a person to read")
    problems: list[str] = Field(
        description="one line per invalid input (request validation); empty when none"
    )
    request_id: str = Field(
        description="this request's id, also in the X-Request-ID header and the server log"
    )

"""Answers of ``/api/auth``: the signed-in user and the CSRF token of their session."""

from __future__ import annotations

from pydantic import BaseModel, Field


class User(BaseModel):
    """A user as the app shows them."""

    user_id: int
    email: str
    display_name: str | None = None
    role: str = Field(description="admin, manager, rep, marketer or analyst")
    reps: list[int] = Field(description="crm.reps ids whose accounts they see (rep, manager)")


class Me(BaseModel):
    """Who is signed in; ``csrf_token`` goes in ``X-CSRF-Token`` of every change."""

    user: User
    via: str = Field(description="session or token")
    csrf_token: str | None = Field(default=None, description="null for API tokens")
    min_cell_count: int = Field(
        description="outside your rows, hexagons and zone counts show at least this many"
    )

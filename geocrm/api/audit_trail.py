"""Who did what over HTTP: a route declares the audit action of what it changes or exports
(``audited``), next to who may call it (``allow``); the entry is written once the route
has succeeded, with the signed-in principal and the request's id.

The target is a path parameter (the first one unless named; a customer's external id is
logged only as ``customer_ref``, a digest), or whatever the route sets on the note it is
given (the id of what it created), with a small ``detail`` of counts and settings, never
a customer's data. Users and tokens record their own entries (``geocrm.auth``), in the
transaction of the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request

from geocrm.api.deps import engine_of_app
from geocrm.api.request_id import request_id
from geocrm.auth.audit import customer_ref, record_now


@dataclass
class AuditNote:
    """What the entry will say; a route may fill in ``target`` and ``detail``, or ``skip``
    it (a read that is no export, say)."""

    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    skip: bool = False


def audited(action: str, *, target: str | None = None, customer: str | None = None) -> Any:
    """The audit rule of a route: record ``action`` after it succeeds (an error records
    nothing). ``target``: the path parameter naming what it acts on (default: the first);
    ``customer``: the path parameter holding a customer's external id (logged as a digest).
    Other path parameters go into the detail. Use it in ``dependencies=[...]``, or as a
    route parameter ``note: Annotated[AuditNote, audited(...)]`` to fill the note in."""

    def note(request: Request) -> Iterator[AuditNote]:
        params = dict(request.path_params)
        if customer is not None:
            entry = AuditNote(target=customer_ref(str(params.pop(customer))))
            params = {}  # nothing else of a customer's route goes into the log
        else:
            name = target or next(iter(params), None)
            entry = AuditNote(target=None if name is None else str(params.pop(name)))
        entry.detail.update(params)
        yield entry  # the route runs; if it raises, the exception ends this here
        if not entry.skip:
            record_now(
                engine_of_app(request.app),
                request.state.principal,
                action,
                target=entry.target,
                detail=entry.detail,
                request_id=request_id(request.scope),
            )

    # "function": the entry is written when the route returns, before the answer is sent
    return Depends(note, scope="function")

"""A request id on every request: the caller's ``X-Request-ID`` if sane, else a new one;
echoed on every response and carried into error bodies, the log and the audit entries the
request writes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geocrm.auth.audit import request_context

logger = logging.getLogger("geocrm.api")

HEADER = "X-Request-ID"
MAX_LENGTH = 64


def _sane(value: str) -> bool:
    return 0 < len(value) <= MAX_LENGTH and value.isprintable() and value.isascii()


def request_id(scope: Scope) -> str:
    """The id of the request in ``scope`` (set by ``RequestIdMiddleware``; a new one
    outside it)."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex
    return state["request_id"]


class RequestIdMiddleware:
    """Gives each HTTP request its id and puts it on the response as ``X-Request-ID``.

    It also answers an exception nothing else handled, with ``on_error(request, exc)``:
    Starlette's own last-resort handler sits outside this middleware, where the response
    would lose the header. An exception raised once the response is complete (a background
    task's) is only logged: re-raised, the server would close the kept-alive connection
    under the client's next request. One raised while the response is being sent is
    re-raised: the answer is cut short, and only closing the connection says so.
    """

    def __init__(self, app: ASGIApp, on_error: Callable[[Request, BaseException], Response]):
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Request(scope).headers.get(HEADER, "")
        scope.setdefault("state", {})["request_id"] = given if _sane(given) else uuid.uuid4().hex
        rid = scope["state"]["request_id"]
        started = finished = False

        async def send_with_id(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
                headers: list[Any] = list(message.get("headers", []))
                headers.append((HEADER.lower().encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True

        try:
            with request_context(rid):
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if finished:  # the caller has its whole answer: keep the connection usable
                logger.error("%s failed after its response was sent", rid, exc_info=exc)
                return
            if started:  # cut short: let the server close the connection
                logger.error("%s failed while its response was being sent", rid, exc_info=exc)
                raise
            response = self.on_error(Request(scope), exc)
            await response(scope, receive, send_with_id)

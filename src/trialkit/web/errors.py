"""Exceptions → HTTP responses: one JSON error shape for the API, an HTML hook for pages.

Every user error becomes a 4xx whose body is
``{"error": {"code": ..., "message": ..., "field": ...}}``; the status comes from
the exception class (one table below), so the service decides *what* went
wrong and this module only decides how it looks on the wire. Pages (anything
outside ``/api/`` asked for by a browser) get the page layer's HTML renderer
instead, when one is installed — the UI owns how an error page looks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trialkit import errors

log = logging.getLogger("trialkit.web")

#: Renders an HTML error page: (request, status, code, message, field) → response.
HtmlErrorRenderer = Callable[[Request, int, str, str, str | None], Response]

# Most specific first: the first matching class decides status and code.
_STATUS: tuple[tuple[type[BaseException], int, str], ...] = (
    (errors.AuthError, 401, "unauthenticated"),
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.NotFound, 404, "not_found"),
    (errors.Conflict, 409, "conflict"),
    (errors.ProtocolRefusal, 422, "protocol_rule"),
    (errors.InputError, 400, "invalid_input"),
    (errors.UnitError, 400, "invalid_unit"),
    (errors.TrialkitError, 400, "bad_request"),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    423: "locked",
    429: "too_many_requests",
}


class CsrfError(errors.PermissionDenied):
    """An unsafe request authenticated by cookie without the session's CSRF token."""


def classify(exc: BaseException) -> tuple[int, str]:
    """HTTP status and machine-readable code for a trialkit error."""
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            if isinstance(exc, CsrfError):
                return status, "csrf"
            return status, getattr(exc, "code", None) or code
    return 500, "internal"


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def wants_html(request: Request) -> bool:
    """Browsers navigating pages get HTML; the API and scripts always get JSON."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def install_error_handlers(app: FastAPI, html: HtmlErrorRenderer | None = None) -> None:
    """Register the handlers; ``html`` renders error pages for browser requests to pages."""

    def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        field: str | None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if html is not None and wants_html(request):
            response = html(request, status, code, message, field)
            response.status_code = status
            return response
        return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)

    async def on_trialkit_error(request: Request, exc: Exception) -> Response:
        status, code = classify(exc)
        field = getattr(exc, "field", None)
        headers = None
        sent_basic = request.headers.get("authorization", "").lower().startswith("basic")
        if status == 401 and sent_basic:
            # Challenge only clients already using Basic: a browser never gets the prompt,
            # so it never caches Basic credentials that a cross-site form could ride on
            # (Basic requests skip the CSRF check).
            headers = {"WWW-Authenticate": 'Basic realm="trialkit"'}
        return respond(request, status, code, str(exc), field, headers)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = exc.errors()
        first = problems[0] if problems else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        message = "; ".join(_describe(p) for p in problems[:5]) or "invalid request"
        return respond(request, 422, "invalid_input", message, field)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers) if exc.headers else None
        return respond(request, exc.status_code, code, str(exc.detail), None, headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # A bug, never a user error: log the traceback, answer without leaking it.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, "internal", "internal error (logged on the server)", None)

    async def on_database_refusal(request: Request, exc: Exception) -> Response:
        # Safety net under the service's own checks; the transaction was rolled back, so
        # nothing was written. A uniqueness or version race is a conflict; a value the
        # column cannot hold (PostgreSQL: NUL characters, over-long text) is bad input.
        if isinstance(exc, IntegrityError | StaleDataError):
            return respond(request, 409, "conflict", "the record changed or already exists", None)
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return respond(
            request, 400, "invalid_input", f"the database refused a value: {reason}", None
        )

    app.add_exception_handler(IntegrityError, on_database_refusal)
    app.add_exception_handler(DataError, on_database_refusal)
    app.add_exception_handler(StaleDataError, on_database_refusal)
    app.add_exception_handler(errors.TrialkitError, on_trialkit_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def _describe(problem: Any) -> str:
    loc = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path"))
    msg = str(problem.get("msg", "invalid"))
    return f"{loc}: {msg}" if loc else msg

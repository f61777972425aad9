"""The HTML face of the study application: one router the app factory includes.

Server-rendered Jinja2 pages (``templates/``), one stylesheet and a little
vanilla JavaScript (``static/``), no build step and nothing from a CDN. Each
area lives in its own module; this one holds the login page, the HTML error
page the app's error handlers call, and the router that gathers them all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trialkit.protocol import load_protocol
from trialkit.web.auth import safe_next, session_actor
from trialkit.web.pages_common import render, served_protocol
from trialkit.web.pages_conduct import router as conduct_router
from trialkit.web.pages_records import router as records_router
from trialkit.web.pages_screening import router as screening_router
from trialkit.web.pages_study import router as study_router
from trialkit.web.pages_subjects import router as subjects_router

router = APIRouter(include_in_schema=False)

_HEADINGS = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Changed by someone else",
    422: "The input could not be used",
}


def _protocol_title(request: Request) -> str:
    """The protocol this app serves (``trialkit serve --protocol``), as the login page names it."""
    protocol = load_protocol(served_protocol(request))
    return f"{protocol.id} · {protocol.title}"


@router.get("/")
def login_page(request: Request, next: str | None = None) -> Response:
    """The login page; someone already signed in goes on to the screening log."""
    if session_actor(request) is not None:
        return RedirectResponse(safe_next(next) if next else "/screening", status_code=303)
    return _login(request, next_page=next or "/screening")


def _login(
    request: Request, *, next_page: str, message: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "login.html",
        {
            "title": "Sign in",
            "next_page": safe_next(next_page),
            "username": "",
            "protocol_title": _protocol_title(request),
            "form_error": message,
        },
        status=status,
    )


def render_error(
    request: Request, status: int, code: str, message: str, field: str | None
) -> Response:
    """HTML error page for a browser (the app's error handlers call this hook).

    A 401 shows the login form with the reason (wrong password, locked, signed
    out), so the user can simply sign in again.
    """
    if status == 401:
        target = request.url.path if request.method == "GET" else "/screening"
        return _login(request, next_page=target, message=message, status=401)
    heading = _HEADINGS.get(status, "Something went wrong")
    body = message if status < 500 else "An internal error occurred; it has been logged."
    return render(
        request,
        "error.html",
        {"title": heading, "heading": heading, "message": body, "code": code, "field": field},
        status=status,
    )


router.include_router(screening_router)
router.include_router(subjects_router)
router.include_router(conduct_router)
router.include_router(records_router)
router.include_router(study_router)

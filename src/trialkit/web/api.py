"""The REST API (``/api/v1``): one endpoint per service operation, JSON in and out.

Each endpoint parses its request (pydantic models in :mod:`api_models`), calls
one :class:`StudyService` method as the authenticated actor, and returns the
service's view. Role checks, versions, audit and every clinical rule are the
service's; errors are mapped to 4xx JSON by :mod:`trialkit.web.errors`.
Endpoints are plain ``def``: FastAPI runs them in its thread pool, so a slow
database call never blocks the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trialkit.web import api_models as models
from trialkit.web import api_monitoring, api_screenings, api_subjects
from trialkit.web.api_users import router as users_router
from trialkit.web.auth import api_router as auth_router

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.ErrorBody, "description": text}
    for status, text in (
        (400, "Unusable input (names the field)"),
        (401, "Not authenticated, wrong credentials or account locked"),
        (403, "The role may not do this, or the CSRF token is missing"),
        (404, "No such record"),
        (409, "Stale version (someone changed the record) or duplicate"),
        (422, "Request does not match the schema, or the protocol refuses it (code: the rule)"),
    )
}

router = APIRouter(responses=ERRORS)
router.include_router(auth_router)
router.include_router(users_router)
# one module a resource; included in this order, so /openapi.json lists them as before
router.include_router(api_screenings.router)
router.include_router(api_subjects.router)
router.include_router(api_monitoring.router)

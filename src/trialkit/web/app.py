"""The web application: one store, one service, three thin faces over it.

``create_app`` wires the REST API (``/api/v1``), the login/logout endpoints,
the HTML pages (the UI's router) and the static files around *one*
:class:`StudyService`; nothing here decides anything clinical.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from trialkit import __version__
from trialkit.services.session_settings import SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS
from trialkit.services.study.service import StudyService
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.store.db import open_store
from trialkit.web import api, auth, pages
from trialkit.web.errors import install_error_handlers
from trialkit.web.security import SecurityMiddleware


def create_app(
    store_url: str,
    *,
    secret_key: str | Callable[[], str] | None = None,
    audit_key: Callable[[], bytes | None] | None = None,
    protocol: str = DEFAULT_PROTOCOL,
    session_idle: timedelta = timedelta(minutes=SESSION_IDLE_MINUTES),
    session_lifetime: timedelta = timedelta(hours=SESSION_LIFETIME_HOURS),
    secure_cookies: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The application over the store at ``store_url`` (migrated to head on open).

    ``secret_key`` signs session cookies; without one a random key is made, so
    sessions last only as long as this process (``trialkit serve`` keeps one).
    ``audit_key`` seals the audit chain (``trialkit serve`` passes the audit key file).
    A callable is asked for the key only once the store has opened, so a key
    file it creates is never left behind for an unusable database.

    Sessions are server-side: one ends after ``session_idle`` without a request and
    at ``session_lifetime`` after login. ``secure_cookies`` marks the cookie Secure
    (set it whenever the site is reached over TLS). ``clock`` is for tests.
    """
    store = open_store(store_url, audit_key=audit_key)
    if callable(secret_key):
        try:
            secret_key = secret_key()
        except BaseException:
            store.close()
            raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()  # release pooled connections (and SQLite's WAL) on shutdown

    app = FastAPI(
        lifespan=lifespan,
        title="trialkit",
        version=__version__,
        summary=(
            f"Study application for {Path(protocol).name.upper()}: "
            "screening log, subjects, audit trail."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI would load script from a CDN: off (the spec is /openapi.json)
        redoc_url=None,
    )
    app.state.store = store
    app.state.protocol = protocol
    app.state.service = StudyService(
        store,
        protocol,
        clock=clock,
        session_idle=session_idle,
        session_lifetime=session_lifetime,
    )
    app.state.basic_cache = auth.BasicCache()
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie=auth.SESSION_COOKIE,
        # the browser may drop the cookie at the lifetime; the store ends the session anyway
        max_age=int(session_lifetime.total_seconds()),
        same_site="lax",
        https_only=secure_cookies,
    )
    # outermost: its headers reach every response, and oversized or too-deep bodies never
    # reach a parser
    app.add_middleware(SecurityMiddleware, tls=secure_cookies)
    install_error_handlers(app, html=getattr(pages, "render_error", None))
    app.include_router(auth.router)
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    _document_security(app)
    static = Path(str(files("trialkit.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


def _document_security(app: FastAPI) -> None:
    """Declare the two ways to authenticate in /openapi.json (the checks are in auth.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            spec.setdefault("components", {})["securitySchemes"] = {
                "basic": {"type": "http", "scheme": "basic"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": auth.SESSION_COOKIE,
                    "description": f"From POST /api/v1/auth/login; unsafe methods also need the "
                    f"{auth.CSRF_HEADER} header.",
                },
            }
            for path, operations in spec["paths"].items():
                if not path.startswith("/api/v1/") or path == "/api/v1/auth/login":
                    continue
                for operation in operations.values():
                    operation["security"] = [{"basic": []}, {"session": []}]
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

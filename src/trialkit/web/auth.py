"""Who is calling: server-side sessions for browsers (with CSRF), HTTP Basic for scripts.

Browsers log in once (form or JSON) and carry a signed, HttpOnly, SameSite=Lax
cookie holding a random session token and a CSRF token. The token only names a
row of the ``sessions`` table (:mod:`trialkit.store.sessions`), which decides on
every request whether it still stands: logout, idle timeout, the absolute
lifetime, a password change or disabling the user end it for good, so a copy of
the cookie taken earlier opens nothing afterwards. Because a cookie is sent by
the browser on its own, every unsafe request authenticated by it must also
carry the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``). API
clients send HTTP Basic credentials on each request instead; nothing is sent
implicitly then, so no CSRF token is needed (and the server never challenges
a client that did not send Basic itself, so a browser never prompts for, nor
caches, Basic credentials a forged request could ride on). Password checks
and lockout after repeated failures are the service's
(``StudyService.authenticate``), so the browser and the API lock an account
out identically.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from trialkit.errors import AuthError
from trialkit.services.study.service import Actor, StudyService
from trialkit.web.errors import CsrfError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "trialkit_session"
SESSION_TOKEN = "sid"  # the cookie's key holding the server-side session's token


def get_service(request: Request) -> StudyService:
    service: StudyService = request.app.state.service
    return service


Service = Annotated[StudyService, Depends(get_service)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (templates put it in every form)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe cookie-authenticated request without the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        actor = await run_in_threadpool(session_actor, request)
        reason = f"{request.method} {request.url.path}: missing or wrong CSRF token"
        await run_in_threadpool(get_service(request).record_refusal, actor, "csrf_refused", reason)
        raise CsrfError(
            f"missing or wrong CSRF token (send the {CSRF_HEADER} header or the "
            f"{CSRF_FIELD} form field of this session)"
        )


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthError("malformed HTTP Basic credentials") from exc
    if not sep:
        raise AuthError("malformed HTTP Basic credentials")
    return username, password


class BasicCache:
    """Recently verified HTTP Basic credentials → user id, for ``ttl`` seconds.

    argon2 takes ~0.4 s per check on purpose; a script sending Basic credentials
    on every request would pay that each time. Only *successful* checks are
    kept, keyed by an HMAC of the credentials under a per-process random key
    (the password itself is never held), and a hit still asks the store whether
    the user is active and still has the password the entry was made from (its
    stamp), so disabling a user or resetting a password binds Basic clients at
    once, from whichever process it was done. Failures always go to the service,
    so lockout counting is unchanged.
    """

    def __init__(self, ttl: float = 60.0, size: int = 1024) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl
        self._size = size
        self._entries: dict[bytes, tuple[int, str, float]] = {}
        self._lock = threading.Lock()

    def _digest(self, username: str, password: str) -> bytes:
        message = username.encode() + b"\0" + password.encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def get(self, username: str, password: str) -> tuple[int, str] | None:
        """(user id, password stamp) of a recent success with these credentials."""
        key = self._digest(username, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[2] < time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[0], entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, username: str, password: str, user_id: int, stamp: str) -> None:
        key = self._digest(username, password)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = (user_id, stamp, time.monotonic() + self._ttl)


_UNRESOLVED = object()


def session_actor(request: Request) -> Actor | None:
    """The actor of the request's server-side session, if it still stands (sync: pages call
    it from their worker thread). Asked of the store once per request; a refused token
    (logged out, expired, revoked) is dropped from the cookie and the refusal remembered."""
    cached = getattr(request.state, "actor", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached if isinstance(cached, Actor) else None
    actor: Actor | None = None
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str) and token:
        try:
            actor = get_service(request).resume_session(token)
        except AuthError as exc:
            request.session.clear()
            request.state.session_refusal = str(exc)
    request.state.actor = actor
    return actor


async def current_actor(request: Request, service: Service) -> Actor:
    """The authenticated user: HTTP Basic if sent, else the session (CSRF-checked if unsafe).

    Raises :class:`AuthError` (401) when neither identifies anyone.
    """
    credentials = _basic_credentials(request)
    if credentials is not None:
        return await _basic_actor(request, service, *credentials)
    actor = await run_in_threadpool(session_actor, request)
    if actor is None:
        raise AuthError(getattr(request.state, "session_refusal", None) or "not logged in")
    await check_csrf(request)
    return actor


async def _basic_actor(request: Request, service: StudyService, user: str, pw: str) -> Actor:
    cache: BasicCache | None = getattr(request.app.state, "basic_cache", None)
    if cache is not None:
        hit = cache.get(user, pw)
        if hit is not None:
            try:
                known = await run_in_threadpool(service.actor_for, *hit)
            except AuthError:  # disabled, or the password changed: the full check decides
                known = None
            if known is not None and known.username == user:
                return known
    actor, stamp = await _authenticate(request, service, user, pw, stamped=True)
    if cache is not None:
        cache.put(user, pw, actor.user_id, stamp)
    return actor


async def optional_actor(request: Request) -> Actor | None:
    """The session's actor or None — for pages that render for anonymous visitors too."""
    return await run_in_threadpool(session_actor, request)


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def _authenticate(
    request: Request, service: StudyService, user: str, pw: str, *, stamped: bool = False
) -> tuple[Actor, str]:
    """The actor (and the password stamp, if ``stamped``) of a password check."""
    # argon2 is deliberately slow: run it off the event loop.
    try:
        if stamped:
            return await run_in_threadpool(service.authenticate_stamped, user, pw)
        return await run_in_threadpool(service.authenticate, user, pw), ""
    except AuthError:
        # A failure may have locked the account: forget every cached success, so a
        # lockout binds Basic clients at once too (failures are rare; refilling is cheap).
        cache: BasicCache | None = getattr(request.app.state, "basic_cache", None)
        if cache is not None:
            cache.clear()
        raise


async def start_session(request: Request, service: StudyService, actor: Actor) -> str:
    """Log ``actor`` in: a fresh server-side session and CSRF token (nothing carried over)."""
    token = await run_in_threadpool(service.start_session, actor)
    request.session.clear()
    request.session[SESSION_TOKEN] = token
    request.state.actor = actor
    return csrf_token(request)


async def end_session(request: Request, service: StudyService) -> None:
    """Revoke the request's session in the store (audited) and drop the cookie's contents."""
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str) and token:
        await run_in_threadpool(service.end_session, token)
    request.session.clear()
    request.state.actor = None


def safe_next(target: str | None) -> str:
    """Only same-site relative paths as a post-login redirect (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# --- endpoints -----------------------------------------------------------------------------

router = APIRouter(tags=["auth"])


NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1000)


class SessionInfo(BaseModel):
    user_id: int
    username: str
    role: str
    csrf_token: str = Field(description=f"Send as the {CSRF_HEADER} header on unsafe requests.")


@router.post("/login", include_in_schema=True, response_class=RedirectResponse, status_code=303)
async def login_form(
    request: Request,
    service: Service,
    username: Annotated[str, Form(max_length=64, pattern=NO_NUL)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token_field: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    next_page: Annotated[str | None, Form(alias="next")] = None,
) -> RedirectResponse:
    """Form login from the login page; redirects to ``next`` (default ``/``).

    The login form carries the anonymous session's CSRF token too (login CSRF).
    A failure answers 401 (the page layer renders it with the login form).
    """
    await check_csrf(request)
    actor, _ = await _authenticate(request, service, username, password)
    await start_session(request, service, actor)
    return RedirectResponse(safe_next(next_page), status_code=303)


@router.post("/logout", response_class=RedirectResponse, status_code=303)
async def logout_form(request: Request, service: Service) -> RedirectResponse:
    """End the session (form post from any page, with its CSRF token)."""
    await check_csrf(request)
    await end_session(request, service)
    return RedirectResponse("/", status_code=303)


api_router = APIRouter(prefix="/auth", tags=["auth"])


@api_router.post("/login", response_model=SessionInfo)
async def login_json(request: Request, service: Service, body: LoginRequest) -> SessionInfo:
    """JSON login: sets the session cookie and returns the CSRF token to send on writes.

    A JSON body cannot be posted cross-site without a CORS preflight, which this
    server never grants, so this endpoint needs no CSRF token itself.
    """
    actor, _ = await _authenticate(request, service, body.username, body.password)
    token = await start_session(request, service, actor)
    return SessionInfo(
        user_id=actor.user_id, username=actor.username, role=actor.role, csrf_token=token
    )


@api_router.post("/logout", status_code=204)
async def logout_json(request: Request, service: Service) -> None:
    """End the session (CSRF-checked when a session exists)."""
    if request.session.get(SESSION_TOKEN):
        await check_csrf(request)
    await end_session(request, service)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(
        min_length=1,
        max_length=1000,
        pattern=NO_NUL,
        description="At least 12 characters, not the user name, not a common password.",
    )


@api_router.post("/password", status_code=204)
async def change_password(
    request: Request, service: Service, actor: CurrentActor, body: PasswordChange
) -> None:
    """Change your own password. A wrong current password counts towards the lockout (401,
    audited). Every session of yours ends, this one included: log in again."""
    try:
        await run_in_threadpool(
            service.change_password, actor, body.current_password, body.new_password
        )
    finally:  # a success or a counted failure: no cached Basic success stands for it
        cache: BasicCache | None = getattr(request.app.state, "basic_cache", None)
        if cache is not None:
            cache.clear()
    request.session.clear()
    request.state.actor = None


@api_router.get("/me", response_model=SessionInfo)
async def me(request: Request, actor: CurrentActor) -> SessionInfo:
    """Who the request is authenticated as, and this session's CSRF token."""
    return SessionInfo(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        csrf_token=csrf_token(request),
    )

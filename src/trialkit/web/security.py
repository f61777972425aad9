"""Every response's security headers, and bounds on every request body.

The headers (OWASP Secure Headers): a Content-Security-Policy that allows scripts,
styles, fonts and connections from this origin only — no inline script, no
external origin, images also as ``data:`` (the figures are inline PNGs) — and
refuses framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, so the
signing page cannot be overlaid by another site); ``nosniff``; no Referer leaving
the site; pages holding patient data are not cached; HSTS when served over TLS.

The bounds: a body over ``max_body`` bytes is refused with 413 before any of it is
parsed, and a JSON body nested deeper than ``max_depth`` with 400 — Python's JSON
parser would otherwise die of a RecursionError (a 500 and a reset connection).
Form uploads are bounded in size here and in depth where their JSON is parsed
(:func:`trialkit.safe_io.parse_json`, the same depth limit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from trialkit.safe_io import MAX_JSON_DEPTH

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 10 * 1024 * 1024
"""Largest request body: a one-patient FHIR Bundle is tens of kilobytes."""

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("strict-transport-security", "max-age=31536000")

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest array/object nesting of a JSON text (strings skipped); linear time."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class SecurityMiddleware:
    """Pure ASGI: headers on every response (errors and static files included), body bounds."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tls: bool = False,
        max_body: int = MAX_BODY_BYTES,
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in (*HEADERS, *([HSTS] if tls else []))]
        self.max_body = max_body
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = not str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if no_store and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await _refuse(send_with_headers, 413, "too_large", self._too_large())
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > self.max_body:
                await _refuse(send_with_headers, 413, "too_large", self._too_large())
                return
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = kind == b"application/json" or kind.endswith(b"+json")
        if body and is_json and json_depth(body) > self.max_depth:
            why = f"JSON nested deeper than {self.max_depth} levels"
            await _refuse(send_with_headers, 400, "too_deep", why)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect

        await self.app(scope, replay, send_with_headers)

    def _too_large(self) -> str:
        return f"request body over {self.max_body // (1024 * 1024)} MB"


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

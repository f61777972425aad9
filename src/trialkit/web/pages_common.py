"""What every HTML page shares: templates, the layout context, posted forms, errors beside fields.

Pages are a thin face over :class:`StudyService`: they parse a form, call one
service method, and either redirect (post/redirect/get) or render the same
form again with the service's message beside the field it names. What a role
may do is read from the one permission table, so a page never offers a form
the service would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from trialkit.errors import AuthError, InputError, TrialkitError
from trialkit.quality.plausible import reader_unit
from trialkit.recist.display import response_label, unconfirmed
from trialkit.services.study.service import Actor, StudyService
from trialkit.store.permissions import PERMISSIONS, Action
from trialkit.web.auth import csrf_token, get_service, session_actor
from trialkit.web.errors import classify
from trialkit.wording import day, units_in_text

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Audit values can be whole FHIR bundles or verdicts: the page shows the start, the API has all.
SHORT_VALUE = 160


def _short(value: Any, field: str = "") -> str:
    if field == "password_hash" and value is not None:
        return "(changed)"
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if len(text) <= SHORT_VALUE:
        return text
    return f"{text[:SHORT_VALUE]}… ({len(text)} characters)"


def _when(value: Any) -> str:
    """An ISO timestamp (UTC) as people read it: to the minute, zone named."""
    if not isinstance(value, str) or "T" not in value:
        return "" if value is None else str(value)
    day, _, clock = value.partition("T")
    return f"{day} {clock[:5]} UTC"


templates.env.filters["short"] = _short
templates.env.filters["when"] = _when
templates.env.filters["unit"] = reader_unit
templates.env.filters["units_in_text"] = units_in_text
templates.env.filters["day"] = day
templates.env.globals["response_label"] = response_label
templates.env.globals["unconfirmed"] = unconfirmed

# (href, label, section key, action needed to see the link)
NAV: tuple[tuple[str, str, str, Action], ...] = (
    ("/screening", "Screening", "screening", "read"),
    ("/subjects", "Subjects", "subjects", "read"),
    ("/dashboard", "Dashboard", "dashboard", "read"),
    ("/deviations", "Deviations", "deviations", "read"),
    ("/export", "Export", "export", "export"),
    ("/audit", "Audit", "audit", "read_audit"),
)

# The largest FHIR Bundle a browser may upload (bytes); bigger files are refused with a message.
MAX_UPLOAD = 20 * 1024 * 1024


def can(actor: Actor | None, action: Action) -> bool:
    return actor is not None and actor.role in PERMISSIONS[action]


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    section: str = "",
) -> HTMLResponse:
    actor = session_actor(request)
    base: dict[str, Any] = {
        "actor": actor,
        "csrf": csrf_token(request),
        "nav": [(h, label, key) for h, label, key, action in NAV if can(actor, action)],
        "section": section,
        "can": lambda action: can(actor, action),
        "errors": {},
        "form_error": None,
        "notice": request.query_params.get("notice"),
        "values": {},
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def served_protocol(request: Request) -> str:
    """The protocol this app serves, as ``trialkit serve --protocol`` named it (id or folder)."""
    return str(request.app.state.protocol)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/?next={quote(target)}", status_code=303)


def see_other(path: str, notice: str | None = None) -> RedirectResponse:
    """Post/redirect/get, with an optional one-line notice shown on the next page."""
    return RedirectResponse(path + (f"?notice={quote(notice)}" if notice else ""), status_code=303)


ServiceDep = Annotated[StudyService, Depends(get_service)]


@dataclass
class Posted:
    """A posted HTML form: text fields (last value wins) and uploaded files' bytes."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default).strip()


async def posted_form(request: Request) -> Posted:
    form = await request.form()  # already parsed (and cached) by the CSRF check
    out = Posted()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read(MAX_UPLOAD + 1)
            if data:
                out.files[key] = data
        else:
            out.fields[key] = value
    return out


PostedForm = Annotated[Posted, Depends(posted_form)]


# A form the page itself refuses answers as the service's InputError does (errors.py's table).
INPUT_STATUS = classify(InputError("invalid input"))[0]


@dataclass
class FormErrors:
    """Errors of one posted form: by control name (shown beside it) or for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    status: int = field(default_factory=lambda: INPUT_STATUS)

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)


def form_errors(
    exc: TrialkitError, controls: Iterable[str], aliases: Mapping[str, str] = {}
) -> FormErrors:
    """The service's error beside the control it names (``InputError.field``), else on top.

    ``aliases`` maps a service field name to the control showing it (the
    service says ``judgments``, the form has one control per judgement criterion, named by its id).
    """
    status, _ = classify(exc)
    message = str(exc)
    name = getattr(exc, "field", None)
    if isinstance(exc, AuthError) and "password" in set(controls):
        return FormErrors({"password": message}, None, status)  # a signature's re-entered password
    if isinstance(exc, InputError) and name:
        prefix = ": ".join(p for p in (exc.source, name) if p) + ": "
        message = message.removeprefix(prefix)
        control = aliases.get(name, name)
        group = re.fullmatch(r"([\w-]+) (\d+) ([\w-]+)", control)
        if group:  # "<group> 2 <item>": the 2nd row of a repeating CRF group (the lesions)
            control = f"{group[1]}.{int(group[2]) - 1}.{group[3]}"
        if control in set(controls):
            return FormErrors({control: message}, None, status)
    return FormErrors({}, message, status)


def parse_date(posted: Posted, name: str, errors: FormErrors, *, required: bool) -> date | None:
    raw = posted.get(name)
    if not raw:
        if required:
            errors.fields[name] = "required"
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.fields[name] = f"{raw!r} is not a date (YYYY-MM-DD)"
        return None


def parse_number(
    posted: Posted, name: str, errors: FormErrors, *, required: bool, integer: bool = False
) -> float | None:
    raw = posted.get(name)
    if not raw:
        if required:
            errors.fields[name] = "required"
        return None
    try:
        number = float(raw)
    except ValueError:
        errors.fields[name] = f"{raw!r} is not a number"
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.fields[name] = f"{raw!r} is not a number"
        return None
    if integer and not number.is_integer():
        errors.fields[name] = f"{raw!r} is not a whole number"
        return None
    return number


def parse_version(posted: Posted, errors: FormErrors) -> int:
    """The record version the form was rendered with (optimistic concurrency)."""
    raw = posted.get("version")
    if not raw.isdigit():
        errors.form = "the form lost its record version; reload the page"
        return -1
    return int(raw)


def response_for_error(
    request: Request, exc: TrialkitError, rerender: Any, controls: Iterable[str], **aliases: str
) -> Response:
    """Render the form again with the error in place; ``rerender(errors)`` builds the page."""
    errors = form_errors(exc, controls, aliases)
    response: Response = rerender(errors)
    response.status_code = errors.status
    return response

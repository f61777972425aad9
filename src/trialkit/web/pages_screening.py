"""Screening pages: the log, a new screening (FHIR bundle and/or the CRF), the checklist,
the investigator's sign-off and enrolment.

The CRF form comes from the protocol's Questionnaire (:mod:`pages_crf`); the
checklist is the verdict the service stored (the eligibility engine's result
with its evidence). Nothing here decides eligibility.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialkit.errors import TrialkitError
from trialkit.protocol import load_protocol
from trialkit.services.study.service import Actor, ScreeningView
from trialkit.services.study.views import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    OUTCOMES,
    SIGNATURE_MEANINGS,
)
from trialkit.web.auth import CurrentActor, session_actor
from trialkit.web.pages_common import (
    FormErrors,
    PostedForm,
    ServiceDep,
    can,
    form_errors,
    login_redirect,
    parse_date,
    parse_number,
    parse_version,
    render,
    see_other,
    served_protocol,
)
from trialkit.web.pages_crf import (
    CrfSection,
    crf_sections,
    field_name,
    form_values,
    read_crf_form,
    row_count,
)
from trialkit.wording import shown
from trialkit.wording.evidence import Labels
from trialkit.wording.screening import checklist, problems, tallies

router = APIRouter()


def _judgements(protocol: str) -> tuple[str, ...]:
    """The protocol's judgement criteria (its attestation criteria), asked at sign-off."""
    return tuple(load_protocol(protocol).judgement_items())


def _sections(protocol: str) -> tuple[list[CrfSection], CrfSection | None]:
    """CRF sections the coordinator fills, and the investigator's judgement section: the
    Questionnaire group that holds the protocol's judgement items (not the coordinator's)."""
    sections = crf_sections(load_protocol(protocol).questionnaire)
    links = set(load_protocol(protocol).judgement_items().values())
    judgement = next((s for s in sections if links & {f.link_id for f in s.fields}), None)
    return [s for s in sections if s is not judgement], judgement


def _judgement_rows(protocol: str, judgement: CrfSection | None) -> list[tuple[str, str]]:
    """(criterion id, the question the investigator answers) for each judgement criterion."""
    texts = {f.link_id: f.text for f in (judgement.fields if judgement else ())}
    items = load_protocol(protocol).judgement_items()
    return [(cid, texts.get(link, cid)) for cid, link in items.items()]


def _controls(sections: list[CrfSection], values: Mapping[str, str]) -> set[str]:
    names: set[str] = set()
    for s in sections:
        rows: list[int | None] = list(range(row_count(s, values))) if s.repeats else [None]
        names |= {field_name(s, f, r) for f in s.fields for r in rows}
    return names


def _crf_context(protocol: str, values: Mapping[str, str]) -> dict[str, Any]:
    sections, _ = _sections(protocol)
    return {
        "sections": sections,
        "values": values,
        "rows": {s.link_id: row_count(s, values) for s in sections if s.repeats},
        "field_name": field_name,
    }


# ---- the log ----------------------------------------------------------------------------------


@router.get("/screening")
def screening_log(request: Request, service: ServiceDep) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    page = _query_int(request, "page", 1, 1, 2**31 - 1)
    per_page = _query_int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    log = service.list_screenings(actor, page=page, per_page=per_page)
    return render(
        request,
        "screening_list.html",
        {
            "title": "Screening log",
            "log": log,
            "rows": log.items,
            "default_per_page": DEFAULT_PER_PAGE,
        },
        section="screening",
    )


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A page-number parameter typed into the address bar: unusable → default, else clamped."""
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


# ---- new screening ----------------------------------------------------------------------------


@router.get("/screening/new")
def new_screening(request: Request) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    return _new_page(request, {}, FormErrors(), status=200)


def _served(request: Request) -> str:
    """The protocol the app serves (``trialkit serve --protocol ID|PATH``): new screenings are
    screened against it, so its Questionnaire is the form."""
    return served_protocol(request)


def _new_page(
    request: Request, values: Mapping[str, str], errors: FormErrors, *, status: int
) -> Response:
    return render(
        request,
        "screening_new.html",
        {
            "title": "New screening",
            **_crf_context(_served(request), values),
            "errors": errors.fields,
            "form_error": errors.form,
        },
        status=status if not errors else errors.status,
        section="screening",
    )


@router.post("/screening/new")
def create_screening(
    request: Request, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    sections, _ = _sections(_served(request))
    answers, crf_errors = read_crf_form(sections, posted.fields)
    errors = FormErrors(crf_errors)
    as_of = parse_date(posted, "as_of", errors, required=False)
    bundle = posted.files.get("bundle")
    if bundle is None and not answers and not errors:
        errors.fields["bundle"] = "upload a FHIR Bundle, fill in the CRF, or both"
    if errors:
        return _new_page(request, posted.fields, errors, status=errors.status)
    try:
        view = service.screen(
            actor,
            bundle=bundle,
            crf=answers or None,
            as_of=as_of,
            screening_number=posted.get("screening_number") or None,
        )
    except TrialkitError as exc:
        controls = _controls(sections, posted.fields) | {
            "bundle",
            "as_of",
            "screening_number",
        }
        # the planned first dose is asked once, by the CRF (the protocol's first-dose anchor)
        served = load_protocol(_served(request))
        name = served.first_dose_anchor()
        anchor = served.anchors[name] if name is not None else None
        aliases = {"--first-dose": anchor.crf} if anchor and anchor.crf else {}
        errors = form_errors(exc, controls, aliases)
        if errors.form and bundle is not None and getattr(exc, "source", None) != "CRF":
            # the FHIR loader names the file and resource, not a form control: it is the upload
            errors = FormErrors({"bundle": errors.form}, None, errors.status)
        return _new_page(request, posted.fields, errors, status=errors.status)
    return see_other(f"/screening/{view.id}", f"Screened {view.screening_id}: {view.status}")


# ---- one screening: checklist, CRF, sign-off, outcome, enrolment ------------------------------


@router.get("/screening/{screening_id}")
def screening_page(request: Request, screening_id: int, service: ServiceDep) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    view = service.get_screening(actor, screening_id)
    return _detail(request, actor, view)


def _detail(
    request: Request,
    actor: Actor,
    view: ScreeningView,
    *,
    form: str = "",
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
) -> Response:
    """The screening page; ``form`` names the form whose ``errors``/``values`` are shown."""
    errors = errors or FormErrors()
    crf_values = values if form == "crf" and values is not None else None
    if crf_values is None:
        sections, _ = _sections(view.protocol_id)
        crf_values = form_values(sections, view.crf)
    protocol = load_protocol(view.protocol_id)
    texts = {c.id: c.text for c in protocol.criteria}
    _, judgement = _sections(view.protocol_id)
    editable = view.outcome == "pending" and view.subject_record_id is None
    labels = Labels.of(protocol, view.parameters.get("in_force"))
    criteria = view.verdict.get("criteria", [])
    overridden = view.parameters.get("overridden", {})
    context = {
        "title": f"Screening {view.screening_id}",
        "s": view,
        "criteria": criteria,
        "checklist": checklist(criteria, labels),
        "problems": problems(criteria, labels),
        "tally": tallies(criteria),
        "overridden": [
            f"{name} = {shown(v.get('value'))} (protocol default {shown(v.get('default'))})"
            for name, v in overridden.items()
        ],
        "texts": texts,
        "warnings": view.verdict.get("data_quality_warnings", []),
        **_crf_context(view.protocol_id, crf_values),
        "judgement": judgement,
        "judgements": _judgement_rows(view.protocol_id, judgement),
        "meaning_choices": [
            ("", "— choose —"),
            *((m, m) for m in SIGNATURE_MEANINGS),
            ("other", "Other (write it below)"),
        ],
        "outcome_choices": [
            ("", "— choose —"),
            *((o, o.replace("_", " ")) for o in OUTCOMES if o not in ("pending", "enrolled")),
        ],
        "editable": editable,
        "can_screen": editable and can(actor, "screen"),
        "can_sign": editable and can(actor, "sign"),
        "can_enrol": editable and can(actor, "enrol") and _signed_off(view),
        "waivable": [
            c for c in (*view.blocking, *view.unknown) if c not in _judgements(view.protocol_id)
        ],
        "open_form": form,
        "posted": values or {},
        "errors": errors.fields,
        "form_error": errors.form,
    }
    status = errors.status if errors else 200
    return render(request, "screening_detail.html", context, status=status, section="screening")


def _signed_off(view: ScreeningView) -> bool:
    """A valid sign-off of eligibility that covers every open criterion (the service decides
    at enrolment; this only hides a form that would be refused)."""
    sig = view.signature
    if sig is None or not sig.confirms_eligibility or not sig.current:
        return False
    return set(view.blocking) | set(view.unknown) <= set(sig.waived)


def _act(
    request: Request,
    actor: Actor,
    service: ServiceDep,
    screening_id: int,
    form: str,
    posted: PostedForm,
    controls: set[str],
    call: Callable[[FormErrors], Response | None],
    aliases: Mapping[str, str] | None = None,
) -> Response:
    """Run one screening action; on failure show the page again with the error beside the field."""
    errors = FormErrors()
    try:
        result = call(errors)  # None when the form itself had errors
        if result is not None and not errors:
            return result
    except TrialkitError as exc:
        errors = form_errors(exc, controls, aliases or {})
    view = service.get_screening(actor, screening_id)
    return _detail(request, actor, view, form=form, values=posted.fields, errors=errors)


@router.post("/screening/{screening_id}/crf")
def update_crf(
    request: Request,
    screening_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    current = service.get_screening(actor, screening_id)
    sections, _ = _sections(current.protocol_id)

    def call(errors: FormErrors) -> Response | None:
        answers, crf_errors = read_crf_form(sections, posted.fields)
        errors.fields.update(crf_errors)
        version = parse_version(posted, errors)
        reason = posted.get("reason")
        if not reason:
            errors.fields["reason"] = "a reason for the change is required"
        if errors:
            return None
        # a question answered before and blank now is removed (None), not left as it was
        changes: dict[str, Any] = dict(answers)
        for link in current.crf:
            if link not in answers and link not in {f.link_id for f in _judgement_fields(current)}:
                changes[link] = None
        view = service.update_crf(actor, screening_id, changes, version=version, reason=reason)
        return see_other(f"/screening/{view.id}", f"CRF saved; re-screened: {view.status}")

    controls = _controls(sections, posted.fields) | {"reason"}
    return _act(request, actor, service, screening_id, "crf", posted, controls, call)


def _judgement_fields(view: ScreeningView) -> tuple[Any, ...]:
    _, judgement = _sections(view.protocol_id)
    return judgement.fields if judgement else ()


@router.post("/screening/{screening_id}/sign")
def sign(
    request: Request,
    screening_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    def call(errors: FormErrors) -> Response | None:
        judgments: dict[str, bool] = {}
        for key in _judgements(service.protocol):
            raw = posted.get(key)
            if raw in ("true", "false"):
                judgments[key] = raw == "true"
            else:
                errors.fields[key] = "answer Yes or No"
        meaning = posted.get("meaning")
        if meaning == "other":
            meaning = posted.get("meaning_other")
        if not meaning:
            errors.fields["meaning"] = "state the meaning of your signature"
        password = posted.fields.get("password", "")
        if not password:
            errors.fields["password"] = "re-enter your password to sign"
        version = parse_version(posted, errors)
        if errors:
            return None
        waive = [
            name.removeprefix("waive_")
            for name, value in posted.fields.items()
            if name.startswith("waive_") and value == "true"
        ]
        view = service.sign_eligibility(
            actor,
            screening_id,
            password=password,
            meaning=meaning,
            version=version,
            judgments=judgments,
            waive=waive,
            waiver_reason=posted.get("waiver_reason"),
        )
        waived = view.signature.waived if view.signature else []
        extra = f" with a waiver of {', '.join(waived)} (deviation recorded)" if waived else ""
        return see_other(f"/screening/{view.id}", f"Signed: {view.status}{extra}")

    judgements = _judgements(service.protocol)
    controls = {*judgements, "meaning", "meaning_other", "password", "waiver_reason"}
    first = {"judgments": judgements[0]} if judgements else {}
    return _act(request, actor, service, screening_id, "sign", posted, controls, call, first)


@router.post("/screening/{screening_id}/outcome")
def outcome(
    request: Request,
    screening_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    def call(errors: FormErrors) -> Response | None:
        version = parse_version(posted, errors)
        chosen, reason = posted.get("outcome"), posted.get("outcome_reason")
        if not chosen:
            errors.fields["outcome"] = "choose an outcome"
        if not reason:
            errors.fields["outcome_reason"] = "a reason is required"
        if errors:
            return None
        view = service.record_outcome(
            actor, screening_id, outcome=chosen, reason=reason, version=version
        )
        return see_other(f"/screening/{view.id}", f"Outcome recorded: {view.outcome}")

    controls = {"outcome", "outcome_reason"}
    aliases = {"reason": "outcome_reason"}
    return _act(request, actor, service, screening_id, "outcome", posted, controls, call, aliases)


@router.post("/screening/{screening_id}/enrol")
def enrol(
    request: Request,
    screening_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    def call(errors: FormErrors) -> Response | None:
        version = parse_version(posted, errors)
        weight = parse_number(posted, "weight_kg", errors, required=False)
        first_dose = parse_date(posted, "enrol_first_dose", errors, required=False)
        scan_date = parse_date(posted, "baseline_scan_date", errors, required=False)
        if errors:
            return None
        subject = service.enrol(
            actor,
            screening_id,
            version=version,
            subject_number=posted.get("subject_number") or None,
            weight_kg=weight,
            first_dose=first_dose,
            baseline_scan_date=scan_date,
        )
        return see_other(f"/subjects/{subject.id}", f"Enrolled as subject {subject.subject_id}")

    controls = {"subject_number", "weight_kg", "enrol_first_dose", "baseline_scan_date"}
    aliases = {"first_dose": "enrol_first_dose"}
    return _act(request, actor, service, screening_id, "enrol", posted, controls, call, aliases)

"""Subject pages: dosing calendar and pre-cycle dose check, doses, labs, RECIST scans, AEs.

Every number a clinician acts on comes from the service: the calendar is
``dosing.make_plan``, the dose check ``dosing.check_dose`` over stored labs, the
response ``recist.evaluate``, grades CTCAE v5. This module only turns forms
into service calls and views into pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialkit.cdisc.meddra import TERMS as MEDDRA_TERMS
from trialkit.conduct.reasons import REASONS
from trialkit.conduct.state import ON_TREATMENT, TRANSITIONS, Stage
from trialkit.ctcae import TERMS
from trialkit.ctcae.lookup import (
    GENERAL_GRADES,
    GRADE_NAMES,
    find_term,
    grade_definitions,
    normalise,
)
from trialkit.dosing.regimen import PreDoseLab
from trialkit.errors import TrialkitError
from trialkit.services.study.service import Actor, DoseCheckView, SubjectView
from trialkit.services.study.views import CAUSALITY
from trialkit.web.auth import CurrentActor, session_actor
from trialkit.web.pages_common import (
    FormErrors,
    Posted,
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
)
from trialkit.web.pages_monitoring import query_target, record_label, record_names
from trialkit.wording import unit as wording_unit


def pre_dose_labs(service: Any) -> dict[str, PreDoseLab]:
    """The pre-dose labs of the study's regimen (none when its protocol declares none)."""
    return service.dosing.regimen.labs if service.has_regimen else {}


router = APIRouter()

# The AE term box offers CTCAE v5.0 display names: the lab terms (graded from a value) and the
# other terms the MedDRA table codes; a term is accepted in any case, or as the old key.
AE_TERMS = sorted({t.label for t in TERMS.values()} | {c.term for c in MEDDRA_TERMS.values()})
AE_GRADES = [("", "— from the lab value —")] + [
    (str(g), f"{g} — {name}") for g, name in GRADE_NAMES.items()
]
# (display name, the names the page's script matches, (grade, definition) rows) per lab term
AE_DEFINITIONS = [
    (t.label, f"{normalise(t.label)}|{normalise(t.name)}", grade_definitions(t))
    for t in sorted(TERMS.values(), key=lambda t: t.label)
]


def _chosen_term(text: str | None) -> str | None:
    found = find_term(text) if text else None
    return found.label if found else None


NEW_LESIONS = (("none", "None"), ("equivocal", "Equivocal"), ("unequivocal", "Unequivocal"))
# Lesion statuses at follow-up besides a measured diameter (RECIST 1.1 conventions).
TARGET_STATUSES = (
    ("", "measured"),
    ("too_small", "too small to measure"),
    ("absent", "disappeared"),
    ("not_evaluated", "not evaluated"),
)
NON_TARGET_STATUSES = (
    ("present", "present"),
    ("absent", "absent"),
    ("unequivocal_progression", "unequivocal progression"),
    ("not_evaluated", "not evaluated"),
)
# Each form's controls are prefixed with its name, so errors land beside the right form.
FORMS: dict[str, tuple[str, ...]] = {
    "dose": ("cycle", "given_on", "activity_gbq", "calibration_time", "note", "deviation_reason"),
    "lab": ("key", "value", "unit", "on", "uln", "lln"),
    "scan": ("on", "new_lesions", "lesions"),
    "ae": (
        "term",
        "onset",
        "grade",
        "lab_value",
        "lab_unit",
        "uln",
        "lln",
        "causality",
        "serious",
        "resolved",
        "description",
    ),
    "query": ("kind", "record_id", "text"),
    # the stages after dosing (pages_conduct.py)
    "eot": ("date", "reason", "reason_other"),
    "fu": ("date",),
    "offstudy": ("date", "reason", "reason_other"),
    "bl": ("date",),
}
# The controlled list of reasons (trialkit.conduct.reasons): treatment ends early for any
# reason but "completed" (after the last cycle it ends by itself); off study for any.
EOT_REASONS = [("", "— choose —")] + [(r.key, r.words) for r in REASONS if r.ends_treatment]
OFF_STUDY_REASONS = [("", "— choose —")] + [(r.key, r.words) for r in REASONS]


def stage_forms(actor: Actor, subject: SubjectView) -> dict[str, bool]:
    """Which of the stage forms the page offers: the state machine's transitions from the
    subject's stage, for a role that may enter data (the service asks the same two)."""
    if not can(actor, "enter_data") or not subject.stage:
        return {"eot": False, "fu": False, "offstudy": False, "bl": False}
    stage = Stage(subject.stage)
    return {
        "eot": stage in ON_TREATMENT and Stage.OFF_TREATMENT in TRANSITIONS[stage],
        "fu": Stage.FOLLOW_UP in TRANSITIONS[stage],
        "offstudy": Stage.OFF_STUDY in TRANSITIONS[stage],
        "bl": subject.baseline_date is None and stage is not Stage.OFF_STUDY,
    }


@router.get("/subjects")
def subject_list(request: Request, service: ServiceDep) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    rows = service.list_subjects(actor)
    return render(
        request, "subject_list.html", {"title": "Subjects", "rows": rows}, section="subjects"
    )


@router.get("/subjects/{subject_id}")
def subject_page(
    request: Request,
    subject_id: int,
    service: ServiceDep,
    cycle: int | None = None,
    check_date: str | None = None,
    query: str | None = None,
) -> Response:
    """``query=kind-id``: the query form is on that record (its "raise query" link)."""
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    subject = service.get_subject(actor, subject_id)
    return _page(request, actor, service, subject, cycle=cycle, check_date=check_date, query=query)


def _next_cycle(subject: SubjectView, cycles: int) -> int:
    given = {d.cycle for d in subject.doses}
    return next((c for c in range(1, cycles + 1) if c not in given), cycles)


def _page(
    request: Request,
    actor: Actor,
    service: ServiceDep,
    subject: SubjectView,
    *,
    cycle: int | None = None,
    form: str = "",
    posted: Posted | None = None,
    errors: FormErrors | None = None,
    check_date: str | None = None,
    query: str | None = None,
) -> Response:
    errors = errors or FormErrors()
    if form == "query" and posted is not None:
        query = f"{posted.get('query_kind')}-{posted.get('query_record_id')}"
    dosing = service.has_regimen  # a protocol without a regimen: the page shows no dosing
    cycles = service.dosing.cycles if dosing else 0
    cycle = cycle if cycle is not None and 1 <= cycle <= cycles else _next_cycle(subject, cycles)
    check: dict[str, Any] | None = None
    check_view: DoseCheckView | None = None
    check_error: str | None = None
    when: date | None = None
    if form == "dose" and posted is not None and not check_date:
        check_date = posted.get("dose_given_on") or None  # the check for the dose just tried
    try:
        when = date.fromisoformat(check_date) if check_date else None
    except ValueError:
        check_error = f"{check_date!r} is not a date (YYYY-MM-DD)"
    if check_error is None and dosing:
        try:
            check_view = service.dose_check(actor, subject.id, cycle, check_date=when)
            check = check_view.decision
        except TrialkitError as exc:  # e.g. no labs yet: say so on the page, not an error page
            check_error = str(exc)
    given = {d.cycle: d for d in subject.doses}
    context = {
        "title": f"Subject {subject.subject_id}",
        "subj": subject,
        "given": given,
        "cycle": cycle,
        "dosing": dosing,
        "cycles": list(range(1, cycles + 1)),
        "cycle_choices": [(str(n), str(n)) for n in range(1, cycles + 1)],
        "check": check,
        "check_view": check_view,
        "check_error": check_error,
        "check_date": check_view.check_date if check_view else (check_date or ""),
        "can_deviate": can(actor, "deviate"),
        "can_enter": can(actor, "enter_data") and subject.status != "off_study",
        # a dose only while on treatment (the service refuses one after; the page offers none)
        "can_dose": can(actor, "enter_data") and subject.stage in ON_TREATMENT,
        "can_causality": can(actor, "assess_causality"),
        "can_query": can(actor, "raise_query"),
        "stage_forms": stage_forms(actor, subject),
        "eot_reasons": EOT_REASONS,
        "off_study_reasons": OFF_STUDY_REASONS,
        "lab_keys": [
            (k, f"{k} ({wording_unit(x.unit)})", x.unit) for k, x in pre_dose_labs(service).items()
        ],
        "query_target": query_target(subject, query),
        "record_names": record_names(subject),
        "ae_terms": AE_TERMS,
        "ae_grades": AE_GRADES,
        "ae_definitions": AE_DEFINITIONS,
        "ae_chosen": _chosen_term(posted.get("ae_term") if posted else None),
        "general_grades": sorted(GENERAL_GRADES.items()),
        "causality": [("", "— not assessed —"), *((c, c) for c in CAUSALITY)],
        "new_lesions": NEW_LESIONS,
        "target_statuses": TARGET_STATUSES,
        "non_target_statuses": NON_TARGET_STATUSES,
        "open_form": form,
        "posted": posted.fields if posted else {},
        "errors": errors.fields,
        "form_error": errors.form,
    }
    status = errors.status if errors else 200
    return render(request, "subject_detail.html", context, status=status, section="subjects")


def _act(
    request: Request,
    actor: Actor,
    service: ServiceDep,
    subject_id: int,
    form: str,
    posted: Posted,
    call: Callable[[FormErrors], str | None],
    record: Mapping[str, int] | None = None,
) -> Response:
    """Run one entry form; success → back to the page, failure → the page with errors in place.

    ``record`` names the record a per-row form acts on (``{"answer": query id}``): its
    controls are suffixed with the id, so the error lands beside the right row.
    """
    errors = FormErrors()
    try:
        notice = call(errors)
        if not errors:
            return see_other(f"/subjects/{subject_id}", notice)
    except TrialkitError as exc:
        names = FORMS.get(form, ())
        controls = {f"{form}_{name}" for name in names}
        aliases = {name: f"{form}_{name}" for name in names}
        for field, record_id in (record or {}).items():
            controls.add(f"{field}_{record_id}")
            aliases[field] = f"{field}_{record_id}"
        errors = form_errors(exc, controls, {**aliases, **_ALIASES.get(form, {})})
    subject = service.get_subject(actor, subject_id)
    return _page(request, actor, service, subject, form=form, posted=posted, errors=errors)


# service field names that differ from the form's
_ALIASES: dict[str, dict[str, str]] = {
    "lab": {"lab_date": "lab_on", "analyte": "lab_key"},
    "scan": {"assessment_date": "scan_on"},
    "dose": {"dose_date": "dose_given_on"},
    "ae": {"onset_date": "ae_onset", "resolved_date": "ae_resolved"},
    "eot": {"treatment_end_date": "eot_date", "reason": "eot_reason"},
    "fu": {"follow_up_date": "fu_date"},
    "offstudy": {"off_study_date": "offstudy_date", "reason": "offstudy_reason"},
    "bl": {"baseline_scan_date": "bl_date"},
}


@router.post("/subjects/{subject_id}/doses")
def record_dose(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        cycle = parse_number(posted, "dose_cycle", errors, required=True, integer=True)
        given_on = parse_date(posted, "dose_given_on", errors, required=True)
        activity = parse_number(posted, "dose_activity_gbq", errors, required=True)
        calibration = _datetime(posted, "dose_calibration_time", errors)
        if errors or cycle is None or given_on is None or activity is None:
            return None
        dose = service.record_dose(
            actor,
            subject_id,
            cycle=int(cycle),
            dose_date=given_on,
            activity_gbq=activity,
            calibration_time=calibration,
            note=posted.get("dose_note"),
            deviation_reason=posted.get("dose_deviation_reason"),
        )
        deviation = " as a protocol deviation" if posted.get("dose_deviation_reason") else ""
        return (
            f"Cycle {dose.cycle} dose recorded{deviation} "
            f"({dose.activity_gbq} GBq on {dose.dose_date})"
        )

    return _act(request, actor, service, subject_id, "dose", posted, call)


def _datetime(posted: Posted, name: str, errors: FormErrors) -> datetime | None:
    raw = posted.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        errors.fields[name] = f"{raw!r} is not a date and time"
        return None


@router.post("/subjects/{subject_id}/labs")
def record_lab(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        key = posted.get("lab_key")
        if not key:
            errors.fields["lab_key"] = "choose the lab"
        value = parse_number(posted, "lab_value", errors, required=True)
        on = parse_date(posted, "lab_on", errors, required=True)
        uln = parse_number(posted, "lab_uln", errors, required=False)
        lln = parse_number(posted, "lab_lln", errors, required=False)
        spec = pre_dose_labs(service).get(key or "")
        unit = posted.get("lab_unit") or (spec.unit if spec else "")
        if errors or value is None or on is None:
            return None
        lab = service.record_lab(
            actor,
            subject_id,
            analyte=key,
            value=value,
            unit=unit,
            lab_date=on,
            uln=uln,
            lln=lln,
        )
        grade = "" if lab.ctcae_grade is None else f", CTCAE grade {lab.ctcae_grade}"
        return f"Lab recorded: {lab.analyte_name} {lab.value} {wording_unit(lab.unit)}{grade}"

    return _act(request, actor, service, subject_id, "lab", posted, call)


@router.post("/subjects/{subject_id}/assessments")
def record_assessment(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        on = parse_date(posted, "scan_on", errors, required=True)
        subject = service.get_subject(actor, subject_id)
        lesions: list[Mapping[str, Any]] = []
        for lesion in subject.baseline_lesions:
            name = f"scan_lesion_{lesion.lesion_id}"
            diameter = parse_number(posted, f"{name}_mm", errors, required=False)
            status = posted.get(f"{name}_status") or None
            if diameter is None and status is None:
                errors.fields[f"{name}_mm"] = "enter the diameter or a status"
            lesions.append({"id": lesion.lesion_id, "diameter_mm": diameter, "status": status})
        if errors or on is None:
            return None
        view = service.record_assessment(
            actor,
            subject_id,
            assessment_date=on,
            lesions=lesions,
            new_lesions=posted.get("scan_new_lesions") or "none",
        )
        overall = (view.timepoint or {}).get("overall", "—")
        return f"Scan of {view.assessment_date} recorded: overall response {overall}"

    return _act(request, actor, service, subject_id, "scan", posted, call)


@router.post("/subjects/{subject_id}/aes")
def record_ae(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        term = posted.get("ae_term")
        if not term:
            errors.fields["ae_term"] = "enter the adverse event term"
        onset = parse_date(posted, "ae_onset", errors, required=True)
        grade = parse_number(posted, "ae_grade", errors, required=False, integer=True)
        lab_value = parse_number(posted, "ae_lab_value", errors, required=False)
        uln = parse_number(posted, "ae_uln", errors, required=False)
        lln = parse_number(posted, "ae_lln", errors, required=False)
        resolved = parse_date(posted, "ae_resolved", errors, required=False)
        if errors or onset is None:
            return None
        ae = service.record_ae(
            actor,
            subject_id,
            term=term,
            onset_date=onset,
            grade=None if grade is None else int(grade),
            lab_value=lab_value,
            lab_unit=posted.get("ae_lab_unit") or None,
            uln=uln,
            lln=lln,
            causality=posted.get("ae_causality") or None,
            serious=posted.get("ae_serious") == "true",
            resolved_date=resolved,
            description=posted.get("ae_description"),
        )
        return f"Adverse event recorded: {ae.term}, grade {ae.grade}"

    return _act(request, actor, service, subject_id, "ae", posted, call)


@router.post("/subjects/{subject_id}/queries")
def raise_query(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        kind = posted.get("query_kind") or "subject"
        record = parse_number(posted, "query_record_id", errors, required=False, integer=True)
        text = posted.get("query_text")
        if not text:
            errors.fields["query_text"] = "write the question"
        if errors:
            return None
        record_id = subject_id if record is None else int(record)
        label = record_label(service.get_subject(actor, subject_id), kind, record_id)
        if label is None:
            errors.form = "a query from this page is on this subject or one of its records"
            return None
        query = service.raise_query(actor, kind, record_id, text)
        return f"Query #{query.id} raised on {label}"

    return _act(request, actor, service, subject_id, "query", posted, call)


@router.post("/subjects/{subject_id}/queries/{query_id}/answer")
def answer_query(
    request: Request,
    subject_id: int,
    query_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        answer = posted.get(f"answer_{query_id}")
        if not answer:
            errors.fields[f"answer_{query_id}"] = "write the answer"
        if errors:
            return None
        service.answer_query(actor, query_id, answer, version=version)
        return f"Query #{query_id} answered"

    return _act(request, actor, service, subject_id, "answer", posted, call, {"answer": query_id})


@router.post("/subjects/{subject_id}/queries/{query_id}/close")
def close_query(
    request: Request,
    subject_id: int,
    query_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        if errors:
            return None
        service.close_query(actor, query_id, version=version)
        return f"Query #{query_id} closed"

    return _act(request, actor, service, subject_id, "query", posted, call)

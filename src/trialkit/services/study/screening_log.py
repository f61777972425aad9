"""Screening log use cases: screen, correct the CRF, sign eligibility, record the outcome, enrol.

The verdict always comes from the eligibility engine (:mod:`trialkit.services.screening`
via :func:`trialkit.services.study.screening.screen_stored`); nothing clinical is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.conduct import (
    check_enrolment,
    check_sign_off,
    confirms_eligibility,
    screening_state,
)
from trialkit.conduct.dates import not_future
from trialkit.errors import Conflict, InputError
from trialkit.protocol import load_protocol
from trialkit.services.study.common import check_version, live, need_date, need_reason
from trialkit.services.study.core import StudyCore
from trialkit.services.study.crf import (
    answers_from_response,
    merge_answers,
    normalise_answers,
)
from trialkit.services.study.data import add_lab
from trialkit.services.study.deviations import deviations_of, record_deviation
from trialkit.services.study.screening import (
    Screened,
    active_signature,
    baseline_lesions,
    evidence_values,
    latest_signature,
    screen_stored,
    screening_view,
    signature_current,
    signed_sha256,
)
from trialkit.services.study.screening_list import check_page, screening_page
from trialkit.services.study.subjects import subject_view
from trialkit.services.study.subjects_conduct import add_baseline_scan, baseline_scan_day
from trialkit.services.study.views import (
    DEFAULT_PER_PAGE,
    OUTCOMES,
    ScreeningPageView,
    ScreeningView,
    SubjectView,
)
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor, require


class ScreeningCases(StudyCore):
    """The screening log: every patient screened, with the stored verdict and sign-off."""

    def screen(
        self,
        actor: Actor,
        *,
        bundle: bytes | None,
        crf: Mapping[str, Any] | None,
        as_of: date | None = None,
        first_dose: date | None = None,
        screening_number: str | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> ScreeningView:
        """Screen one patient with the real eligibility engine and store it in the screening log.

        ``bundle``: a FHIR R4 Bundle (JSON bytes) of one patient. ``crf``: screening CRF answers,
        either a FHIR QuestionnaireResponse (``resourceType`` present) or a flat mapping
        ``linkId → value`` of the protocol's Questionnaire (``trialkit protocol``'s
        questionnaire.json; ``"lesion"`` → list of ``{linkId: value}`` groups). CRF answers given
        here win over a CRF inside the bundle. At least one of the two is needed. ``as_of``
        defaults to today at the site; a later one is refused (``date_in_future``).
        ``screening_number`` defaults to ``S-0001``… (unique; a
        duplicate → Conflict). Stored: the bundle, the answers, the verdict JSON with protocol
        id, version and parameters in force. Roles: coordinator, investigator."""
        require(actor, "screen")
        if bundle is None and not crf:
            raise InputError("upload a FHIR Bundle or fill the CRF (or both)", field="bundle")
        protocol = load_protocol(self.protocol)
        if crf and crf.get("resourceType"):
            answers = answers_from_response(protocol, crf)
        else:
            answers = normalise_answers(protocol, crf or {})
        answers = {k: v for k, v in answers.items() if v is not None}
        now = self._clock()
        today = self.site_today(now)
        as_of = not_future(as_of or today, "as_of", today, "screening as-of date")
        label = f"screening {screening_number or '(new)'}"
        done = screen_stored(
            self.protocol,
            bundle,
            answers,
            as_of=as_of,
            first_dose=first_dose,
            overrides=dict(overrides or {}),
            authored=now,
            label=label,
        )
        result = done.run.results[0]
        with self._tx() as (session, now):
            number = screening_number or _next_number(session)
            if (
                session.scalar(select(m.Screening.id).where(m.Screening.screening_number == number))
                is not None
            ):
                raise Conflict(f"screening number {number!r} is already used")
            s = m.Screening(
                screening_number=number,
                patient_id=result.patient_id,
                patient_name=result.patient_name,
                mrn=result.mrn,
                status=result.status.value,
                outcome="pending",
                outcome_reason="",
                as_of=as_of,
                first_dose=result.first_dose,
                protocol_id=done.run.protocol.id,
                protocol_version=done.run.protocol.version,
                parameters=done.parameters,
                overrides=dict(overrides or {}),
                verdict=done.verdict,
                blocking=done.summary[0],
                unknown=done.summary[1],
                crf=answers,
                bundle=bundle,
                created_at=now,
                created_by=actor.user_id,
                updated_at=now,
            )
            session.add(s)
            audit.created(session, actor, s, now=now)
            return screening_view(session, s)

    def update_crf(
        self,
        actor: Actor,
        screening_id: int,
        answers: Mapping[str, Any],
        *,
        version: int,
        reason: str,
    ) -> ScreeningView:
        """Merge ``answers`` (flat ``linkId → value``; ``None`` removes one) into the stored CRF and
        re-screen. Clears a signature given on the old data. Not after enrolment."""
        require(actor, "screen")
        reason = need_reason(reason)
        protocol = load_protocol(self.protocol)
        changes = normalise_answers(protocol, answers)
        with self._tx() as (session, now):
            s = live(session, m.Screening, screening_id, "screening")
            check_version(s, version, "screening")
            self._not_enrolled(s)
            before = audit.snapshot(s)
            self._rescreen(session, actor, s, merge_answers(s.crf, changes), now, reason)
            audit.changed(session, actor, s, before, "update", reason, now=now)
            return screening_view(session, s)

    def sign_eligibility(
        self,
        actor: Actor,
        screening_id: int,
        *,
        password: str,
        meaning: str,
        version: int,
        judgments: Mapping[str, bool] | None = None,
        waive: Sequence[str] = (),
        waiver_reason: str = "",
    ) -> ScreeningView:
        """Electronic signature of the eligibility checklist (investigator only).

        The investigator re-enters the password (AuthError if wrong: counted towards the
        lockout and audited).
        ``judgments`` answers the protocol's judgement criteria (its attestation criteria), keyed
        by criterion id (True = the exclusion applies); each is written into the CRF item its
        attestation reads (``Protocol.judgement_items``) and the patient re-screened before
        signing, so the signature covers the final verdict.
        ``meaning`` is stored with the signature (see SIGNATURE_MEANINGS; free text allowed,
        not empty). The meaning “I confirm the patient is eligible” is the sign-off that allows
        enrolment: it is refused (:class:`ProtocolRefusal`, naming the open criteria) unless
        the verdict is eligible, or every open criterion is in ``waive`` with a
        ``waiver_reason`` — each waived criterion is then stored as an eligibility deviation
        (:func:`trialkit.conduct.check_sign_off`)."""
        require(actor, "sign")
        signer_name = self._printed_name(actor)
        meaning = (meaning or "").strip()
        if not meaning:
            raise InputError("the meaning of the signature is required", field="meaning")
        judged: dict[str, bool] = {}
        items = load_protocol(self.protocol).judgement_items()  # the protocol's attestations
        for key, value in (judgments or {}).items():
            if key.upper() not in items or not isinstance(value, bool):
                raise InputError(
                    f"judgments are {', '.join(items) or 'none in this protocol'} → true/false",
                    field=f"judgments.{key}",
                )
            judged[key.upper()] = value
        self.verify_signer(actor, password)  # counted and audited, committed if wrong
        with self._tx() as (session, now):
            s = live(session, m.Screening, screening_id, "screening")
            check_version(s, version, "screening")
            self._not_enrolled(s)
            before = audit.snapshot(s)
            if judged:
                crf = merge_answers(s.crf, {items[k]: v for k, v in judged.items()})
                self._rescreen(session, actor, s, crf, now, "investigator judgement")
                audit.changed(
                    session, actor, s, before, "update", "investigator judgement", now=now
                )
            breaches = check_sign_off(
                meaning=meaning,
                status=s.status,
                blocking=list(s.blocking),
                unknown=list(s.unknown),
                judgement=tuple(items),
                waive=list(waive),
                reason=waiver_reason,
            )
            sig = m.Signature(
                screening_id=s.id,
                user_id=actor.user_id,
                username=actor.username,
                signer_name=signer_name,
                role=actor.role,
                meaning=meaning,
                signed_at=now,
                status_signed=s.status,
                verdict_sha256=signed_sha256(s),
                judgments=judged,
                invalidated_at=None,
            )
            session.add(sig)
            session.flush()
            audit.event(
                session,
                actor,
                "sign",
                "signature",
                sig.id,
                {k: [None, v] for k, v in audit.snapshot(sig).items()},
                meaning,
                now=now,
            )
            for breach in breaches:
                record_deviation(
                    session,
                    actor,
                    breach,
                    waiver_reason,
                    record_kind="signature",
                    record_id=sig.id,
                    occurred_on=self.site_today(now),
                    now=now,
                    screening_id=s.id,
                )
            return screening_view(session, s)

    def record_outcome(
        self, actor: Actor, screening_id: int, *, outcome: str, reason: str, version: int
    ) -> ScreeningView:
        """Close a screening without enrolment: ``screen_failed``, ``withdrawn`` or
        ``not_enrolled``, with the reason (required)."""
        require(actor, "screen")
        reason = need_reason(reason)
        if outcome not in OUTCOMES or outcome in ("pending", "enrolled"):
            raise InputError(
                "outcome: screen_failed, withdrawn or not_enrolled (enrolment is enrol())",
                field="outcome",
            )
        with self._tx() as (session, now):
            s = live(session, m.Screening, screening_id, "screening")
            check_version(s, version, "screening")
            self._not_enrolled(s)
            before = audit.snapshot(s)
            s.outcome, s.outcome_reason, s.updated_at = outcome, reason, now
            audit.changed(session, actor, s, before, "update", reason, now=now)
            return screening_view(session, s)

    def enrol(
        self,
        actor: Actor,
        screening_id: int,
        *,
        version: int,
        subject_number: str | None = None,
        weight_kg: float | None = None,
        first_dose: date | None = None,
        baseline_scan_date: date | None = None,
    ) -> SubjectView:
        """Enrol a screened patient: only with a valid sign-off of the current data — an
        investigator's “I confirm the patient is eligible” over an eligible verdict, or with
        every open criterion waived (:func:`trialkit.conduct.check_enrolment`;
        :class:`ProtocolRefusal` otherwise). Sex and age come from the bundle; the first dose from
        the argument, else the screening's planned first dose. Subject number defaults to
        ``001``…

        The baseline lesions of the screening CRF become the baseline tumour assessment dated
        ``baseline_scan_date`` (the scan's own date). Without it no baseline scan is recorded
        (the subject page says so; :meth:`record_baseline_scan` adds it later): no other date
        stands in for it."""
        require(actor, "enrol")
        with self._tx() as (session, now):
            s = live(session, m.Screening, screening_id, "screening")
            sig = latest_signature(session, s.id)
            # the conduct state first: enrolled once, never from a closed screening
            screening_state(outcome=s.outcome, signed_off=sig is not None).require_enrolment()
            check_version(s, version, "screening")
            waived = (
                {
                    d.criterion
                    for d in deviations_of(session, record=("signature", sig.id))
                    if d.category == "eligibility" and d.criterion
                }
                if sig is not None
                else set()
            )
            check_enrolment(
                status=s.status,
                blocking=list(s.blocking),
                unknown=list(s.unknown),
                signed=sig is not None,
                confirms=sig is not None and confirms_eligibility(sig.meaning),
                current=sig is not None and signature_current(sig, s),
                waived=waived,
            )
            done = self._rerun(s, now)
            values = evidence_values(s.verdict)
            number = subject_number or _next_subject(session)
            if (
                session.scalar(select(m.Subject.id).where(m.Subject.subject_number == number))
                is not None
            ):
                raise Conflict(f"subject number {number!r} is already used")
            weight = weight_kg if weight_kg is not None else _float(values.get("weight"))
            record = done.record
            lesions = baseline_lesions(done)
            scan_day = (
                baseline_scan_day(baseline_scan_date, self.site_today(now))
                if baseline_scan_date is not None
                else None
            )
            age = _age(record.birth_date.low if record.birth_date else None, self.site_today(now))
            subject = m.Subject(
                subject_number=number,
                screening_id=s.id,
                patient_id=s.patient_id,
                sex=record.sex,
                age=age,
                weight_kg=weight,
                enrolled_on=self.site_today(now),
                first_dose=first_dose or s.first_dose,
                baseline_date=scan_day if lesions else None,
                status="on_study",
                off_study_reason="",
            )
            session.add(subject)
            audit.created(session, actor, subject, now=now, reason="enrolment")
            before = audit.snapshot(s)
            s.outcome, s.outcome_reason, s.updated_at = "enrolled", f"subject {number}", now
            audit.changed(session, actor, s, before, "enrol", "enrolment", now=now)
            if lesions and scan_day is not None:
                add_baseline_scan(session, actor, subject, lesions, scan_day, now)
            regimen = self.regimen_params
            for key in regimen.regimen.labs if regimen is not None else ():
                e = values.get(key)
                if e is None or e.get("value") is None or e.get("time") is None:
                    continue
                add_lab(
                    session,
                    actor,
                    subject,
                    key=key,
                    value=float(e["value"]),
                    unit=str(e.get("unit") or "1"),
                    on=need_date(str(e["time"])[:10], key),
                    uln=None,
                    lln=None,
                    now=now,
                    reason=f"screening lab {e.get('source')}",
                )
            return subject_view(session, subject, self.site_today(now), self.regimen_params)

    def list_screenings(
        self, actor: Actor, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE
    ) -> ScreeningPageView:
        """One page of the screening log, newest first (soft-deleted ones left out): light rows
        without the verdict, CRF or bundle (``get_screening`` has those), read with one query.
        ``page`` ≥ 1; ``per_page`` 1–MAX_PER_PAGE (InputError otherwise); a page past the end
        is empty."""
        require(actor, "read")
        check_page(page, per_page)
        with self.store.session() as session:
            return screening_page(session, page, per_page)

    def get_screening(self, actor: Actor, screening_id: int) -> ScreeningView:
        require(actor, "read")
        with self.store.session() as session:
            return screening_view(session, live(session, m.Screening, screening_id, "screening"))

    def screening_bundle(self, actor: Actor, screening_id: int) -> bytes | None:
        """The uploaded FHIR Bundle, as stored."""
        require(actor, "read")
        with self.store.session() as session:
            return live(session, m.Screening, screening_id, "screening").bundle

    def _rerun(self, s: m.Screening, now: datetime) -> Screened:
        return screen_stored(
            self.protocol,
            s.bundle,
            s.crf,
            as_of=s.as_of,
            first_dose=None,
            overrides={str(k): str(v) for k, v in s.overrides.items()},
            authored=now,
            label=f"screening {s.screening_number}",
        )

    @staticmethod
    def _not_enrolled(s: m.Screening) -> None:
        if s.outcome == "enrolled":
            raise InputError(f"screening {s.screening_number} is enrolled: it is closed")

    def _rescreen(
        self,
        session: Session,
        actor: Actor,
        s: m.Screening,
        crf: dict[str, Any],
        now: datetime,
        reason: str,
    ) -> None:
        """New answers → the engine again; a signature on the old data no longer holds."""
        s.crf = {k: v for k, v in crf.items() if v is not None}
        done = self._rerun(s, now)
        result = done.run.results[0]
        s.verdict, s.parameters = done.verdict, done.parameters
        s.blocking, s.unknown = done.summary
        s.patient_name, s.mrn = result.patient_name, result.mrn
        s.status, s.first_dose, s.updated_at = result.status.value, result.first_dose, now
        sig = active_signature(session, s.id)
        if sig is not None:
            before = audit.snapshot(sig)
            sig.invalidated_at = now
            audit.changed(session, actor, sig, before, "update", f"data changed: {reason}", now=now)


def _next_number(session: Session) -> str:
    n = int(session.scalar(select(func.count()).select_from(m.Screening)) or 0) + 1
    while session.scalar(
        select(m.Screening.id).where(m.Screening.screening_number == f"S-{n:04d}")
    ):
        n += 1
    return f"S-{n:04d}"


def _next_subject(session: Session) -> str:
    n = int(session.scalar(select(func.count()).select_from(m.Subject)) or 0) + 1
    while session.scalar(select(m.Subject.id).where(m.Subject.subject_number == f"{n:03d}")):
        n += 1
    return f"{n:03d}"


def _float(evidence: Mapping[str, Any] | None) -> float | None:
    if evidence is None or evidence.get("value") is None:
        return None
    try:
        return float(evidence["value"])
    except (TypeError, ValueError):
        return None


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

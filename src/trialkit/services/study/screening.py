"""Screening for the study log: the stored bundle and CRF answers through the real engine.

Nothing clinical is decided here: :func:`trialkit.services.screening.screen_records`
(the eligibility engine) gives the verdict; this module only assembles its input
from what the store holds and turns its output into what the store keeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.eligibility.lesions import by_role
from trialkit.errors import InputError
from trialkit.fhir.loader import load_bundle
from trialkit.model.record import PatientRecord
from trialkit.safe_io import parse_json
from trialkit.services.screening import ScreeningRun, prepare, screen_records
from trialkit.services.study.common import iso
from trialkit.services.study.crf import questionnaire_response
from trialkit.services.study.deviations import deviation_view, deviations_of
from trialkit.services.study.views import PatientScreeningView, ScreeningView, SignatureView
from trialkit.store import audit
from trialkit.store.models import Screening, Signature, Subject, User

CRF_ONLY_PATIENT = "crf-only"  # Patient id of a screening entered from the CRF alone


@dataclass(frozen=True)
class Screened:
    run: ScreeningRun
    record: PatientRecord

    @property
    def verdict(self) -> dict[str, Any]:
        return self.run.results[0].to_json()

    @property
    def summary(self) -> tuple[list[str], list[str]]:
        """(blocking, unknown) criterion ids, stored beside the verdict for the log."""
        return blocking_and_unknown(self.verdict)

    @property
    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = self.run.to_json()["parameters"]
        return params


def parse_bundle(bundle: bytes) -> dict[str, Any]:
    try:
        text = bundle.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source="bundle") from None
    data = parse_json(text, source="bundle")
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputError("expected a FHIR Bundle of one patient", source="bundle")
    return data


def _patient_id(data: Mapping[str, Any]) -> str | None:
    for entry in data.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping) and resource.get("resourceType") == "Patient":
            pid = resource.get("id")
            return str(pid) if pid else None
    return None


def screen_stored(
    protocol_name: str,
    bundle: bytes | None,
    answers: Mapping[str, Any],
    *,
    as_of: date,
    first_dose: date | None,
    overrides: Mapping[str, str],
    authored: datetime,
    label: str,
) -> Screened:
    """Run the engine over the bundle (or a bare Patient) plus the CRF answers."""
    proto, params, as_of = prepare(protocol_name, overrides, as_of, first_dose)
    if bundle is not None:
        data = parse_bundle(bundle)
    else:
        patient = {"resourceType": "Patient", "id": CRF_ONLY_PATIENT}
        data = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]}
    pid = _patient_id(data)
    if answers and pid:
        response = questionnaire_response(proto, answers, pid, authored)
        data = {**data, "entry": [*(data.get("entry") or []), {"resource": response}]}
    record = load_bundle(
        data,
        source=label,
        timezone=str(params["timezone"]),
        questionnaire_url=proto.questionnaire_url,
        lesion_group=proto.lesion_group,
    )
    run = screen_records(
        [record], protocol=protocol_name, as_of=as_of, first_dose=first_dose, overrides=overrides
    )
    return Screened(run, record)


def blocking_and_unknown(verdict: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    blocking, unknown = [], []
    for c in verdict.get("criteria", []):
        if (c["kind"] == "inclusion" and c["status"] == "not_met") or (
            c["kind"] == "exclusion" and c["status"] == "met"
        ):
            blocking.append(c["id"])
        elif c["status"] == "unknown":
            unknown.append(c["id"])
    return blocking, unknown


def active_signature(session: Session, screening_id: int) -> Signature | None:
    return session.scalar(
        select(Signature)
        .where(
            Signature.screening_id == screening_id,
            Signature.invalidated_at.is_(None),
            Signature.deleted_at.is_(None),
        )
        .order_by(Signature.id.desc())
        .limit(1)
    )


def signed_by(sig: Signature) -> str:
    """The signature in words (21 CFR 11.50: printed name, date and time, meaning), e.g.
    "Signed by Dr Jane Doe (jdoe), investigator, 2026-11-20 14:03 UTC — meaning “…”".
    A signature made before full names existed says that it has none."""
    who = sig.signer_name or "(no full name recorded)"
    return (
        f"Signed by {who} ({sig.username}), {sig.role}, {sig.signed_at:%Y-%m-%d %H:%M} UTC"
        f" — meaning “{sig.meaning}”"
    )


def latest_signature(session: Session, screening_id: int) -> Signature | None:
    """The screening's last signature, also one the data have since made stale (the page and
    the API show it as such; enrolment refuses it, rule ``sign_off_stale``)."""
    return session.scalar(
        select(Signature)
        .where(Signature.screening_id == screening_id, Signature.deleted_at.is_(None))
        .order_by(Signature.id.desc())
        .limit(1)
    )


def signature_current(sig: Signature, s: Screening) -> bool:
    """Whether ``sig`` still signs the screening as it is: not cleared by a re-screen, and the
    hash of what it signed (:func:`signed_sha256`) unchanged."""
    return sig.invalidated_at is None and sig.verdict_sha256 == signed_sha256(s)


STALE = "stale — data changed after signing"


def signature_view(session: Session, sig: Signature, s: Screening) -> SignatureView:
    from trialkit.conduct import confirms_eligibility

    waived = [
        d.criterion
        for d in deviations_of(session, record=("signature", sig.id))
        if d.category == "eligibility" and d.criterion
    ]
    return SignatureView(
        id=sig.id,
        user_id=sig.user_id,
        username=sig.username,
        signer_name=sig.signer_name,
        statement=signed_by(sig),
        role=sig.role,
        meaning=sig.meaning,
        signed_at=sig.signed_at.isoformat(),
        status_signed=sig.status_signed,
        judgments={str(k): bool(v) for k, v in sig.judgments.items()},
        confirms_eligibility=confirms_eligibility(sig.meaning),
        waived=waived,
        current=signature_current(sig, s),
        validity="valid" if signature_current(sig, s) else STALE,
    )


def signed_sha256(s: Screening) -> str:
    """The hash a signature covers (21 CFR 11.70, signature/record linking): protocol id,
    version and parameters in force, the input data (bundle digest, CRF answers, as-of date,
    overrides) and the verdict digest. Any later change to one of them makes the signature
    stale; a signature made before this hash existed counts as stale too (sign again)."""
    snap = audit.snapshot(s)
    signed = {
        k: snap.get(k)
        for k in (
            "protocol_id",
            "protocol_version",
            "parameters",
            "overrides",
            "as_of",
            "crf",
            "bundle",
            "verdict",
        )
    }
    return hashlib.sha256(audit.canonical(signed).encode()).hexdigest()


def screening_view(session: Session, s: Screening) -> ScreeningView:
    sig = latest_signature(session, s.id)
    subject = session.execute(
        select(Subject.id, Subject.subject_number).where(
            Subject.screening_id == s.id, Subject.deleted_at.is_(None)
        )
    ).first()
    creator = session.get(User, s.created_by) if s.created_by is not None else None
    return ScreeningView(
        id=s.id,
        version=s.version,
        screening_id=s.screening_number,
        patient_id=s.patient_id,
        status=s.status,
        outcome=s.outcome,
        outcome_reason=s.outcome_reason,
        as_of=s.as_of.isoformat(),
        first_dose=iso(s.first_dose),
        protocol_id=s.protocol_id,
        protocol_version=s.protocol_version,
        parameters=s.parameters,
        verdict=s.verdict,
        blocking=list(s.blocking),
        unknown=list(s.unknown),
        crf=s.crf,
        has_bundle=s.bundle is not None,
        signature=signature_view(session, sig, s) if sig else None,
        subject_record_id=subject.id if subject else None,
        subject_id=subject.subject_number if subject else None,
        created_at=s.created_at.isoformat(),
        created_by=creator.username if creator else "(system)",
        updated_at=s.updated_at.isoformat(),
        deviations=[deviation_view(session, d) for d in deviations_of(session, screening_id=s.id)],
        patient_name=_text(s.verdict.get("patient_name")),
        mrn=_text(s.verdict.get("mrn")),
        other_screenings=other_screenings(session, s),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def other_screenings(session: Session, s: Screening) -> list[PatientScreeningView]:
    """The same patient's other screenings (same source patient id), oldest first: screening a
    patient twice is allowed (a re-screen after a failure) but never unnoticed. A screening
    from CRF answers alone names no patient: it matches none."""
    if s.patient_id == CRF_ONLY_PATIENT:
        return []
    rows = session.scalars(
        select(Screening)
        .where(
            Screening.patient_id == s.patient_id,
            Screening.id != s.id,
            Screening.deleted_at.is_(None),
        )
        .order_by(Screening.id)
    ).all()
    return [
        PatientScreeningView(
            id=o.id,
            screening_id=o.screening_number,
            as_of=o.as_of.isoformat(),
            status=o.status,
            outcome=o.outcome,
        )
        for o in rows
    ]


def _value(answer: Any) -> Any:
    value = answer.value
    code = getattr(value, "code", None)
    return code if code is not None else value


def baseline_lesions(screened: Screened) -> list[dict[str, Any]]:
    """The CRF's baseline lesion groups as lesion measurement fields, read by the roles the
    protocol's ``lesions:`` declares (none when it declares no lesion group)."""
    declared = screened.run.protocol.lesions
    if declared is None:
        return []
    out: list[dict[str, Any]] = []
    for group in screened.record.crf.lesions:
        values = by_role(group, declared.items)

        def text(role: str, values: dict[str, Any] = values) -> str | None:
            value = values.get(role)
            return None if value is None else str(getattr(value, "code", value))

        def mm(role: str, values: dict[str, Any] = values) -> float | None:
            value = values.get(role)
            return None if value is None or isinstance(value, bool) else float(value)

        out.append(
            {
                "lesion_id": text("id") or f"lesion-{len(out) + 1}",
                "organ": text("organ"),
                "is_node": values.get("is_node") is True,
                "target": values.get("target") is True,
                "diameter_mm": mm("diameter_mm"),
                "method": text("method"),
                "slice_mm": mm("slice_mm"),
            }
        )
    return out


def evidence_values(verdict: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per data element, the evidence the engine used (value, unit, date, source)."""
    out: dict[str, dict[str, Any]] = {}
    for c in verdict.get("criteria", []):
        for e in c.get("evidence", []):
            element = e.get("element")
            if isinstance(element, str) and element not in out:
                out[element] = e
    return out

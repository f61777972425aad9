"""Synthetic patient records as FHIR R4: one collection Bundle per patient (with the screening
CRF as a QuestionnaireResponse to the protocol's Questionnaire), or Bulk FHIR NDJSON.

The inverse of :mod:`trialkit.fhir.extract` for what the generator draws: reading the files
back gives the same records (tests/synth/test_protocol.py checks it by screening).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from trialkit.fhir.extract import RESEARCH_STUDY_CONTEXT
from trialkit.model.codes import UCUM, Code
from trialkit.model.record import CrfAnswer, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol.loader import questionnaire_items
from trialkit.protocol.model import Protocol

_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def _concept(codes: Iterable[Code], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "coding": [
            {"system": c.system, "code": c.code} | ({"display": c.display} if c.display else {})
            for c in codes
        ]
    }
    return out | ({"text": text} if text else {})


def _status(system: str, code: str | None) -> dict[str, Any] | None:
    return {"coding": [{"system": system, "code": code}]} if code else None


def _day(span: DateSpan | None) -> str | None:
    return span.low.isoformat() if span is not None else None


def _id(source: str) -> str:
    return source.split("/", 1)[1]


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if v is not None}


def resources(record: PatientRecord, p: Protocol) -> list[dict[str, Any]]:
    """The record's FHIR resources, the Patient first."""
    subject = {"reference": f"Patient/{record.patient_id}"}
    out: list[dict[str, Any]] = [
        _clean(
            {
                "resourceType": "Patient",
                "id": record.patient_id,
                "gender": record.sex,
                "birthDate": _day(record.birth_date),
            }
        )
    ]
    for m in record.measurements:
        quantity: dict[str, Any] | None = None
        if m.value is not None:
            quantity = {"value": float(m.value)}
            if m.unit is not None:
                quantity = quantity | {"unit": m.unit, "system": UCUM, "code": m.unit}
        out.append(
            _clean(
                {
                    "resourceType": "Observation",
                    "id": _id(m.source),
                    "status": m.status,
                    "code": _concept(m.codes),
                    "subject": subject,
                    "effectiveDateTime": _day(m.time),
                    "valueQuantity": quantity,
                    "valueCodeableConcept": _concept(m.value_codes) if m.value_codes else None,
                }
            )
        )
    for c in record.conditions:
        out.append(
            _clean(
                {
                    "resourceType": "Condition",
                    "id": _id(c.source),
                    "clinicalStatus": _status(_CLINICAL, c.clinical_status),
                    "verificationStatus": _status(_VERIFICATION, c.verification_status),
                    "code": _concept(c.codes),
                    "subject": subject,
                    "onsetDateTime": _day(c.onset),
                    "abatementDateTime": _day(c.abatement),
                }
            )
        )
    for med in record.medications:
        repeat = None
        if med.interval_days is not None:
            repeat = {"frequency": 1, "period": float(med.interval_days), "periodUnit": "d"}
        elif med.doses_per_day is not None:
            repeat = {"frequency": int(med.doses_per_day), "period": 1, "periodUnit": "d"}
        dosage = _clean(
            {
                "timing": {"repeat": repeat} if repeat else None,
                "route": _concept(med.route_codes) if med.route_codes else None,
            }
        )
        out.append(
            _clean(
                {
                    "resourceType": "MedicationStatement",
                    "id": _id(med.source),
                    "status": med.status,
                    "medicationCodeableConcept": _concept(med.codes, med.text or None),
                    "subject": subject,
                    "effectivePeriod": {"start": _day(med.start)} if med.start else None,
                    "dosage": [dosage] if dosage else None,
                }
            )
        )
    for proc in record.procedures:
        out.append(
            _clean(
                {
                    "resourceType": "Procedure",
                    "id": _id(proc.source),
                    "status": proc.status,
                    "code": _concept(proc.codes),
                    "subject": subject,
                    "performedDateTime": _day(proc.time),
                }
            )
        )
    for a in record.allergies:
        out.append(
            _clean(
                {
                    "resourceType": "AllergyIntolerance",
                    "id": _id(a.source),
                    "clinicalStatus": _status(_ALLERGY_CLINICAL, a.clinical_status),
                    "verificationStatus": _status(_ALLERGY_VERIFICATION, a.verification_status),
                    "code": _concept(a.codes),
                    "patient": subject,
                }
            )
        )
    for consent in record.consents:
        studies = [
            {
                "url": RESEARCH_STUDY_CONTEXT,
                "valueReference": {"identifier": {"system": s.system, "value": s.code}},
            }
            for s in consent.study_codes
        ]
        out.append(
            _clean(
                {
                    "resourceType": "Consent",
                    "id": _id(consent.source),
                    "status": consent.status,
                    "scope": _concept(consent.scope_codes),
                    "category": [_concept(consent.category_codes)]
                    if consent.category_codes
                    else [{"text": "research"}],
                    "patient": subject,
                    "dateTime": _day(consent.time),
                    "provision": {"extension": studies} if studies else None,
                }
            )
        )
    if record.crf.answers or record.crf.lesions:
        out.append(_response(record, p, subject))
    return out


def _answer(a: CrfAnswer) -> dict[str, Any]:
    value: Any = a.value
    if isinstance(value, Code):
        value = {"system": value.system, "code": value.code}
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = float(value)
    return {a.value_type: value}


def group_link(p: Protocol, lesion: Mapping[str, CrfAnswer]) -> str | None:
    """The repeating group of the Questionnaire whose items a lesion's answers are."""
    if p.lesion_group is not None:
        return p.lesion_group
    for link, item in questionnaire_items(p.questionnaire).items():
        children = {str(i.get("linkId")) for i in item.get("item", [])}
        if item.get("type") == "group" and set(lesion) <= children:
            return link
    return None


def _response(record: PatientRecord, p: Protocol, subject: dict[str, str]) -> dict[str, Any]:
    def item(a: CrfAnswer) -> dict[str, Any]:
        return {"linkId": a.link_id, "answer": [_answer(a)]}

    items = [item(a) for a in record.crf.answers.values()]
    for lesion in record.crf.lesions:
        items.append({"linkId": group_link(p, lesion), "item": [item(a) for a in lesion.values()]})
    authored = [a.authored for a in record.crf.answers.values() if a.authored]
    return _clean(
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"{record.patient_id}-crf",
            "questionnaire": p.questionnaire_url,
            "status": "completed",
            "subject": subject,
            "authored": _day(authored[0]) if authored else None,
            "item": items,
        }
    )


def write_bundles(records: Iterable[PatientRecord], p: Protocol, out: Path) -> list[Path]:
    """``<patient id>.json``, one collection Bundle per patient, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        entries = [
            {"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources(record, p)
        ]
        path = out / f"{record.patient_id}.json"
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
        written.append(path)
    return written


def write_ndjson(records: Iterable[PatientRecord], p: Protocol, out: Path) -> list[Path]:
    """Bulk FHIR NDJSON: ``<ResourceType>.ndjson`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    for record in records:
        for r in resources(record, p):
            files.setdefault(r["resourceType"], []).append(json.dumps(r))
    written = []
    for rtype, lines in files.items():
        path = out / f"{rtype}.ndjson"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written

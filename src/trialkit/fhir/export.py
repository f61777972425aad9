"""A study as a FHIR R4 collection Bundle to standard: ResearchStudy and one ResearchSubject
per subject, Patients, the administrations (MedicationAdministration, activity in GBq as UCUM),
laboratory Observations with their LOINC code, UCUM unit and reference range, tumour-response
Observations per time point and the best overall response (RECIST 1.1, from trialkit's RECIST
engine, with the sum of diameters in mm), and AdverseEvents with MedDRA coding where the term
table carries it. Every resource is validated against the R4B model (``fhir.resources``, the
models the project reads FHIR with) before the Bundle is returned.

Entries are identified by ``urn:uuid:`` full URLs derived from the study and record ids (the
same study gives the same Bundle), and references point at those full URLs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from trialkit.analysis.efficacy import subject_recist
from trialkit.cdisc.context import load_design
from trialkit.cdisc.meddra import code as meddra
from trialkit.cdisc.sdtm_findings import cdisc_unit
from trialkit.ctcae import CTCAE_VERSION, TERMS
from trialkit.ctcae.analytes import TESTS
from trialkit.protocol import Protocol
from trialkit.study.model import Study

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MEDDRA = "http://terminology.hl7.org/CodeSystem/mdr"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PHASE = "http://terminology.hl7.org/CodeSystem/research-study-phase"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
CLINICALTRIALS = "https://clinicaltrials.gov"
# CDISC controlled terminology of the RS domain (RSTESTCD / RSSTRESC): the codes the SDTM
# package uses, so the FHIR response and the SDTM record carry the same code.
CDISC_RS = "http://www.cdisc.org/ns/sdtm/rs"
PHASES = {
    "PHASE I TRIAL": "phase-1",
    "PHASE II TRIAL": "phase-2",
    "PHASE III TRIAL": "phase-3",
    "PHASE IV TRIAL": "phase-4",
}
RESPONSES = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
    "non-CR/non-PD": "Non-CR/non-PD",
}
GENDER = {"female": "female", "f": "female", "male": "male", "m": "male"}


class _Bundle:
    def __init__(self, studyid: str) -> None:
        self.studyid = studyid
        self.entries: list[dict[str, Any]] = []

    def url(self, kind: str, rid: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.studyid}/{kind}/{rid}"))

    def ref(self, kind: str, rid: str, display: str | None = None) -> dict[str, str]:
        out = {"reference": self.url(kind, rid)}
        if display:
            out["display"] = display
        return out

    def add(self, resource: dict[str, Any]) -> None:
        kind, rid = resource["resourceType"], resource["id"]
        self.entries.append({"fullUrl": self.url(kind, rid), "resource": resource})


def _quantity(value: float, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": cdisc_unit(ucum), "system": UCUM, "code": ucum}


def study_bundle(study: Study, protocol: Protocol, *, timestamp: datetime) -> dict[str, Any]:
    d = load_design(protocol)
    b = _Bundle(d.studyid)
    sid = d.studyid.lower()
    b.add(
        {
            "resourceType": "ResearchStudy",
            "id": sid,
            "identifier": [{"system": CLINICALTRIALS, "value": d.registry_id}],
            "title": protocol.title,
            "status": "active",
            "phase": {
                "coding": [{"system": PHASE, "code": PHASES.get(d.phase, "n-a")}],
                "text": d.phase.title(),
            },
            "condition": [{"text": d.indication}],
            "sponsor": {"display": d.sponsor},
            "arm": [{"name": d.arm_code, "description": d.arm_name}],
        }
    )
    study_ref = b.ref("ResearchStudy", sid)
    for s in study.subjects:
        patient = {
            "resourceType": "Patient",
            "id": s.subject_id,
            "identifier": [
                {"system": f"{CLINICALTRIALS}/{d.registry_id}/subject", "value": s.subject_id}
            ],
        }
        if GENDER.get(s.sex.lower()):
            patient["gender"] = GENDER[s.sex.lower()]
        if s.death_date:
            patient["deceasedDateTime"] = s.death_date.isoformat()
        b.add(patient)
        period: dict[str, str] = {"start": s.enrolled.isoformat()}
        if s.off_study_reason and (s.death_date or s.last_contact):
            period["end"] = (s.death_date or s.last_contact or s.enrolled).isoformat()
        b.add(
            {
                "resourceType": "ResearchSubject",
                "id": f"rs-{s.subject_id}",
                "status": "off-study" if s.off_study_reason else "on-study",
                "period": period,
                "study": study_ref,
                "individual": b.ref("Patient", s.subject_id),
                "assignedArm": d.arm_code,
                **({"actualArm": d.arm_code} if s.first_dose is not None else {}),
            }
        )
    for x in study.doses:
        b.add(
            {
                "resourceType": "MedicationAdministration",
                "id": f"dose-{x.subject_id}-{x.cycle}",
                "status": "completed",
                "medicationCodeableConcept": {"text": d.treatment.title()},
                "subject": b.ref("Patient", x.subject_id),
                "effectiveDateTime": x.date.isoformat(),
                "dosage": {
                    "route": {"text": d.route.lower()},
                    "dose": _quantity(x.activity_gbq, "GBq"),
                },
                "note": [
                    {
                        "text": f"cycle {x.cycle}"
                        + (", reduced dose" if x.reduced else "")
                        + (f", delayed {x.delay_days} days" if x.delay_days else "")
                    }
                ],
            }
        )
    for i, lab in enumerate(study.labs, start=1):
        b.add(_lab(b, i, lab))
    for s in study.subjects:
        if s.first_dose is None:
            continue
        r = subject_recist(study, s)
        if r is None:
            continue
        for t in r.timepoints:
            obs = _response(
                b,
                s.subject_id,
                t.date.isoformat(),
                "OVRLRESP",
                "Overall response at the time point (RECIST 1.1)",
                t.overall,
            )
            if t.sum_mm is not None:
                obs["component"] = [
                    {
                        "code": {
                            "coding": [
                                {
                                    "system": CDISC_RS,
                                    "code": "SUMDIAM",
                                    "display": "Sum of Diameter",
                                }
                            ]
                        },
                        "valueQuantity": _quantity(t.sum_mm, "mm"),
                    }
                ]
            b.add(obs)
        when = (
            r.response_date
            or r.progression_date
            or (r.timepoints[-1].date if r.timepoints else None)
        )
        if when is not None:
            b.add(
                _response(
                    b,
                    s.subject_id,
                    when.isoformat(),
                    "BESTRSP",
                    "Best overall response, confirmed (RECIST 1.1)",
                    r.best_overall_response,
                )
            )
    for i, ae in enumerate(study.adverse_events, start=1):
        c = meddra(ae.term)
        event: dict[str, Any] = {"text": f"{ae.term} (CTCAE v{CTCAE_VERSION} grade {ae.grade})"}
        if c:
            event["coding"] = [{"system": MEDDRA, "code": str(c.code), "display": c.term}]
        b.add(
            {
                "resourceType": "AdverseEvent",
                "id": f"ae-{i}",
                "actuality": "actual",
                "event": event,
                "subject": b.ref("Patient", ae.subject_id),
                "date": ae.onset.isoformat(),
                "study": [study_ref],
                "seriousness": {
                    "coding": [
                        {"system": SERIOUSNESS, "code": "serious" if ae.serious else "non-serious"}
                    ]
                },
                "outcome": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                            "code": "fatal"
                            if ae.grade == 5
                            else "resolved"
                            if ae.resolved
                            else "ongoing",
                        }
                    ]
                },
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entry": b.entries,
    }
    validate_bundle(bundle)
    return bundle


def _lab(b: _Bundle, i: int, lab: Any) -> dict[str, Any]:
    term = TERMS.get(lab.ctcae_term)
    code: dict[str, Any] = {"text": lab.ctcae_term}
    if term is not None:
        name = TESTS[lab.ctcae_term][1]
        code = {
            "coding": [{"system": LOINC, "code": lab.loinc or term.loinc[0], "display": name}],
            "text": name,
        }
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"lab-{i}",
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
        "code": code,
        "subject": b.ref("Patient", lab.subject_id),
        "effectiveDateTime": lab.date.isoformat(),
        "valueQuantity": _quantity(lab.value, lab.unit),
    }
    limits = {
        k: _quantity(v, lab.unit) for k, v in (("low", lab.lln), ("high", lab.uln)) if v is not None
    }
    if limits:
        obs["referenceRange"] = [limits]
    return obs


def _response(
    b: _Bundle, subject_id: str, when: str, testcd: str, label: str, value: str
) -> dict[str, Any]:
    code = "NON-CR/NON-PD" if value == "non-CR/non-PD" else value
    return {
        "resourceType": "Observation",
        "id": f"{testcd.lower()}-{subject_id}-{when}",
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "imaging"}]}],
        "code": {"coding": [{"system": CDISC_RS, "code": testcd, "display": label}], "text": label},
        "subject": b.ref("Patient", subject_id),
        "effectiveDateTime": when,
        "method": {"text": "RECIST 1.1"},
        "valueCodeableConcept": {
            "coding": [{"system": CDISC_RS, "code": code, "display": RESPONSES.get(value, value)}],
            "text": RESPONSES.get(value, value),
        },
    }


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Raise ValueError naming the first entry that is not valid R4 (the R4B model)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    for n, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except ValidationError as exc:
            raise ValueError(
                f"entry {n} {resource['resourceType']}/{resource['id']}: {exc}"
            ) from exc
    get_fhir_model_class("Bundle").model_validate(bundle)

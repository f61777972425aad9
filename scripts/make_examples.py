"""Write the example FHIR R4 screening bundles shipped with protocol nct05894486.

Three hand-made GEP-NET patients for the README tour, the demo and the tests:
``eligible.json`` meets every criterion as of 2026-11-24; ``low-haemoglobin.json``
is the same patient with Hb 7.6 g/dL (EX2); ``incomplete.json`` has no CRF
answers for the investigator's judgement and a creatinine in a unit UCUM does
not know. Run ``python scripts/make_examples.py`` to rebuild them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src/trialkit/protocols/nct05894486/examples"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
Q_URL = "urn:trialkit:questionnaire:nct05894486-screening"
CHOICE = "urn:trialkit:codes:nct05894486"


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def lab(
    rid: str,
    loinc: str,
    display: str,
    value: float,
    unit: str,
    when: str,
    ref_high: float | None = None,
    ucum: bool = True,
) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": unit}
    if ucum:
        quantity.update(system=UCUM, code=unit)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
        "subject": {"reference": "urn:uuid:p-example"},
        "effectiveDateTime": when,
        "valueQuantity": quantity,
    }
    if ref_high is not None:
        obs["referenceRange"] = [
            {"high": {"value": ref_high, "unit": unit, "system": UCUM, "code": unit}}
        ]
    return obs


def coded_result(rid: str, loinc: str, display: str, positive: bool, when: str) -> dict[str, Any]:
    code = ("10828004", "Positive") if positive else ("260385009", "Negative")
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
        "subject": {"reference": "urn:uuid:p-example"},
        "effectiveDateTime": when,
        "valueCodeableConcept": {
            "coding": [{"system": SNOMED, "code": code[0], "display": code[1]}]
        },
    }


def condition(rid: str, code: str, display: str, onset: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": ICD10CM, "code": code, "display": display}]},
        "subject": {"reference": "urn:uuid:p-example"},
        "onsetDateTime": onset,
    }


def answer(link: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"linkId": link, "answer": [{"valueBoolean": value}]}
    if isinstance(value, int):
        return {"linkId": link, "answer": [{"valueInteger": value}]}
    if isinstance(value, float):
        return {"linkId": link, "answer": [{"valueDecimal": value}]}
    if isinstance(value, tuple):
        return {"linkId": link, "answer": [{"valueCoding": {"system": CHOICE, "code": value[0]}}]}
    if len(value) == 10 and value[4] == "-":
        return {"linkId": link, "answer": [{"valueDate": value}]}
    return {"linkId": link, "answer": [{"valueString": value}]}


def lesion(lid: str, organ: str, node: bool, diameter: float, krenning: int) -> dict[str, Any]:
    return {
        "linkId": "lesion",
        "item": [
            answer("lesion-id", lid),
            answer("lesion-organ", organ),
            answer("lesion-is-node", node),
            answer("lesion-diameter-mm", diameter),
            answer("lesion-method", ("CT",)),
            answer("lesion-slice-mm", 5.0),
            answer("lesion-previously-irradiated", False),
            answer("lesion-target", True),
            answer("lesion-krenning", krenning),
        ],
    }


CRF: dict[str, dict[str, Any]] = {
    "consent": {"consent-date": "2026-11-18"},
    "dates": {"planned-first-dose-date": "2026-12-01"},
    "disease": {
        "disease-extent": ("metastatic",),
        "differentiation": ("well",),
        "ki67-percent": 18.0,
        "central-pathology-confirmed": True,
        "advanced-disease-date": "2026-09-02",
        "prior-systemic-therapy-current-stage": False,
    },
    "performance": {"ecog": 1, "childbearing-potential": False},
    "history": {
        "pregnant": False,
        "lactating": False,
        "prior-prrt": False,
        "prior-local-therapy": True,
        "last-local-therapy-date": "2026-08-10",
        "prior-systemic-therapy": False,
        "prior-toxicity-above-grade-1": False,
        "prior-bone-ebrt": False,
        "marrow-irradiated-percent": 0.0,
        "brain-metastases": ("none",),
        "chf-uncontrolled": False,
        "diabetes-uncontrolled": False,
        "octreotide-short-interruptible": True,
        "octreotide-lar-interruptible": True,
        "other-malignancy": False,
        "hypersensitivity-study-drug": False,
        "contrast-contraindicated": False,
        "active-infection": False,
        "hbv-dna-positive-site": False,
        "prior-investigational-drug": False,
    },
    "investigator": {
        "investigator-ex24": False,
        "investigator-ex25": False,
        "investigator-ex26": False,
    },
}


def questionnaire_response(crf: dict[str, dict[str, Any]]) -> dict[str, Any]:
    items = [
        {"linkId": group, "item": [answer(k, v) for k, v in answers.items()]}
        for group, answers in crf.items()
        if answers
    ]
    items += [
        lesion("L1", "liver", False, 34.0, 4),
        lesion("L2", "liver", False, 21.0, 3),
        lesion("N1", "lymph node", True, 17.0, 3),
    ]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "crf-screening",
        "questionnaire": Q_URL,
        "status": "completed",
        "subject": {"reference": "urn:uuid:p-example"},
        "authored": "2026-11-20T10:15:00+08:00",
        "item": items,
    }


def eligible() -> dict[str, Any]:
    when = "2026-11-19T08:30:00+08:00"
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "p-example",
            "gender": "female",
            "birthDate": "1968-05-14",
            "name": [{"family": "Example", "given": ["Lin"]}],
        },
        condition("c-net", "C7A.012", "Malignant carcinoid tumor of the ileum", "2025-02-11"),
        condition("c-liver", "C7B.02", "Secondary carcinoid tumors of liver", "2026-09-02"),
        {
            "resourceType": "Consent",
            "id": "consent-1",
            "status": "active",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "research",
                    }
                ]
            },
            "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
            "patient": {"reference": "urn:uuid:p-example"},
            "dateTime": "2026-11-18",
        },
        lab("o-crea", "2160-0", "Creatinine", 0.82, "mg/dL", when),
        lab("o-weight", "29463-7", "Body weight", 61.5, "kg", when),
        lab("o-hb", "718-7", "Hemoglobin", 12.1, "g/dL", when),
        lab("o-wbc", "6690-2", "Leukocytes", 5.4, "10*3/uL", when),
        lab("o-plt", "777-3", "Platelets", 212, "10*3/uL", when),
        lab("o-bili", "1975-2", "Bilirubin total", 11.0, "umol/L", when, ref_high=21),
        lab("o-alb", "1751-7", "Albumin", 4.1, "g/dL", when),
        lab("o-alt", "1742-6", "ALT", 32, "U/L", when, ref_high=40),
        lab("o-ast", "1920-8", "AST", 36, "U/L", when, ref_high=40),
        lab("o-inr", "6301-6", "INR", 1.0, "{INR}", when),
        lab("o-aptt", "3173-2", "aPTT", 31, "s", when, ref_high=40),
        lab("o-glu", "1558-6", "Fasting glucose", 104, "mg/dL", when),
        lab("o-ki67", "29593-1", "Ki-67", 18, "%", "2026-09-15"),
        coded_result("o-hbsag", "5196-1", "HBsAg", False, "2026-11-02"),
        coded_result("o-hcv", "13955-0", "HCV Ab", False, "2026-11-02"),
        coded_result("o-hiv", "56888-1", "HIV 1+2 Ag/Ab", False, "2026-11-02"),
        {
            "resourceType": "Observation",
            "id": "o-ecog",
            "status": "final",
            "code": {
                "coding": [
                    {"system": LOINC, "code": "89247-1", "display": "ECOG Performance Status score"}
                ]
            },
            "subject": {"reference": "urn:uuid:p-example"},
            "effectiveDateTime": "2026-11-19",
            "valueCodeableConcept": {
                "coding": [{"system": LOINC, "code": "LA9623-5", "display": "1"}]
            },
        },
        {
            "resourceType": "MedicationStatement",
            "id": "m-lar",
            "status": "active",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.whocc.no/atc",
                        "code": "H01CB02",
                        "display": "octreotide",
                    }
                ],
                "text": "Octreotide LAR 30 mg every 4 weeks",
            },
            "subject": {"reference": "urn:uuid:p-example"},
            "effectivePeriod": {"start": "2026-09-20"},
        },
        questionnaire_response(CRF),
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": [entry(r) for r in resources]}


def low_haemoglobin() -> dict[str, Any]:
    bundle = copy.deepcopy(eligible())
    for e in bundle["entry"]:
        if e["resource"]["id"] == "o-hb":
            e["resource"]["valueQuantity"]["value"] = 7.6
    return bundle


def incomplete() -> dict[str, Any]:
    bundle = copy.deepcopy(eligible())
    for e in bundle["entry"]:
        r = e["resource"]
        if r["id"] == "o-crea":
            r["valueQuantity"] = {"value": 75, "unit": "umol/l (Jaffe)"}
        if r["resourceType"] == "QuestionnaireResponse":
            r["item"] = [i for i in r["item"] if i["linkId"] != "investigator"]
    return bundle


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, bundle in [
        ("eligible", eligible()),
        ("low-haemoglobin", low_haemoglobin()),
        ("incomplete", incomplete()),
    ]:
        (OUT / f"{name}.json").write_text(json.dumps(bundle, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT / name}.json")


if __name__ == "__main__":
    main()

"""FHIR R4 input: Bundles, Bulk NDJSON, references, bad values as warnings, CRF merging."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trialkit.errors import InputError
from trialkit.fhir import load_bundle, load_records
from trialkit.model.codes import LOINC, Code

SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
Q = "urn:trialkit:questionnaire:nct05894486-screening"


def patient(pid: str = "p1", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "gender": "female",
        "birthDate": "1970-01-02",
        **extra,
    }


def hb(rid: str, subject: str, value: Any = 12.5, when: str = "2026-11-20") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "718-7"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": "g/dL",
            "system": "http://unitsofmeasure.org",
            "code": "g/dL",
        },
    }


def bundle(*resources: dict[str, Any], full_urls: bool = False) -> dict[str, Any]:
    entries = [
        {"fullUrl": f"urn:uuid:{r['id']}", "resource": r} if full_urls else {"resource": r}
        for r in resources
    ]
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


def qr(
    rid: str, authored: str, items: list[dict[str, Any]], status: str = "completed"
) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "questionnaire": Q + "|2026-11-24.1",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "authored": authored,
        "item": items,
    }


def test_all_synthea_samples_load_with_their_own_facts() -> None:
    files = sorted(SYNTHEA.glob("*.json"))
    assert len(files) == 10
    records = load_records(files)
    for path, rec in zip(files, records, strict=True):
        raw = json.loads(path.read_text())
        resources = [e["resource"] for e in raw["entry"]]
        pat = next(r for r in resources if r["resourceType"] == "Patient")
        assert rec.patient_id == pat["id"]
        assert rec.birth_date is not None
        assert rec.birth_date.low.isoformat() == pat["birthDate"]
        assert rec.sex == pat["gender"]
        hb_raw = [
            r
            for r in resources
            if r["resourceType"] == "Observation"
            and any(c["code"] == "718-7" for c in r["code"]["coding"])
        ]
        hb_facts = [m for m in rec.measurements if Code(LOINC, "718-7") in m.codes]
        assert len(hb_facts) == len(hb_raw)
        for m, r in zip(
            sorted(hb_facts, key=lambda m: m.source),
            sorted(hb_raw, key=lambda r: r["id"]),
            strict=True,
        ):
            assert m.value == Decimal(str(r["valueQuantity"]["value"]))
            assert m.unit == r["valueQuantity"]["code"]


def test_urn_uuid_and_relative_and_absolute_references_resolve() -> None:
    med = {
        "resourceType": "Medication",
        "id": "med1",
        "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01BC06"}]},
    }
    request = {
        "resourceType": "MedicationRequest",
        "id": "mr1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "urn:uuid:p1"},
        "authoredOn": "2026-11-01",
        "medicationReference": {"reference": "urn:uuid:med1"},
    }
    obs = hb("o1", "https://ehr.example.org/fhir/Patient/p1/_history/3")
    rec = load_bundle(bundle(patient(), med, request, obs, full_urls=True), source="b.json")
    assert rec.medications[0].codes == (Code("http://www.whocc.no/atc", "L01BC06"),)
    assert len(rec.measurements) == 1


def test_resource_about_another_patient_is_ignored_with_a_warning() -> None:
    rec = load_bundle(
        bundle(patient(), hb("o1", "Patient/p1"), hb("o2", "Patient/zzz")), source="b.json"
    )
    assert [m.source for m in rec.measurements] == ["Observation/o1"]
    assert any("Patient/zzz" in w.message for w in rec.warnings)


def test_bad_values_are_warnings_and_the_rest_is_used() -> None:
    bad_date = hb("o1", "Patient/p1", when="20-11-2026")
    bad_number = hb("o2", "Patient/p1", value="twelve")
    good = hb("o3", "Patient/p1")
    rec = load_bundle(
        bundle(patient(birthDate="1970-13-45"), bad_date, bad_number, good), source="b.json"
    )
    fields = {(w.source, w.field) for w in rec.warnings}
    assert ("b.json Observation/o1", "effectiveDateTime") in fields
    assert ("b.json Observation/o2", "valueQuantity.value") in fields
    assert ("b.json Patient/p1", "birthDate") in fields
    assert rec.birth_date is None
    assert rec.sex == "female"  # the rest of the Patient is still used
    by_id = {m.source: m for m in rec.measurements}
    assert by_id["Observation/o1"].time is None
    assert by_id["Observation/o1"].value == Decimal("12.5")
    assert by_id["Observation/o2"].value is None
    assert by_id["Observation/o3"].value == Decimal("12.5")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "no resourceType"),
        ({"resourceType": "Observation", "id": "x"}, "expected a Bundle"),
        (bundle(hb("o1", "Patient/p1")), "no Patient"),
        (bundle(patient("a"), patient("b")), "2 Patient resources"),
    ],
)
def test_unusable_bundles(data: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_bundle(data, source="file.json")
    assert "file.json" in str(info.value)


def test_ndjson_folder_with_two_patients(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(
        "\n".join(json.dumps(p) for p in (patient("a"), patient("b", gender="male"))) + "\n"
    )
    (folder / "Observation.ndjson").write_text(
        "\n".join(
            json.dumps(o)
            for o in (hb("o1", "Patient/a"), hb("o2", "Patient/b", 7.0), hb("o3", "Patient/nobody"))
        )
        + "\n"
    )
    records = load_records([folder])
    assert [r.patient_id for r in records] == ["a", "b"]
    assert [m.value for m in records[1].measurements] == [Decimal("7.0")]
    assert any("Patient/nobody" in w.message for w in records[0].warnings)


def test_ndjson_bad_line_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(json.dumps(patient()) + "\n{not json\n")
    with pytest.raises(InputError, match="line 2") as info:
        load_records([folder])
    assert "Patient.ndjson" in str(info.value) or "export" in str(info.value)


def test_crf_latest_authored_wins_item_by_item_and_nested_links() -> None:
    older = qr(
        "q1",
        "2026-11-01T09:00:00Z",
        [
            {
                "linkId": "history",
                "item": [
                    {"linkId": "pregnant", "answer": [{"valueBoolean": True}]},
                    {"linkId": "lactating", "answer": [{"valueBoolean": False}]},
                ],
            },
            {
                "linkId": "lesion",
                "item": [{"linkId": "lesion-id", "answer": [{"valueString": "OLD"}]}],
            },
        ],
    )
    newer = qr(
        "q2",
        "2026-11-10T09:00:00Z",
        [
            {"linkId": "pregnant", "answer": [{"valueBoolean": False}]},
            {"linkId": "differentiation", "answer": [{"valueCoding": {"code": "well"}}]},
            {"linkId": "ecog", "answer": [{"valueDecimal": 1.0}]},
            {"linkId": "consent-date", "answer": [{"valueDate": "2026-11-09"}]},
        ],
    )
    other = {
        **qr(
            "q3",
            "2026-11-20T09:00:00Z",
            [{"linkId": "pregnant", "answer": [{"valueBoolean": True}]}],
        ),
        "questionnaire": "urn:other:questionnaire",
    }
    erroneous = qr(
        "q4",
        "2026-11-21T09:00:00Z",
        [{"linkId": "pregnant", "answer": [{"valueBoolean": True}]}],
        status="entered-in-error",
    )
    rec = load_bundle(bundle(patient(), older, newer, other, erroneous), source="b.json")
    crf = rec.crf
    pregnant, lactating = crf.get("pregnant"), crf.get("lactating")
    assert pregnant is not None
    assert pregnant.value is False
    assert pregnant.source == "QuestionnaireResponse/q2"
    assert lactating is not None
    assert lactating.value is False  # only the older response answered it
    differentiation = crf.get("differentiation")
    assert differentiation is not None
    assert differentiation.value == Code("", "well")
    consent = crf.get("consent-date")
    assert consent is not None
    assert consent.value == date(2026, 11, 9)
    assert [g["lesion-id"].value for g in crf.lesions] == ["OLD"]


def test_bundle_of_the_wrong_json_type_for_entries() -> None:
    with pytest.raises(InputError, match="entry"):
        load_bundle({"resourceType": "Bundle", "entry": {"a": 1}}, source="x.json")

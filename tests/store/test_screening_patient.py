"""The screening log names the patient (issue 14 item 2: "Patients shown by name and MRN
beside the id"): Patient.name and the MRN are stored on the screening row, so the log lists
them without reading the verdict; migration 0007 fills older screenings from their verdict
and audits the fill. Observed on 739de29: the log showed the FHIR patient id only."""

from __future__ import annotations

import json

from sqlalchemy import inspect

from tests.store.helpers import AS_OF, EXAMPLES, make_study
from trialkit.store.db import downgrade, upgrade

MRN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


def _with_mrn(mrn: str) -> bytes:
    """The eligible example (Patient.name Lin Example) with a medical record number."""
    bundle = json.loads((EXAMPLES / "eligible.json").read_text("utf-8"))
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["identifier"] = [{"type": MRN_TYPE, "value": mrn}]
    return json.dumps(bundle).encode()


def test_the_log_lists_name_and_mrn_beside_the_patient_id(store_url: str) -> None:
    study = make_study(store_url)
    s = study.service.screen(
        study["coordinator"], bundle=_with_mrn("MRN-1234"), crf=None, as_of=AS_OF
    )
    crf_only = study.service.screen(study["coordinator"], bundle=None, crf={"ecog": 1}, as_of=AS_OF)
    rows = {r.id: r for r in study.service.list_screenings(study["monitor"]).items}
    assert (rows[s.id].patient_name, rows[s.id].mrn) == ("Lin Example", "MRN-1234")
    assert rows[s.id].patient_id == s.patient_id
    assert (rows[crf_only.id].patient_name, rows[crf_only.id].mrn) == (None, None)
    study.service.store.close()


def test_migration_0007_fills_name_and_mrn_from_the_verdict_and_audits_it(store_url: str) -> None:
    study = make_study(store_url)
    s = study.service.screen(
        study["coordinator"], bundle=_with_mrn("MRN-77"), crf=None, as_of=AS_OF
    )
    engine = study.service.store.engine
    downgrade(engine, "0006")
    assert "mrn" not in {c["name"] for c in inspect(engine).get_columns("screenings")}
    upgrade(engine)  # 0007 again: the columns are back, filled from each stored verdict
    monitor = study["monitor"]
    row = next(r for r in study.service.list_screenings(monitor).items if r.id == s.id)
    assert (row.patient_name, row.mrn) == ("Lin Example", "MRN-77")
    report = study.service.verify_audit()
    assert report.ok, report.problems
    fills = [
        e
        for e in study.service.audit_trail(monitor, "screening", s.id)
        if e.reason.startswith("schema 0007")
    ]
    assert [(e.changes["patient_name"], e.changes["mrn"]) for e in fills] == [
        ([None, "Lin Example"], [None, "MRN-77"])
    ]
    # the audit view names the screening by its patient, from those audited values
    assert fills[0].record_label == f"Screening {s.screening_id} (Lin Example, MRN MRN-77)"
    study.service.store.close()

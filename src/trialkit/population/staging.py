"""The staging schema: patient facts as relational tables, whatever the source.

The compiler reads only these tables. FHIR records (one patient or Bulk
NDJSON) become them through :func:`records_to_tables`; OMOP sources will be
mapped into the same columns. Codes are stored with their normalised key
(ICD-10 without dots) so value sets match exactly as in the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from trialkit.eligibility.history import medication_form
from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue, PatientRecord

SCHEMAS: dict[str, pa.Schema] = {
    "patient": pa.schema(
        [
            ("pid", pa.string()),
            ("birth_low", pa.date32()),
            ("birth_high", pa.date32()),
            ("sex", pa.string()),
        ]
    ),
    "measurement": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("t_low", pa.date32()),
            ("t_high", pa.date32()),
            ("status", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("ref_high", pa.float64()),
            ("ref_unit", pa.string()),
            ("data_absent", pa.bool_()),
        ]
    ),
    # codes of each observation (kind "code"), and its value/interpretation codings (kind "value")
    "measurement_code": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("kind", pa.string()),
            ("system", pa.string()),
            ("code", pa.string()),
            ("code_key", pa.string()),
        ]
    ),
    "condition": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("system", pa.string()),
            ("code_key", pa.string()),
            ("clinical", pa.string()),
            ("verification", pa.string()),
            ("onset_low", pa.date32()),
            ("onset_high", pa.date32()),
            ("abate_low", pa.date32()),
            ("abate_high", pa.date32()),
        ]
    ),
    "medication": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("system", pa.string()),
            ("code_key", pa.string()),
            ("status", pa.string()),
            ("start_low", pa.date32()),
            ("start_high", pa.date32()),
            ("end_high", pa.date32()),
            ("form", pa.string()),
        ]
    ),
    "procedure": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("system", pa.string()),
            ("code_key", pa.string()),
            ("status", pa.string()),
            ("t_low", pa.date32()),
            ("t_high", pa.date32()),
            ("biopsy", pa.bool_()),
        ]
    ),
    "allergy": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("system", pa.string()),
            ("code_key", pa.string()),
            ("text", pa.string()),
            ("clinical", pa.string()),
            ("verification", pa.string()),
        ]
    ),
    "consent": pa.schema(
        [
            ("pid", pa.string()),
            ("source", pa.string()),
            ("status", pa.string()),
            ("system", pa.string()),
            ("code_key", pa.string()),
            ("t_low", pa.date32()),
            ("t_high", pa.date32()),
        ]
    ),
    # one row per CRF answer; lesion answers carry the lesion group's index
    "crf": pa.schema(
        [
            ("pid", pa.string()),
            ("link", pa.string()),
            ("lesion", pa.int32()),
            ("v_bool", pa.bool_()),
            ("v_num", pa.float64()),
            ("v_date", pa.date32()),
            ("v_str", pa.string()),
            ("vtype", pa.string()),
        ]
    ),
}


def _codes(codes: Iterable[Code]) -> list[tuple[str, str]]:
    return [(c.system, c.key) for c in codes] or [("", "")]


def _crf_row(pid: str, answer: CrfAnswer, lesion: int | None) -> dict[str, Any]:
    value: CrfValue = answer.value
    row: dict[str, Any] = {
        "pid": pid,
        "link": answer.link_id,
        "lesion": lesion,
        "v_bool": None,
        "v_num": None,
        "v_date": None,
        "v_str": None,
    }
    if isinstance(value, bool):
        row["v_bool"], row["vtype"] = value, "bool"
    elif isinstance(value, int | Decimal):
        row["v_num"], row["vtype"] = float(value), "number"
    elif isinstance(value, Code):
        row["v_str"], row["vtype"] = value.code, "choice"
    elif isinstance(value, str):
        row["v_str"], row["vtype"] = value, "choice"
    else:
        row["v_date"], row["vtype"] = value, "date"
    return row


def records_to_tables(records: Iterable[PatientRecord]) -> dict[str, pa.Table]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    for r in records:
        pid = r.patient_id
        rows["patient"].append(
            {
                "pid": pid,
                "birth_low": r.birth_date.low if r.birth_date else None,
                "birth_high": r.birth_date.high if r.birth_date else None,
                "sex": r.sex,
            }
        )
        for m in r.measurements:
            rows["measurement"].append(
                {
                    "pid": pid,
                    "source": m.source,
                    "t_low": m.time.low if m.time else None,
                    "t_high": m.time.high if m.time else None,
                    "status": m.status,
                    "value": float(m.value) if m.value is not None else None,
                    "unit": m.unit,
                    "ref_high": float(m.ref_high) if m.ref_high is not None else None,
                    "ref_unit": m.ref_unit,
                    "data_absent": m.data_absent,
                }
            )
            for kind, codes in (("code", m.codes), ("value", m.value_codes + m.interpretation)):
                rows["measurement_code"] += [
                    {
                        "pid": pid,
                        "source": m.source,
                        "kind": kind,
                        "system": c.system,
                        "code": c.code,
                        "code_key": c.key,
                    }
                    for c in codes
                ]
        for c in r.conditions:
            for system, key in _codes(c.codes):
                rows["condition"].append(
                    {
                        "pid": pid,
                        "source": c.source,
                        "system": system,
                        "code_key": key,
                        "clinical": c.clinical_status,
                        "verification": c.verification_status,
                        "onset_low": c.onset.low if c.onset else None,
                        "onset_high": c.onset.high if c.onset else None,
                        "abate_low": c.abatement.low if c.abatement else None,
                        "abate_high": c.abatement.high if c.abatement else None,
                    }
                )
        for med in r.medications:
            form = medication_form(med)
            for system, key in _codes(med.codes):
                rows["medication"].append(
                    {
                        "pid": pid,
                        "source": med.source,
                        "system": system,
                        "code_key": key,
                        "status": med.status,
                        "start_low": med.start.low if med.start else None,
                        "start_high": med.start.high if med.start else None,
                        "end_high": med.end.high if med.end else None,
                        "form": form,
                    }
                )
        for p in r.procedures:
            described = " ".join([p.text or ""] + [c.display or "" for c in p.codes]).lower()
            for system, key in _codes(p.codes + p.category_codes):
                rows["procedure"].append(
                    {
                        "pid": pid,
                        "source": p.source,
                        "system": system,
                        "code_key": key,
                        "status": p.status,
                        "t_low": p.time.low if p.time else None,
                        "t_high": p.time.high if p.time else None,
                        "biopsy": "biopsy" in described,
                    }
                )
        for a in r.allergies:
            text = " ".join([a.text or ""] + [c.display or "" for c in a.codes]).lower()
            for system, key in _codes(a.codes):
                rows["allergy"].append(
                    {
                        "pid": pid,
                        "source": a.source,
                        "system": system,
                        "code_key": key,
                        "text": text,
                        "clinical": a.clinical_status,
                        "verification": a.verification_status,
                    }
                )
        for cs in r.consents:
            for system, key in _codes(cs.scope_codes + cs.category_codes):
                rows["consent"].append(
                    {
                        "pid": pid,
                        "source": cs.source,
                        "status": cs.status,
                        "system": system,
                        "code_key": key,
                        "t_low": cs.time.low if cs.time else None,
                        "t_high": cs.time.high if cs.time else None,
                    }
                )
        rows["crf"] += [_crf_row(pid, a, None) for a in r.crf.answers.values()]
        for i, group in enumerate(r.crf.lesions):
            rows["crf"] += [_crf_row(pid, a, i) for a in group.values()]
    return {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}

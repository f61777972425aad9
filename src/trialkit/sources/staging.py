"""The staging schema: patient facts as relational tables, whatever the source.

The compiler reads only these tables. FHIR records (one patient, or Bulk FHIR
read by the Python adapter) become them through :func:`records_to_tables`;
Bulk FHIR NDJSON read natively by DuckDB (``sources.ndjson``) and OMOP CDM
(``sources.omop``) are mapped into the same columns. The tables mirror
:class:`~trialkit.model.record.PatientRecord`:

* coded facts have one row per code (a measurement coded with two LOINC codes
  is two rows with the same ``source``), codes kept with their normalised key
  (ICD-10 without dots) so value sets match exactly as in the evaluator;
* a fact with no code keeps one row with empty system and code;
* ``measurement_value`` holds the value codings (``kind`` value, with their
  position: the first one that is a score decides) and interpretation codes;
* ``crf`` holds one row per merged CRF answer; lesion-group answers carry the
  group's index, and every lesion group has a ``lesion`` marker row (a group
  with no usable answer is still a lesion nobody can measure);
* ``warning`` holds the data-quality warnings of the source (one row each).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue, PatientRecord
from trialkit.protocol.forms import route_key
from trialkit.quality import no_value

LESION_MARKER = "lesion"  # the repeating group's linkId (data dictionary IN5)

_S, _D, _F, _B = pa.string(), pa.date32(), pa.float64(), pa.bool_()


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([("pid", _S), *fields])


SCHEMAS: dict[str, pa.Schema] = {
    "patient": _schema(("birth_low", _D), ("birth_high", _D), ("sex", _S)),
    "measurement": _schema(
        ("source", _S),
        ("system", _S),
        ("code_key", _S),
        ("t_low", _D),
        ("t_high", _D),
        ("status", _S),
        ("value", _F),
        ("unit", _S),
        ("ref_high", _F),
        ("ref_unit", _S),
        ("data_absent", _B),
    ),
    "measurement_value": _schema(
        ("source", _S), ("kind", _S), ("pos", pa.int32()), ("system", _S), ("code", _S)
    ),
    "condition": _schema(
        ("source", _S),
        ("system", _S),
        ("code_key", _S),
        ("clinical", _S),
        ("verification", _S),
        ("onset_low", _D),
        ("onset_high", _D),
        ("abate_low", _D),
        ("abate_high", _D),
    ),
    "medication": _schema(
        ("source", _S),
        ("system", _S),
        ("code_key", _S),
        ("status", _S),
        ("start_low", _D),
        ("start_high", _D),
        ("end_high", _D),
        # what a declared medication form is recognised by (protocol.forms.FormFeatures)
        ("med_text", _S),
        ("route", _S),
        ("interval_days", _F),
        ("doses_per_day", _F),
    ),
    "procedure": _schema(
        ("source", _S),
        ("system", _S),
        ("code_key", _S),
        ("status", _S),
        ("t_low", _D),
        ("t_high", _D),
        ("biopsy", _B),
    ),
    "allergy": _schema(
        ("source", _S),
        ("system", _S),
        ("code_key", _S),
        ("text", _S),
        ("clinical", _S),
        ("verification", _S),
    ),
    "consent": _schema(
        ("source", _S),
        ("status", _S),
        ("system", _S),
        ("code_key", _S),
        ("t_low", _D),
        ("t_high", _D),
    ),
    "crf": _schema(
        ("source", _S),
        ("link", _S),
        ("lesion", pa.int32()),
        ("v_bool", _B),
        ("v_num", _F),
        ("v_date", _D),
        ("v_str", _S),
        ("vtype", _S),
    ),
    "warning": _schema(("source", _S), ("field", _S), ("message", _S)),
}


def empty_tables() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in SCHEMAS.items()}


def _codes(codes: Iterable[Code]) -> list[tuple[str, str]]:
    return [(c.system, c.key) for c in codes] or [("", "")]


def _number(value: Decimal | None) -> float | None:
    """NaN and ±Infinity are no value (quality.plausible), as the evaluator reads them."""
    return None if value is None or no_value(value) else float(value)


def crf_row(pid: str, answer: CrfAnswer, lesion: int | None) -> dict[str, Any]:
    """One CRF answer as a staging row; ``vtype`` says which value column holds it."""
    value: CrfValue = answer.value
    row: dict[str, Any] = {"pid": pid, "source": answer.source, "link": answer.link_id}
    row["lesion"] = lesion
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


def _span(span: Any) -> tuple[Any, Any]:
    return (span.low, span.high) if span is not None else (None, None)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def records_to_tables(records: Iterable[PatientRecord]) -> dict[str, pa.Table]:
    """Patient records → staging tables (a patient is a population of one)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    for r in records:
        pid = r.patient_id
        low, high = _span(r.birth_date)
        rows["patient"].append({"pid": pid, "birth_low": low, "birth_high": high, "sex": r.sex})
        for m in r.measurements:
            t_low, t_high = _span(m.time)
            fields = {
                "pid": pid,
                "source": m.source,
                "t_low": t_low,
                "t_high": t_high,
                "status": m.status,
                "value": _number(m.value),
                "unit": m.unit,
                "ref_high": _number(m.ref_high),
                "ref_unit": m.ref_unit,
                "data_absent": m.data_absent,
            }
            for system, key in _codes(m.codes):
                rows["measurement"].append({**fields, "system": system, "code_key": key})
            for kind, codes in (("value", m.value_codes), ("interpretation", m.interpretation)):
                rows["measurement_value"] += [
                    {"pid": pid, "source": m.source, "kind": kind, "pos": i}
                    | {"system": c.system, "code": c.code}
                    for i, c in enumerate(codes)
                ]
        for c in r.conditions:
            onset, abate = _span(c.onset), _span(c.abatement)
            fields = {
                "pid": pid,
                "source": c.source,
                "clinical": c.clinical_status,
                "verification": c.verification_status,
                "onset_low": onset[0],
                "onset_high": onset[1],
                "abate_low": abate[0],
                "abate_high": abate[1],
            }
            for system, key in _codes(c.codes):
                rows["condition"].append({**fields, "system": system, "code_key": key})
        for med in r.medications:
            start = _span(med.start)
            fields = {
                "pid": pid,
                "source": med.source,
                "status": med.status,
                "start_low": start[0],
                "start_high": start[1],
                "end_high": med.end.high if med.end else None,
                "med_text": med.text,
                "route": route_key(med.route_codes),
                "interval_days": _float(med.interval_days),
                "doses_per_day": _float(med.doses_per_day),
            }
            for system, key in _codes(med.codes):
                rows["medication"].append({**fields, "system": system, "code_key": key})
        for p in r.procedures:
            described = " ".join([p.text or ""] + [c.display or "" for c in p.codes]).lower()
            t_low, t_high = _span(p.time)
            fields = {
                "pid": pid,
                "source": p.source,
                "status": p.status,
                "t_low": t_low,
                "t_high": t_high,
                "biopsy": "biopsy" in described,
            }
            for system, key in _codes(p.codes + p.category_codes):
                rows["procedure"].append({**fields, "system": system, "code_key": key})
        for a in r.allergies:
            text = " ".join([a.text or ""] + [c.display or "" for c in a.codes]).lower()
            fields = {
                "pid": pid,
                "source": a.source,
                "text": text,
                "clinical": a.clinical_status,
                "verification": a.verification_status,
            }
            for system, key in _codes(a.codes):
                rows["allergy"].append({**fields, "system": system, "code_key": key})
        for cs in r.consents:
            t_low, t_high = _span(cs.time)
            fields = {"pid": pid, "source": cs.source, "status": cs.status}
            fields |= {"t_low": t_low, "t_high": t_high}
            for system, key in _codes(cs.scope_codes + cs.category_codes):
                rows["consent"].append({**fields, "system": system, "code_key": key})
            # the studies consented to, as code rows of the same consent (history.consent)
            for system, key in _codes(cs.study_codes):
                rows["consent"].append({**fields, "system": system, "code_key": key})
        rows["crf"] += [crf_row(pid, a, None) for a in r.crf.answers.values()]
        for i, group in enumerate(r.crf.lesions):
            source = next((a.source for a in group.values()), None)
            marker = {"pid": pid, "source": source, "link": LESION_MARKER, "lesion": i}
            rows["crf"].append(marker | {"vtype": "group"})
            rows["crf"] += [crf_row(pid, a, i) for a in group.values()]
        rows["warning"] += [
            {"pid": pid, "source": w.source, "field": w.field, "message": w.message}
            for w in r.warnings
        ]
    return {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}

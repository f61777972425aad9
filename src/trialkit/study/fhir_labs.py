"""Laboratory results from FHIR R4 (a ``fhir/`` subfolder of the study: Bundles or Bulk NDJSON).

Sites hold lab results in the EHR; the analysis takes them as they are. Each
Patient's id must be a subject id of ``subjects.csv``. Observations whose LOINC
code belongs to a CTCAE v5 laboratory term become :class:`LabRow` values, with
the result's own reference range as ULN/LLN (converted to the value's unit).
Statuses other than final/amended/corrected, results without a value, date or
usable unit are reported as problems, never silently used.
"""

from __future__ import annotations

import math
from pathlib import Path

from trialkit.ctcae import TERMS
from trialkit.ctcae.analytes import analyte
from trialkit.errors import UnitError
from trialkit.fhir import load_records
from trialkit.model.codes import LOINC
from trialkit.protocol.model import Protocol
from trialkit.study.lab_checks import lab_value_problem
from trialkit.study.model import LabRow
from trialkit.units import convert

USABLE = frozenset({"final", "amended", "corrected"})


def fhir_labs(
    folder: Path, subject_ids: set[str], protocol: Protocol
) -> tuple[list[LabRow], list[tuple[str, str, str]]]:
    """(lab rows, problems as (resource, field, message)) from every FHIR file under ``folder``."""
    paths = sorted(folder.glob("*.json")) or [folder]  # Bundles, else a Bulk NDJSON folder
    rows: list[LabRow] = []
    problems: list[tuple[str, str, str]] = []
    by_loinc = {code: term for term in TERMS.values() for code in term.loinc}
    for record in load_records(paths):
        if record.patient_id not in subject_ids:
            problems.append((f"Patient/{record.patient_id}", "id", "not a subject of subjects.csv"))
            continue
        for m in record.measurements:
            term = next(
                (by_loinc[c.code] for c in m.codes if c.system == LOINC and c.code in by_loinc),
                None,
            )
            if term is None:
                continue
            if m.status not in USABLE or m.value is None or m.time is None or not m.time.exact:
                problems.append(
                    (m.source, "status/value/effective", "not a usable final result with a date")
                )
                continue
            why = lab_value_problem(protocol, term.name, float(m.value), m.unit)
            if why:  # NaN/Infinity, negative, or outside the protocol's possible range
                problems.append((m.source, "valueQuantity.value", why))
                continue
            try:
                convert(m.value, m.unit, term.unit, analyte=term.analyte)
                uln = _limit(m.ref_high, m.ref_unit, m.unit, term.analyte)
                lln = _limit(m.ref_low, m.ref_unit, m.unit, term.analyte)
            except UnitError as exc:
                problems.append((m.source, "valueQuantity.unit", str(exc)))
                continue
            if any(x is not None and not math.isfinite(x) for x in (uln, lln)):
                problems.append((m.source, "referenceRange", "a limit that is not a finite number"))
                continue
            loinc = next(c.code for c in m.codes if c.system == LOINC and c.code in by_loinc)
            name = next((c.display for c in m.codes if c.code == loinc and c.display), None)
            rows.append(
                LabRow(
                    record.patient_id,
                    m.time.low,
                    term.name,
                    float(m.value),
                    m.unit or "",
                    uln,
                    lln,
                    loinc,
                    name or analyte(term.name)[1],
                )
            )
    return rows, problems


def _limit(
    value: object, unit: str | None, target: str | None, analyte: str | None
) -> float | None:
    if value is None:
        return None
    if unit is None or unit == target:
        return float(str(value))
    return convert(float(str(value)), unit, target or "1", analyte=analyte)

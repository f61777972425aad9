"""Weight and height as a screening record holds them: the source of screening.csv's
weight/height columns and so of SDTM VS.

The codes are those of the FHIR R4 vital-signs profile (hl7.org/fhir/R4/observation-vitalsigns
.html: LOINC 29463-7 Body weight, 8302-2 Body height). The value is kept as recorded, with its
unit and date — the latest final result dated on or before the screening's as-of date; a
result dated later, or not final, is not the screening's. Nothing is filled in: a record
without a height has no height.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialkit.model.codes import LOINC
from trialkit.model.record import Measurement, PatientRecord
from trialkit.study.model import ScreeningRow

CODES = {"weight": "29463-7", "height": "8302-2"}
FINAL = ("final", "amended", "corrected")


@dataclass(frozen=True)
class BodyMeasure:
    value: float
    unit: str
    date: date


def body_measures(record: PatientRecord, as_of: date) -> dict[str, BodyMeasure]:
    """{"weight": …, "height": …} of ``record`` as of ``as_of`` (absent when not recorded)."""
    out: dict[str, BodyMeasure] = {}
    for what, code in CODES.items():
        found = [m for m in record.measurements if _usable(m, code, as_of)]
        if found:
            m = max(found, key=lambda x: x.time.high if x.time else date.min)
            assert m.time is not None
            assert m.value is not None
            out[what] = BodyMeasure(float(m.value), m.unit or "", m.time.high)
    return out


def _usable(m: Measurement, code: str, as_of: date) -> bool:
    return (
        any(c.system == LOINC and c.code == code for c in m.codes)
        and m.status in FINAL
        and m.value is not None
        and m.time is not None
        and m.time.high <= as_of
    )


def screening_row(
    screening_id: str,
    patient_id: str,
    status: str,
    reason: str,
    as_of: date,
    measures: dict[str, BodyMeasure],
) -> ScreeningRow:
    """The screening.csv row of one screening, with its weight and height as recorded."""
    w, h = measures.get("weight"), measures.get("height")
    return ScreeningRow(
        screening_id,
        patient_id,
        status,
        reason,
        as_of,
        w.value if w else None,
        w.unit if w else "",
        w.date if w else None,
        h.value if h else None,
        h.unit if h else "",
        h.date if h else None,
    )

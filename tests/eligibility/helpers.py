"""Run the real engine on hand-built records."""

from __future__ import annotations

from datetime import date

from tests.eligibility.builders import AS_OF
from trialkit.eligibility.screening import CriterionResult, PatientResult, screen_record
from trialkit.model.record import PatientRecord
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters

PROTOCOL = load_protocol("nct05894486")


def screen(
    rec: PatientRecord,
    *,
    as_of: date = AS_OF,
    first_dose: date | None = None,
    **params: str,
) -> PatientResult:
    return screen_record(
        rec, PROTOCOL, resolve_parameters(PROTOCOL, params), as_of=as_of, first_dose=first_dose
    )


def criterion(result: PatientResult, cid: str) -> CriterionResult:
    return next(c for c in result.criteria if c.id == cid)


def status(rec: PatientRecord, cid: str, **kwargs: object) -> str:
    return criterion(screen(rec, **kwargs), cid).status.value  # type: ignore[arg-type]

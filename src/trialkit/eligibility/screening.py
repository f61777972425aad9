"""Screen one patient against every criterion of a protocol; the overall status rules.

Data dictionary §3: the patient is ``ineligible`` if any inclusion is
``not_met`` or any exclusion is ``met``; ``eligible`` only if every inclusion
is ``met`` and every exclusion ``not_met``; otherwise ``incomplete``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.evaluate import evaluate
from trialkit.eligibility.verdict import Evidence, Status
from trialkit.model.record import DataWarning, PatientRecord
from trialkit.protocol.model import ParamValue, Protocol
from trialkit.protocol.valuesets import ValueSet


class Overall(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class CriterionResult:
    id: str
    kind: str
    text: str
    status: Status
    reason: str
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status.value,
            "reason": self.reason,
            "evidence": [e.to_json() for e in self.evidence],
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class PatientResult:
    patient_id: str
    source_file: str
    as_of: date
    first_dose: date | None
    first_dose_source: str
    status: Overall
    criteria: tuple[CriterionResult, ...]
    warnings: tuple[DataWarning, ...]
    patient_name: str | None = None
    mrn: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "patient_name": self.patient_name,
            "mrn": self.mrn,
            "source_file": self.source_file,
            "as_of": self.as_of.isoformat(),
            "first_dose": self.first_dose.isoformat() if self.first_dose else None,
            "first_dose_source": self.first_dose_source,
            "status": self.status.value,
            "criteria": [c.to_json() for c in self.criteria],
            "data_quality_warnings": [
                {"source": w.source, "field": w.field, "message": w.message} for w in self.warnings
            ],
        }


def overall_status(results: list[CriterionResult] | tuple[CriterionResult, ...]) -> Overall:
    blocking = any(
        (r.kind == "inclusion" and r.status is Status.NOT_MET)
        or (r.kind == "exclusion" and r.status is Status.MET)
        for r in results
    )
    if blocking:
        return Overall.INELIGIBLE
    clear = all(
        r.status is (Status.MET if r.kind == "inclusion" else Status.NOT_MET) for r in results
    )
    return Overall.ELIGIBLE if clear else Overall.INCOMPLETE


def screen_record(
    record: PatientRecord,
    protocol: Protocol,
    params: dict[str, ParamValue],
    *,
    as_of: date,
    first_dose: date | None = None,
) -> PatientResult:
    """Evaluate every criterion for one patient. ``first_dose`` given here overrides the CRF."""
    warnings: list[DataWarning] = list(record.warnings)
    resolved_first_dose, source = _first_dose(record, protocol, as_of, first_dose, warnings)
    ctx = EvalContext(
        record=record,
        protocol=protocol,
        params=params,
        as_of=as_of,
        first_dose=resolved_first_dose,
        anchors={
            name: _past_anchor(record, protocol, as_of, name)
            for name, anchor in protocol.anchors.items()
            if anchor.role is None
        },
        warnings=warnings,
    )
    results = tuple(
        CriterionResult(c.id, c.kind, c.text, v.status, v.reason, v.evidence, v.missing)
        for c in protocol.criteria
        for v in (evaluate(c.rule, ctx),)
    )
    return PatientResult(
        patient_id=record.patient_id,
        source_file=record.source_file,
        as_of=as_of,
        first_dose=resolved_first_dose,
        first_dose_source=source,
        status=overall_status(results),
        criteria=results,
        warnings=tuple(dict.fromkeys(ctx.warnings)),
        patient_name=record.name,
        mrn=record.mrn,
    )


def _first_dose(
    record: PatientRecord,
    protocol: Protocol,
    as_of: date,
    given: date | None,
    warnings: list[DataWarning],
) -> tuple[date | None, str]:
    if given is not None:
        return given, "command line"
    name = protocol.first_dose_anchor()
    anchor = protocol.anchors[name] if name else None
    answer = record.crf.get(anchor.crf) if anchor and anchor.crf else None
    if answer is None:
        return None, "unknown"
    if not isinstance(answer.value, date):
        warnings.append(
            DataWarning(answer.source, f"item {answer.link_id}", "not a date; first dose unknown")
        )
        return None, "unknown"
    if answer.value < as_of:
        warnings.append(
            DataWarning(
                answer.source,
                f"item {answer.link_id}",
                f"planned first dose {answer.value} is before as-of {as_of}; ignored",
            )
        )
        return None, "unknown"
    return answer.value, f"CRF {answer.link_id} ({answer.source})"


def _past_anchor(
    record: PatientRecord, protocol: Protocol, as_of: date, name: str
) -> tuple[date, str] | None:
    """A declared anchor without a role: its CRF date, else the earliest onset on or before
    as-of of a usable condition in its value set; None while neither is found."""
    anchor = protocol.anchors[name]
    if anchor.crf:
        answer = record.crf.get(anchor.crf)
        if answer is not None and isinstance(answer.value, date):
            return answer.value, f"CRF {anchor.crf}"
    if anchor.earliest_condition:
        value_set: ValueSet = protocol.value_sets[anchor.earliest_condition]
        onsets = [
            (c.onset.low, c.source)
            for c in record.conditions
            if c.onset is not None
            and c.onset.low <= as_of
            and value_set.matches_any(c.codes)
            and c.verification_status not in ("refuted", "entered-in-error")
        ]
        if onsets:
            when, source = min(onsets)
            return when, f"earliest onset, {source}"
    return None

"""What every dataset builder needs: the trial design from the protocol folder's
``cdisc.yaml``, subject identifiers and study days.

USUBJID is ``STUDYID-SUBJID``; the study day (--DY) counts from RFSTDTC, the first dose, with
no day 0 (SDTMIG 3.4 §4.4.4): the day of the first dose is day 1, the day before it day −1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from trialkit.errors import ProtocolError
from trialkit.protocol import Protocol
from trialkit.study.model import Study, Subject


@dataclass(frozen=True)
class Element:
    code: str
    name: str
    epoch: str
    start: str
    end: str
    duration: str | None = None


@dataclass(frozen=True)
class Design:
    studyid: str
    sponsor: str
    siteid: str
    country: str
    phase: str
    trial_types: tuple[str, ...]
    indication: str
    registry_id: str
    planned_subjects: int | None
    age_min: str
    age_max: str
    sex: str
    arm_code: str
    arm_name: str
    treatment: str
    route: str
    dose_unit: str
    dose_form: str
    planned_dose: float
    planned_cycles: int
    cycle_weeks: int
    elements: tuple[Element, ...]


def load_design(protocol: Protocol) -> Design:
    path = Path(protocol.folder) / "cdisc.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProtocolError(
            f"cannot read the CDISC trial design ({exc})", source=str(path)
        ) from exc
    try:
        return _design(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"incomplete CDISC trial design: {exc}", source=str(path)) from exc


def _design(raw: Mapping[str, Any]) -> Design:
    t = raw["treatment"]
    return Design(
        studyid=str(raw["studyid"]),
        sponsor=str(raw["sponsor"]),
        siteid=str(raw["siteid"]),
        country=str(raw["country"]),
        phase=str(raw["phase"]),
        trial_types=tuple(str(raw[k]) for k in ("trial_type", "trial_type_2") if raw.get(k)),
        indication=str(raw["indication"]),
        registry_id=str(raw["registry_id"]),
        planned_subjects=None
        if raw.get("planned_subjects") is None
        else int(raw["planned_subjects"]),
        age_min=str(raw["age_min"]),
        age_max=str(raw["age_max"]),
        sex=str(raw["sex"]),
        arm_code=str(raw["arm"]["code"]),
        arm_name=str(raw["arm"]["name"]),
        treatment=str(t["name"]),
        route=str(t["route"]),
        dose_unit=str(t["dose_unit"]),
        dose_form=str(t["dose_form"]),
        planned_dose=float(t["planned_dose"]),
        planned_cycles=int(t["planned_cycles"]),
        cycle_weeks=int(t["cycle_weeks"]),
        elements=tuple(
            Element(
                str(e["code"]),
                str(e["name"]),
                str(e["epoch"]),
                str(e["start"]),
                str(e["end"]),
                None if e.get("duration") is None else str(e["duration"]),
            )
            for e in raw["elements"]
        ),
    )


@dataclass(frozen=True)
class Context:
    study: Study
    protocol: Protocol
    design: Design

    def usubjid(self, subject_id: str) -> str:
        return f"{self.design.studyid}-{subject_id}"

    def enrolled_from(self) -> dict[str, str]:
        """Screening number → the subject enrolled from it (subjects.csv screening_id)."""
        return {s.screening_id: s.subject_id for s in self.study.subjects if s.screening_id}

    def subject(self, subject_id: str) -> Subject:
        for s in self.study.subjects:
            if s.subject_id == subject_id:
                return s
        raise KeyError(subject_id)

    def day(self, subject_id: str, when: date | None) -> int | None:
        """Study day of ``when`` (None when the subject was never dosed or there is no date)."""
        first = self.subject(subject_id).first_dose
        if when is None or first is None:
            return None
        delta = (when - first).days
        return delta + 1 if delta >= 0 else delta

    def epoch(self, subject_id: str, when: date) -> str:
        """SCREENING before the first dose, TREATMENT until a cycle's length after the last
        dose, FOLLOW-UP after (the element codes of cdisc.yaml, in that order)."""
        s = self.subject(subject_id)
        epochs = [e.epoch for e in self.design.elements]
        if s.first_dose is None or when < s.first_dose:
            return epochs[0]
        last = max((d.date for d in self.study.doses if d.subject_id == subject_id), default=None)
        if last is not None and (when - last).days <= 7 * self.design.cycle_weeks:
            return epochs[1]
        return epochs[-1]


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()

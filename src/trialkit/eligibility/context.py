"""What one evaluation knows besides the patient: dates, parameters, the protocol.

Dates that are not known exactly are intervals: an unknown first dose is
"on or after as-of" (a first dose before as-of is rejected as input), so a
window can still be decided when the data fall clearly inside or outside
every possible placement of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.record import DataWarning, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol.model import ParamValue, Protocol
from trialkit.protocol.nodes import AS_OF, Anchor, Number, Param, Window
from trialkit.wording import day


class Placement(Enum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class AnchorSpan:
    """The dates an anchor may be: ``low``..``high`` (``high`` None: no upper bound)."""

    low: date
    high: date | None
    label: str


@dataclass
class EvalContext:
    record: PatientRecord
    protocol: Protocol
    params: dict[str, ParamValue]
    as_of: date
    first_dose: date | None
    # the protocol's other anchors (past events): name → (date, where it came from), or None
    anchors: dict[str, tuple[date, str] | None] = field(default_factory=dict)
    warnings: list[DataWarning] = field(default_factory=list)

    # --- parameters ---------------------------------------------------------------------------

    def number(self, value: Number) -> float:
        if isinstance(value, Param):
            raw = self.params[value.name]
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise TypeError(f"parameter {value.name} is not a number")
            return float(raw)
        return value

    def flag(self, name: str) -> bool:
        return bool(self.params[name])

    @property
    def timezone(self) -> str:
        return str(self.params.get("timezone", "UTC"))

    # --- anchors and windows ------------------------------------------------------------------

    def anchor(self, anchor: Anchor) -> AnchorSpan | None:
        """The dates ``anchor`` may be: as-of; the planned first dose (unknown: on or after
        as-of); a declared past event (unknown: None, nothing can be placed against it)."""
        if anchor == AS_OF:
            return AnchorSpan(self.as_of, self.as_of, f"the as-of date {day(self.as_of)}")
        declared = self.protocol.anchors.get(anchor)
        label = declared.label if declared else anchor.replace("_", " ")
        if anchor == self.protocol.first_dose_anchor():
            if self.first_dose is None:
                return AnchorSpan(self.as_of, None, f"{label} (date unknown, not before as-of)")
            return AnchorSpan(self.first_dose, self.first_dose, f"{label} {day(self.first_dose)}")
        found = self.anchors.get(anchor)
        if found is None:
            return None
        when, source = found
        return AnchorSpan(when, when, f"{label} {day(when)} ({source})")

    def window_text(self, window: Window) -> str:
        days, after = int(self.number(window.days)), int(self.number(window.after))
        span = self.anchor(window.anchor)
        declared = self.protocol.anchors.get(window.anchor)
        where = span.label if span else (declared.label if declared else window.anchor)
        if after and days:
            return f"from {days} days before to {after} days after {where}"
        if after:
            return f"within {after} days after {where}"
        return f"within {days} days before {where}"

    def place(self, when: DateSpan, window: Window) -> Placement:
        """Where ``when`` falls relative to the inclusive window
        ``anchor - days .. anchor + after``."""
        span = self.anchor(window.anchor)
        if span is None:
            return Placement.UNDETERMINED
        days = timedelta(days=self.number(window.days))
        after = timedelta(days=self.number(window.after))
        if when.high < span.low - days or (span.high is not None and when.low > span.high + after):
            return Placement.OUTSIDE
        if span.high is not None and span.high - days <= when.low and when.high <= span.low + after:
            return Placement.INSIDE
        return Placement.UNDETERMINED

    def overlap(self, start: DateSpan | None, end_high: date, window: Window) -> Placement:
        """Whether an exposure from ``start`` to ``end_high`` overlaps the window."""
        span = self.anchor(window.anchor)
        if span is None:
            return Placement.UNDETERMINED
        days = timedelta(days=self.number(window.days))
        after = timedelta(days=self.number(window.after))
        start_low = start.low if start else date.min
        start_high = start.high if start else date.max
        if end_high < span.low - days or (span.high is not None and start_low > span.high + after):
            return Placement.OUTSIDE
        if (
            span.high is not None
            and start_high <= span.low + after
            and end_high >= span.high - days
        ):
            return Placement.INSIDE
        return Placement.UNDETERMINED

    # --- the rule that absence is not evidence (data dictionary §4) ----------------------------

    def absent(self, what: str, *context: Evidence) -> Verdict:
        if self.flag("ehr_absence_is_negative"):
            return Verdict(
                Status.NOT_MET,
                f"No record of {what} in the EHR (site parameter ehr_absence_is_negative is on).",
                context,
            )
        return Verdict(
            Status.UNKNOWN,
            f"No record of {what} in the EHR; absence of a record is not evidence.",
            context,
            (f"a record or CRF answer on {what}",),
        )

    def warn(self, source: str, field_name: str, message: str) -> None:
        self.warnings.append(DataWarning(source, field_name, message))

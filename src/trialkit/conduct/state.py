"""One conduct state per patient, and the transitions the protocol allows between them.

    screened → signed off → enrolled (cycle 1 due) → cycle n due → … → off treatment
    (treatment ended early with a reason, or every cycle given) → follow-up → off study

A screening may also be closed without enrolment (screen failed, withdrawn, not enrolled),
and a subject may go off study from any stage (with a date and a reason; the treatment ends
with it). The state is derived from what the store holds (never stored twice): the
screening's outcome and sign-off, the subject's status, dates and reasons, and its doses.
Each transition the service performs asks this module first (``require_*``), so the pages,
the API and the CLI all meet the same rule. The cycles follow the label (clinical-facts §3,
4 × 7.4 GBq every 8 weeks): one after the other, delayed perhaps, never skipped or repeated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from trialkit.errors import ProtocolRefusal


class Stage(StrEnum):
    SCREENED = "screened"  # a verdict is in the log, no valid sign-off of eligibility
    SIGNED_OFF = "signed off"  # an investigator confirmed eligibility (or waived criteria)
    CLOSED = "closed"  # screen failed, withdrawn or not enrolled
    ENROLLED = "enrolled"  # a subject; no dose given yet (cycle 1 due)
    CYCLE_DUE = "cycle due"  # on treatment; the next cycle (``cycle``) is to be given
    OFF_TREATMENT = "off treatment"  # treatment ended early, or every cycle given
    FOLLOW_UP = "follow-up"  # after treatment: tumour assessments and AEs continue
    OFF_STUDY = "off study"  # off treatment and study, with a date and a reason


# Which stage may move to which (the service's transitions; a dose moves a subject from
# one cycle due to the next, or, after the last cycle, off treatment).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.SCREENED: frozenset({Stage.SIGNED_OFF, Stage.CLOSED}),
    Stage.SIGNED_OFF: frozenset({Stage.ENROLLED, Stage.SCREENED, Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    Stage.ENROLLED: frozenset({Stage.CYCLE_DUE, Stage.OFF_TREATMENT, Stage.OFF_STUDY}),
    Stage.CYCLE_DUE: frozenset({Stage.CYCLE_DUE, Stage.OFF_TREATMENT, Stage.OFF_STUDY}),
    Stage.OFF_TREATMENT: frozenset({Stage.FOLLOW_UP, Stage.OFF_STUDY}),
    Stage.FOLLOW_UP: frozenset({Stage.OFF_STUDY}),
    Stage.OFF_STUDY: frozenset(),
}

ON_TREATMENT = (Stage.ENROLLED, Stage.CYCLE_DUE)
ENROLLED_STAGES = (*ON_TREATMENT, Stage.OFF_TREATMENT, Stage.FOLLOW_UP, Stage.OFF_STUDY)


@dataclass(frozen=True)
class SubjectState:
    stage: Stage
    cycle: int | None = None  # the cycle due (stages ENROLLED, CYCLE_DUE)
    given: tuple[int, ...] = ()
    reason: str = ""  # why off treatment / off study
    since: date | None = None  # the date the current stage began, where recorded

    def describe(self) -> str:
        if self.stage is Stage.ENROLLED:
            return f"enrolled, cycle {self.cycle} due"
        if self.stage is Stage.CYCLE_DUE:
            return f"cycle {self.cycle} due"
        if self.stage in (Stage.OFF_TREATMENT, Stage.OFF_STUDY) and self.reason:
            return f"{self.stage} ({self.reason})"
        return str(self.stage)

    def _refuse(self, action: str, to: Stage, rule: str, field: str | None = None) -> None:
        if to not in TRANSITIONS[self.stage]:
            raise ProtocolRefusal(
                f"{action} refused: the subject is {self.describe()}", rule=rule, field=field
            )

    def require_dose(self, cycle: int) -> None:
        """A dose of ``cycle`` may be recorded only while on treatment and for the cycle due."""
        if self.stage is Stage.OFF_STUDY:
            raise ProtocolRefusal(
                f"the subject is {self.describe()}: no further dose is recorded", rule="off_study"
            )
        if self.stage in (Stage.OFF_TREATMENT, Stage.FOLLOW_UP):
            raise ProtocolRefusal(
                f"the subject is {self.describe()}: no further dose is given",
                rule="off_treatment",
                field="cycle",
            )
        if cycle in self.given:
            raise ProtocolRefusal(f"cycle {cycle} is already recorded", rule="cycle_recorded")
        if self.stage not in ON_TREATMENT or self.cycle != cycle:
            raise ProtocolRefusal(
                f"cycle {cycle} is not due: the subject is {self.describe()} "
                "(cycles are given in order)",
                rule="cycle_not_due",
                field="cycle",
            )

    def require_end_treatment(self) -> None:
        """Treatment ends early only while on treatment (after the last cycle it has ended)."""
        self._refuse("ending the treatment", Stage.OFF_TREATMENT, "not_on_treatment")

    def require_follow_up(self) -> None:
        self._refuse("starting follow-up", Stage.FOLLOW_UP, "not_off_treatment")

    def require_off_study(self) -> None:
        self._refuse("taking the subject off study", Stage.OFF_STUDY, "off_study")

    def require_enrolment(self) -> None:
        """A screening is enrolled once, and only when signed off (not closed)."""
        if self.stage in ENROLLED_STAGES:
            raise ProtocolRefusal("the screening is already enrolled", rule="already_enrolled")
        if self.stage is Stage.CLOSED:
            raise ProtocolRefusal(
                "enrolment refused: the screening is closed (screen failed, withdrawn or not "
                "enrolled)",
                rule="screening_closed",
            )

    def require_on_study(
        self, on: date | None = None, what: str = "the record", field: str = "date"
    ) -> None:
        """After off study nothing happens to the subject: an event dated after the off-study
        date is refused (one dated before it may still be entered late)."""
        if self.stage is Stage.OFF_STUDY and (on is None or self.since is None or on > self.since):
            when = f" on {self.since}" if self.since else ""
            raise ProtocolRefusal(
                f"{what} is after the subject went off study{when}",
                rule="after_off_study",
                field=field if on is not None else None,
            )


def screening_state(*, outcome: str, signed_off: bool) -> SubjectState:
    """The state of a screening not (yet) enrolled (``enrolled``: the subject's is elsewhere)."""
    if outcome == "enrolled":
        return SubjectState(Stage.ENROLLED)
    if outcome != "pending":
        return SubjectState(Stage.CLOSED)
    return SubjectState(Stage.SIGNED_OFF if signed_off else Stage.SCREENED)


def subject_state(
    *,
    status: str,
    given: Collection[int],
    cycles: int,
    treatment_end: date | None = None,
    treatment_end_reason: str = "",
    follow_up: date | None = None,
    off_study: date | None = None,
    off_study_reason: str = "",
) -> SubjectState:
    """The state of an enrolled subject from its status, dates and the cycles given."""
    done = tuple(sorted(given))
    if status == "off_study":
        return SubjectState(Stage.OFF_STUDY, None, done, off_study_reason, off_study)
    if status == "follow_up":
        return SubjectState(Stage.FOLLOW_UP, None, done, treatment_end_reason, follow_up)
    due = next((c for c in range(1, cycles + 1) if c not in given), None)
    if treatment_end is not None:
        return SubjectState(Stage.OFF_TREATMENT, None, done, treatment_end_reason, treatment_end)
    if due is None:
        return SubjectState(Stage.OFF_TREATMENT, None, done, f"all {cycles} cycles given")
    return SubjectState(Stage.ENROLLED if not done else Stage.CYCLE_DUE, due, done)

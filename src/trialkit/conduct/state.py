"""One conduct state per patient: screened → signed off → enrolled → cycle n due → … → off study.

The state is derived from what the store holds (never stored twice), and each
transition the service performs asks :meth:`SubjectState.require` first, so the
pages, the API and the CLI all meet the same rule. The order of the cycles is the
label's: doses are given one after the other (clinical-facts §3, 4 × 7.4 GBq every
8 weeks); a cycle can be delayed, never skipped or repeated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from trialkit.errors import ProtocolRefusal


class Stage(StrEnum):
    SCREENED = "screened"  # a verdict is in the log, no valid sign-off of eligibility
    SIGNED_OFF = "signed off"  # an investigator confirmed eligibility (or waived criteria)
    CLOSED = "closed"  # screen failed, withdrawn or not enrolled
    CYCLE_DUE = "cycle due"  # enrolled; the next cycle (``cycle``) is to be given
    FOLLOW_UP = "follow-up"  # every cycle given; tumour assessments continue
    OFF_STUDY = "off study"  # off treatment and study, with a reason


@dataclass(frozen=True)
class SubjectState:
    stage: Stage
    cycle: int | None = None  # the cycle due (stage CYCLE_DUE)
    given: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.stage is Stage.CYCLE_DUE:
            return f"cycle {self.cycle} due"
        return str(self.stage)

    def require_dose(self, cycle: int) -> None:
        """A dose of ``cycle`` may be recorded only when it is the cycle due."""
        if self.stage is Stage.OFF_STUDY:
            raise ProtocolRefusal(
                "the subject is off study: no further dose is recorded", rule="off_study"
            )
        if cycle in self.given:
            raise ProtocolRefusal(f"cycle {cycle} is already recorded", rule="cycle_recorded")
        if self.stage is not Stage.CYCLE_DUE or self.cycle != cycle:
            raise ProtocolRefusal(
                f"cycle {cycle} is not due: the subject is at “{self.describe()}” "
                "(cycles are given in order)",
                rule="cycle_not_due",
                field="cycle",
            )

    def require_on_study(self) -> None:
        if self.stage is Stage.OFF_STUDY:
            raise ProtocolRefusal("the subject is off study", rule="off_study")


def screening_state(*, outcome: str, signed_off: bool) -> SubjectState:
    """The state of a screening not (yet) enrolled."""
    if outcome not in ("pending", "enrolled"):
        return SubjectState(Stage.CLOSED)
    return SubjectState(Stage.SIGNED_OFF if signed_off else Stage.SCREENED)


def subject_state(*, on_study: bool, given: Collection[int], cycles: int) -> SubjectState:
    """The state of an enrolled subject from the cycles already given."""
    done = tuple(sorted(given))
    if not on_study:
        return SubjectState(Stage.OFF_STUDY, None, done)
    due = next((c for c in range(1, cycles + 1) if c not in given), None)
    if due is None:
        return SubjectState(Stage.FOLLOW_UP, None, done)
    return SubjectState(Stage.CYCLE_DUE, due, done)

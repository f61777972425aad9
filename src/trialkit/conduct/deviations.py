"""Protocol deviations: what the protocol said, what was done instead, and who decided why.

A deviation is never inferred after the fact from the data: it is recorded at the
moment an investigator takes an action the protocol's rule refused, naming the
rule, the criterion or finding, and the investigator's reason. Categories follow
the usual monitoring taxonomy (ICH E3 §10.2 "important protocol deviations";
SDTM DV / IE domains): eligibility, dosing window, dose activity, missed or late
assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from trialkit.errors import ProtocolRefusal

Category = Literal["eligibility", "dosing_window", "dose_activity", "assessment"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# how each category reads in a table for people
CATEGORY_LABELS: dict[str, str] = {
    "eligibility": "Eligibility criterion waived",
    "dosing_window": "Dose outside its window",
    "dose_activity": "Dose not allowed by the dose check",
    "assessment": "Missed or late assessment",
}


@dataclass(frozen=True)
class Breach:
    """One rule an intended action breaks: the deviation it becomes if an investigator
    overrides it with a reason, or the refusal's text if not."""

    category: Category
    rule: str  # machine-readable rule name, e.g. "dose_window", "dose_check_withhold"
    message: str  # what the protocol says and what the action does, in clinical words
    criterion: str | None = None  # eligibility: the criterion id (one deviation per criterion)


def refusal(
    breaches: list[Breach], *, can_deviate: bool, field: str | None = None
) -> ProtocolRefusal:
    """The refusal of an action that breaks ``breaches`` (named by the first rule), saying how
    it may still be taken: by an investigator, as a deviation with a reason."""
    how = (
        "To give it anyway, record it as a protocol deviation with your reason."
        if can_deviate
        else "Only an investigator may record it anyway, as a protocol deviation with a reason."
    )
    listed = "; ".join(b.message for b in breaches)
    return ProtocolRefusal(
        f"refused by the protocol: {listed}. {how}", rule=breaches[0].rule, field=field
    )

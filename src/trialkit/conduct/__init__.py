"""Study conduct: the protocol's rules for what may happen next to a screened patient or subject.

Pure logic over plain values (no store, no clock): the service layer asks these
functions before it writes, and every face (pages, API, CLI) goes through the
service. An action the protocol does not allow raises
:class:`trialkit.errors.ProtocolRefusal` naming the rule; some may instead be
taken as an explicit, attributed deviation with a reason (:mod:`.deviations`).
"""

from trialkit.conduct.deviations import CATEGORIES, Breach, Category
from trialkit.conduct.signoff import (
    ELIGIBLE_MEANING,
    check_enrolment,
    check_sign_off,
    confirms_eligibility,
)
from trialkit.conduct.state import Stage, SubjectState, screening_state, subject_state

__all__ = [
    "CATEGORIES",
    "ELIGIBLE_MEANING",
    "Breach",
    "Category",
    "Stage",
    "SubjectState",
    "check_enrolment",
    "check_sign_off",
    "confirms_eligibility",
    "screening_state",
    "subject_state",
]

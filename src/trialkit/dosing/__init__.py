"""Dosing: the 4 × 7.4 GBq plan, the pre-cycle dose check, and decay-corrected activity."""

from trialkit.dosing.activity import Activity, decay_corrected_activity, decayed, gbq_to_mci
from trialkit.dosing.modification import CheckInput, Decision, Lab, check_dose
from trialkit.dosing.parameters import DosingParameters, with_overrides
from trialkit.dosing.parse import load_check, parse_check
from trialkit.dosing.plan import DosingPlan, make_plan

__all__ = [
    "Activity",
    "CheckInput",
    "Decision",
    "DosingParameters",
    "DosingPlan",
    "Lab",
    "check_dose",
    "decay_corrected_activity",
    "decayed",
    "gbq_to_mci",
    "load_check",
    "make_plan",
    "parse_check",
    "with_overrides",
]

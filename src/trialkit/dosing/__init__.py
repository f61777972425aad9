"""Dosing: the protocol regimen's plan, the pre-cycle dose check, decay-corrected activity."""

from trialkit.dosing.activity import Activity, decay_corrected_activity, decayed, gbq_to_mci
from trialkit.dosing.modification import CheckInput, Decision, Lab, check_dose
from trialkit.dosing.parameters import DosingParameters, with_overrides
from trialkit.dosing.parse import load_check, parse_check
from trialkit.dosing.plan import DosingPlan, make_plan
from trialkit.dosing.regimen import NoRegimen, Regimen, has_regimen, regimen_of

__all__ = [
    "Activity",
    "CheckInput",
    "Decision",
    "DosingParameters",
    "DosingPlan",
    "Lab",
    "NoRegimen",
    "Regimen",
    "check_dose",
    "decay_corrected_activity",
    "decayed",
    "gbq_to_mci",
    "has_regimen",
    "load_check",
    "make_plan",
    "parse_check",
    "regimen_of",
    "with_overrides",
]

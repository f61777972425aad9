"""Controlled terminology the datasets use: CDISC codelists (NCI C-code where the codelist is
published in CDISC CT) and the sponsor's own extensible lists.

Only the terms these datasets can carry are listed; the conformance check
(``trialkit.cdisc.check``) tests every value of a variable that names a codelist against it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Codelist:
    name: str
    label: str
    terms: tuple[str, ...]
    nci: str | None = None  # NCI code of a CDISC CT codelist; None: sponsor-defined
    extensible: bool = False  # CDISC CT: an extensible list may carry sponsor terms


def _cl(name: str, label: str, nci: str | None, *terms: str, extensible: bool = False) -> Codelist:
    return Codelist(name, label, terms, nci, extensible)


CODELISTS: dict[str, Codelist] = {
    c.name: c
    for c in (
        _cl("NY", "No Yes Response", "C66742", "N", "Y"),
        _cl("SEX", "Sex", "C66731", "F", "M", "U", "UNDIFFERENTIATED"),
        _cl("AGEU", "Age Unit", "C66781", "YEARS"),
        _cl("ROUTE", "Route of Administration", "C66729", "INTRAVENOUS"),
        _cl(
            "OUT",
            "Outcome of Event",
            "C66768",
            "FATAL",
            "NOT RECOVERED/NOT RESOLVED",
            "RECOVERED/RESOLVED",
        ),
        _cl("VSTESTCD", "Vital Signs Test Code", "C66741", "HEIGHT", "WEIGHT", extensible=True),
        _cl("IECAT", "Category for Inclusion/Exclusion", "C66797", "EXCLUSION", "INCLUSION"),
        _cl("EPOCH", "Epoch", "C99079", "FOLLOW-UP", "SCREENING", "TREATMENT"),
        _cl(
            "ARMNRS",
            "Reason Arm and/or Actual Arm is Null",
            "C142179",
            "ASSIGNED, NOT TREATED",
            "SCREEN FAILURE",
        ),
        _cl(
            "NCOMPLT",
            "Completion/Reason for Non-Completion",
            "C66727",
            "ADVERSE EVENT",
            "COMPLETED",
            "DEATH",
            "LOST TO FOLLOW-UP",
            "PHYSICIAN DECISION",
            "PROGRESSIVE DISEASE",
            "SCREEN FAILURE",
            "WITHDRAWAL BY SUBJECT",
            "OTHER",
        ),
        _cl(
            "DSCAT",
            "Category for Disposition Event",
            "C74558",
            "DISPOSITION EVENT",
            "PROTOCOL MILESTONE",
        ),
        _cl("TOXGR", "Toxicity Grade (CTCAE v5.0)", None, "0", "1", "2", "3", "4", "5"),
        _cl("AEREL", "Causality (sponsor)", None, "NOT RELATED", "RELATED"),
        _cl(
            "UNIT",
            "Unit",
            "C71620",
            "GBq",
            "g/L",
            "10^9/L",
            "kg",
            "cm",
            "mm",
            "umol/L",
            "U/L",
            "mmol/L",
            "sec",
            "RATIO",
            "10^3/uL",
            "10^12/L",
            "g/dL",
            "mg/dL",
            "%",
            extensible=True,
        ),
        _cl("FRM", "Pharmaceutical Dosage Form", "C66726", "INJECTION"),
        _cl(
            "DOMAIN",
            "SDTM Domain Abbreviation",
            "C66734",
            "AE",
            "DM",
            "DS",
            "EX",
            "IE",
            "LB",
            "RS",
            "SV",
            "TA",
            "TE",
            "TI",
            "TR",
            "TS",
            "TU",
            "VS",
        ),
    )
}

"""SDTM Vital Signs (VS): weight and height from the screening log.

screening.csv carries each screening's body weight and height as its record holds them
(LOINC 29463-7 / 8302-2, value, UCUM unit and date; study/vitals.py). VSORRES/VSORRESU keep
them as recorded; VSSTRESN/VSSTRESU are in kg and cm (converted by trialkit.units, never
guessed: a unit that does not convert leaves the standard result empty). The subject is the
one enrolled from the screening (subjects.csv screening_id), else the screen failure under
its screening number (as in DM). These are the screening values, so VSBLFL is "Y".
"""

from __future__ import annotations

from trialkit.cdisc.common import EPOCH, identifiers, seq, study_day
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make, with_seq
from trialkit.errors import UnitError
from trialkit.units import convert

# what → (VSTESTCD, VSTEST, standard unit UCUM, CDISC CT unit)  (CDISC CT C66741 / C71620)
TESTS = {"weight": ("WEIGHT", "Weight", "kg", "kg"), "height": ("HEIGHT", "Height", "cm", "cm")}

VS = Spec(
    "VS",
    "Vital Signs",
    "FINDINGS",
    "One record per vital sign measurement per time point per subject",
    ("STUDYID", "USUBJID", "VSTESTCD", "VSDTC"),
    (
        *identifiers("VS"),
        seq("VS"),
        Var(
            "VSSPID",
            "Sponsor-Defined Identifier",
            origin="Derived",
            derivation='"screening.csv row N": the screening-log row of the measurement.',
        ),
        Var("VSTESTCD", "Vital Signs Test Short Name", core="Req", codelist="VSTESTCD"),
        Var("VSTEST", "Vital Signs Test Name", core="Req", origin="Assigned"),
        Var(
            "VSORRES",
            "Result or Finding in Original Units",
            core="Exp",
            origin="Collected",
            source="screening.csv weight / height",
        ),
        Var(
            "VSORRESU",
            "Original Units",
            core="Exp",
            origin="Collected",
            source="screening.csv weight_unit / height_unit",
        ),
        Var(
            "VSSTRESC",
            "Character Result/Finding in Std Format",
            core="Exp",
            derivation="VSSTRESN as text.",
        ),
        Var(
            "VSSTRESN",
            "Numeric Result/Finding in Std Units",
            "float",
            core="Exp",
            derivation="VSORRES converted from VSORRESU to kg (weight) or cm (height).",
        ),
        Var("VSSTRESU", "Standard Units", core="Exp", origin="Assigned"),
        Var(
            "VSBLFL",
            "Baseline Flag",
            core="Exp",
            codelist="NY",
            derivation='"Y": the screening measurement is the baseline.',
        ),
        EPOCH,
        Var(
            "VSDTC",
            "Date/Time of Measurements",
            "date",
            core="Exp",
            origin="Collected",
            source="screening.csv weight_date / height_date",
        ),
        study_day("VSDY", "Study Day of Vital Signs", "VSDTC"),
    ),
)


def build_vs(ctx: Context) -> Dataset:
    enrolled = ctx.enrolled_from()
    rows: list[dict[str, Cell]] = []
    for i, r in enumerate(ctx.study.screening, start=1):
        subject = enrolled.get(r.screening_id)
        if subject is None and r.status == "eligible":
            continue  # eligible, never enrolled: no DM record to hang it on
        for what, (code, name, unit, ct_unit) in TESTS.items():
            value, recorded, when = (
                getattr(r, what),
                getattr(r, f"{what}_unit"),
                getattr(r, f"{what}_date"),
            )
            if value is None:
                continue
            try:
                std: float | None = round(convert(value, recorded, unit), 2)
            except UnitError:
                std = None
            rows.append(
                {
                    "STUDYID": ctx.design.studyid,
                    "DOMAIN": "VS",
                    "USUBJID": ctx.usubjid(subject or r.screening_id),
                    "VSSPID": f"screening.csv row {i}",
                    "VSTESTCD": code,
                    "VSTEST": name,
                    "VSORRES": f"{value:g}",
                    "VSORRESU": recorded,
                    "VSSTRESC": None if std is None else f"{std:g}",
                    "VSSTRESN": std,
                    "VSSTRESU": ct_unit if std is not None else None,
                    "VSBLFL": "Y",
                    "EPOCH": ctx.design.elements[0].epoch,
                    "VSDTC": iso(when),
                    "VSDY": ctx.day(subject, when) if subject else None,
                }
            )
    return make(VS, with_seq(rows, "VSSEQ", ("USUBJID", "VSTESTCD", "VSDTC")))

"""SDTM Laboratory Test Results (LB).

Each result keeps its original value and UCUM unit (LBORRES/LBORRESU, the unit written as
CDISC CT spells it) and the standard SI value in the CTCAE term's unit (LBSTRESN/LBSTRESU,
converted by :mod:`trialkit.units`). LBTOXGR is the CTCAE v5.0 grade from trialkit's grading
engine (the report's): empty when undeterminable (e.g. no reference range where the band
needs one) — never a guessed grade. LBBLFL marks the last result on or before the first dose.
"""

from __future__ import annotations

from trialkit.cdisc.common import EPOCH, identifiers, seq, study_day
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make, with_seq
from trialkit.ctcae import CTCAE_VERSION, TERMS, grade
from trialkit.ctcae.analytes import TESTS
from trialkit.errors import TrialkitError
from trialkit.study.model import LabRow
from trialkit.units import convert

# UCUM → CDISC CT unit (C71620) for the units these results come in.
UNITS = {
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/uL",
    "10*12/L": "10^12/L",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "umol/L": "umol/L",
    "mg/dL": "mg/dL",
    "U/L": "U/L",
    "mmol/L": "mmol/L",
    "s": "sec",
    "1": "RATIO",
    "%": "%",
}


def cdisc_unit(ucum: str) -> str:
    return UNITS.get(ucum, ucum)


LB = Spec(
    "LB",
    "Laboratory Test Results",
    "FINDINGS",
    "One record per lab test per time point",
    ("STUDYID", "USUBJID", "LBTESTCD", "LBDTC"),
    (
        *identifiers("LB"),
        seq("LB"),
        Var(
            "LBTESTCD",
            "Lab Test or Examination Short Name",
            core="Req",
            derivation="CDISC CT test code of the result's CTCAE laboratory term.",
        ),
        Var("LBTEST", "Lab Test or Examination Name", core="Req", derivation="CDISC CT name."),
        Var("LBCAT", "Category for Lab Test", core="Exp", origin="Assigned"),
        Var(
            "LBLOINC",
            "LOINC Code",
            core="Perm",
            derivation="The result's LOINC code (labs.csv loinc); if none was recorded, the first "
            "LOINC code the CTCAE term grades (clinical-facts §8).",
        ),
        Var(
            "LBORRES",
            "Result or Finding in Original Units",
            core="Exp",
            origin="Collected",
            source="labs.csv value",
        ),
        Var(
            "LBORRESU",
            "Original Units",
            core="Exp",
            origin="Collected",
            codelist="UNIT",
            source="labs.csv unit (UCUM, written as CDISC CT)",
        ),
        Var(
            "LBORNRLO",
            "Reference Range Lower Limit in Orig Unit",
            core="Exp",
            origin="Collected",
            source="labs.csv lln",
        ),
        Var(
            "LBORNRHI",
            "Reference Range Upper Limit in Orig Unit",
            core="Exp",
            origin="Collected",
            source="labs.csv uln",
        ),
        Var(
            "LBSTRESC",
            "Character Result/Finding in Std Format",
            core="Exp",
            derivation="LBSTRESN as text.",
        ),
        Var(
            "LBSTRESN",
            "Numeric Result/Finding in Standard Units",
            "float",
            core="Exp",
            derivation="LBORRES converted to the CTCAE term's SI unit (UCUM).",
        ),
        Var("LBSTRESU", "Standard Units", core="Exp", codelist="UNIT"),
        Var(
            "LBSTNRLO",
            "Reference Range Lower Limit-Std Units",
            "float",
            core="Exp",
            derivation="LBORNRLO converted like LBSTRESN.",
        ),
        Var(
            "LBSTNRHI",
            "Reference Range Upper Limit-Std Units",
            "float",
            core="Exp",
            derivation="LBORNRHI converted like LBSTRESN.",
        ),
        Var("LBTOX", "Toxicity", core="Perm", derivation="CTCAE v5.0 term graded."),
        Var(
            "LBTOXGR",
            "Standard Toxicity Grade",
            core="Perm",
            codelist="TOXGR",
            derivation="CTCAE v5.0 grade by trialkit's grading engine; empty when undeterminable.",
        ),
        Var(
            "LBBLFL",
            "Baseline Flag",
            core="Exp",
            codelist="NY",
            derivation='"Y" on the last result of the test on or before the first dose.',
        ),
        Var(
            "LBDTC",
            "Date/Time of Specimen Collection",
            "date",
            core="Exp",
            origin="Collected",
            source="labs.csv date",
        ),
        study_day("LBDY", "Study Day of Specimen Collection", "LBDTC"),
        EPOCH,
    ),
)


def baselines(ctx: Context) -> dict[tuple[str, str], LabRow]:
    """(subject, CTCAE term) → the last result on or before the first dose."""
    out: dict[tuple[str, str], LabRow] = {}
    first = {s.subject_id: s.first_dose for s in ctx.study.subjects}
    for lab in sorted(ctx.study.labs, key=lambda x: x.date):
        start = first.get(lab.subject_id)
        if start is not None and lab.date <= start:
            out[(lab.subject_id, lab.ctcae_term)] = lab
    return out


def toxicity_grade(lab: LabRow, baseline: LabRow | None) -> int | None:
    base = None
    if baseline is not None and baseline is not lab:
        try:
            base = convert(
                baseline.value, baseline.unit, lab.unit, analyte=TERMS[lab.ctcae_term].analyte
            )
        except TrialkitError:
            base = None
    try:
        return grade(
            lab.ctcae_term, lab.value, lab.unit, uln=lab.uln, lln=lab.lln, baseline=base
        ).grade
    except TrialkitError:
        return None  # an unconvertible result is the loader's data-quality problem, not a grade


def _std(value: float | None, lab: LabRow) -> float | None:
    t = TERMS.get(lab.ctcae_term)
    if value is None or t is None:
        return None
    return round(convert(value, lab.unit, t.unit, analyte=t.analyte), 6)


def build_lb(ctx: Context) -> Dataset:
    base = baselines(ctx)
    rows: list[dict[str, Cell]] = []
    for lab in ctx.study.labs:
        # a result of no CTCAE term (possible in study-application data) keeps its own name and
        # no standard value or grade: nothing is converted or graded by guess
        code, name, cat = TESTS.get(
            lab.ctcae_term, (lab.ctcae_term.upper().replace("_", "")[:8], lab.ctcae_term, "OTHER")
        )
        t = TERMS.get(lab.ctcae_term)
        std = _std(lab.value, lab)
        g = toxicity_grade(lab, base.get((lab.subject_id, lab.ctcae_term))) if t else None
        rows.append(
            {
                "STUDYID": ctx.design.studyid,
                "DOMAIN": "LB",
                "USUBJID": ctx.usubjid(lab.subject_id),
                "LBTESTCD": code,
                "LBTEST": name,
                "LBCAT": cat,
                "LBLOINC": lab.loinc or (t.loinc[0] if t else None),
                "LBORRES": f"{lab.value:g}",
                "LBORRESU": cdisc_unit(lab.unit),
                "LBORNRLO": None if lab.lln is None else f"{lab.lln:g}",
                "LBORNRHI": None if lab.uln is None else f"{lab.uln:g}",
                "LBSTRESC": None if std is None else f"{std:g}",
                "LBSTRESN": std,
                "LBSTRESU": cdisc_unit(t.unit) if t else None,
                "LBSTNRLO": _std(lab.lln, lab),
                "LBSTNRHI": _std(lab.uln, lab),
                "LBTOX": f"{t.label} (CTCAE v{CTCAE_VERSION})" if t else None,
                "LBTOXGR": None if g is None else str(g),
                "LBBLFL": "Y" if base.get((lab.subject_id, lab.ctcae_term)) is lab else None,
                "LBDTC": iso(lab.date),
                "LBDY": ctx.day(lab.subject_id, lab.date),
                "EPOCH": ctx.epoch(lab.subject_id, lab.date),
            }
        )
    return make(LB, with_seq(rows, "LBSEQ", ("USUBJID", "LBTESTCD", "LBDTC")))

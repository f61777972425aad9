"""ADaM safety datasets: ADAE (occurrence data) and ADLB (laboratory, BDS).

ADAE: TRTEMFL "Y" for an event starting on or after the first dose (the analysis counts every
adverse event of a treated subject; 177Lu toxicities can appear months after the last dose,
so no end window is applied — docs/cdisc.md); AOCCPFL marks the first record of the subject's
worst grade of each preferred term (the report's "worst grade per patient").
ADLB: one record per LB result of a CTCAE-graded test; ATOXGR the result's grade, BTOXGR the
baseline's; SHIFT1 "BTOXGR to ATOXGR" ("MISSING" for a baseline not done); ANL01FL the first
record of the worst post-baseline grade per subject and test.
"""

from __future__ import annotations

from collections.abc import Callable

from trialkit.cdisc.adam_common import SAFFL, STUDY, SUBJECT, TRACE, TRT01A, param_vars
from trialkit.cdisc.context import Context
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make

ADAE = Spec(
    "ADAE",
    "Adverse Events Analysis Dataset",
    "OCCURRENCE DATA STRUCTURE",
    "One record per adverse event per subject",
    ("STUDYID", "USUBJID", "AESEQ"),
    (
        STUDY,
        SUBJECT,
        TRT01A,
        SAFFL,
        Var(
            "AESEQ",
            "Sequence Number",
            "integer",
            core="Req",
            origin="Predecessor",
            derivation="AE.AESEQ",
        ),
        Var(
            "AETERM",
            "Reported Term for the Adverse Event",
            core="Req",
            origin="Predecessor",
            derivation="AE.AETERM",
        ),
        Var(
            "AEDECOD",
            "Dictionary-Derived Term",
            core="Req",
            origin="Predecessor",
            derivation="AE.AEDECOD",
        ),
        Var(
            "AEBODSYS",
            "Body System or Organ Class",
            core="Req",
            origin="Predecessor",
            derivation="AE.AEBODSYS",
        ),
        Var(
            "AESER",
            "Serious Event",
            core="Perm",
            origin="Predecessor",
            codelist="NY",
            derivation="AE.AESER",
        ),
        Var(
            "AEREL",
            "Causality",
            core="Perm",
            origin="Predecessor",
            codelist="AEREL",
            derivation="AE.AEREL",
        ),
        Var(
            "ATOXGR",
            "Analysis Toxicity Grade",
            core="Cond",
            codelist="TOXGR",
            derivation="AE.AETOXGR",
        ),
        Var(
            "ATOXGRN",
            "Analysis Toxicity Grade (N)",
            "integer",
            core="Perm",
            derivation="ATOXGR as a number.",
        ),
        Var("ASTDT", "Analysis Start Date", "adate", core="Cond", derivation="AE.AESTDTC"),
        Var("AENDT", "Analysis End Date", "adate", core="Cond", derivation="AE.AEENDTC"),
        Var("ASTDY", "Analysis Start Relative Day", "integer", core="Perm", derivation="AE.AESTDY"),
        Var(
            "TRTEMFL",
            "Treatment Emergent Analysis Flag",
            core="Cond",
            codelist="NY",
            derivation='"Y" when ASTDT is on or after ADSL.TRTSDT.',
        ),
        Var(
            "AOCCPFL",
            "1st Occurrence Worst Grade per PT Flag",
            core="Perm",
            codelist="NY",
            derivation='"Y" on the first record of the highest ATOXGRN per '
            "subject and AEDECOD (AETERM when not coded), treatment-emergent records only.",
        ),
        *TRACE,
    ),
)

ADLB = Spec(
    "ADLB",
    "Laboratory Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter per analysis date",
    ("STUDYID", "USUBJID", "PARAMCD", "ADT", "SRCSEQ"),
    (
        STUDY,
        SUBJECT,
        TRT01A,
        SAFFL,
        *param_vars("LB.LBTEST with the standard unit."),
        Var("AVAL", "Analysis Value", "float", core="Cond", derivation="LB.LBSTRESN"),
        Var("ADT", "Analysis Date", "adate", core="Perm", derivation="LB.LBDTC"),
        Var("ADY", "Analysis Relative Day", "integer", core="Perm", derivation="LB.LBDY"),
        Var("ABLFL", "Baseline Record Flag", core="Cond", codelist="NY", derivation="LB.LBBLFL"),
        Var(
            "BASE",
            "Baseline Value",
            "float",
            core="Cond",
            derivation="AVAL of the subject's ABLFL record of the parameter.",
        ),
        Var(
            "CHG",
            "Change from Baseline",
            "float",
            core="Cond",
            derivation="AVAL − BASE for post-baseline records.",
        ),
        Var(
            "ATOXGR",
            "Analysis Toxicity Grade",
            core="Perm",
            codelist="TOXGR",
            derivation="LB.LBTOXGR (CTCAE v5.0).",
        ),
        Var(
            "ATOXGRN",
            "Analysis Toxicity Grade (N)",
            "integer",
            core="Perm",
            derivation="ATOXGR as a number.",
        ),
        Var(
            "BTOXGR",
            "Baseline Toxicity Grade",
            core="Perm",
            codelist="TOXGR",
            derivation="ATOXGR of the baseline record.",
        ),
        Var(
            "SHIFT1",
            "Shift 1",
            core="Perm",
            derivation='"BTOXGR to ATOXGR"; "MISSING" for a grade not available.',
        ),
        Var(
            "ANL01FL",
            "Analysis Flag 01",
            core="Cond",
            codelist="NY",
            derivation='"Y" on the first record of the worst post-baseline ATOXGRN per subject '
            "and parameter.",
        ),
        *TRACE,
    ),
)


def build_adae(ctx: Context, sdtm: dict[str, Dataset], adsl: Dataset) -> Dataset:
    subject = {str(r["USUBJID"]): r for r in adsl.rows}
    rows: list[dict[str, Cell]] = []
    for ae in sdtm["AE"].rows:
        sl = subject.get(str(ae["USUBJID"]))
        if sl is None:
            continue
        start = sl["TRTSDT"]
        emergent = start is not None and str(ae["AESTDTC"]) >= str(start)
        rows.append(
            {
                "STUDYID": ae["STUDYID"],
                "USUBJID": ae["USUBJID"],
                "TRT01A": sl["TRT01A"],
                "SAFFL": sl["SAFFL"],
                "AESEQ": ae["AESEQ"],
                "AETERM": ae["AETERM"],
                "AEDECOD": ae["AEDECOD"],
                "AEBODSYS": ae["AEBODSYS"],
                "AESER": ae["AESER"],
                "AEREL": ae["AEREL"],
                "ATOXGR": ae["AETOXGR"],
                "ATOXGRN": int(str(ae["AETOXGR"])),
                "ASTDT": ae["AESTDTC"],
                "AENDT": ae["AEENDTC"],
                "ASTDY": ae["AESTDY"],
                "TRTEMFL": "Y" if emergent else "N",
                "SRCDOM": "AE",
                "SRCVAR": "AESEQ",
                "SRCSEQ": ae["AESEQ"],
            }
        )
    _flag_worst(rows, ("USUBJID", "AEDECOD"), "AOCCPFL", lambda r: r["TRTEMFL"] == "Y")
    return make(ADAE, rows)


def _flag_worst(
    rows: list[dict[str, Cell]],
    by: tuple[str, ...],
    flag: str,
    eligible: Callable[[dict[str, Cell]], bool],
) -> None:
    best: dict[tuple[Cell, ...], dict[str, Cell]] = {}
    for r in rows:
        if not eligible(r) or r["ATOXGRN"] is None:
            continue
        key = tuple(r[k] if r[k] is not None else r.get("AETERM") for k in by)
        held = best.get(key)
        if held is None or int(str(r["ATOXGRN"])) > int(str(held["ATOXGRN"])):
            best[key] = r
    for r in best.values():
        r[flag] = "Y"


def build_adlb(ctx: Context, sdtm: dict[str, Dataset], adsl: Dataset) -> Dataset:
    subject = {str(r["USUBJID"]): r for r in adsl.rows}
    base: dict[tuple[Cell, Cell], dict[str, Cell]] = {
        (r["USUBJID"], r["LBTESTCD"]): r for r in sdtm["LB"].rows if r["LBBLFL"] == "Y"
    }
    rows: list[dict[str, Cell]] = []
    for lb in sdtm["LB"].rows:
        sl = subject.get(str(lb["USUBJID"]))
        if sl is None:
            continue
        b = base.get((lb["USUBJID"], lb["LBTESTCD"]))
        is_base = lb["LBBLFL"] == "Y"
        post = not is_base and (sl["TRTSDT"] is None or str(lb["LBDTC"]) > str(sl["TRTSDT"]))
        value, base_value = lb["LBSTRESN"], b["LBSTRESN"] if b else None
        grade, base_grade = lb["LBTOXGR"], b["LBTOXGR"] if b else None
        rows.append(
            {
                "STUDYID": lb["STUDYID"],
                "USUBJID": lb["USUBJID"],
                "TRT01A": sl["TRT01A"],
                "SAFFL": sl["SAFFL"],
                "PARAMCD": lb["LBTESTCD"],
                "PARAM": f"{lb['LBTEST']} ({lb['LBSTRESU']})",
                "AVAL": value,
                "ADT": lb["LBDTC"],
                "ADY": lb["LBDY"],
                "ABLFL": "Y" if is_base else None,
                "BASE": base_value,
                "CHG": round(float(str(value)) - float(str(base_value)), 6)
                if post and value is not None and base_value is not None
                else None,
                "ATOXGR": grade,
                "ATOXGRN": None if grade is None else int(str(grade)),
                "BTOXGR": base_grade,
                "SHIFT1": f"{base_grade or 'MISSING'} to {grade or 'MISSING'}" if post else None,
                "SRCDOM": "LB",
                "SRCVAR": "LBSTRESN",
                "SRCSEQ": lb["LBSEQ"],
                "_post": post,
            }
        )
    _flag_worst(rows, ("USUBJID", "PARAMCD"), "ANL01FL", lambda r: bool(r["_post"]))
    for r in rows:
        del r["_post"]
    return make(ADLB, rows)

"""SDTM Adverse Events (AE) and Exposure (EX).

AE: the CTCAE v5.0 term and grade as collected; MedDRA coding from :mod:`trialkit.cdisc.meddra`
where the term table carries it. AEOUT: FATAL for grade 5, RECOVERED/RESOLVED when a resolution
date is recorded, else NOT RECOVERED/NOT RESOLVED (as of the data cut-off).
EX: one record per administration; EXDOSE is the administered activity as recorded in GBq. The
study folder records no calibration time, so no decay correction is possible and none is
applied (EXDOSE is the activity the site recorded at administration).
"""

from __future__ import annotations

from trialkit.cdisc.common import EPOCH, identifiers, seq, study_day, yn
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.meddra import code
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make, with_seq

AE = Spec(
    "AE",
    "Adverse Events",
    "EVENTS",
    "One record per adverse event per subject",
    ("STUDYID", "USUBJID", "AEDECOD", "AESTDTC"),
    (
        *identifiers("AE"),
        seq("AE"),
        Var(
            "AETERM",
            "Reported Term for the Adverse Event",
            core="Req",
            origin="Collected",
            source="adverse_events.csv term",
        ),
        Var("AELLT", "Lowest Level Term", derivation="MedDRA LLT of the CTCAE v5.0 term."),
        Var("AELLTCD", "Lowest Level Term Code", "integer", derivation="MedDRA LLT code."),
        Var(
            "AEDECOD",
            "Dictionary-Derived Term",
            core="Req",
            derivation="MedDRA preferred term of the CTCAE v5.0 term (empty when not coded).",
        ),
        Var("AEPTCD", "Preferred Term Code", "integer", derivation="MedDRA PT code."),
        Var("AEBODSYS", "Body System or Organ Class", derivation="MedDRA primary SOC."),
        Var(
            "AEBDSYCD",
            "Body System or Organ Class Code",
            "integer",
            derivation="MedDRA primary SOC code.",
        ),
        Var("AESOC", "Primary System Organ Class", derivation="MedDRA primary SOC."),
        Var(
            "AESOCCD",
            "Primary System Organ Class Code",
            "integer",
            derivation="MedDRA primary SOC code.",
        ),
        Var(
            "AESER",
            "Serious Event",
            origin="Collected",
            codelist="NY",
            source="adverse_events.csv serious",
        ),
        Var(
            "AEREL",
            "Causality",
            origin="Collected",
            codelist="AEREL",
            source="adverse_events.csv related (empty: causality not assessed)",
        ),
        Var(
            "AEOUT",
            "Outcome of Adverse Event",
            codelist="OUT",
            derivation="FATAL for grade 5; RECOVERED/RESOLVED with a resolution date; else NOT "
            "RECOVERED/NOT RESOLVED.",
        ),
        Var(
            "AETOXGR",
            "Standard Toxicity Grade",
            origin="Collected",
            codelist="TOXGR",
            source="adverse_events.csv grade (CTCAE v5.0)",
        ),
        Var(
            "AESTDTC",
            "Start Date/Time of Adverse Event",
            "date",
            origin="Collected",
            source="adverse_events.csv onset",
        ),
        Var(
            "AEENDTC",
            "End Date/Time of Adverse Event",
            "date",
            origin="Collected",
            source="adverse_events.csv resolved",
        ),
        study_day("AESTDY", "Study Day of Start of Adverse Event", "AESTDTC"),
        study_day("AEENDY", "Study Day of End of Adverse Event", "AEENDTC"),
        EPOCH,
    ),
)

EX = Spec(
    "EX",
    "Exposure",
    "INTERVENTIONS",
    "One record per administration per subject",
    ("STUDYID", "USUBJID", "EXTRT", "EXSTDTC"),
    (
        *identifiers("EX"),
        seq("EX"),
        Var("EXTRT", "Name of Treatment", core="Req", origin="Protocol"),
        Var("EXDOSE", "Dose", "float", origin="Collected", source="doses.csv activity_gbq"),
        Var("EXDOSU", "Dose Units", origin="Assigned", codelist="UNIT"),
        Var("EXDOSFRM", "Dose Form", origin="Protocol", codelist="FRM"),
        Var("EXROUTE", "Route of Administration", origin="Protocol", codelist="ROUTE"),
        Var(
            "EXADJ",
            "Reason for Dose Adjustment",
            origin="Collected",
            source="doses.csv reduced, delay_days",
        ),
        Var(
            "EXSTDTC",
            "Start Date/Time of Treatment",
            "date",
            origin="Collected",
            source="doses.csv date",
        ),
        Var(
            "EXENDTC",
            "End Date/Time of Treatment",
            "date",
            derivation="EXSTDTC (a single infusion).",
        ),
        study_day("EXSTDY", "Study Day of Start of Treatment", "EXSTDTC"),
        study_day("EXENDY", "Study Day of End of Treatment", "EXENDTC"),
        Var("VISITNUM", "Visit Number", "float", origin="Collected", source="doses.csv cycle"),
        Var("VISIT", "Visit Name", derivation='"CYCLE n" from the cycle number.'),
        EPOCH,
    ),
)


def build_ae(ctx: Context) -> Dataset:
    rows: list[dict[str, Cell]] = []
    for e in ctx.study.adverse_events:
        c = code(e.term)
        rows.append(
            {
                "STUDYID": ctx.design.studyid,
                "DOMAIN": "AE",
                "USUBJID": ctx.usubjid(e.subject_id),
                "AETERM": e.term,
                "AELLT": c.term if c else None,
                "AELLTCD": c.code if c else None,
                "AEDECOD": c.pt if c else None,
                "AEPTCD": c.pt_code if c else None,
                "AEBODSYS": c.soc if c else None,
                "AEBDSYCD": c.soc_code if c else None,
                "AESOC": c.soc if c else None,
                "AESOCCD": c.soc_code if c else None,
                "AESER": yn(e.serious),
                # causality never assessed stays empty: not assessed is not "not related"
                "AEREL": None if e.related is None else ("RELATED" if e.related else "NOT RELATED"),
                "AEOUT": "FATAL"
                if e.grade == 5
                else "RECOVERED/RESOLVED"
                if e.resolved
                else "NOT RECOVERED/NOT RESOLVED",
                "AETOXGR": str(e.grade),
                "AESTDTC": iso(e.onset),
                "AEENDTC": iso(e.resolved),
                "AESTDY": ctx.day(e.subject_id, e.onset),
                "AEENDY": ctx.day(e.subject_id, e.resolved),
                "EPOCH": ctx.epoch(e.subject_id, e.onset),
            }
        )
    return make(AE, with_seq(rows, "AESEQ", ("USUBJID", "AESTDTC", "AETERM", "AETOXGR")))


def build_ex(ctx: Context) -> Dataset:
    d = ctx.design
    rows: list[dict[str, Cell]] = []
    for x in ctx.study.doses:
        adjust = [
            "DOSE REDUCED" if x.reduced else "",
            f"DELAYED {x.delay_days} DAYS" if x.delay_days else "",
        ]
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "EX",
                "USUBJID": ctx.usubjid(x.subject_id),
                "EXTRT": d.treatment,
                "EXDOSE": x.activity_gbq,
                "EXDOSU": d.dose_unit,
                "EXDOSFRM": d.dose_form,
                "EXROUTE": d.route,
                "EXADJ": "; ".join(a for a in adjust if a) or None,
                "EXSTDTC": iso(x.date),
                "EXENDTC": iso(x.date),
                "EXSTDY": ctx.day(x.subject_id, x.date),
                "EXENDY": ctx.day(x.subject_id, x.date),
                "VISITNUM": float(x.cycle),
                "VISIT": f"CYCLE {x.cycle}",
                "EPOCH": ctx.epoch(x.subject_id, x.date),
            }
        )
    return make(EX, with_seq(rows, "EXSEQ", ("USUBJID", "EXSTDTC")))

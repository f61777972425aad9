"""ADaM Subject-Level Analysis Dataset (ADSL): one record per enrolled subject.

Populations (docs/analysis.md): enrolled (ENRLFL, every subject of subjects.csv), safety
(SAFFL, at least one dose), efficacy-evaluable (EFFFL, treated with a baseline tumour
assessment — the ORR/DCR denominator of the report). Screen failures are in DM, not ADSL.
"""

from __future__ import annotations

from trialkit.analysis.efficacy import subject_recist
from trialkit.cdisc.adam_common import STUDY, SUBJECT
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make

ADSL = Spec(
    "ADSL",
    "Subject-Level Analysis Dataset",
    "SUBJECT LEVEL ANALYSIS DATASET",
    "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        STUDY,
        SUBJECT,
        Var(
            "SUBJID",
            "Subject Identifier for the Study",
            core="Req",
            origin="Predecessor",
            derivation="DM.SUBJID",
        ),
        Var(
            "SITEID",
            "Study Site Identifier",
            core="Req",
            origin="Predecessor",
            derivation="DM.SITEID",
        ),
        Var("AGE", "Age", "integer", core="Req", origin="Predecessor", derivation="DM.AGE"),
        Var(
            "AGEU",
            "Age Units",
            core="Req",
            origin="Predecessor",
            codelist="AGEU",
            derivation="DM.AGEU",
        ),
        Var("SEX", "Sex", core="Req", origin="Predecessor", codelist="SEX", derivation="DM.SEX"),
        Var(
            "ARM",
            "Description of Planned Arm",
            core="Req",
            origin="Predecessor",
            derivation="DM.ARM",
        ),
        Var(
            "ACTARM",
            "Description of Actual Arm",
            core="Req",
            origin="Predecessor",
            derivation="DM.ACTARM",
        ),
        Var("TRT01P", "Planned Treatment for Period 01", core="Req", derivation="DM.ARM"),
        Var(
            "TRT01A",
            "Actual Treatment for Period 01",
            core="Req",
            derivation="DM.ACTARM (empty when never dosed).",
        ),
        Var(
            "ENRLFL",
            "Enrolled Population Flag",
            core="Cond",
            codelist="NY",
            derivation='"Y" for every enrolled subject.',
        ),
        Var(
            "SAFFL",
            "Safety Population Flag",
            core="Cond",
            codelist="NY",
            derivation='"Y" when the subject received at least one dose (EX).',
        ),
        Var(
            "EFFFL",
            "Efficacy Population Flag",
            core="Cond",
            codelist="NY",
            derivation='"Y" when treated and with a baseline tumour assessment (TU/TR).',
        ),
        Var(
            "TRTSDT",
            "Date of First Exposure to Treatment",
            "adate",
            core="Cond",
            derivation="Earliest EX.EXSTDTC.",
        ),
        Var(
            "TRTEDT",
            "Date of Last Exposure to Treatment",
            "adate",
            core="Cond",
            derivation="Latest EX.EXSTDTC.",
        ),
        Var(
            "TRTDURD",
            "Total Treatment Duration (Days)",
            "integer",
            core="Perm",
            derivation="TRTEDT − TRTSDT + 1.",
        ),
        Var(
            "NUMCYC",
            "Number of Cycles Received",
            "integer",
            core="Perm",
            derivation="Number of EX records.",
        ),
        Var(
            "CUMDOSE",
            "Cumulative Activity Administered (GBq)",
            "float",
            core="Perm",
            derivation="Sum of EX.EXDOSE.",
        ),
        Var(
            "NREDUCE",
            "Number of Dose Reductions",
            "integer",
            core="Perm",
            derivation="EX records with a reduced dose.",
        ),
        Var("DTHFL", "Subject Death Flag", core="Perm", codelist="NY", derivation="DM.DTHFL"),
        Var("DTHDT", "Date of Death", "adate", core="Perm", derivation="DM.DTHDTC"),
        Var(
            "LSTALVDT",
            "Date Last Known Alive",
            "adate",
            core="Perm",
            derivation="subjects.csv last_contact (DM.RFENDTC when alive).",
        ),
        Var(
            "EOSSTT",
            "End of Study Status",
            core="Perm",
            derivation='"DISCONTINUED" with an end-of-study DS record, else "ONGOING".',
        ),
        Var(
            "DCSREAS",
            "Reason for Discontinuation from Study",
            core="Perm",
            derivation="DS.DSDECOD of the end-of-study record.",
        ),
    ),
)


def build_adsl(ctx: Context, sdtm: dict[str, Dataset]) -> Dataset:
    ds = {str(r["USUBJID"]): r for r in sdtm["DS"].rows if r["DSDECOD"] != "SCREEN FAILURE"}
    rows: list[dict[str, Cell]] = []
    for s in ctx.study.subjects:
        usubjid = ctx.usubjid(s.subject_id)
        dm = sdtm["DM"].find(USUBJID=usubjid)
        doses = sorted(
            (x for x in ctx.study.doses if x.subject_id == s.subject_id), key=lambda x: x.date
        )
        treated = bool(doses)
        recist = subject_recist(ctx.study, s) if treated else None
        evaluable = recist is not None and recist.baseline_sum_mm is not None
        end = ds.get(usubjid)
        rows.append(
            {
                "STUDYID": dm["STUDYID"],
                "USUBJID": usubjid,
                "SUBJID": dm["SUBJID"],
                "SITEID": dm["SITEID"],
                "AGE": dm["AGE"],
                "AGEU": dm["AGEU"],
                "SEX": dm["SEX"],
                "ARM": dm["ARM"],
                "ACTARM": dm["ACTARM"],
                "TRT01P": dm["ARM"],
                "TRT01A": dm["ACTARM"],
                "ENRLFL": "Y",
                "SAFFL": "Y" if treated else "N",
                "EFFFL": "Y" if evaluable else "N",
                "TRTSDT": iso(doses[0].date) if doses else None,
                "TRTEDT": iso(doses[-1].date) if doses else None,
                "TRTDURD": (doses[-1].date - doses[0].date).days + 1 if doses else None,
                "NUMCYC": len(doses),
                "CUMDOSE": round(sum(x.activity_gbq for x in doses), 3),
                "NREDUCE": sum(1 for x in doses if x.reduced),
                "DTHFL": dm["DTHFL"],
                "DTHDT": dm["DTHDTC"],
                "LSTALVDT": iso(s.death_date or s.last_contact),
                "EOSSTT": "DISCONTINUED" if end else "ONGOING",
                "DCSREAS": end["DSDECOD"] if end else None,
            }
        )
    return make(ADSL, rows)

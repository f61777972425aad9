"""ADaM efficacy datasets: ADRS (response per time point and best overall response) and
ADTTE (PFS, OS, duration of response).

The values are those of trialkit's analysis (:mod:`trialkit.analysis.efficacy`, the report's
one implementation): BOR with confirmation of CR/PR as the analysis defines it (≥ 28 days),
PFS/OS/DoR with the censoring rules of docs/analysis.md. Each record names the SDTM record its
date comes from (SRCDOM/SRCVAR/SRCSEQ), so every number traces to the tabulation data.

ADTTE: AVAL in months = days / 30.4375 (the report's unit); CNSR 0 for an event, else the
censoring rule: 1 no progression (last adequate assessment, or the first dose when there is
none) / last contact for OS, 2 new anticancer therapy before progression, 3 event after two or
more missed scheduled assessments.
"""

from __future__ import annotations

from datetime import date, timedelta

from trialkit.analysis.efficacy import DAYS_PER_MONTH, TimeToEvent, os_for, pfs_for, subject_recist
from trialkit.cdisc.adam_common import EFFFL, SAFFL, STUDY, SUBJECT, TRACE, TRT01A, param_vars
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make
from trialkit.dosing import DosingParameters
from trialkit.errors import InputError

# ordinal codes of the responses, best first (AVAL of ADRS)
RESPONSE_N = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}

ADRS = Spec(
    "ADRS",
    "Tumour Response Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter per analysis date",
    ("STUDYID", "USUBJID", "PARAMCD", "ADT"),
    (
        STUDY,
        SUBJECT,
        TRT01A,
        SAFFL,
        EFFFL,
        *param_vars(),
        Var(
            "AVALC",
            "Analysis Value (C)",
            core="Cond",
            derivation="RS.RSSTRESC (RECIST 1.1 response).",
        ),
        Var(
            "AVAL",
            "Analysis Value",
            "integer",
            core="Cond",
            derivation="1 CR, 2 PR, 3 SD, 4 NON-CR/NON-PD, 5 PD, 6 NE.",
        ),
        Var("ADT", "Analysis Date", "adate", core="Perm", derivation="RS.RSDTC."),
        Var("ADY", "Analysis Relative Day", "integer", core="Perm", derivation="RS.RSDY."),
        Var("AVISIT", "Analysis Visit", core="Perm", derivation="RS.VISIT."),
        Var("AVISITN", "Analysis Visit (N)", "float", core="Perm", derivation="RS.VISITNUM."),
        Var(
            "ANL01FL",
            "Analysis Flag 01",
            core="Cond",
            codelist="NY",
            derivation='"Y" on the record used for ORR and DCR (BOR).',
        ),
        *TRACE,
    ),
)

ADTTE = Spec(
    "ADTTE",
    "Time-to-Event Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter",
    ("STUDYID", "USUBJID", "PARAMCD"),
    (
        STUDY,
        SUBJECT,
        TRT01A,
        SAFFL,
        EFFFL,
        *param_vars(),
        Var(
            "AVAL",
            "Analysis Value",
            "float",
            core="Cond",
            derivation="(ADT − STARTDT) in days / 30.4375 (months).",
        ),
        Var("AVALU", "Analysis Value Unit", core="Perm", origin="Assigned"),
        Var(
            "STARTDT",
            "Time-to-Event Origin Date for Subject",
            "adate",
            core="Cond",
            derivation="First dose (PFS, OS); first confirmed response (DOR).",
        ),
        Var(
            "ADT",
            "Analysis Date",
            "adate",
            core="Cond",
            derivation="Date of the event or of censoring (docs/analysis.md rules).",
        ),
        Var(
            "CNSR",
            "Censor",
            "integer",
            core="Cond",
            derivation="0 event; 1 no event (last adequate assessment / last contact); 2 new "
            "anticancer therapy before progression; 3 event after ≥ 2 missed assessments.",
        ),
        Var(
            "EVNTDESC",
            "Event or Censoring Description",
            core="Perm",
            derivation="The rule of docs/analysis.md that applied.",
        ),
        Var(
            "CNSDTDSC",
            "Censor Date Description",
            core="Perm",
            derivation="What the censoring date is.",
        ),
        *TRACE,
    ),
)

PARAMS = {
    "PFS": "Progression-Free Survival (months)",
    "OS": "Overall Survival (months)",
    "DOR": "Duration of Response (months)",
}


def build_adrs(ctx: Context, sdtm: dict[str, Dataset], adsl: Dataset) -> Dataset:
    rows: list[dict[str, Cell]] = []
    subject = {str(r["USUBJID"]): r for r in adsl.rows}
    for rs in sdtm["RS"].rows:
        code = rs["RSTESTCD"]
        if code not in ("OVRLRESP", "BESTRSP"):
            continue
        sl = subject[str(rs["USUBJID"])]
        bor = code == "BESTRSP"
        rows.append(
            {
                "STUDYID": rs["STUDYID"],
                "USUBJID": rs["USUBJID"],
                "TRT01A": sl["TRT01A"],
                "SAFFL": sl["SAFFL"],
                "EFFFL": sl["EFFFL"],
                "PARAMCD": "BOR" if bor else "OVRLRESP",
                "PARAM": "Best Overall Response (confirmed), RECIST 1.1"
                if bor
                else "Overall Response at the Time Point, RECIST 1.1",
                "AVALC": rs["RSSTRESC"],
                "AVAL": RESPONSE_N[str(rs["RSSTRESC"])],
                "ADT": rs["RSDTC"],
                "ADY": rs["RSDY"],
                "AVISIT": rs["VISIT"],
                "AVISITN": rs["VISITNUM"],
                "ANL01FL": "Y" if bor and sl["EFFFL"] == "Y" else None,
                "SRCDOM": "RS",
                "SRCVAR": "RSSTRESC",
                "SRCSEQ": rs["RSSEQ"],
            }
        )
    return make(ADRS, rows)


def _end(start: date, t: TimeToEvent) -> date:
    return start + timedelta(days=round(t.months * DAYS_PER_MONTH))


def _source(sdtm: dict[str, Dataset], usubjid: str, when: date, kind: str) -> dict[str, Cell]:
    """The SDTM record whose date is the event or censoring date: DM.DTHDTC for a death,
    DM.RFPENDTC for OS censored at the last contact, else the overall response of that scan
    (RS) or the first dose (EX) when censored without an adequate assessment."""
    day = when.isoformat()
    dm = sdtm["DM"].find(USUBJID=usubjid)
    if kind == "death" and dm["DTHDTC"] == day:
        return {"SRCDOM": "DM", "SRCVAR": "DTHDTC", "SRCSEQ": None}
    if kind == "contact" and dm["RFPENDTC"] == day:
        return {"SRCDOM": "DM", "SRCVAR": "RFPENDTC", "SRCSEQ": None}
    for r in sdtm["RS"].rows:
        if r["USUBJID"] == usubjid and r["RSTESTCD"] == "OVRLRESP" and r["RSDTC"] == day:
            return {"SRCDOM": "RS", "SRCVAR": "RSDTC", "SRCSEQ": r["RSSEQ"]}
    for r in sdtm["EX"].rows:
        if r["USUBJID"] == usubjid and r["EXSTDTC"] == day:
            return {"SRCDOM": "EX", "SRCVAR": "EXSTDTC", "SRCSEQ": r["EXSEQ"]}
    if dm["RFSTDTC"] == day:  # censored at the first dose as the subject record gives it
        return {"SRCDOM": "DM", "SRCVAR": "RFSTDTC", "SRCSEQ": None}
    # the analysis dated an event or censoring on a day no tabulation record carries: the
    # study data disagree with themselves; say so rather than write an untraceable record
    raise InputError(
        f"{kind} date {day} of {usubjid} is on no SDTM record (DM, EX, RS); check the "
        "subject's first dose, last contact and assessments",
        source="study",
        field=usubjid,
    )


def _describe(t: TimeToEvent, end: date, start: date) -> tuple[int, str, str | None]:
    rule = t.rule
    if t.event:
        return 0, rule.removeprefix("event: ").upper(), None
    if "therapy" in rule:
        return (
            2,
            "NEW ANTICANCER THERAPY BEFORE PROGRESSION",
            "LAST ADEQUATE ASSESSMENT BEFORE THERAPY",
        )
    if "missed" in rule:
        return 3, rule.removeprefix("censored: ").upper(), "LAST ADEQUATE ASSESSMENT BEFORE THE GAP"
    if "last contact" in rule:
        return 1, "ALIVE AT LAST CONTACT", "LAST CONTACT" if end != start else "FIRST DOSE"
    what = "LAST ADEQUATE ASSESSMENT" if end != start else "FIRST DOSE (NO ADEQUATE ASSESSMENT)"
    return 1, "NO PROGRESSION", what


def build_adtte(ctx: Context, sdtm: dict[str, Dataset], adsl: Dataset) -> Dataset:
    params = DosingParameters()
    subject = {str(r["USUBJID"]): r for r in adsl.rows}
    rows: list[dict[str, Cell]] = []
    for s in ctx.study.subjects:
        if s.first_dose is None:
            continue
        usubjid = ctx.usubjid(s.subject_id)
        sl = subject[usubjid]
        times: list[tuple[str, date, TimeToEvent]] = [("OS", s.first_dose, os_for(s))]
        r = subject_recist(ctx.study, s)
        if r is not None and r.baseline_sum_mm is not None:
            pfs = pfs_for(s, r, ctx.study, params)
            times.append(("PFS", s.first_dose, pfs))
            if r.confirmed and r.response_date is not None:
                times.append(("DOR", r.response_date, pfs))
        for code, start, t in times:
            end = _end(s.first_dose, t)
            if code == "DOR":
                end = max(end, start)
            cnsr, desc, censor_what = _describe(t, end, s.first_dose)
            kind = (
                "death"
                if t.event and "death" in t.rule
                else "contact"
                if "last contact" in t.rule
                else "assessment"
            )
            rows.append(
                {
                    "STUDYID": sl["STUDYID"],
                    "USUBJID": usubjid,
                    "TRT01A": sl["TRT01A"],
                    "SAFFL": sl["SAFFL"],
                    "EFFFL": sl["EFFFL"],
                    "PARAMCD": code,
                    "PARAM": PARAMS[code],
                    "AVAL": (end - start).days / DAYS_PER_MONTH,
                    "AVALU": "MONTHS",
                    "STARTDT": iso(start),
                    "ADT": iso(end),
                    "CNSR": cnsr,
                    "EVNTDESC": desc,
                    "CNSDTDSC": censor_what,
                    **_source(sdtm, usubjid, end, kind),
                }
            )
    return make(ADTTE, rows)

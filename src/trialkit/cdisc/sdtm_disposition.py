"""SDTM Disposition (DS) and Inclusion/Exclusion Criteria Not Met (IE, with SUPPIE).

IE (SDTMIG 3.4 §6.3.4) holds the criteria a screened patient did not meet: an inclusion
criterion not met (IEORRES "N") or an exclusion criterion met ("Y"). Its only source is the
screening log's verdict: the first blocking criterion the eligibility engine found, with its
reason and evidence (SUPPIE QNAM IEREASON), and the log row it came from (IESPID). Two
readings, written down in docs/cdisc.md:
- an *incomplete* screening (criteria unknown) is a screen failure in DS but has no IE record:
  an unknown criterion is not a criterion not met;
- a criterion an investigator waived (deviations.csv, category eligibility) is an IE record of
  the subject enrolled on the waiver, traced to that subject's screening (subjects.csv
  screening_id), with the waiver, its reason, who and when in SUPPIE QNAM IEWAIVER.
"""

from __future__ import annotations

from datetime import date

from trialkit.cdisc.common import EPOCH, ascii_text, identifiers, seq, study_day
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make, with_seq
from trialkit.conduct.reasons import standard_term
from trialkit.dosing import DosingParameters, has_regimen, regimen_of
from trialkit.study.model import DeviationRow

# DSSCAT: which disposition a record closes (SDTMIG 3.4 §6.2.2: one per epoch or milestone)
TREATMENT = "STUDY TREATMENT"
PARTICIPATION = "STUDY PARTICIPATION"

DS = Spec(
    "DS",
    "Disposition",
    "EVENTS",
    "One record per disposition status per subject",
    ("STUDYID", "USUBJID", "DSSCAT", "DSDECOD", "DSSTDTC"),
    (
        *identifiers("DS"),
        seq("DS"),
        Var(
            "DSSPID",
            "Sponsor-Defined Identifier",
            origin="Derived",
            derivation="The study-folder row the record comes from.",
        ),
        Var(
            "DSTERM",
            "Reported Term for the Disposition Event",
            core="Req",
            origin="Collected",
            source="screening.csv reason; subjects.csv treatment_end_reason, off_study_reason",
        ),
        Var(
            "DSDECOD",
            "Standardized Disposition Term",
            core="Req",
            codelist="NCOMPLT",
            derivation="SCREEN FAILURE for a screening not eligible or incomplete; the "
            "treatment-end or off-study reason mapped to CDISC CT (trialkit.conduct.reasons: "
            "DEATH, PROGRESSIVE DISEASE, …; OTHER else); COMPLETED when every cycle was given.",
        ),
        Var(
            "DSCAT",
            "Category for Disposition Event",
            core="Exp",
            origin="Assigned",
            codelist="DSCAT",
        ),
        Var(
            "DSSCAT",
            "Subcategory for Disposition Event",
            core="Perm",
            origin="Assigned",
            derivation=f'"{TREATMENT}" for the end of treatment, "{PARTICIPATION}" for a '
            "screen failure or the end of the study.",
        ),
        EPOCH,
        Var(
            "DSSTDTC",
            "Start Date/Time of Disposition Event",
            "date",
            derivation="subjects.csv treatment_end_date (study treatment; the last dose's date "
            "when every cycle was given) or off_study_date (study participation; for a folder "
            "without it, the death date for DEATH, else the last contact); empty for screen "
            "failures (the screening log has no date).",
        ),
        study_day("DSSTDY", "Study Day of Start of Disposition Event", "DSSTDTC"),
    ),
)

IE = Spec(
    "IE",
    "Inclusion/Exclusion Criteria Not Met",
    "FINDINGS",
    "One record per inclusion/exclusion criterion not met per subject",
    ("STUDYID", "USUBJID", "IETESTCD"),
    (
        *identifiers("IE"),
        seq("IE"),
        Var(
            "IESPID",
            "Sponsor-Defined Identifier",
            origin="Derived",
            derivation='"screening.csv row N": the screening-log row of the verdict.',
        ),
        Var(
            "IETESTCD",
            "Incl/Excl Criterion Short Name",
            core="Req",
            origin="Derived",
            derivation="The criterion id that opens the screening verdict's reason; for an "
            "enrolled subject, each criterion the investigator waived (deviations.csv).",
        ),
        Var("IETEST", "Inclusion/Exclusion Criterion", core="Req", origin="Protocol"),
        Var(
            "IECAT", "Inclusion/Exclusion Category", core="Req", origin="Protocol", codelist="IECAT"
        ),
        Var(
            "IEORRES",
            "I/E Criterion Original Result",
            core="Req",
            codelist="NY",
            derivation='"N" for an inclusion criterion not met, "Y" for an exclusion met.',
        ),
        Var(
            "IESTRESC",
            "I/E Criterion Result in Std Format",
            core="Req",
            codelist="NY",
            derivation="IEORRES.",
        ),
        EPOCH,
    ),
)

SUPPIE = Spec(
    "SUPPIE",
    "Supplemental Qualifiers for IE",
    "RELATIONSHIP",
    "One record per IE record per qualifier",
    ("STUDYID", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
    (
        Var("STUDYID", "Study Identifier", core="Req", origin="Assigned"),
        Var("RDOMAIN", "Related Domain Abbreviation", core="Req", origin="Assigned"),
        Var("USUBJID", "Unique Subject Identifier", core="Req", origin="Derived"),
        Var("IDVAR", "Identifying Variable", core="Exp", origin="Assigned"),
        Var("IDVARVAL", "Identifying Variable Value", core="Exp", origin="Derived"),
        Var("QNAM", "Qualifier Variable Name", core="Req", origin="Assigned"),
        Var("QLABEL", "Qualifier Variable Label", core="Req", origin="Assigned"),
        Var(
            "QVAL",
            "Data Value",
            core="Req",
            origin="Derived",
            derivation="The eligibility engine's reason for the verdict, with its evidence.",
        ),
        Var("QORIG", "Origin", core="Req", origin="Assigned"),
    ),
)


def build_ds(ctx: Context) -> Dataset:
    d = ctx.design
    rows: list[dict[str, Cell]] = []
    enrolled = ctx.enrolled_from()
    for i, r in enumerate(ctx.study.screening, start=1):
        if r.status == "eligible" or r.screening_id in enrolled:
            continue  # not a screen failure (enrolled, on a waiver where not eligible)
        term = r.reason or r.status
        if r.status == "incomplete":
            term = f"SCREENING INCOMPLETE: {r.reason}" if r.reason else "SCREENING INCOMPLETE"
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "DS",
                "USUBJID": ctx.usubjid(r.screening_id),
                "DSSPID": f"screening.csv row {i}",
                "DSTERM": ascii_text(term),
                "DSDECOD": "SCREEN FAILURE",
                "DSCAT": "DISPOSITION EVENT",
                "DSSCAT": PARTICIPATION,
                "EPOCH": d.elements[0].epoch,
            }
        )
    for i, s in enumerate(ctx.study.subjects, start=1):
        treatment = _treatment_end(ctx, s.subject_id, i)
        if treatment is not None:
            term, ended, source = treatment
            rows.append(_event(ctx, s.subject_id, source, term, TREATMENT, ended))
        reason = s.off_study_reason.strip()
        if not reason:
            continue  # on study at the data cut-off: no end-of-study disposition yet
        when = s.off_study_date
        if when is None:  # a folder whose off-study date is empty
            when = s.death_date if reason.lower() == "death" else (s.last_contact or s.death_date)
        rows.append(_event(ctx, s.subject_id, f"subjects.csv row {i}", reason, PARTICIPATION, when))
    return make(DS, with_seq(rows, "DSSEQ", ("USUBJID", "DSSTDTC", "DSSCAT", "DSDECOD")))


def _treatment_end(ctx: Context, subject_id: str, row: int) -> tuple[str, date, str] | None:
    """(reported term, date, source row) of the end of study treatment: the recorded early end,
    or COMPLETED on the last dose once every cycle of the protocol's regimen was given; None
    while on treatment."""
    s = ctx.subject(subject_id)
    if s.treatment_end_date is not None:
        # the folder's loader refuses a treatment end date without its reason
        return s.treatment_end_reason, s.treatment_end_date, f"subjects.csv row {row}"
    doses = [(j, d) for j, d in enumerate(ctx.study.doses, start=1) if d.subject_id == subject_id]
    protocol = ctx.protocol.id
    if not has_regimen(protocol):
        return None  # no regimen, no "every cycle given": only a recorded end is an event
    if len({d.cycle for _, d in doses}) < DosingParameters(regimen_of(protocol)).cycles:
        return None
    j, last = max(doses, key=lambda jd: jd[1].date)
    return "completed", last.date, f"doses.csv row {j}"


def _event(
    ctx: Context, subject_id: str, source: str, term: str, scat: str, when: date | None
) -> dict[str, Cell]:
    return {
        "STUDYID": ctx.design.studyid,
        "DOMAIN": "DS",
        "USUBJID": ctx.usubjid(subject_id),
        "DSSPID": source,
        "DSTERM": ascii_text(term.upper()),
        "DSDECOD": standard_term(term),
        "DSCAT": "DISPOSITION EVENT",
        "DSSCAT": scat,
        "EPOCH": ctx.epoch(subject_id, when) if when else None,
        "DSSTDTC": iso(when),
        "DSSTDY": ctx.day(subject_id, when),
    }


def blocking_criterion(ctx: Context, reason: str) -> str | None:
    """The criterion id a screening verdict's reason opens with ("<id>: …"), if it is one of
    the protocol's."""
    head = reason.split(":", 1)[0].strip()
    return head if head in {c.id for c in ctx.protocol.criteria} else None


def build_ie(ctx: Context) -> tuple[Dataset, Dataset]:
    """A screen failure's blocking criterion (from the screening log), and each criterion an
    investigator waived (deviations.csv, category eligibility) under the subject enrolled on
    the waiver — both traced to the screening-log row (IESPID)."""
    d = ctx.design
    rows: list[dict[str, Cell]] = []
    qualifiers: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    enrolled = ctx.enrolled_from()
    waivers: dict[str, list[DeviationRow]] = {}
    for w in ctx.study.deviations:
        if w.category == "eligibility" and w.criterion:
            number = w.screening_id or _screening_of(ctx, w.subject_id)
            waivers.setdefault(number, []).append(w)

    def add(usubjid: str, row: int, cid: str) -> None:
        c = ctx.protocol.criterion(cid)
        result = "N" if c.kind == "inclusion" else "Y"
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "IE",
                "USUBJID": usubjid,
                "IESPID": f"screening.csv row {row}",
                "IETESTCD": cid,
                "IETEST": ascii_text(c.text),
                "IECAT": c.kind.upper(),
                "IEORRES": result,
                "IESTRESC": result,
                "EPOCH": d.elements[0].epoch,
            }
        )

    known = {c.id for c in ctx.protocol.criteria}
    for i, r in enumerate(ctx.study.screening, start=1):
        subject = enrolled.get(r.screening_id)
        usubjid = ctx.usubjid(subject or r.screening_id)
        waived = [w for w in waivers.get(r.screening_id, []) if w.criterion in known]
        for w in waived:  # the investigator's waivers of this screening's criteria
            add(usubjid, i, w.criterion)
            qualifiers[(usubjid, w.criterion)] = [
                ("IEREASON", "Screening Verdict Reason and Evidence", w.description),
                (
                    "IEWAIVER",
                    "Investigator's Waiver and Reason",
                    f"waived by {w.recorded_by} on {w.date.isoformat()}: {w.reason}",
                ),
            ]
        cid = blocking_criterion(ctx, r.reason) if r.status == "ineligible" else None
        if cid is None or subject is not None or (usubjid, cid) in qualifiers:
            continue  # enrolled: its criteria not met are the waived ones above
        add(usubjid, i, cid)
        qualifiers[(usubjid, cid)] = [
            (
                "IEREASON",
                "Screening Verdict Reason and Evidence",
                r.reason.split(":", 1)[1].strip(),
            )
        ]
    ie = make(IE, with_seq(rows, "IESEQ", ("USUBJID", "IETESTCD")))
    supp = [
        {
            "STUDYID": d.studyid,
            "RDOMAIN": "IE",
            "USUBJID": row["USUBJID"],
            "IDVAR": "IESEQ",
            "IDVARVAL": str(row["IESEQ"]),
            "QNAM": qnam,
            "QLABEL": label,
            "QVAL": ascii_text(value),
            "QORIG": "Derived" if qnam == "IEREASON" else "Collected",
        }
        for row in ie.rows
        for qnam, label, value in qualifiers[(str(row["USUBJID"]), str(row["IETESTCD"]))]
    ]
    return ie, make(SUPPIE, supp)


def _screening_of(ctx: Context, subject_id: str) -> str:
    return next((s.screening_id for s in ctx.study.subjects if s.subject_id == subject_id), "")

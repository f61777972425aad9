"""SDTM Demographics (DM): one record per subject, enrolled or screen failure (SDTMIG 3.4 §6.1.1).

Screen failures are in DM with ARMNRS "SCREEN FAILURE" (SDTMIG 3.4 allows it and it keeps IE
and DS consistent with DM); the study folder's screening log carries no demographics for them,
so SEX is "U" (unknown) and AGE empty — never a guess.
"""

from __future__ import annotations

from trialkit.cdisc.common import identifiers, yn
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make

SEXES = {"female": "F", "f": "F", "male": "M", "m": "M"}

DM = Spec(
    "DM",
    "Demographics",
    "SPECIAL PURPOSE",
    "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        *identifiers("DM"),
        Var(
            "SUBJID",
            "Subject Identifier for the Study",
            core="Req",
            origin="Collected",
            source="subjects.csv subject_id; screening.csv patient_id for screen failures",
        ),
        Var(
            "RFSTDTC",
            "Subject Reference Start Date/Time",
            "date",
            derivation="First dose of study treatment (subjects.csv first_dose).",
        ),
        Var(
            "RFENDTC",
            "Subject Reference End Date/Time",
            "date",
            derivation="Death date, else last contact (end of participation).",
        ),
        Var(
            "RFXSTDTC",
            "Date/Time of First Study Treatment",
            "date",
            derivation="Earliest EXSTDTC of the subject.",
        ),
        Var(
            "RFXENDTC",
            "Date/Time of Last Study Treatment",
            "date",
            derivation="Latest EXSTDTC of the subject.",
        ),
        Var(
            "RFPENDTC",
            "Date/Time of End of Participation",
            "date",
            derivation="Death date, else last contact, else enrolment.",
        ),
        Var(
            "DTHDTC",
            "Date/Time of Death",
            "date",
            origin="Collected",
            source="subjects.csv death_date",
        ),
        Var(
            "DTHFL",
            "Subject Death Flag",
            codelist="NY",
            derivation='"Y" when DTHDTC is present, else empty.',
        ),
        Var("SITEID", "Study Site Identifier", core="Req", origin="Assigned"),
        Var("AGE", "Age", "integer", origin="Collected", source="subjects.csv age"),
        Var("AGEU", "Age Units", codelist="AGEU", origin="Assigned"),
        Var(
            "SEX", "Sex", core="Req", origin="Collected", codelist="SEX", source="subjects.csv sex"
        ),
        Var("ARMCD", "Planned Arm Code", origin="Assigned"),
        Var("ARM", "Description of Planned Arm", origin="Assigned"),
        Var("ACTARMCD", "Actual Arm Code", derivation="ARMCD when dosed, else empty."),
        Var("ACTARM", "Description of Actual Arm", derivation="ARM when dosed, else empty."),
        Var(
            "ARMNRS",
            "Reason Arm and/or Actual Arm is Null",
            codelist="ARMNRS",
            derivation='"SCREEN FAILURE" for screen failures; "ASSIGNED, NOT TREATED" for '
            "enrolled subjects never dosed.",
        ),
        Var("COUNTRY", "Country", core="Req", origin="Assigned"),
    ),
)


def build_dm(ctx: Context) -> Dataset:
    d = ctx.design
    rows: list[dict[str, Cell]] = []
    for s in ctx.study.subjects:
        doses = sorted(x.date for x in ctx.study.doses if x.subject_id == s.subject_id)
        end = s.death_date or s.last_contact
        treated = s.first_dose is not None
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "DM",
                "USUBJID": ctx.usubjid(s.subject_id),
                "SUBJID": s.subject_id,
                "RFSTDTC": iso(s.first_dose),
                "RFENDTC": iso(end),
                "RFXSTDTC": iso(doses[0]) if doses else None,
                "RFXENDTC": iso(doses[-1]) if doses else None,
                "RFPENDTC": iso(end or s.enrolled),
                "DTHDTC": iso(s.death_date),
                "DTHFL": yn(True) if s.death_date else None,
                "SITEID": d.siteid,
                "AGE": s.age,
                "AGEU": "YEARS",
                "SEX": SEXES.get(s.sex.strip().lower(), "U"),
                "ARMCD": d.arm_code,
                "ARM": d.arm_name,
                "ACTARMCD": d.arm_code if treated else None,
                "ACTARM": d.arm_name if treated else None,
                "ARMNRS": None if treated else "ASSIGNED, NOT TREATED",
                "COUNTRY": d.country,
            }
        )
    for f in screen_failures(ctx):
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "DM",
                "USUBJID": ctx.usubjid(f),
                "SUBJID": f,
                "SITEID": d.siteid,
                "SEX": "U",
                "ARMNRS": "SCREEN FAILURE",
                "COUNTRY": d.country,
            }
        )
    return make(DM, sorted(rows, key=lambda r: str(r["USUBJID"])))


def screen_failures(ctx: Context) -> list[str]:
    """Screening ids of the patients screened and not enrolled (ineligible or incomplete; a
    screening a subject was enrolled from, on a waiver, is that subject's)."""
    enrolled = ctx.enrolled_from()
    return [
        r.screening_id
        for r in ctx.study.screening
        if r.status != "eligible" and r.screening_id not in enrolled
    ]

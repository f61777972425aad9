"""Visits and SDTM Subject Visits (SV).

The study folder has no visit table, so visits are derived from what happened on a date: the
administrations (VISITNUM = cycle, "CYCLE n") and the tumour assessments (the baseline scan
VISITNUM 0 "BASELINE", the k-th follow-up scan VISITNUM 100 + k "TUMOUR ASSESSMENT k").
"""

from __future__ import annotations

from datetime import date

from trialkit.cdisc.common import EPOCH, identifiers, study_day
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make

SCAN_BASE = 100


def scan_visits(ctx: Context, subject_id: str) -> dict[date, tuple[float, str]]:
    base = sorted({m.date for m in ctx.study.lesions if m.subject_id == subject_id and m.baseline})
    follow = sorted(
        {m.date for m in ctx.study.lesions if m.subject_id == subject_id and not m.baseline}
        | {a.date for a in ctx.study.assessments if a.subject_id == subject_id}
    )
    out: dict[date, tuple[float, str]] = dict.fromkeys(base, (0.0, "BASELINE"))
    for k, when in enumerate(follow, start=1):
        out[when] = (float(SCAN_BASE + k), f"TUMOUR ASSESSMENT {k}")
    return out


SV = Spec(
    "SV",
    "Subject Visits",
    "SPECIAL PURPOSE",
    "One record per actual visit per subject",
    ("STUDYID", "USUBJID", "VISITNUM"),
    (
        *identifiers("SV"),
        Var(
            "VISITNUM",
            "Visit Number",
            "float",
            core="Req",
            derivation="Cycle number for an administration; 0 for the baseline scan; 100 + k "
            "for the k-th follow-up tumour assessment.",
        ),
        Var(
            "VISIT",
            "Visit Name",
            core="Perm",
            derivation='"CYCLE n", "BASELINE" or "TUMOUR ASSESSMENT k".',
        ),
        Var(
            "SVSTDTC",
            "Start Date/Time of Visit",
            "date",
            core="Exp",
            derivation="The date of the administration or scan.",
        ),
        Var("SVENDTC", "End Date/Time of Visit", "date", core="Exp", derivation="SVSTDTC."),
        study_day("SVSTDY", "Study Day of Start of Visit", "SVSTDTC"),
        study_day("SVENDY", "Study Day of End of Visit", "SVENDTC"),
        EPOCH,
    ),
)


def build_sv(ctx: Context) -> Dataset:
    rows: list[dict[str, Cell]] = []
    for s in ctx.study.subjects:
        visits = {
            (float(x.cycle), f"CYCLE {x.cycle}"): x.date
            for x in ctx.study.doses
            if x.subject_id == s.subject_id
        }
        visits |= {v: when for when, v in scan_visits(ctx, s.subject_id).items()}
        for (num, name), when in visits.items():
            rows.append(
                {
                    "STUDYID": ctx.design.studyid,
                    "DOMAIN": "SV",
                    "USUBJID": ctx.usubjid(s.subject_id),
                    "VISITNUM": num,
                    "VISIT": name,
                    "SVSTDTC": iso(when),
                    "SVENDTC": iso(when),
                    "SVSTDY": ctx.day(s.subject_id, when),
                    "SVENDY": ctx.day(s.subject_id, when),
                    "EPOCH": ctx.epoch(s.subject_id, when),
                }
            )
    rows.sort(key=lambda r: (str(r["USUBJID"]), float(r["VISITNUM"] or 0)))
    return make(SV, rows)

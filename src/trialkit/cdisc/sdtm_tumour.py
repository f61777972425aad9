"""SDTM oncology domains for RECIST 1.1 (SDTMIG 3.4 §6.3.13–15; CDISC RECIST 1.1 user guide):
TU (lesions identified), TR (their measurements and the sum of diameters), RS (response per
time point and the best overall response).

The responses are those of trialkit's RECIST 1.1 engine (:mod:`trialkit.recist`, the one
implementation the report uses), computed from the measurements TR carries; confirmation of
CR/PR is the analysis' (≥ 28 days, docs/conduct.md).
"""

from __future__ import annotations

from datetime import date

from trialkit.analysis.efficacy import subject_recist
from trialkit.cdisc.common import EPOCH, identifiers, seq, study_day
from trialkit.cdisc.context import Context, iso
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make, with_seq
from trialkit.cdisc.sdtm_visits import scan_visits
from trialkit.recist.model import NON_CR_NON_PD, TOO_SMALL_MM

RESPONSE_CT = {NON_CR_NON_PD: "NON-CR/NON-PD"}
STATES = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "not_evaluated": "NOT EVALUABLE",
    "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
}
RECIST = "RECIST 1.1"


def response(value: str) -> str:
    return RESPONSE_CT.get(value, value)


def _visit_vars() -> tuple[Var, ...]:
    return (
        Var(
            "VISITNUM",
            "Visit Number",
            "float",
            core="Exp",
            derivation="0 for the baseline scan, 100 + k for the k-th follow-up scan.",
        ),
        Var("VISIT", "Visit Name", core="Perm", derivation='"BASELINE" / "TUMOUR ASSESSMENT k".'),
        EPOCH,
    )


TU = Spec(
    "TU",
    "Tumor/Lesion Identification",
    "FINDINGS",
    "One record per identified lesion",
    ("STUDYID", "USUBJID", "TULNKID"),
    (
        *identifiers("TU"),
        seq("TU"),
        Var(
            "TULNKID",
            "Link ID",
            core="Exp",
            origin="Collected",
            source="lesions.csv lesion_id; NEWk for the k-th unequivocal new lesion",
        ),
        Var("TUTESTCD", "Tumor/Lesion ID Short Name", core="Req", origin="Assigned"),
        Var("TUTEST", "Tumor/Lesion ID Test Name", core="Req", origin="Assigned"),
        Var(
            "TUORRES",
            "Tumor/Lesion ID Result",
            core="Exp",
            origin="Collected",
            source="lesions.csv target; assessments.csv new_lesions",
        ),
        Var("TUSTRESC", "Tumor/Lesion ID Result Std. Format", core="Exp", derivation="TUORRES."),
        Var(
            "TULOC",
            "Location of the Tumor/Lesion",
            core="Exp",
            origin="Collected",
            source="lesions.csv organ",
        ),
        Var(
            "TUMETHOD",
            "Method of Identification",
            core="Exp",
            origin="Collected",
            source="lesions.csv method",
        ),
        Var(
            "TUDTC",
            "Date/Time of Tumor/Lesion Identification",
            "date",
            core="Exp",
            origin="Collected",
            source="lesions.csv date; assessments.csv date",
        ),
        study_day("TUDY", "Study Day of Tumor/Lesion Identification", "TUDTC"),
        *_visit_vars(),
    ),
)

TR = Spec(
    "TR",
    "Tumor/Lesion Results",
    "FINDINGS",
    "One record per lesion measurement per time point",
    ("STUDYID", "USUBJID", "TRLNKID", "TRTESTCD", "TRDTC"),
    (
        *identifiers("TR"),
        seq("TR"),
        Var("TRGRPID", "Group ID", core="Perm", derivation='"TARGET" or "NON-TARGET".'),
        Var("TRLNKID", "Link ID", core="Exp", origin="Collected", source="lesions.csv lesion_id"),
        Var(
            "TRTESTCD",
            "Tumor/Lesion Assessment Short Name",
            core="Req",
            origin="Assigned",
            derivation="LDIAM (longest diameter), SAXIS (short axis of a node), TUMSTATE "
            "(non-target state), SUMDIAM (sum of diameters of the target lesions).",
        ),
        Var("TRTEST", "Tumor/Lesion Assessment Test Name", core="Req", origin="Assigned"),
        Var(
            "TRORRES",
            "Result or Finding in Original Units",
            core="Exp",
            origin="Collected",
            source="lesions.csv diameter_mm / status",
        ),
        Var("TRORRESU", "Original Units", core="Exp", origin="Assigned", codelist="UNIT"),
        Var(
            "TRSTRESC",
            "Character Result/Finding in Std Format",
            core="Exp",
            derivation="TRORRES; a lesion too small to measure counts 5 mm (RECIST 1.1).",
        ),
        Var(
            "TRSTRESN",
            "Numeric Result/Finding in Standard Units",
            "float",
            core="Exp",
            derivation="The diameter in mm (5 for too small, 0 for absent).",
        ),
        Var("TRSTRESU", "Standard Units", core="Exp", origin="Assigned", codelist="UNIT"),
        Var(
            "TRSTAT", "Completion Status", core="Perm", derivation='"NOT DONE" when not evaluated.'
        ),
        Var(
            "TRMETHOD",
            "Method Used to Identify the Tumor/Lesion",
            core="Exp",
            origin="Collected",
            source="lesions.csv method",
        ),
        Var(
            "TRDTC",
            "Date/Time of Tumor/Lesion Measurement",
            "date",
            core="Exp",
            origin="Collected",
            source="lesions.csv date",
        ),
        study_day("TRDY", "Study Day of Tumor/Lesion Measurement", "TRDTC"),
        *_visit_vars(),
    ),
)

RS = Spec(
    "RS",
    "Disease Response and Clin Classification",
    "FINDINGS",
    "One record per response assessment per time point",
    ("STUDYID", "USUBJID", "RSTESTCD", "RSDTC"),
    (
        *identifiers("RS"),
        seq("RS"),
        Var(
            "RSTESTCD",
            "Assessment Short Name",
            core="Req",
            origin="Assigned",
            derivation="TRGRESP, NTRGRESP, OVRLRESP per time point; BESTRSP once per subject.",
        ),
        Var("RSTEST", "Assessment Name", core="Req", origin="Assigned"),
        Var("RSCAT", "Category for Assessment", core="Exp", origin="Assigned"),
        Var(
            "RSORRES",
            "Result or Finding in Original Units",
            core="Exp",
            derivation="trialkit's RECIST 1.1 engine over the TR measurements and new lesions.",
        ),
        Var(
            "RSSTRESC", "Character Result/Finding in Std Format", core="Exp", derivation="RSORRES."
        ),
        Var(
            "RSDTC",
            "Date/Time of Assessment",
            "date",
            core="Exp",
            derivation="The scan date; for BESTRSP the date of the first response (CR/PR) or "
            "of progression (PD), else empty.",
        ),
        study_day("RSDY", "Study Day of Assessment", "RSDTC"),
        *_visit_vars(),
    ),
)


def build_tumour(ctx: Context) -> tuple[Dataset, Dataset, Dataset]:
    tu: list[dict[str, Cell]] = []
    tr: list[dict[str, Cell]] = []
    rs: list[dict[str, Cell]] = []
    for s in ctx.study.subjects:
        sid, usubjid = s.subject_id, ctx.usubjid(s.subject_id)
        visits = scan_visits(ctx, sid)

        def base(
            domain: str, when: date, _v: dict[date, tuple[float, str]] = visits, _sid: str = sid
        ) -> dict[str, Cell]:
            return _base(ctx, domain, _sid, _v, when)

        lesions = [m for m in ctx.study.lesions if m.subject_id == sid]
        baseline = {m.lesion_id: m for m in lesions if m.baseline}
        for m in baseline.values():
            kind = "TARGET" if m.target else "NON-TARGET"
            tu.append(
                {
                    **base("TU", m.date),
                    "TULNKID": m.lesion_id,
                    "TUTESTCD": "TUMIDENT",
                    "TUTEST": "Tumor Identification",
                    "TUORRES": kind,
                    "TUSTRESC": kind,
                    "TULOC": m.organ.upper() or None,
                    "TUMETHOD": (m.method or "").upper() or None,
                }
            )
        news = sorted(
            a.date
            for a in ctx.study.assessments
            if a.subject_id == sid and a.new_lesions == "unequivocal"
        )
        for k, when in enumerate(news, start=1):
            tu.append(
                {
                    **base("TU", when),
                    "TULNKID": f"NEW{k}",
                    "TUTESTCD": "TUMIDENT",
                    "TUTEST": "Tumor Identification",
                    "TUORRES": "NEW",
                    "TUSTRESC": "NEW",
                }
            )
        for m in lesions:
            b = baseline.get(m.lesion_id, m)
            row = {
                **base("TR", m.date),
                "TRLNKID": m.lesion_id,
                "TRMETHOD": (b.method or "").upper() or None,
            }
            if b.target:
                row |= _target(m.diameter_mm, m.status, b.is_node)
            else:
                state = STATES.get(m.status or "present", "PRESENT")
                row |= {
                    "TRGRPID": "NON-TARGET",
                    "TRTESTCD": "TUMSTATE",
                    "TRTEST": "Tumor State",
                    "TRORRES": state,
                    "TRSTRESC": state,
                }
                if m.status == "not_evaluated":
                    row |= {"TRSTAT": "NOT DONE", "TRORRES": None, "TRSTRESC": None}
            tr.append(row)
        r = subject_recist(ctx.study, s)
        if r is None:
            continue
        if r.baseline_sum_mm is not None and baseline:
            first = min(m.date for m in baseline.values())
            tr.append(_sum(base("TR", first), r.baseline_sum_mm))
        for t in r.timepoints:
            if t.sum_mm is not None:
                tr.append(_sum(base("TR", t.date), t.sum_mm))
            for code, name, value in (
                ("TRGRESP", "Target Response", t.target),
                ("NTRGRESP", "Non-target Response", t.non_target),
                ("OVRLRESP", "Overall Response", t.overall),
            ):
                if value is not None:
                    rs.append(
                        {
                            **base("RS", t.date),
                            "RSTESTCD": code,
                            "RSTEST": name,
                            "RSCAT": RECIST,
                            "RSORRES": response(value),
                            "RSSTRESC": response(value),
                        }
                    )
        bor = response(r.best_overall_response)
        bor_date = (
            r.response_date if bor in ("CR", "PR") else r.progression_date if bor == "PD" else None
        )
        rs.append(
            {
                "STUDYID": ctx.design.studyid,
                "DOMAIN": "RS",
                "USUBJID": usubjid,
                "RSTESTCD": "BESTRSP",
                "RSTEST": "Best Overall Response",
                "RSCAT": RECIST,
                "RSORRES": bor,
                "RSSTRESC": bor,
                "RSDTC": iso(bor_date),
                "RSDY": ctx.day(sid, bor_date),
            }
        )
    return (
        make(TU, with_seq(tu, "TUSEQ", ("USUBJID", "TUDTC", "TULNKID"))),
        make(TR, with_seq(tr, "TRSEQ", ("USUBJID", "TRDTC", "TRTESTCD", "TRLNKID"))),
        make(RS, with_seq(rs, "RSSEQ", ("USUBJID", "RSDTC", "RSTESTCD"))),
    )


def _base(
    ctx: Context, domain: str, sid: str, visits: dict[date, tuple[float, str]], when: date
) -> dict[str, Cell]:
    num, name = visits[when]
    p = domain[:2]
    return {
        "STUDYID": ctx.design.studyid,
        "DOMAIN": domain,
        "USUBJID": ctx.usubjid(sid),
        f"{p}DTC": iso(when),
        f"{p}DY": ctx.day(sid, when),
        "VISITNUM": num,
        "VISIT": name,
        "EPOCH": ctx.epoch(sid, when),
    }


def _target(diameter: float | None, status: str | None, is_node: bool) -> dict[str, Cell]:
    code, name = ("SAXIS", "Short Axis") if is_node else ("LDIAM", "Longest Diameter")
    row: dict[str, Cell] = {
        "TRGRPID": "TARGET",
        "TRTESTCD": code,
        "TRTEST": name,
        "TRORRESU": "mm",
        "TRSTRESU": "mm",
    }
    if diameter is not None:
        return row | {"TRORRES": f"{diameter:g}", "TRSTRESC": f"{diameter:g}", "TRSTRESN": diameter}
    if status == "too_small":
        too_small = f"{TOO_SMALL_MM:g}"
        return row | {
            "TRORRES": "TOO SMALL TO MEASURE",
            "TRSTRESC": too_small,
            "TRSTRESN": TOO_SMALL_MM,
        }
    if status == "absent":
        return row | {"TRORRES": "0", "TRSTRESC": "0", "TRSTRESN": 0.0}
    return row | {"TRSTAT": "NOT DONE", "TRORRESU": None, "TRSTRESU": None}


def _sum(base: dict[str, Cell], total: float) -> dict[str, Cell]:
    value = f"{total:g}"
    return base | {
        "TRGRPID": "TARGET",
        "TRTESTCD": "SUMDIAM",
        "TRTEST": "Sum of Diameter",
        "TRORRES": value,
        "TRORRESU": "mm",
        "TRSTRESC": value,
        "TRSTRESN": total,
        "TRSTRESU": "mm",
    }

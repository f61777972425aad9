"""SDTM trial design datasets from the protocol folder: TS (summary), TE (elements), TA
(arms), TI (inclusion/exclusion criteria, SDTMIG 3.4 §7).

TI's IETEST is the criterion's verbatim text (ASCII, cut at 200 characters with "..." where
longer: SDTMIG 3.4 §7.4.1 limits IETEST to 200; the full text is the protocol's).
"""

from __future__ import annotations

from trialkit.cdisc.common import ascii_text
from trialkit.cdisc.context import Context
from trialkit.cdisc.model import Cell, Dataset, Spec, Var, make


def _ids(domain: str) -> tuple[Var, ...]:
    return (
        Var("STUDYID", "Study Identifier", core="Req", origin="Protocol"),
        Var(
            "DOMAIN",
            "Domain Abbreviation",
            core="Req",
            origin="Assigned",
            codelist="DOMAIN",
            derivation=f'"{domain}"',
        ),
    )


TS = Spec(
    "TS",
    "Trial Summary",
    "TRIAL DESIGN",
    "One record per trial summary parameter value",
    ("STUDYID", "TSPARMCD", "TSSEQ"),
    (
        *_ids("TS"),
        Var(
            "TSSEQ", "Sequence Number", "integer", core="Req", derivation="1, 2, … within TSPARMCD."
        ),
        Var("TSPARMCD", "Trial Summary Parameter Short Name", core="Req", origin="Protocol"),
        Var("TSPARM", "Trial Summary Parameter", core="Req", origin="Protocol"),
        Var("TSVAL", "Parameter Value", core="Exp", origin="Protocol"),
        Var(
            "TSVALNF",
            "Parameter Null Flavor",
            core="Perm",
            origin="Protocol",
            derivation="Why TSVAL is empty (ISO 21090 null flavour).",
        ),
    ),
)

TE = Spec(
    "TE",
    "Trial Elements",
    "TRIAL DESIGN",
    "One record per planned element",
    ("STUDYID", "ETCD"),
    (
        *_ids("TE"),
        Var("ETCD", "Element Code", core="Req", origin="Protocol"),
        Var("ELEMENT", "Description of Element", core="Req", origin="Protocol"),
        Var("TESTRL", "Rule for Start of Element", core="Req", origin="Protocol"),
        Var("TEENRL", "Rule for End of Element", core="Perm", origin="Protocol"),
        Var("TEDUR", "Planned Duration of Element", core="Perm", origin="Protocol"),
    ),
)

TA = Spec(
    "TA",
    "Trial Arms",
    "TRIAL DESIGN",
    "One record per planned element per arm",
    ("STUDYID", "ARMCD", "TAETORD"),
    (
        *_ids("TA"),
        Var("ARMCD", "Planned Arm Code", core="Req", origin="Protocol"),
        Var("ARM", "Description of Planned Arm", core="Req", origin="Protocol"),
        Var(
            "TAETORD",
            "Planned Order of Element within Arm",
            "integer",
            core="Req",
            origin="Protocol",
        ),
        Var("ETCD", "Element Code", core="Req", origin="Protocol"),
        Var("ELEMENT", "Description of Element", core="Perm", origin="Protocol"),
        Var("EPOCH", "Epoch", core="Req", origin="Protocol", codelist="EPOCH"),
    ),
)

TI = Spec(
    "TI",
    "Trial Inclusion/Exclusion Criteria",
    "TRIAL DESIGN",
    "One record per I/E criterion",
    ("STUDYID", "IETESTCD", "TIVERS"),
    (
        *_ids("TI"),
        Var("IETESTCD", "Incl/Excl Criterion Short Name", core="Req", origin="Protocol"),
        Var("IETEST", "Inclusion/Exclusion Criterion", core="Req", origin="Protocol"),
        Var(
            "IECAT", "Inclusion/Exclusion Category", core="Req", origin="Protocol", codelist="IECAT"
        ),
        Var("TIVERS", "Protocol Criteria Versions", core="Perm", origin="Protocol"),
    ),
)


def build_ts(ctx: Context) -> Dataset:
    d, p = ctx.design, ctx.protocol
    values: list[tuple[str, str, str | None]] = [
        ("TITLE", "Trial Title", p.title),
        ("SPONSOR", "Clinical Study Sponsor", d.sponsor),
        ("REGID", "Registry Identifier", d.registry_id),
        ("TPHASE", "Trial Phase Classification", d.phase),
        ("STYPE", "Study Type", "INTERVENTIONAL"),
        *(("TTYPE", "Trial Type", t) for t in d.trial_types),
        ("INDIC", "Trial Disease/Condition Indication", d.indication),
        ("TRT", "Investigational Therapy or Treatment", d.treatment),
        ("ROUTE", "Route of Administration", d.route),
        ("DOSE", "Dose per Administration", f"{d.planned_dose:g}"),
        ("DOSU", "Dose Units", d.dose_unit),
        ("DOSFRQ", "Dosing Frequency", f"EVERY {d.cycle_weeks} WEEKS"),
        ("AGEMIN", "Planned Minimum Age of Subjects", d.age_min),
        ("AGEMAX", "Planned Maximum Age of Subjects", d.age_max),
        ("SEXPOP", "Sex of Participants", d.sex),
        ("NARMS", "Planned Number of Arms", "1"),
        ("RANDOM", "Trial is Randomized", "N"),
        ("TBLIND", "Trial Blinding Schema", "OPEN LABEL"),
        ("TCNTRL", "Control Type", "NONE"),
        ("ADDON", "Added on to Existing Treatments", "N"),
        (
            "PLANSUB",
            "Planned Number of Subjects",
            None if d.planned_subjects is None else str(d.planned_subjects),
        ),
        ("SDTIGVER", "SDTM IG Version", "3.4"),
        ("SDTMVER", "SDTM Version", "2.0"),
        ("PROTVERS", "Protocol Version", p.version),
    ]
    rows: list[dict[str, Cell]] = []
    seen: dict[str, int] = {}
    for code, name, value in values:
        seen[code] = seen.get(code, 0) + 1
        rows.append(
            {
                "STUDYID": d.studyid,
                "DOMAIN": "TS",
                "TSSEQ": seen[code],
                "TSPARMCD": code,
                "TSPARM": name,
                "TSVAL": None if value is None else ascii_text(value),
                # the record's "Target enrollment: 0" is a known defect: not set, so unknown
                "TSVALNF": "UNK" if value is None else None,
            }
        )
    return make(TS, rows)


def build_te(ctx: Context) -> Dataset:
    d = ctx.design
    return make(
        TE,
        [
            {
                "STUDYID": d.studyid,
                "DOMAIN": "TE",
                "ETCD": e.code,
                "ELEMENT": e.name,
                "TESTRL": e.start,
                "TEENRL": e.end,
                "TEDUR": e.duration,
            }
            for e in d.elements
        ],
    )


def build_ta(ctx: Context) -> Dataset:
    """Screening, then the treatment element once per planned cycle, then follow-up."""
    d = ctx.design
    first, treatment, *rest = d.elements
    order = [first, *([treatment] * d.planned_cycles), *rest]
    return make(
        TA,
        [
            {
                "STUDYID": d.studyid,
                "DOMAIN": "TA",
                "ARMCD": d.arm_code,
                "ARM": d.arm_name,
                "TAETORD": i,
                "ETCD": e.code,
                "ELEMENT": e.name,
                "EPOCH": e.epoch,
            }
            for i, e in enumerate(order, start=1)
        ],
    )


def build_ti(ctx: Context) -> Dataset:
    return make(
        TI,
        [
            {
                "STUDYID": ctx.design.studyid,
                "DOMAIN": "TI",
                "IETESTCD": c.id,
                "IETEST": ascii_text(c.text),
                "IECAT": c.kind.upper(),
                "TIVERS": ctx.protocol.version,
            }
            for c in ctx.protocol.criteria
        ],
    )

"""Age and sex rules, and the derived values computed from the patient (calculators)."""

from __future__ import annotations

from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.record import DataWarning
from trialkit.model.time import completed_years
from trialkit.protocol import nodes as n
from trialkit.wording import day


def age_at(ctx: EvalContext) -> tuple[int | None, list[Evidence], list[str]]:
    """Completed years at as-of from ``Patient.birthDate``; a partial birth date that leaves
    the age ambiguous gives None."""
    birth = ctx.record.birth_date
    source = f"Patient/{ctx.record.patient_id}"
    if birth is None:
        return None, [], ["the date of birth (Patient.birthDate)"]
    if birth.low > ctx.as_of:
        # Nobody is born after the day they are screened: the birth date is wrong, so the
        # age is unknown, never negative (issue 12; data dictionary: implausible → unknown).
        recorded = birth.original or str(birth)
        ctx.warnings.append(
            DataWarning(
                source,
                "birthDate",
                f"{recorded} is after the as-of date {ctx.as_of}; the age is unknown",
            )
        )
        evidence = Evidence(
            source,
            "birth_date",
            recorded,
            time=str(ctx.as_of),
            note="after the as-of date: a data-quality problem, age unknown",
        )
        return None, [evidence], ["a birth date on or before the as-of date"]
    oldest = completed_years(birth.low, ctx.as_of)
    youngest = completed_years(birth.high, ctx.as_of)
    evidence = Evidence(
        source,
        "birth_date",
        birth.original or str(birth),
        time=str(ctx.as_of),
        note=f"age {youngest if oldest == youngest else f'{youngest}–{oldest}'}"
        f" on {day(ctx.as_of)}",
    )
    if oldest != youngest:
        return None, [evidence], ["a full birth date (the recorded one leaves the age ambiguous)"]
    return oldest, [evidence], []


def evaluate_age(node: n.Age, ctx: EvalContext) -> Verdict:
    age, evidence, missing = age_at(ctx)
    if age is None:
        return Verdict(
            Status.UNKNOWN, "Age on the as-of date is not known.", tuple(evidence), tuple(missing)
        )
    low = node.min if node.min is not None else 0
    high = node.max if node.max is not None else 200
    inside = low <= age <= high
    relation = "within" if inside else "outside"
    return Verdict(
        Status.MET if inside else Status.NOT_MET,
        f"Age {age} on {day(ctx.as_of)} is {relation} {low}–{high} years.",
        tuple(evidence),
    )


def evaluate_sex(node: n.Sex, ctx: EvalContext) -> Verdict:
    sex = ctx.record.sex
    source = f"Patient/{ctx.record.patient_id}"
    if sex not in ("male", "female"):
        return Verdict(
            Status.UNKNOWN,
            f"Administrative sex is {sex or 'not recorded'}.",
            (),
            ("the administrative sex (Patient.gender)",),
        )
    evidence = Evidence(source, "gender", sex)
    if sex == node.value:
        return Verdict(Status.MET, f"Patient is {sex}.", (evidence,))
    return Verdict(Status.NOT_MET, f"Patient is {sex}.", (evidence,))

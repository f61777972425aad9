"""Daily observations within a window (issue 15 point 4, "counts within windows"): TELESTAR IN2's
run-in diary ("≥ 4 bowel movements per day during the run-in", a mean over the last 21 days,
at least 14 recorded) and a "≥ 6 of 7 days compliant" count, in both paths.

Known answers by hand from the criterion text: a mean of 4, 4, 4, … is 4 (≥ 4 met); 3.9 is
not; 13 recorded days of 21 are fewer than 14 (unknown, naming the diary days needed); a count
of 6 compliant days of 7 is met, 5 compliant with the 7th missing is unknown (the 7th could be
compliant: 6), 5 compliant and 2 not is not met."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.relational.test_differential_protocols import differences
from trialkit.eligibility.screening import CriterionResult, screen_record
from trialkit.model.codes import Code
from trialkit.model.record import Crf, Measurement, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol import load_protocol
from trialkit.protocol import nodes as n
from trialkit.protocol.model import Criterion, Protocol

AS_OF = date(2026, 12, 1)
TELESTAR = load_protocol("nct01677910")
BM = Code("urn:trialkit:diary", "bowel-movements")


def _diary(values: list[float | None], *, unit: str | None = "/d") -> tuple[Measurement, ...]:
    """One Observation a day ending on as-of; None: the day is not recorded."""
    out = []
    for ago, value in enumerate(reversed(values)):
        if value is None:
            continue
        out.append(
            Measurement(
                f"Observation/bm-{ago}",
                (BM,),
                DateSpan.day(AS_OF - timedelta(days=ago)),
                "final",
                value=Decimal(str(value)),
                unit=unit,
            )
        )
    return tuple(out)


def _only(rule: n.Node) -> Protocol:
    return replace(TELESTAR, criteria=(Criterion("DX1", "inclusion", "diary", rule),))


MEAN = _only(
    n.Daily(
        "bowel_movements",
        n.Param("runin_diary_days"),
        "mean",
        n.Comparison(">=", value=n.Param("runin_min_bowel_movements")),
        min_days=n.Param("runin_min_diary_days"),
    )
)
COMPLIANT = _only(
    n.Daily("bowel_movements", 7.0, "count", each=n.Comparison(">=", value=1.0), at_least=6.0)
)


def _person(pid: str, measurements: tuple[Measurement, ...]) -> PatientRecord:
    return PatientRecord(
        patient_id=pid,
        source_file="built",
        birth_date=DateSpan.day(date(1960, 1, 1)),
        sex="male",
        measurements=measurements,
        crf=Crf({}),
    )


def _dx1(p: Protocol, rec: PatientRecord) -> CriterionResult:
    return screen_record(rec, p, p.defaults(), as_of=AS_OF).criteria[0]


MEAN_CASES = {
    "all-fours": ([4.0] * 21, "met"),
    "just-below": ([3.9] * 21, "not_met"),
    "mixed-mean-4": ([3.0, 5.0] * 10 + [4.0], "met"),  # (10·3 + 10·5 + 4) / 21 = 4
    "fourteen-days": ([None] * 7 + [5.0] * 14, "met"),
    "thirteen-days": ([None] * 8 + [9.0] * 13, "unknown"),
    "outside-window": ([2.0] + [None] * 7 + [5.0] * 13, "unknown"),  # 22 days back: not read
    "no-diary": ([], "unknown"),
}


@pytest.mark.parametrize("case", sorted(MEAN_CASES))
def test_the_run_in_mean(case: str) -> None:
    values, expected = MEAN_CASES[case]
    if case == "outside-window":
        values = values[1:]  # build 21 days, then add the 22nd day back by hand
        extra: tuple[Measurement, ...] = (
            Measurement(
                "Observation/bm-21",
                (BM,),
                DateSpan.day(AS_OF - timedelta(days=21)),
                "final",
                value=Decimal("2"),
                unit="/d",
            ),
        )
    else:
        extra = ()
    result = _dx1(MEAN, _person(case, _diary(values) + extra))
    assert result.status.value == expected
    if expected == "unknown":
        assert any(
            "daily bowel movements recorded on at least 14 of the 21 days" in m
            for m in result.missing
        )


def test_a_day_whose_results_disagree_or_cannot_be_read_is_not_recorded() -> None:
    base = _diary([None] * 7 + [5.0] * 14)
    day = base[0].time
    disagree = replace(base[0], source="Observation/bm-again", value=Decimal("6"))
    assert (
        _dx1(MEAN, _person("a", (*base, replace(disagree, value=Decimal("5"))))).status.value
        == "met"
    )
    assert _dx1(MEAN, _person("b", (*base, disagree))).status.value == "unknown"
    no_unit = replace(base[0], source="Observation/bm-no-unit", unit=None)
    assert _dx1(MEAN, _person("c", (*base, no_unit))).status.value == "unknown"
    assert day is not None


COUNT_CASES = {
    "six-of-seven": ([1, 1, 0, 1, 1, 1, 1], "met"),
    "five-and-one-missing": ([1, 1, 0, 1, None, 1, 1], "unknown"),
    "five-and-two-not": ([1, 0, 0, 1, 1, 1, 1], "not_met"),
    "four-and-two-missing": ([1, None, 0, 1, None, 1, 1], "unknown"),
    "three-missing-two-not": ([None, None, 0, 0, None, 1, 1], "not_met"),  # 2 + 3 < 6
    "three-missing-one-not": ([None, None, 0, 1, None, 1, 1], "unknown"),  # 3 + 3 = 6
    "nothing": ([None] * 7, "unknown"),
}


@pytest.mark.parametrize("case", sorted(COUNT_CASES))
def test_six_of_seven_days(case: str) -> None:
    values, expected = COUNT_CASES[case]
    result = _dx1(
        COMPLIANT, _person(case, _diary([None if v is None else float(v) for v in values]))
    )
    assert result.status.value == expected


def test_both_paths_agree_on_the_known_answers() -> None:
    mean = [_person(c, _diary(v)) for c, (v, _) in MEAN_CASES.items() if c != "outside-window"]
    count = [
        _person(c, _diary([None if x is None else float(x) for x in v]))
        for c, (v, _) in COUNT_CASES.items()
    ]
    assert differences(MEAN, mean, as_of=AS_OF) == []
    assert differences(COMPLIANT, count, as_of=AS_OF) == []

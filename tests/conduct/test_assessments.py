"""Missed and late tumour assessments against the imaging schedule (pure: today passed in).

Dates by hand, not from the code: first dose 2026-12-01 (Tuesday). Week 16 = + 112 days =
2027-03-23 (30 days to 31 Dec, 31 in January, 28 in February, 23 in March); ± 7 days →
window 2027-03-16 to 2027-03-30. Week 24 = + 168 days = 2027-05-18 → 2027-05-11 to
2027-05-25. Schedule (NETTER-2, clinical-facts §2): weeks 16, 24, then every 12.
"""

from __future__ import annotations

from datetime import date

from trialkit.conduct.assessments import Scan, assessment_deviations, assessment_windows
from trialkit.conduct.state import Stage, SubjectState
from trialkit.dosing import DosingParameters

FIRST = date(2026, 12, 1)
ON_STUDY = SubjectState(Stage.FOLLOW_UP)
P = DosingParameters()


def found(
    scans: list[date], today: date, state: SubjectState = ON_STUDY
) -> list[tuple[str, int, date | None]]:
    out = assessment_deviations(
        first_dose=FIRST,
        scans=[Scan(d, f"assessment {i}", i) for i, d in enumerate(scans, start=1)],
        state=state,
        today=today,
        params=P,
    )
    return [(d.kind, d.window.week, d.scan.date if d.scan else None) for d in out]


def test_the_windows_are_the_schedule_plus_minus_seven_days() -> None:
    w16, w24, w36 = assessment_windows(FIRST, P)[:3]
    assert (w16.week, w16.due, w16.earliest, w16.latest) == (
        16,
        date(2027, 3, 23),
        date(2027, 3, 16),
        date(2027, 3, 30),
    )
    assert (w24.due, w24.earliest, w24.latest) == (
        date(2027, 5, 18),
        date(2027, 5, 11),
        date(2027, 5, 25),
    )
    assert (w36.week, w36.due) == (36, date(2027, 8, 10))


def test_on_time_is_no_deviation() -> None:
    assert found([date(2027, 3, 25)], today=date(2027, 4, 15)) == []
    # both ends of the window are in it
    assert found([date(2027, 3, 16)], today=date(2027, 4, 15)) == []
    assert found([date(2027, 3, 30)], today=date(2027, 4, 15)) == []


def test_a_late_scan_names_its_window_and_the_days() -> None:
    out = assessment_deviations(
        first_dose=FIRST,
        scans=[Scan(date(2027, 4, 4), "assessment 7", 7)],
        state=ON_STUDY,
        today=date(2027, 4, 15),
        params=P,
    )
    assert [(d.kind, d.window.week, d.days_after_due) for d in out] == [("late", 16, 12)]
    assert out[0].message == (
        "Week-16 tumour assessment done 4 Apr 2027 (assessment 7), 5 days after its window "
        "closed (16 Mar 2027 to 30 Mar 2027; due 23 Mar 2027, 12 days late; window ± 7 days, "
        "parameter imaging_window_days)"
    )
    assert out[0].breach.category == "assessment"
    assert out[0].breach.rule == "assessment_late"
    assert out[0].date == date(2027, 4, 4)


def test_an_early_scan_is_out_of_its_window_too() -> None:
    """2027-03-10: 6 days before the window opens, 13 days before week 16 is due."""
    out = assessment_deviations(
        first_dose=FIRST,
        scans=[Scan(date(2027, 3, 10), "assessment 3", 3)],
        state=ON_STUDY,
        today=date(2027, 4, 15),
        params=P,
    )
    assert [(d.kind, d.window.week) for d in out] == [("early", 16)]
    assert "6 days before its window opened" in out[0].message
    assert "13 days early" in out[0].message


def test_no_scan_after_the_window_closed_is_missed() -> None:
    out = assessment_deviations(
        first_dose=FIRST, scans=[], state=ON_STUDY, today=date(2027, 4, 15), params=P
    )
    assert [(d.kind, d.window.week, d.date) for d in out] == [("missed", 16, date(2027, 3, 30))]
    assert out[0].message == (
        "Week-16 tumour assessment due 23 Mar 2027 not done: its window (16 Mar 2027 to "
        "30 Mar 2027) closed and no scan is recorded (window ± 7 days, parameter "
        "imaging_window_days)"
    )


def test_a_window_still_open_today_is_no_deviation() -> None:
    assert found([], today=date(2027, 3, 30)) == []  # the last day of the window
    assert found([], today=date(2027, 3, 31)) == [("missed", 16, None)]


def test_off_study_before_the_window_closed_is_no_missed_assessment() -> None:
    gone = SubjectState(Stage.OFF_STUDY, since=date(2027, 3, 1), reason="withdrew consent")
    assert found([], today=date(2027, 6, 1), state=gone) == []
    during = SubjectState(Stage.OFF_STUDY, since=date(2027, 3, 20), reason="died")
    assert found([], today=date(2027, 6, 1), state=during) == []
    # off study after week 16 closed (2027-03-30): week 16 was missed, week 24 was not due
    after = SubjectState(Stage.OFF_STUDY, since=date(2027, 4, 10), reason="withdrew consent")
    assert found([], today=date(2027, 6, 1), state=after) == [("missed", 16, None)]


def test_on_treatment_too_every_closed_window_counts() -> None:
    treated = SubjectState(Stage.CYCLE_DUE, cycle=4, given=(1, 2, 3))
    assert found([date(2027, 3, 24)], today=date(2027, 6, 1), state=treated) == [
        ("missed", 24, None)
    ]


def test_an_extra_scan_near_an_assessment_done_on_time_is_unscheduled() -> None:
    """2027-04-20: 28 days after week 16 (done on time), 28 before week 24 — the tie goes to
    the earlier, done, so it is an unscheduled scan (e.g. a confirmation), not a deviation."""
    assert found([date(2027, 3, 25), date(2027, 4, 20)], today=date(2027, 5, 1)) == []


def test_a_scan_nearer_the_next_assessment_counts_for_it() -> None:
    """2027-05-01: 39 days after week 16, 17 before week 24 — week 16 missed, and once week
    24's window closed without a scan in it, week 24 was done 10 days before it opened."""
    assert found([date(2027, 5, 1)], today=date(2027, 5, 5)) == [("missed", 16, None)]
    assert found([date(2027, 5, 1)], today=date(2027, 5, 26)) == [
        ("missed", 16, None),
        ("early", 24, date(2027, 5, 1)),
    ]


def test_no_first_dose_no_schedule() -> None:
    out = assessment_deviations(
        first_dose=None, scans=[], state=ON_STUDY, today=date(2028, 1, 1), params=P
    )
    assert out == []


def test_the_window_is_a_parameter() -> None:
    from dataclasses import replace

    wide = replace(P, imaging_window_days=14)
    out = assessment_deviations(
        first_dose=FIRST,
        scans=[Scan(date(2027, 4, 4), "assessment 7", 7)],
        state=ON_STUDY,
        today=date(2027, 4, 15),
        params=wide,
    )
    assert out == []  # 2027-04-04 is within 2027-03-09 to 2027-04-06
    assert P.to_json()["imaging_window_days"]["value"] == 7
    assert "UNVERIFIED" in P.to_json()["imaging_window_days"]["source"]

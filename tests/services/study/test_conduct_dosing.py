"""Dosing through the conduct rules (SQLite and PostgreSQL): the dose check at the dose date,
the cycle's window, refusal or an investigator's recorded deviation; dates that cannot be true.

Known answers from clinical-facts §3 (label dose modification: thrombocytopenia grade 2–4 →
withhold; 4 doses every 8 weeks ± 1 week) and §5 (CTCAE v5: platelets 60 ×10⁹/L → grade 2).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from tests.store.helpers import enrolled, make_study
from trialkit.errors import PermissionDenied, ProtocolRefusal

CYCLE1 = date(2026, 12, 1)  # the enrolled example's planned first dose
CYCLE2_DUE = date(2027, 1, 26)  # + 56 days; window 2027-01-19 – 2027-02-02


def panel(platelets: float) -> list[dict[str, Any]]:
    """A full pre-dose panel (clinical-facts §3), normal but for the platelets."""
    return [
        {"analyte": "hemoglobin", "value": 130, "unit": "g/L", "lln": 120},
        {"analyte": "wbc", "value": 6.0, "unit": "10*9/L", "lln": 4.0},
        {"analyte": "platelets", "value": platelets, "unit": "10*9/L", "lln": 150},
        {"analyte": "creatinine", "value": 80, "unit": "umol/L", "uln": 100},
        {"analyte": "alt", "value": 20, "unit": "U/L", "uln": 40},
        {"analyte": "ast", "value": 22, "unit": "U/L", "uln": 40},
        {"analyte": "albumin", "value": 40, "unit": "g/L", "lln": 35},
        {"analyte": "bilirubin", "value": 10, "unit": "umol/L", "uln": 21},
    ]


@pytest.fixture
def world(store_url: str) -> Any:
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 2, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    return study, subject


def add_panel(study: Any, subject: Any, on: date, platelets: float) -> None:
    for lab in panel(platelets):
        study.service.record_lab(study["coordinator"], subject.id, lab_date=on, **lab)


def test_a_dose_against_withhold_is_refused_then_recorded_as_a_deviation(world: Any) -> None:
    study, subject = world
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    add_panel(study, subject, date(2027, 1, 20), platelets=60)
    check = svc.dose_check(coord, subject.id, 2, check_date=CYCLE2_DUE)
    assert check.decision["decision"] == "withhold"
    assert [f["toxicity"] for f in check.decision["findings"]] == ["thrombocytopenia"]

    with pytest.raises(ProtocolRefusal, match="WITHHOLD") as info:
        svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=7.4)
    assert info.value.rule == "dose_check_withhold"
    assert "Only an investigator" in str(info.value)
    with pytest.raises(PermissionDenied):  # a coordinator cannot take the deviation
        svc.record_dose(
            coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=7.4, deviation_reason="x"
        )
    assert [d.cycle for d in svc.get_subject(coord, subject.id).doses] == [1]

    dose = svc.record_dose(
        inv,
        subject.id,
        cycle=2,
        dose_date=CYCLE2_DUE,
        activity_gbq=7.4,
        deviation_reason="platelets recovering; tumour board decision",
    )
    view = svc.get_subject(study["monitor"], subject.id)
    [dev] = [d for d in view.deviations if d.record_kind == "dose"]
    assert dev.record_id == dose.id
    assert (dev.category, dev.rule) == ("dose_activity", "dose_check_withhold")
    assert "platelet" in dev.description
    assert dev.recorded_by == "investigator"
    assert view.state == "cycle 3 due"
    assert svc.verify_audit().ok


def test_a_dose_one_day_after_cycle_1_is_outside_its_window(world: Any) -> None:
    """Observation 2 of issue 13: cycle 2 the day after cycle 1, WITHHOLD that day."""
    study, subject = world
    svc, coord = study.service, study["coordinator"]
    add_panel(study, subject, date(2026, 12, 2), platelets=60)
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_dose(coord, subject.id, cycle=2, dose_date=date(2026, 12, 2), activity_gbq=7.4)
    assert info.value.rule == "dose_before_window"
    assert "window 2027-01-19 – 2027-02-02" in str(info.value)
    assert "WITHHOLD" in str(info.value)
    assert svc.list_deviations(study["monitor"]) == []


def test_the_check_never_uses_labs_from_before_the_previous_dose(world: Any) -> None:
    """Observation 3: with only the screening labs (before cycle 1) there is no PROCEED."""
    study, subject = world
    study.clock.now = datetime(2027, 1, 22, 9, 0)
    add_panel(study, subject, date(2026, 11, 30), platelets=250)  # cycle 1's pre-dose labs
    check = study.service.dose_check(study["coordinator"], subject.id, 2)
    assert check.check_date == CYCLE2_DUE.isoformat()  # the planned date, not today
    assert check.decision["decision"] == "withhold_pending_data"
    assert check.previous_dose_date == CYCLE1.isoformat()
    assert check.labs_ignored >= 8
    add_panel(study, subject, date(2027, 1, 20), platelets=250)
    check = study.service.dose_check(study["coordinator"], subject.id, 2)
    assert check.decision["decision"] == "proceed"
    assert {x["lab_date"] for x in check.decision["labs_used"]} == {"2027-01-20"}


def test_cycles_are_given_in_order_and_within_the_allowed_activity(world: Any) -> None:
    study, subject = world
    svc, coord = study.service, study["coordinator"]
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_dose(coord, subject.id, cycle=3, dose_date=CYCLE2_DUE, activity_gbq=7.4)
    assert info.value.rule == "cycle_not_due"
    add_panel(study, subject, date(2027, 1, 20), platelets=250)
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=9.5)
    assert info.value.rule == "dose_activity_exceeds"
    dose = svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=7.4)
    # a correction cannot move the dose out of its window behind the rules' back
    with pytest.raises(ProtocolRefusal) as info:
        svc.update_record(
            coord, "dose", dose.id, {"dose_date": "2027-01-02"}, version=dose.version, reason="r"
        )
    assert info.value.rule == "dose_before_window"


def test_dates_that_cannot_be_true_are_refused_at_their_field(world: Any) -> None:
    study, subject = world
    svc, coord = study.service, study["coordinator"]
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: svc.record_lab(
                coord,
                subject.id,
                analyte="platelets",
                value=200,
                unit="10*9/L",
                lab_date=date(2099, 1, 1),
            ),
            "lab_date",
        ),
        (
            lambda: svc.record_ae(
                coord, subject.id, term="fatigue", onset_date=date(2099, 1, 1), grade=1
            ),
            "onset_date",
        ),
        (
            lambda: svc.record_dose(
                coord, subject.id, cycle=2, dose_date=date(2099, 1, 1), activity_gbq=7.4
            ),
            "dose_date",
        ),
        (
            lambda: svc.screen(coord, bundle=None, crf={"ecog": 1}, as_of=date(2099, 1, 1)),
            "as_of",
        ),
    ]
    for call, field in cases:
        with pytest.raises(ProtocolRefusal, match="in the future") as info:
            call()
        assert (info.value.rule, info.value.field) == ("date_in_future", field)
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_ae(
            coord,
            subject.id,
            term="fatigue",
            onset_date=date(2027, 1, 10),
            resolved_date=date(2027, 1, 5),
            grade=1,
        )
    assert (info.value.rule, info.value.field) == ("resolved_before_onset", "resolved_date")
    ae = svc.record_ae(coord, subject.id, term="fatigue", onset_date=date(2027, 1, 10), grade=1)
    with pytest.raises(ProtocolRefusal):
        svc.update_record(
            coord,
            "adverse_event",
            ae.id,
            {"resolved_date": "2027-01-01"},
            version=ae.version,
            reason="r",
        )

"""A dose reduced for a reason other than a lab toxicity is a reduction all the same.

Known answers from the label's dose-modification table (clinical-facts §3, US label as in
AJR 2022 Table 1), row "other related grade 3–4": withhold until grade 0–2, then resume at
the reduced activity (3.7 GBq); discontinue if it recurs at grade ≥ 3 after the reduction;
when the reduced dose does not bring it back, the next dose is the full 7.4 GBq (parameter
``reescalate_after_reduced_dose``; with it false the dose stays reduced). Dates by hand:
first dose 2026-12-01; cycle 2 due 2027-01-26 (+ 56 days); cycle 3 due 2027-03-23 (+ 112).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from tests.services.study.test_conduct_dosing import CYCLE1, CYCLE2_DUE, add_panel
from tests.store.helpers import enrolled, make_study

CYCLE3_DUE = date(2027, 3, 23)


@pytest.fixture
def world(store_url: str) -> Any:
    """Cycle 1 at 7.4 GBq; a related grade 3 nausea between cycles 1 and 2, resolved."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 4, 1, 9, 0)
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    svc.record_ae(
        inv,
        subject.id,
        term="Nausea",
        onset_date=date(2027, 1, 5),
        resolved_date=date(2027, 1, 15),
        grade=3,
        causality="possible",
    )
    add_panel(study, subject, date(2027, 1, 24), platelets=200)  # normal labs
    return study, subject


def check(study: Any, subject: Any, cycle: int, day: date) -> tuple[str, float | None]:
    d = study.service.dose_check(study["coordinator"], subject.id, cycle, check_date=day)
    return d.decision["decision"], d.decision["activity_gbq"]


def test_after_a_related_grade_3_event_the_next_dose_is_reduced(world: Any) -> None:
    study, subject = world
    assert check(study, subject, 2, CYCLE2_DUE) == ("resume_reduced", 3.7)


def test_a_recurrence_after_the_reduced_dose_discontinues(world: Any) -> None:
    study, subject = world
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=3.7)
    svc.record_ae(
        inv,
        subject.id,
        term="Nausea",
        onset_date=date(2027, 3, 10),
        grade=3,
        causality="probable",
    )
    add_panel(study, subject, date(2027, 3, 20), platelets=200)
    d = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE).decision
    assert (d["decision"], d["activity_gbq"]) == ("discontinue", None)
    assert any("recurrent other related toxicity" in n for n in d["notes"])


def test_no_recurrence_re_escalates_only_where_the_parameter_allows(world: Any) -> None:
    study, subject = world
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=3.7)
    add_panel(study, subject, date(2027, 3, 20), platelets=200)
    d = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE).decision
    assert (d["decision"], d["activity_gbq"]) == ("proceed", 7.4)
    assert any("no recurrence of other related toxicity" in n for n in d["notes"])
    svc.dosing = replace(svc.dosing, reescalate_after_reduced_dose=False)
    assert check(study, subject, 3, CYCLE3_DUE) == ("proceed", 3.7)


def test_a_reduction_by_the_investigators_decision_is_a_reduction(store_url: str) -> None:
    """No toxicity recorded, cycle 2 given at 3.7 GBq: with re-escalation off, cycle 3
    stays at 3.7 GBq; with it on, the note says why the full dose returns."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 4, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    add_panel(study, subject, date(2027, 1, 24), platelets=200)
    svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=3.7)
    add_panel(study, subject, date(2027, 3, 20), platelets=200)
    d = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE).decision
    assert (d["decision"], d["activity_gbq"]) == ("proceed", 7.4)
    assert any("cycle 2 given at a reduced activity" in n for n in d["notes"])
    svc.dosing = replace(svc.dosing, reescalate_after_reduced_dose=False)
    assert check(study, subject, 3, CYCLE3_DUE) == ("proceed", 3.7)


def test_a_grade_3_event_of_unassessed_causality_holds_the_dose(world: Any) -> None:
    """Unknown is not "unrelated": without the investigator's causality the check cannot
    proceed; once judged unrelated it does."""
    study, subject = world
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    svc.record_dose(coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=3.7)
    ae = svc.record_ae(coord, subject.id, term="Fatigue", onset_date=date(2027, 3, 12), grade=3)
    add_panel(study, subject, date(2027, 3, 20), platelets=200)
    d = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE).decision
    assert d["decision"] == "withhold_pending_data"
    assert any("causality of Fatigue grade 3" in n for n in d["notes"])
    svc.update_record(
        inv,
        "adverse_event",
        ae.id,
        {"causality": "unrelated"},
        version=ae.version,
        reason="assessed",
    )
    assert check(study, subject, 3, CYCLE3_DUE) == ("proceed", 7.4)


def test_a_measured_activity_within_tolerance_is_the_full_dose(store_url: str) -> None:
    """7.2 GBq measured against 7.4 prescribed (−2.7 %, within the 10 % tolerance) is the full
    dose, not a reduction; 6.5 GBq (−12 %) is one."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 4, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    assert not svc.record_dose(
        coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.2
    ).reduced
    add_panel(study, subject, date(2027, 1, 24), platelets=200)
    assert svc.record_dose(
        coord, subject.id, cycle=2, dose_date=CYCLE2_DUE, activity_gbq=6.5
    ).reduced

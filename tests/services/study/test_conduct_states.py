"""The conduct state machine through the service (SQLite and PostgreSQL): every transition
asks the subject's state first; each refused one names its rule and writes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tests.services.study.test_conduct_dosing import CYCLE1, add_panel
from tests.store.helpers import enrolled, make_study, password, screen_example
from trialkit.errors import InputError, ProtocolRefusal


@pytest.fixture
def dosed(store_url: str) -> Any:
    """A subject given cycle 1."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 2, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    return study, svc.get_subject(coord, subject.id)


def refused(rule: str, call: Any, *args: Any, **kwargs: Any) -> ProtocolRefusal:
    with pytest.raises(ProtocolRefusal) as info:
        call(*args, **kwargs)
    assert info.value.rule == rule, str(info.value)
    return info.value


def test_stages_from_enrolment_to_off_study(dosed: Any) -> None:
    study, subject = dosed
    svc, coord = study.service, study["coordinator"]
    assert (subject.stage, subject.state) == ("cycle due", "cycle 2 due")
    view = svc.end_treatment(
        coord,
        subject.id,
        treatment_end_date=date(2027, 1, 10),
        reason="grade 3 nausea, patient declines further cycles",
        version=subject.version,
    )
    assert view.stage == "off treatment"
    assert view.state == "off treatment (grade 3 nausea, patient declines further cycles)"
    assert view.treatment_end_date == "2027-01-10"
    # no dose after the end of treatment, whoever asks, deviation or not
    add_panel(study, subject, date(2027, 1, 24), platelets=250)
    for who, why in ((coord, ""), (study["investigator"], "the patient changed her mind")):
        refused(
            "off_treatment",
            svc.record_dose,
            who,
            subject.id,
            cycle=2,
            dose_date=date(2027, 1, 26),
            activity_gbq=7.4,
            deviation_reason=why,
        )
    refused(
        "not_on_treatment",
        svc.end_treatment,
        coord,
        subject.id,
        treatment_end_date=date(2027, 1, 11),
        reason="again",
        version=view.version,
    )
    refused(
        "date_before_previous_stage",
        svc.start_follow_up,
        coord,
        subject.id,
        follow_up_date=date(2027, 1, 9),
        version=view.version,
    )
    view = svc.start_follow_up(
        coord, subject.id, follow_up_date=date(2027, 1, 20), version=view.version
    )
    assert (view.stage, view.status, view.follow_up_date) == (
        "follow-up",
        "follow_up",
        "2027-01-20",
    )
    view = svc.take_off_study(
        coord,
        subject.id,
        off_study_date=date(2027, 1, 30),
        reason="consent withdrawn",
        version=view.version,
    )
    assert (view.stage, view.state) == ("off study", "off study (consent withdrawn)")
    refused(
        "off_study",
        svc.take_off_study,
        coord,
        subject.id,
        off_study_date=date(2027, 1, 31),
        reason="again",
        version=view.version,
    )
    refused(
        "after_off_study",
        svc.record_lab,
        coord,
        subject.id,
        analyte="platelets",
        value=250,
        unit="10*9/L",
        lab_date=date(2027, 1, 31),
    )
    # a result from before the off-study date may still be entered late
    svc.record_lab(
        coord, subject.id, analyte="platelets", value=250, unit="10*9/L", lab_date=date(2027, 1, 29)
    )
    assert svc.verify_audit().ok


def test_follow_up_needs_the_treatment_ended(dosed: Any) -> None:
    study, subject = dosed
    svc, coord = study.service, study["coordinator"]
    refused(
        "not_off_treatment",
        svc.start_follow_up,
        coord,
        subject.id,
        follow_up_date=date(2027, 1, 20),
        version=subject.version,
    )
    assert svc.get_subject(coord, subject.id).status == "on_study"


def test_off_study_from_treatment_ends_the_treatment(dosed: Any) -> None:
    study, subject = dosed
    svc, coord = study.service, study["coordinator"]
    view = svc.take_off_study(
        coord,
        subject.id,
        off_study_date=date(2027, 1, 5),
        reason="lost to follow-up",
        version=subject.version,
    )
    assert view.treatment_end_date == "2027-01-05"
    assert view.treatment_end_reason == "off study: lost to follow-up"
    refused(
        "off_study",
        svc.record_dose,
        coord,
        subject.id,
        cycle=2,
        dose_date=date(2027, 1, 26),
        activity_gbq=7.4,
    )


def test_the_status_is_not_an_editable_field(dosed: Any) -> None:
    """update_record cannot move a subject between stages behind the state machine's back."""
    study, subject = dosed
    svc, coord = study.service, study["coordinator"]
    for changes in ({"status": "off_study"}, {"off_study_reason": "x"}):
        with pytest.raises(InputError):
            svc.update_record(
                coord, "subject", subject.id, changes, version=subject.version, reason="edit"
            )


def test_enrolment_needs_a_valid_sign_off_and_happens_once(store_url: str) -> None:
    study = make_study(store_url)
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    s = screen_example(study)
    refused("sign_off_required", svc.enrol, coord, s.id, version=s.version)
    s = svc.sign_eligibility(
        inv, s.id, password=password("investigator"), meaning="Reviewed", version=s.version
    )
    refused("sign_off_required", svc.enrol, coord, s.id, version=s.version)  # not a sign-off
    s = svc.sign_eligibility(
        inv,
        s.id,
        password=password("investigator"),
        meaning="I confirm the patient is eligible",
        version=s.version,
    )
    svc.enrol(coord, s.id, version=s.version)
    s = svc.get_screening(coord, s.id)
    refused("already_enrolled", svc.enrol, coord, s.id, version=s.version)
    assert len(svc.list_subjects(coord)) == 1


def test_a_closed_screening_is_not_enrolled(store_url: str) -> None:
    study = make_study(store_url)
    svc, coord = study.service, study["coordinator"]
    s = screen_example(study)
    s = svc.record_outcome(
        coord, s.id, outcome="withdrawn", reason="patient declined", version=s.version
    )
    refused("screening_closed", svc.enrol, coord, s.id, version=s.version)


def test_the_baseline_scan_date_is_the_scans_own(store_url: str) -> None:
    """Issue 13 observation 4: the baseline scan date was the screening's as-of date. It is now
    the baseline scan's date as entered; without one, no baseline scan is recorded."""
    study = make_study(store_url)
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    s = screen_example(study)
    s = svc.sign_eligibility(
        inv,
        s.id,
        password=password("investigator"),
        meaning="I confirm the patient is eligible",
        version=s.version,
    )
    subject = svc.enrol(coord, s.id, version=s.version)
    assert subject.baseline_date is None  # not the as-of date 2026-11-24
    assert subject.baseline_lesions == []
    study.clock.now = datetime(2026, 12, 3, 9, 0)
    with pytest.raises(InputError, match="no baseline scan recorded"):
        svc.record_assessment(
            coord, subject.id, assessment_date=date(2026, 12, 2), lesions=[], new_lesions="none"
        )
    refused(
        "date_in_future",
        svc.record_baseline_scan,
        coord,
        subject.id,
        baseline_scan_date=date(2099, 1, 1),
        version=subject.version,
    )
    view = svc.record_baseline_scan(
        coord, subject.id, baseline_scan_date=date(2026, 11, 20), version=subject.version
    )
    assert view.baseline_date == "2026-11-20"
    assert [x.lesion_id for x in view.baseline_lesions]
    with pytest.raises(InputError, match="the baseline scan is recorded"):
        svc.record_baseline_scan(
            coord, subject.id, baseline_scan_date=date(2026, 11, 21), version=view.version
        )
    assert svc.verify_audit().ok

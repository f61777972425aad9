"""The dose check sees the subject's own history, derived from the stored doses and labs.

Known answers from the label's dose-modification table (clinical-facts §3, US label as in
AJR 2022 Table 1): thrombocytopenia grade 2–4 → withhold until grade 0–1, then resume at the
reduced activity (3.7 GBq); discontinue if it recurs (grade ≥ 2) after the reduction; when the
reduced dose does not bring it back, the next dose is the full 7.4 GBq (parameter
``reescalate_after_reduced_dose``). CTCAE v5: platelets 60 ×10⁹/L → grade 2, 200 → grade 0.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from tests.services.study.test_conduct_dosing import CYCLE1, add_panel
from tests.store.helpers import enrolled, make_study
from trialkit.errors import ProtocolRefusal

WITHHELD = date(2027, 1, 20)  # cycle 2's pre-dose labs: platelets grade 2
RECOVERED = date(2027, 2, 5)  # platelets grade 0, after cycle 2's window (due 2027-01-26 ± 7)
CYCLE3_DUE = date(2027, 3, 23)  # first dose + 2 × 56 days


@pytest.fixture
def reduced(store_url: str) -> Any:
    """Cycle 1 at 7.4 GBq; cycle 2 withheld for thrombocytopenia, then given reduced."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 4, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    add_panel(study, subject, WITHHELD, platelets=60)
    held = svc.dose_check(coord, subject.id, 2, check_date=WITHHELD)
    assert held.decision["decision"] == "withhold"
    add_panel(study, subject, RECOVERED, platelets=200)
    return study, subject


def test_a_cycle_withheld_for_a_toxicity_resumes_at_the_reduced_activity(reduced: Any) -> None:
    study, subject = reduced
    svc, coord = study.service, study["coordinator"]
    check = svc.dose_check(coord, subject.id, 2, check_date=RECOVERED)
    assert check.decision["decision"] == "resume_reduced"
    assert check.decision["activity_gbq"] == 3.7
    assert any("thrombocytopenia resolved" in n for n in check.decision["notes"])
    with pytest.raises(ProtocolRefusal) as info:  # the full dose is not what the label allows
        svc.record_dose(coord, subject.id, cycle=2, dose_date=RECOVERED, activity_gbq=7.4)
    assert info.value.rule == "dose_activity_exceeds"
    # after its window, but held by the toxicity: no dosing-window deviation
    dose = svc.record_dose(coord, subject.id, cycle=2, dose_date=RECOVERED, activity_gbq=3.7)
    assert dose.reduced
    assert [d for d in svc.list_deviations(study["monitor"]) if not d.derived] == []


def test_a_recurrence_after_the_reduced_dose_discontinues(reduced: Any) -> None:
    study, subject = reduced
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=2, dose_date=RECOVERED, activity_gbq=3.7)
    add_panel(study, subject, date(2027, 3, 20), platelets=60)
    check = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE)
    assert check.decision["decision"] == "discontinue"
    assert any("recurrent thrombocytopenia" in n for n in check.decision["notes"])
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_dose(coord, subject.id, cycle=3, dose_date=CYCLE3_DUE, activity_gbq=3.7)
    assert info.value.rule == "dose_check_discontinue"


def test_no_recurrence_re_escalates_only_where_the_parameter_allows(reduced: Any) -> None:
    study, subject = reduced
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=2, dose_date=RECOVERED, activity_gbq=3.7)
    add_panel(study, subject, date(2027, 3, 20), platelets=200)
    check = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE)
    assert (check.decision["decision"], check.decision["activity_gbq"]) == ("proceed", 7.4)
    assert any("re-escalate" in n for n in check.decision["notes"])

    svc.dosing = replace(svc.dosing, reescalate_after_reduced_dose=False)
    check = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE)
    assert (check.decision["decision"], check.decision["activity_gbq"]) == ("proceed", 3.7)
    with pytest.raises(ProtocolRefusal) as info:
        svc.record_dose(coord, subject.id, cycle=3, dose_date=CYCLE3_DUE, activity_gbq=7.4)
    assert info.value.rule == "dose_activity_exceeds"


def test_a_full_dose_after_no_toxicity_is_no_reduction(store_url: str) -> None:
    """Without a reduced dose there is nothing to recur: a grade 2 at cycle 3 withholds."""
    study = make_study(store_url)
    subject = enrolled(study)
    study.clock.now = datetime(2027, 4, 1, 9, 0)
    svc, coord = study.service, study["coordinator"]
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)
    add_panel(study, subject, date(2027, 1, 24), platelets=200)
    svc.record_dose(coord, subject.id, cycle=2, dose_date=date(2027, 1, 26), activity_gbq=7.4)
    add_panel(study, subject, date(2027, 3, 20), platelets=60)
    check = svc.dose_check(coord, subject.id, 3, check_date=CYCLE3_DUE)
    assert check.decision["decision"] == "withhold"

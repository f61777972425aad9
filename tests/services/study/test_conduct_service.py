"""The conduct rules through the service (SQLite and PostgreSQL): sign-off on an incomplete
verdict refused naming the criteria, the waiver path stored as deviations, enrolment guarded."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.store.helpers import make_study, password, screen_example
from trialkit.conduct import ELIGIBLE_MEANING
from trialkit.errors import ProtocolRefusal
from trialkit.report import build_report
from trialkit.study.load import load_study

NO_JUDGEMENT = {"EX24": False, "EX25": False, "EX26": False}


def sign(study: Any, view: Any, **kw: Any) -> Any:
    return study.service.sign_eligibility(
        study["investigator"],
        view.id,
        password=password("investigator"),
        meaning=kw.pop("meaning", ELIGIBLE_MEANING),
        version=view.version,
        judgments=NO_JUDGEMENT,
        **kw,
    )


def test_incomplete_sign_off_refused_then_waived_and_enrolled(store_url: str) -> None:
    study = make_study(store_url)
    svc = study.service
    view = screen_example(study, "incomplete.json")
    assert view.status == "incomplete"
    assert "EX1" in view.unknown

    with pytest.raises(ProtocolRefusal, match=r"EX1 unknown") as info:
        sign(study, view)
    assert info.value.rule == "eligibility_not_established"
    after = svc.get_screening(study["monitor"], view.id)
    assert after.signature is None  # nothing written, not even the judgement answers
    assert after.version == view.version
    assert svc.dashboard(study["monitor"]).funnel["signed"] == 0

    # the coordinator cannot enrol on a mere review signature either
    reviewed = sign(study, view, meaning="I have reviewed the eligibility checklist")
    assert svc.dashboard(study["monitor"]).funnel["signed"] == 0  # a review is no sign-off
    with pytest.raises(ProtocolRefusal) as info:
        svc.enrol(study["coordinator"], reviewed.id, version=reviewed.version)
    assert info.value.rule == "sign_off_required"

    waived = sign(
        study,
        reviewed,
        waive=["EX1"],
        waiver_reason="HBV serology pending; PI judges risk acceptable",
    )
    assert waived.signature is not None
    assert waived.signature.waived == ["EX1"]
    [dev] = waived.deviations
    assert (dev.category, dev.criterion, dev.recorded_by) == ("eligibility", "EX1", "investigator")
    assert dev.reason == "HBV serology pending; PI judges risk acceptable"
    assert svc.list_deviations(study["monitor"], category="eligibility") == [dev]

    subject = svc.enrol(study["coordinator"], waived.id, version=waived.version)
    assert subject.subject_id == "001"
    assert svc.verify_audit().ok
    events = svc.audit_trail(study["monitor"], "deviation", dev.id)
    assert events[0].action == "create"
    assert events[0].reason == dev.reason


def test_enrolment_refused_when_the_data_changed_after_the_sign_off(store_url: str) -> None:
    study = make_study(store_url)
    svc = study.service
    view = sign(study, screen_example(study, "eligible.json"))
    assert view.signature is not None
    assert view.signature.current
    changed = svc.update_crf(
        study["coordinator"], view.id, {"ecog": 1}, version=view.version, reason="corrected"
    )
    # the old signature is shown, stale: it no longer holds
    assert changed.signature is not None
    assert not changed.signature.current
    assert changed.signature.validity == "stale — data changed after signing"
    with pytest.raises(ProtocolRefusal) as info:
        svc.enrol(study["coordinator"], changed.id, version=changed.version)
    assert info.value.rule == "sign_off_stale"


def test_a_waiver_is_in_the_export_and_the_report(tmp_path: Path) -> None:
    study = make_study(f"sqlite:///{tmp_path / 'study.db'}")
    svc = study.service
    view = screen_example(study, "incomplete.json")
    waived = sign(study, view, waive=["EX1"], waiver_reason="serology pending, PI decision")
    svc.enrol(study["coordinator"], waived.id, version=waived.version)
    data = svc.export(study["statistician"], "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path / "export")
    loaded = load_study(tmp_path / "export" / "study")
    [dev] = loaded.deviations
    assert (dev.subject_id, dev.category, dev.criterion) == ("001", "eligibility", "EX1")
    assert dev.reason == "serology pending, PI decision"
    html = build_report(loaded, tmp_path / "report" / "report.html").html.read_text()
    section = html[html.index('<section id="deviations">') :]
    section = section[: section.index("</section>")]
    assert "Eligibility criterion waived (EX1)" in section
    assert "serology pending, PI decision" in section
    # the patient flow adds up: 1 screened, incomplete, enrolled on the waiver → 0 excluded
    flow = html[html.index('<section id="consort">') :]
    flow = flow[: flow.index("</section>")]
    assert "enrolled on an eligibility waiver 1" in flow
    assert "<tr><th>excluded</th><th>0</th></tr>" in flow

"""The study service on SQLite and PostgreSQL: roles, lockout, conflicts, the whole flow."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from tests.store.helpers import AS_OF, EXAMPLES, enrolled, make_study, password, screen_example
from trialkit.errors import AuthError, Conflict, InputError, PermissionDenied
from trialkit.services.screening import screen_paths
from trialkit.services.study.views import MAX_PER_PAGE

# every mutating service method, with arguments that would otherwise be acceptable
MUTATIONS: dict[str, Any] = {
    "screen": lambda s, a, ids: s.screen(a, bundle=ids["bundle"], crf=None, as_of=AS_OF),
    "update_crf": lambda s, a, ids: s.update_crf(a, ids["scr"], {"ecog": 1}, version=1, reason="r"),
    "sign_eligibility": lambda s, a, ids: s.sign_eligibility(
        a, ids["scr"], password="x", meaning="m", version=1
    ),
    "record_outcome": lambda s, a, ids: s.record_outcome(
        a, ids["scr"], outcome="withdrawn", reason="r", version=1
    ),
    "enrol": lambda s, a, ids: s.enrol(a, ids["scr"], version=1),
    "record_dose": lambda s, a, ids: s.record_dose(
        a, ids["subj"], cycle=2, dose_date=date(2027, 1, 26), activity_gbq=7.4
    ),
    "record_lab": lambda s, a, ids: s.record_lab(
        a, ids["subj"], analyte="hemoglobin", value=120, unit="g/L", lab_date=date(2027, 1, 20)
    ),
    "record_assessment": lambda s, a, ids: s.record_assessment(
        a, ids["subj"], assessment_date=date(2027, 3, 1), lesions=[]
    ),
    "record_ae": lambda s, a, ids: s.record_ae(
        a, ids["subj"], term="fatigue", onset_date=date(2027, 1, 2), grade=1
    ),
    "update_record": lambda s, a, ids: s.update_record(
        a, "lab", ids["lab"], {"value": 1}, version=1, reason="r"
    ),
    "delete_record": lambda s, a, ids: s.delete_record(a, "lab", ids["lab"], version=1, reason="r"),
    "answer_query": lambda s, a, ids: s.answer_query(a, 1, "a", version=1),
    "add_user": lambda s, a, ids: s.add_user(a, "newuser", "long-password", "monitor"),
    "disable_user": lambda s, a, ids: s.disable_user(a, "coordinator", reason="r"),
    "enable_user": lambda s, a, ids: s.enable_user(a, "coordinator", reason="r"),
    "set_role": lambda s, a, ids: s.set_role(a, "coordinator", "admin", reason="r"),
    "reset_password": lambda s, a, ids: s.reset_password(
        a, "coordinator", "amber-falcon-window", reason="r"
    ),
    "set_full_name": lambda s, a, ids: s.set_full_name(a, "coordinator", "C Ord", reason="r"),
}


@pytest.fixture
def world(store_url: str) -> Any:
    study = make_study(store_url)
    subject = enrolled(study)
    ids = {
        "bundle": (EXAMPLES / "eligible.json").read_bytes(),
        "scr": screen_example(study).id,
        "subj": subject.id,
        "lab": subject.labs[0].id,
    }
    return study, ids


def test_monitor_and_statistician_cannot_write(world: Any) -> None:
    study, ids = world
    for role in ("monitor", "statistician"):
        for name, call in MUTATIONS.items():
            with pytest.raises(PermissionDenied):
                call(study.service, study[role], ids)
            assert name  # the loop covered it
    assert study.service.verify_audit().ok


def test_only_an_investigator_signs_and_judges_causality(world: Any) -> None:
    study, ids = world
    with pytest.raises(PermissionDenied):
        MUTATIONS["sign_eligibility"](study.service, study["coordinator"], ids)
    with pytest.raises(PermissionDenied):
        study.service.record_ae(
            study["coordinator"],
            ids["subj"],
            term="nausea",
            onset_date=date(2027, 1, 2),
            grade=1,
            causality="possible",
        )


def test_signature_needs_the_password_and_stores_its_meaning(world: Any) -> None:
    study, ids = world
    svc, inv = study.service, study["investigator"]
    with pytest.raises(AuthError):
        svc.sign_eligibility(inv, ids["scr"], password="wrong", meaning="m", version=1)
    v = svc.sign_eligibility(
        inv,
        ids["scr"],
        password=password("investigator"),
        meaning="I have reviewed it",
        version=1,
        judgments={"EX24": True},
    )
    assert v.signature is not None
    assert v.signature.meaning == "I have reviewed it"
    assert v.status == "ineligible"
    assert "EX24" in v.blocking
    with pytest.raises(InputError, match="must sign “I confirm the patient is eligible”"):
        svc.enrol(study["coordinator"], v.id, version=v.version)


def test_lockout_after_five_failures(store_url: str) -> None:
    study = make_study(store_url)
    svc = study.service
    for _ in range(5):
        with pytest.raises(AuthError):
            svc.authenticate("monitor", "wrong")
    with pytest.raises(AuthError, match="locked"):
        svc.authenticate("monitor", password("monitor"))
    study.clock.now += timedelta(minutes=16)
    assert svc.authenticate("monitor", password("monitor")).role == "monitor"
    assert svc.verify_audit().ok


def test_stale_version_is_a_conflict_and_the_first_write_is_kept(world: Any) -> None:
    study, ids = world
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    lab = svc.get_subject(coord, ids["subj"]).labs[0]
    first = svc.update_record(
        coord, "lab", lab.id, {"value": 111}, version=lab.version, reason="typo"
    )
    with pytest.raises(Conflict):
        svc.update_record(inv, "lab", lab.id, {"value": 222}, version=lab.version, reason="typo")
    again = next(x for x in svc.get_subject(coord, ids["subj"]).labs if x.id == lab.id)
    assert again.value == 111
    assert again.version == first.version == lab.version + 1


def test_screening_stores_the_engines_verdict(store_url: str) -> None:
    study = make_study(store_url)
    for name in ("eligible.json", "incomplete.json", "low-haemoglobin.json"):
        view = screen_example(study, name)
        expected = screen_paths([EXAMPLES / name], as_of=AS_OF).results[0].to_json()
        stored = study.service.get_screening(study["monitor"], view.id)
        assert {c["id"]: c["status"] for c in stored.verdict["criteria"]} == {
            c["id"]: c["status"] for c in expected["criteria"]
        }
        assert stored.status == expected["status"]
        assert stored.protocol_id == "nct05894486"
        assert stored.parameters["in_force"]
    assert [s.status for s in study.service.list_screenings(study["monitor"]).items] == [
        "ineligible",
        "incomplete",
        "eligible",
    ]


def test_crf_answers_rescreen(store_url: str) -> None:
    study = make_study(store_url)
    v = screen_example(study, "eligible.json")
    v = study.service.update_crf(
        study["coordinator"], v.id, {"pregnant": True}, version=v.version, reason="correction"
    )
    assert v.status == "ineligible"
    assert v.crf == {"pregnant": True}


def test_full_flow_screen_sign_enrol_dose_scan_ae_export(store_url: str) -> None:
    study = make_study(store_url)
    svc, coord, inv = study.service, study["coordinator"], study["investigator"]
    subject = enrolled(study)
    study.clock.now = datetime(2027, 6, 1, 9, 0)  # the follow-up events below are past by then
    assert subject.first_dose == "2026-12-01"
    assert subject.next_due is not None
    assert subject.next_due["what"] == "cycle 1"
    assert subject.next_due["due_date"] == "2026-12-01"  # dates as …_date (issue 14 item 3)
    assert not {"date", "earliest", "latest"} & set(subject.next_due)
    check = svc.dose_check(coord, subject.id, 1, check_date=date(2026, 12, 1))
    assert check.decision["decision"] == "proceed"
    svc.record_dose(coord, subject.id, cycle=1, dose_date=date(2026, 12, 1), activity_gbq=7.4)
    targets = [x for x in subject.baseline_lesions if x.target]
    scan = svc.record_assessment(
        coord,
        subject.id,
        assessment_date=date(2027, 3, 23),
        lesions=[{"id": x.lesion_id, "diameter_mm": (x.diameter_mm or 0) * 0.5} for x in targets],
    )
    assert scan.timepoint is not None
    assert scan.timepoint["overall"] == "PR"
    ae = svc.record_ae(
        inv,
        subject.id,
        term="platelet_count_decreased",
        onset_date=date(2027, 1, 10),
        lab_value=40,
        lab_unit="10*9/L",
        causality="probable",
    )
    assert ae.grade == 3
    after = svc.get_subject(coord, subject.id)
    assert after.next_due is not None
    assert after.next_due["what"] == "cycle 2"
    data = svc.export(study["statistician"], "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        doses = zf.read("study/doses.csv").decode()
    assert "001,1,2026-12-01,7.4" in doses
    bundle = json.loads(svc.export(study["monitor"], "fhir"))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "MedicationAdministration", "Observation", "AdverseEvent"} <= kinds
    assert {"ResearchStudy", "ResearchSubject"} <= kinds
    labs = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and "valueQuantity" in e["resource"]
    ]
    assert labs
    assert all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in labs)
    cdisc = svc.export(study["statistician"], "cdisc")
    with zipfile.ZipFile(io.BytesIO(cdisc)) as zf:
        names = set(zf.namelist())
        conformance = json.loads(zf.read("cdisc/conformance.json"))
    assert {"cdisc/sdtm/dm.xpt", "cdisc/adam/adsl.xpt", "cdisc/sdtm/define.xml"} <= names
    assert conformance["errors"] == 0, conformance["findings"][:5]
    dash = svc.dashboard(study["monitor"])
    assert dash.funnel["enrolled"] == 1
    assert dash.waterfall[0]["best_change_pct"] == -50.0
    svc.delete_record(coord, "adverse_event", ae.id, version=ae.version, reason="duplicate")
    assert svc.get_subject(coord, subject.id).adverse_events == []
    trail = svc.audit_trail(study["monitor"], "adverse_event", ae.id)
    assert [e.action for e in trail] == ["create", "delete"]
    assert trail[1].reason == "duplicate"
    assert svc.verify_audit().ok


def test_the_screening_log_pages_light_rows_with_one_query(store_url: str) -> None:
    study = make_study(store_url)
    svc, monitor = study.service, study["monitor"]
    subject = enrolled(study)  # screening 1: signed and enrolled
    for name in ("incomplete.json", "low-haemoglobin.json", "eligible.json"):
        screen_example(study, name)
    withdrawn = screen_example(study)
    svc.record_outcome(
        study["coordinator"], withdrawn.id, outcome="withdrawn", reason="r", version=1
    )
    svc.delete_record(study["coordinator"], "screening", withdrawn.id, version=2, reason="dup")

    statements: list[str] = []
    engine = svc.store.engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = svc.list_screenings(monitor, page=1, per_page=3)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1  # no query per row
    assert "verdict" not in statements[0]
    assert "bundle IS NOT NULL" in statements[0]

    # newest first, the soft-deleted one left out, 4 live screenings on 2 pages of 3
    assert (first.page, first.per_page, first.total, first.pages) == (1, 3, 4, 2)
    second = svc.list_screenings(monitor, page=2, per_page=3)
    rows = first.items + second.items
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    assert withdrawn.id not in {r.id for r in rows}
    assert len(second.items) == 1
    past = svc.list_screenings(monitor, page=9, per_page=3)
    assert (past.items, past.total, past.pages) == ([], 4, 2)

    # each light row says what the full view says about the same screening
    for row in rows:
        full = svc.get_screening(monitor, row.id)
        assert not hasattr(row, "verdict")
        assert (row.status, row.blocking, row.unknown) == (full.status, full.blocking, full.unknown)
        assert row.signed_by == (full.signature.username if full.signature else None)
        assert (row.subject_record_id, row.subject_id, row.created_by, row.version) == (
            full.subject_record_id,
            full.subject_id,
            full.created_by,
            full.version,
        )
    assert (rows[-1].subject_record_id, rows[-1].subject_id) == (subject.id, subject.subject_id)
    assert rows[-1].signed_by == "investigator"
    assert rows[-2].status == "incomplete"
    assert rows[-2].unknown
    assert not rows[-2].blocking
    assert rows[-3].status == "ineligible"
    assert rows[-3].blocking == ["EX2"]

    with pytest.raises(InputError) as page_error:
        svc.list_screenings(monitor, page=0)
    assert page_error.value.field == "page"
    with pytest.raises(InputError) as size_error:
        svc.list_screenings(monitor, per_page=MAX_PER_PAGE + 1)
    assert size_error.value.field == "per_page"

"""The store on SQLite and PostgreSQL: migrations, append-only audit, tamper detection."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tests.store.helpers import enrolled, make_study, screen_example
from trialkit.store import models, open_store
from trialkit.store.db import downgrade, normalise_url, upgrade

TABLES = {
    "users",
    "screenings",
    "signatures",
    "subjects",
    "doses",
    "labs",
    "assessments",
    "lesion_measurements",
    "adverse_events",
    "queries",
    "audit_events",
    "audit_head",
}


def test_upgrade_head_creates_every_table_of_the_models(store_url: str) -> None:
    store = open_store(store_url)
    insp = inspect(store.engine)
    assert set(insp.get_table_names()) >= TABLES
    for table in models.Base.metadata.sorted_tables:
        columns = {c["name"] for c in insp.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    store.close()


def test_downgrade_and_upgrade_round_trip(store_url: str) -> None:
    store = open_store(store_url)
    downgrade(store.engine, "base")
    assert not TABLES & set(inspect(store.engine).get_table_names())
    upgrade(store.engine)
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    store.close()


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: object) -> None:
    store = open_store(f"sqlite:///{tmp_path}/x.db")
    with store.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_audit_verify_ok_after_a_whole_flow(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    report = study.service.verify_audit()
    assert report.ok, report.problems
    assert report.events > 10
    assert report.records > 10


def _raw(url: str, *statements: str) -> None:
    engine = create_engine(normalise_url(url))
    with engine.begin() as c:
        for s in statements:
            c.execute(text(s))
    engine.dispose()


def test_audit_events_refuse_update_and_delete(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(store_url, statement)
    assert study.service.verify_audit().ok


def test_a_record_changed_behind_the_app_is_named(store_url: str) -> None:
    study = make_study(store_url)
    subject = enrolled(study)
    _raw(
        store_url,
        f"UPDATE labs SET value = 999 WHERE subject_id = {subject.id} AND key = 'platelets'",
    )
    report = study.service.verify_audit()
    assert not report.ok
    assert any(p.startswith("lab ") and "value" in p and "999" in p for p in report.problems)


def _drop_triggers(url: str) -> list[str]:
    if url.startswith("sqlite"):
        return ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"]
    return ["DROP TRIGGER audit_events_append_only ON audit_events"]


def test_an_edited_audit_event_breaks_the_chain(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    _raw(
        store_url,
        *_drop_triggers(store_url),
        "UPDATE audit_events SET reason = 'forged' WHERE seq = 7",
    )
    report = study.service.verify_audit()
    assert not report.ok
    assert report.problems[0] == "audit event 7: hash mismatch (the event was altered)"


def test_a_deleted_audit_event_is_found(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    _raw(store_url, *_drop_triggers(store_url), "DELETE FROM audit_events WHERE seq = 3")
    report = study.service.verify_audit()
    assert not report.ok
    assert report.problems[0] == "audit event 3 is missing (next is 4)"


def test_deleting_the_last_events_is_found_by_the_head(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    last = study.service.verify_audit().events
    _raw(store_url, *_drop_triggers(store_url), f"DELETE FROM audit_events WHERE seq = {last}")
    report = study.service.verify_audit()
    assert not report.ok
    assert any("events were deleted from the end" in p for p in report.problems)


def test_unreachable_database_is_an_input_error() -> None:
    from trialkit.errors import InputError

    with pytest.raises(InputError, match="cannot open the database"):
        open_store("postgresql://nobody@/nodb?host=/nonexistent&port=1")


def test_migration_0002_fills_the_log_summary_and_audits_it(store_url: str) -> None:
    study = make_study(store_url)
    enrolled(study)
    low = screen_example(study, "low-haemoglobin.json")
    engine = study.service.store.engine
    downgrade(engine, "0001")
    assert "blocking" not in {c["name"] for c in inspect(engine).get_columns("screenings")}
    upgrade(engine)  # 0002 again: fills blocking/unknown from each stored verdict
    monitor = study["monitor"]
    filled = study.service.get_screening(monitor, low.id)
    assert filled.blocking == low.blocking == ["EX2"]
    report = study.service.verify_audit()
    assert report.ok, report.problems
    fills = [
        e
        for e in study.service.audit_trail(monitor, "screening", low.id)
        if e.reason.startswith("schema 0002")
    ]
    assert [e.changes["blocking"] for e in fills] == [[None, ["EX2"]]]
    study.service.store.close()

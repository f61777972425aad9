"""Issue 13, observation 9: the audit chain holds against someone who can write only the DB.

The attacker here has the SQLite file and this (open) source code, not the audit key file:
they drop the append-only triggers, change a lab value and its audit event, and recompute
the chain with plain sha256 exactly as the unkeyed chain is defined (canonical JSON of the
event + the previous hash). Unkeyed, that verifies; with the key, and against a head kept
elsewhere, it must not.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tests.store.helpers import ROLES, Clock, Study, enrolled, password
from trialkit.services.study import StudyService
from trialkit.store import open_store
from trialkit.store.audit_key import audit_key_file
from trialkit.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "trialkit"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _keyed_study(url: str) -> Study:
    """The store as `trialkit serve` and the CLI open it: with the audit key file."""
    clock = Clock()
    store = open_store(url, audit_key=audit_key_file(url, create=True))
    service = StudyService(store, clock=clock)
    for role in ROLES:
        service.add_user(None, role, password(role), role)
    actors = {role: service.authenticate(role, password(role)) for role in ROLES}
    return Study(service, clock, actors)


def _plain_hash(e: AuditEvent, prev: str) -> str:
    """The unkeyed chain, written independently: sha256(canonical event JSON + prev hash)."""
    payload = {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "user_id": e.user_id,
        "username": e.username,
        "role": e.role,
        "action": e.action,
        "kind": e.kind,
        "record_id": e.record_id,
        "changes": e.changes,
        "reason": e.reason,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((canonical + prev).encode()).hexdigest()


def _rewrite(db: Path, *, from_event_of_lab: bool = False, value: float = 999.0) -> None:
    """Observation 9 with the database file alone: triggers dropped, a platelet count and
    its create event edited, the chain recomputed (all of it, or from the edited event)."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as c:
        c.execute(text("DROP TRIGGER audit_events_no_update"))
        c.execute(text("DROP TRIGGER audit_events_no_delete"))
        (lab_id,) = c.execute(text("SELECT id FROM labs WHERE key = 'platelets'")).one()
        c.execute(text("UPDATE labs SET value = :v WHERE id = :i"), {"v": value, "i": lab_id})
    with Session(engine) as s, s.begin():
        edited = s.scalars(
            select(AuditEvent).where(
                AuditEvent.kind == "lab",
                AuditEvent.record_id == lab_id,
                AuditEvent.action == "create",
            )
        ).one()
        changes = json.loads(edited.changes)
        changes["value"][1] = value
        edited.changes = json.dumps(changes, sort_keys=True, separators=(",", ":"))
        start = edited.seq if from_event_of_lab else 1
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        prev = GENESIS if start == 1 else events[start - 2].hash
        for e in events[start - 1 :]:
            e.prev_hash, e.hash = prev, _plain_hash(e, prev)
            prev = e.hash
        head = s.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
    engine.dispose()


def test_a_rewrite_with_the_database_alone_is_detected_by_verify_and_by_the_head(
    tmp_path: Path,
) -> None:
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    study = _keyed_study(url)
    enrolled(study)
    study.service.store.close()
    key_file = tmp_path / "study.db.audit-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip().encode() not in db.read_bytes()  # not in the DB

    head = _cli("audit", "head", "--db", url)
    assert head.returncode == 0, head.stderr
    kept = head.stdout.strip()  # what a monitor writes down
    seq, _, digest = kept.partition(":")
    assert int(seq) > 10
    assert len(digest) == 64
    assert _cli("audit", "verify", "--db", url).returncode == 0
    assert _cli("audit", "verify", "--db", url, "--head", kept).returncode == 0

    _rewrite(db)

    # The attack as observed: without the key the rewritten chain is consistent.
    unkeyed = open_store(url)
    assert StudyService(unkeyed).verify_audit().ok
    unkeyed.close()

    verified = _cli("audit", "verify", "--db", url)
    assert verified.returncode == 1, verified.stdout
    assert "audit trail BROKEN" in verified.stderr
    assert "sealed" in verified.stderr
    anchored = _cli("audit", "verify", "--db", url, "--head", kept)
    assert anchored.returncode == 1
    assert f"audit event {seq} differs from the head kept elsewhere" in anchored.stderr


def test_a_rewrite_from_the_edited_event_on_is_detected(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    study = _keyed_study(url)
    enrolled(study)
    study.service.store.close()
    kept = _cli("audit", "head", "--db", url).stdout.strip()
    _rewrite(db, from_event_of_lab=True)
    verified = _cli("audit", "verify", "--db", url)
    assert verified.returncode == 1
    assert "is not sealed with the audit key although event 1 was" in verified.stderr
    anchored = _cli("audit", "verify", "--db", url, "--head", kept)
    assert anchored.returncode == 1
    assert "differs from the head kept elsewhere" in anchored.stderr


def test_events_deleted_back_past_the_kept_head_are_found(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    study = _keyed_study(url)
    enrolled(study)
    kept = str(study.service.audit_head())
    seq = int(kept.split(":")[0])
    study.service.store.close()
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP TRIGGER audit_events_no_delete"))
        c.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": seq})
        (h,) = c.execute(text("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
        c.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": seq - 1, "h": h})
    engine.dispose()
    anchored = _cli("audit", "verify", "--db", url, "--head", kept)
    assert anchored.returncode == 1
    assert f"audit event {seq} of the head kept elsewhere is not in the chain" in anchored.stderr


def test_later_events_keep_an_earlier_head_valid_and_a_bad_head_is_an_input_error(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = _keyed_study(url)
    kept = str(study.service.audit_head())
    enrolled(study)  # the trail grows after the head was written down
    study.service.store.close()
    assert _cli("audit", "verify", "--db", url, "--head", kept).returncode == 0
    for bad in ("12", "x:" + "0" * 64, "3:abc"):
        refused = _cli("audit", "verify", "--db", url, "--head", bad)
        assert refused.returncode == 2, bad
        assert "--head" in refused.stderr


def test_an_unkeyed_store_stays_verifiable_and_is_sealed_from_its_first_keyed_open(
    tmp_path: Path,
) -> None:
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    store = open_store(url)  # a store kept before the audit key existed
    StudyService(store).add_user(None, "alice", "a-long-passphrase-1", "admin")
    store.close()
    unkeyed = _cli("audit", "verify", "--db", url)
    assert unkeyed.returncode == 0
    assert "no audit key file" in unkeyed.stderr

    keyed = open_store(url, audit_key=audit_key_file(url, create=True))  # first keyed open
    service = StudyService(keyed)
    assert service.verify_audit().ok  # the old sha256 event and the seal event
    keyed.close()
    engine = create_engine(url)
    with engine.begin() as c:
        actions = [a for (a,) in c.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
    engine.dispose()
    assert actions == ["create", "seal"]
    assert _cli("audit", "verify", "--db", url).returncode == 0

"""Issue 13, observation 9: the audit chain holds against someone who can write only the DB.

On SQLite and on PostgreSQL alike. The attacker here has the database (the SQLite file, or
a PostgreSQL login that owns the tables) and this (open) source code, not the audit key file:
they drop the append-only triggers, change a lab value and its audit event, and recompute
the chain with plain sha256 exactly as the unkeyed chain is defined (canonical JSON of the
event + the previous hash). Unkeyed, that verifies; with the key, and against a head kept
elsewhere, it must not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.store.helpers import ROLES, Clock, Study, enrolled, full_name, password
from tests.store.tamper import drop_append_only_triggers, rewrite
from trialkit.services.study.service import StudyService
from trialkit.store import open_store
from trialkit.store.audit_key import audit_key_file, key_path
from trialkit.store.db import normalise_url


@pytest.fixture
def url(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The study database, SQLite or PostgreSQL; the working directory is ``tmp_path``, where
    a PostgreSQL store keeps its audit key file (``trialkit.audit-key``), for this process
    and for the CLI's."""
    monkeypatch.chdir(tmp_path)
    return store_url


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "trialkit"), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path.cwd(),
    )


def _keyed_study(url: str) -> Study:
    """The store as `trialkit serve` and the CLI open it: with the audit key file."""
    clock = Clock()
    store = open_store(url, audit_key=audit_key_file(url, create=True))
    service = StudyService(store, clock=clock)
    for role in ROLES:
        service.add_user(None, role, password(role), role, full_name(role))
    actors = {role: service.authenticate(role, password(role)) for role in ROLES}
    return Study(service, clock, actors)


def _in_database(url: str, secret: str) -> bool:
    """Whether ``secret`` appears anywhere in the database (SQLite: the file's bytes;
    PostgreSQL: any text column of any row)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as c:
            if c.dialect.name == "sqlite":
                path = Path(c.engine.url.database or "")
                return secret.encode() in path.read_bytes()
            tables = [
                t
                for (t,) in c.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ]
            return any(
                c.execute(
                    text(f'SELECT 1 FROM "{t}" AS r WHERE r::text LIKE :s'), {"s": f"%{secret}%"}
                ).first()
                for t in tables
            )
    finally:
        engine.dispose()


def test_a_rewrite_with_the_database_alone_is_detected_by_verify_and_by_the_head(
    url: str,
) -> None:
    study = _keyed_study(url)
    enrolled(study)
    study.service.store.close()
    key_file = key_path(url).resolve()
    assert key_file.parent == Path.cwd()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not _in_database(url, key_file.read_text().strip())  # the key is not in the DB

    head = _cli("audit", "head", "--db", url)
    assert head.returncode == 0, head.stderr
    kept = head.stdout.strip()  # what a monitor writes down
    seq, _, digest = kept.partition(":")
    assert int(seq) > 10
    assert len(digest) == 64
    assert _cli("audit", "verify", "--db", url).returncode == 0
    assert _cli("audit", "verify", "--db", url, "--head", kept).returncode == 0

    rewrite(url)

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


def test_a_rewrite_from_the_edited_event_on_is_detected(url: str) -> None:
    study = _keyed_study(url)
    enrolled(study)
    study.service.store.close()
    kept = _cli("audit", "head", "--db", url).stdout.strip()
    rewrite(url, from_event_of_lab=True)
    verified = _cli("audit", "verify", "--db", url)
    assert verified.returncode == 1
    assert "is not sealed with the audit key although event 1 was" in verified.stderr
    anchored = _cli("audit", "verify", "--db", url, "--head", kept)
    assert anchored.returncode == 1
    assert "differs from the head kept elsewhere" in anchored.stderr


def test_events_deleted_back_past_the_kept_head_are_found(url: str) -> None:
    study = _keyed_study(url)
    enrolled(study)
    kept = str(study.service.audit_head())
    seq = int(kept.split(":")[0])
    study.service.store.close()
    engine = create_engine(normalise_url(url))
    with engine.begin() as c:
        drop_append_only_triggers(c)
        c.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": seq})
        (h,) = c.execute(text("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
        c.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": seq - 1, "h": h})
    engine.dispose()
    anchored = _cli("audit", "verify", "--db", url, "--head", kept)
    assert anchored.returncode == 1
    assert f"audit event {seq} of the head kept elsewhere is not in the chain" in anchored.stderr


def test_later_events_keep_an_earlier_head_valid_and_a_bad_head_is_an_input_error(
    url: str,
) -> None:
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
    url: str,
) -> None:
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
    engine = create_engine(normalise_url(url))
    with engine.begin() as c:
        actions = [a for (a,) in c.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
    engine.dispose()
    assert actions == ["create", "seal"]
    assert _cli("audit", "verify", "--db", url).returncode == 0

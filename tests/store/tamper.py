"""Rewriting the audit trail as someone who has only the database would (issue 13, 9).

They have the database (the SQLite file, or a PostgreSQL login owning the tables) and the
open source code, not the audit key file: they drop the append-only triggers, change a
record and its audit event, and recompute the chain with plain sha256 exactly as the
unkeyed chain is defined (canonical JSON of the event + the previous hash).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.orm import Session

from trialkit.store.db import normalise_url
from trialkit.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def drop_append_only_triggers(c: Connection) -> None:
    """What someone who owns the database can do: the triggers stop the application only."""
    if c.dialect.name == "sqlite":
        c.execute(text("DROP TRIGGER audit_events_no_update"))
        c.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        c.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))


def plain_hash(e: AuditEvent, prev: str) -> str:
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


def rewrite(url: str, *, from_event_of_lab: bool = False, value: float = 999.0) -> None:
    """Observation 9 with the database alone: triggers dropped, a platelet count and
    its create event edited, the chain recomputed (all of it, or from the edited event)."""
    engine = create_engine(normalise_url(url))
    with engine.begin() as c:
        drop_append_only_triggers(c)
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
            e.prev_hash, e.hash = prev, plain_hash(e, prev)
            prev = e.hash
        head = s.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
    engine.dispose()

"""The audit trail: append-only, hash-chained events, and the check that nothing was tampered with.

Each event records who (user id, name, role), when (UTC), what (action, record
kind and id, every changed field as ``[old, new]``) and why (reason). Its hash
is sha256 over the canonical JSON of the event plus the previous event's hash,
so editing, inserting or deleting any event breaks the chain from there on.
Events are written in the same transaction as the change they describe.

:func:`verify` recomputes the chain AND replays every record from its events:
a record changed by SQL behind the application's back no longer equals its
replayed state, and is named. Large or secret fields (the uploaded bundle, the
verdict JSON, password hashes) enter the trail as their sha256, which is
enough to detect a change without copying them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from trialkit.store.models import KINDS, AuditEvent, AuditHead, Base
from trialkit.store.permissions import Actor

GENESIS = "0" * 64
DIGESTED = frozenset({"password_hash", "bundle", "verdict"})
SYSTEM = ("(system)", "system")  # username and role of events without a logged-in user (CLI)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DIGESTED:
        raw = value if isinstance(value, bytes) else canonical(value).encode()
        return "sha256:" + _sha256(raw)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "sha256:" + _sha256(value)
    return value


def plain_value(value: Any) -> Any:
    """A column value as the audit trail writes it (dates as ISO text)."""
    return _plain("", value)


def snapshot(row: Base) -> dict[str, Any]:
    """The audited state of a row: every column but the primary key, as JSON values."""
    mapper = inspect(type(row))
    return {
        attr.key: _plain(attr.key, getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.key != "id"
    }


def kind_of(row: Base) -> str:
    for kind, model in KINDS.items():
        if type(row) is model:
            return kind
    raise TypeError(f"{type(row).__name__} is not an audited record")


def _hash(payload: dict[str, Any], prev_hash: str) -> str:
    return _sha256((canonical(payload) + prev_hash).encode())


def _payload(e: AuditEvent) -> dict[str, Any]:
    return {
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


def event(
    session: Session,
    actor: Actor | None,
    action: str,
    kind: str,
    record_id: int | None,
    changes: dict[str, Any],
    reason: str = "",
    *,
    now: datetime,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    session.flush()
    # Updating the single head row first takes its lock (a row lock on PostgreSQL, the write
    # lock on SQLite), so concurrent appenders queue here and never fork the chain.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    seq, prev = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    ).one()
    username, role = (actor.username, actor.role) if actor else SYSTEM
    e = AuditEvent(
        seq=seq,
        at=now.replace(tzinfo=None),
        user_id=actor.user_id if actor else None,
        username=username,
        role=role,
        action=action,
        kind=kind,
        record_id=record_id,
        changes=canonical(changes),
        reason=reason,
        prev_hash=prev,
        hash="",
    )
    e.hash = _hash(_payload(e), prev)
    session.add(e)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=e.hash))
    session.flush()
    return e


def created(
    session: Session, actor: Actor | None, row: Base, *, now: datetime, reason: str = ""
) -> AuditEvent:
    session.flush()
    changes = {k: [None, v] for k, v in snapshot(row).items()}
    return event(session, actor, "create", kind_of(row), _id(row), changes, reason, now=now)


def changed(
    session: Session,
    actor: Actor | None,
    row: Base,
    before: dict[str, Any],
    action: str,
    reason: str,
    *,
    now: datetime,
) -> AuditEvent:
    """Audit the difference between ``before`` (a :func:`snapshot`) and the row as flushed."""
    session.flush()
    after = snapshot(row)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    return event(session, actor, action, kind_of(row), _id(row), changes, reason, now=now)


def _id(row: Base) -> int:
    value = inspect(row).identity
    assert value is not None
    return int(value[0])


# ---- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    events: int
    records: int
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "records": self.records,
            "problems": list(self.problems),
        }


MAX_PROBLEMS = 50


def verify(session: Session) -> AuditReport:
    """Check the chain, the head, and every record against the state replayed from its events."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    states: dict[tuple[str, int], dict[str, Any]] = {}
    events = 0
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        events += 1
        if e.seq != expected_seq:
            problems.append(f"audit event {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            problems.append(f"audit event {e.seq}: prev_hash does not match event {e.seq - 1}")
        if _hash(_payload(e), e.prev_hash) != e.hash:
            problems.append(f"audit event {e.seq}: hash mismatch (the event was altered)")
        prev, expected_seq = e.hash, e.seq + 1
        if e.record_id is not None and e.kind in KINDS:
            try:
                changes = json.loads(e.changes)
            except ValueError:
                problems.append(f"audit event {e.seq}: changes are not JSON")
                continue
            state = states.setdefault((e.kind, e.record_id), {})
            for name, pair in changes.items():
                state[name] = pair[1]
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected_seq - 1 or head.hash != prev:
        problems.append(
            f"audit chain ends at event {expected_seq - 1} but its head says "
            f"{head.seq if head else '(none)'}: events were deleted from the end"
        )
    records = 0
    for kind, model in KINDS.items():
        seen: set[int] = set()
        for row in session.scalars(select(model)):
            records += 1
            rid = _id(row)
            seen.add(rid)
            replayed = states.get((kind, rid))
            if replayed is None:
                problems.append(f"{kind} {rid}: no audit event (written behind the application)")
                continue
            current = snapshot(row)
            diff = sorted(
                k for k in current.keys() | replayed.keys() if current.get(k) != replayed.get(k)
            )
            if diff:
                shown = ", ".join(
                    f"{k}: audited {replayed.get(k)!r} but stored {current.get(k)!r}"
                    for k in diff[:3]
                )
                problems.append(f"{kind} {rid} differs from its audit trail ({shown})")
        for k, rid in states:
            if k == kind and rid not in seen:
                problems.append(f"{kind} {rid}: audited but physically deleted")
    return AuditReport(not problems, events, records, problems[:MAX_PROBLEMS])


def events_of(session: Session, kind: str | None, record_id: int | None) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.seq)
    if kind is not None:
        q = q.where(AuditEvent.kind == kind)
    if record_id is not None:
        q = q.where(AuditEvent.record_id == record_id)
    return list(session.scalars(q))


def head_sql_check(session: Session) -> int:
    """Number of events (cheap health check used by tests and ``audit verify`` output)."""
    return int(session.execute(text("SELECT count(*) FROM audit_events")).scalar_one())

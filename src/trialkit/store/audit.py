"""The audit trail: append-only, hash-chained events, and the check that nothing was tampered with.

Each event records who (user id, name, role), when (UTC), what (action, record
kind and id, every changed field as ``[old, new]``) and why (reason). Its hash
is sha256 over the canonical JSON of the event plus the previous event's hash,
so editing, inserting or deleting any event breaks the chain from there on.
Events are written in the same transaction as the change they describe.

A store opened with an audit key (a 0600 file outside the database, see
:mod:`trialkit.store.audit_key`) *seals* its events: the hash is HMAC-SHA256 with
that key, which nobody holding only the database can recompute. Events written
before the store had a key stay plain sha256 and still verify; once one event is
sealed, every later one must be. :func:`head` is the chain's last event — kept
elsewhere, it anchors the trail: ``verify(anchor=...)`` fails if that event changed
or vanished.

:func:`verify` recomputes the chain AND replays every record from its events:
a record changed by SQL behind the application's back no longer equals its
replayed state, and is named. Large or secret fields (the uploaded bundle, the
verdict JSON, password hashes) enter the trail as their sha256, which is
enough to detect a change without copying them.
"""

from __future__ import annotations

import hashlib
import hmac
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


AUDIT_KEY = "trialkit_audit_key"  # the key's place in a pooled connection's info (db.open_store)


def audit_key(session: Session) -> bytes | None:
    """The audit key the store was opened with, if any (migrations' sessions included:
    it travels on the connection, not on the session)."""
    key = session.connection().info.get(AUDIT_KEY)
    return key if isinstance(key, bytes) else None


def _hash(payload: dict[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    """sha256 of event + previous hash; with a key HMAC-SHA256, a sealed event."""
    message = (canonical(payload) + prev_hash).encode()
    if key is None:
        return _sha256(message)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


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
    e.hash = _hash(_payload(e), prev, audit_key(session))
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


@dataclass(frozen=True)
class Head:
    """The chain's last event; ``str(head)`` (SEQ:HASH) is what to keep elsewhere."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, value: str) -> Head:
        seq, sep, digest = value.strip().partition(":")
        digest = digest.lower()
        if not sep or not seq.isdigit() or len(digest) != 64 or digest.strip(_HEX):
            raise ValueError(
                f"not an audit head (SEQ:HASH, as `trialkit audit head` prints it): {value!r}"
            )
        return cls(int(seq), digest)


_HEX = "0123456789abcdef"


def head(session: Session) -> Head:
    row = session.get(AuditHead, 1)
    return Head(row.seq, row.hash) if row is not None else Head(0, GENESIS)


def sealed(session: Session) -> bool:
    """Whether any event of the chain carries a valid seal of this store's key."""
    key = audit_key(session)
    if key is None:
        return False
    return any(
        hmac.compare_digest(_hash(_payload(e), e.prev_hash, key), e.hash)
        for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
    )


def verify(session: Session, anchor: Head | None = None) -> AuditReport:
    """Check the chain, the head, and every record against the state replayed from its events.

    With the store's key, every event from the first sealed one on must be sealed, and a
    chain with events but no seal at all is refused: recomputing the chain with the
    database alone cannot forge a seal. ``anchor``, a head kept elsewhere, must still be
    in the chain unchanged (that proves nothing up to it was rewritten, key or no key).
    """
    key = audit_key(session)
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    states: dict[tuple[str, int], dict[str, Any]] = {}
    events = 0
    sealed_from: int | None = None
    anchored = anchor is None or anchor.seq == 0
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        events += 1
        if e.seq != expected_seq:
            problems.append(f"audit event {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            problems.append(f"audit event {e.seq}: prev_hash does not match event {e.seq - 1}")
        payload = _payload(e)
        if key is not None and hmac.compare_digest(_hash(payload, e.prev_hash, key), e.hash):
            sealed_from = e.seq if sealed_from is None else sealed_from
        elif _hash(payload, e.prev_hash) != e.hash:
            problems.append(f"audit event {e.seq}: hash mismatch (the event was altered)")
        elif sealed_from is not None:
            problems.append(
                f"audit event {e.seq} is not sealed with the audit key although event "
                f"{sealed_from} was: the chain was recomputed without the key (rewritten)"
            )
        if anchor is not None and e.seq == anchor.seq:
            anchored = True
            if not hmac.compare_digest(e.hash, anchor.hash):
                problems.append(
                    f"audit event {e.seq} differs from the head kept elsewhere ({anchor.seq}:"
                    f"{anchor.hash[:12]}…): the trail up to it was rewritten"
                )
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
    if key is not None and events and sealed_from is None:
        problems.append(
            "no audit event is sealed with this store's audit key: the trail was recomputed "
            "by someone who had only the database (or the key file is not this store's)"
        )
    if not anchored and anchor is not None:
        problems.append(
            f"audit event {anchor.seq} of the head kept elsewhere is not in the chain "
            f"(it ends at event {expected_seq - 1}): events were deleted"
        )
    last = session.get(AuditHead, 1)
    if last is None or last.seq != expected_seq - 1 or last.hash != prev:
        problems.append(
            f"audit chain ends at event {expected_seq - 1} but its head says "
            f"{last.seq if last else '(none)'}: events were deleted from the end"
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

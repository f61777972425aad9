"""Audited records by name ("Subject 003 · lab result Hemoglobin 19 Nov 2026") and the page
each is read on, for the audit trail (issue 14 item 8: record links instead of internal ids).

A record is named from its state replayed from its own audit events (the ``new`` value of
every change, in chain order) — not from its row — so a deleted record keeps the name it had,
and a record's parent (the subject of a lab, the screening of a signature) is named the same
way. The names are those the record's own page uses (subject and screening numbers, the
analyte as CDISC names it, dates as "19 Nov 2026").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.services.study.subjects import analyte_name
from trialkit.store.models import AuditEvent
from trialkit.wording import day

Key = tuple[str, int]
# the parent whose name and page a record is read under: kind → (parent kind, its column)
_PARENT: dict[str, tuple[str, str]] = {
    "dose": ("subject", "subject_id"),
    "lab": ("subject", "subject_id"),
    "assessment": ("subject", "subject_id"),
    "adverse_event": ("subject", "subject_id"),
    "lesion": ("assessment", "assessment_id"),
    "signature": ("screening", "screening_id"),
}
# records with a correction page of their own (web/pages_records.KINDS)
_OWN_PAGE = frozenset({"dose", "lab", "adverse_event"})


@dataclass(frozen=True)
class RecordName:
    label: str
    url: str | None  # the page the record is read on; None for an account


def _replayed(session: Session, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """Each record's state as its audit events left it (deleted ones included)."""
    by_kind: dict[str, set[int]] = {}
    for kind, rid in keys:
        by_kind.setdefault(kind, set()).add(rid)
    states: dict[Key, dict[str, Any]] = {}
    for kind, ids in by_kind.items():
        rows = session.execute(
            select(AuditEvent.record_id, AuditEvent.changes)
            .where(AuditEvent.kind == kind, AuditEvent.record_id.in_(sorted(ids)))
            .order_by(AuditEvent.seq)
        )
        for found, changes in rows:
            state = states.setdefault((kind, int(found or 0)), {})
            for name, pair in json.loads(changes).items():
                if isinstance(pair, list) and len(pair) == 2:
                    state[name] = pair[1]
    return states


def _parents(kind: str, state: dict[str, Any]) -> list[Key]:
    found: list[Key] = []
    if kind in _PARENT:
        parent, column = _PARENT[kind]
        if isinstance(state.get(column), int):
            found.append((parent, state[column]))
    elif kind == "query" and isinstance(state.get("record_id"), int):
        found.append((str(state.get("kind")), state["record_id"]))
    elif kind == "deviation":
        for parent, column in (("subject", "subject_id"), ("screening", "screening_id")):
            if isinstance(state.get(column), int):
                found.append((parent, state[column]))
    return found


def record_names(session: Session, keys: Iterable[Key]) -> dict[Key, RecordName]:
    """The name and page of each record in ``keys`` (and of nothing else)."""
    wanted = set(keys)
    states: dict[Key, dict[str, Any]] = {}
    todo = set(wanted)
    for _ in range(3):  # lesion → assessment → subject is the deepest chain
        todo -= set(states)
        if not todo:
            break
        new = _replayed(session, todo)
        states.update(new)
        todo = {p for k, s in new.items() for p in _parents(k[0], s)}
    namer = _Namer(states)
    return {key: namer.name(key) for key in wanted}


class _Namer:
    def __init__(self, states: dict[Key, dict[str, Any]]) -> None:
        self.states = states

    def name(self, key: Key) -> RecordName:
        kind, rid = key
        s = self.states.get(key)
        if s is None:  # no event of it (cannot happen for an audited record): say what it is
            return RecordName(f"{kind.replace('_', ' ')} {rid}", None)
        if kind == "screening":
            return RecordName(_screening(s), f"/screening/{rid}")
        if kind == "subject":
            return RecordName(f"Subject {s.get('subject_number')}", f"/subjects/{rid}")
        if kind == "user":
            return RecordName(f"User {s.get('username')}", None)
        if kind == "query":
            target = self._parent(kind, s)
            return RecordName(f"Query on {target.label}", target.url)
        if kind == "deviation":
            parent = self._parent(kind, s)
            what = str(s.get("category") or "").replace("_", " ")
            return RecordName(f"{parent.label} · deviation ({what})", "/deviations")
        parent = self._parent(kind, s)
        label = f"{parent.label} · {_own_words(kind, s)}"
        url = parent.url
        if kind in _OWN_PAGE and s.get("deleted_at") is None and parent.url:
            url = f"{parent.url}/{kind}/{rid}"
        return RecordName(label, url)

    def _parent(self, kind: str, state: dict[str, Any]) -> RecordName:
        parents = _parents(kind, state)
        if not parents:
            return RecordName(kind.replace("_", " "), None)
        return self.name(parents[0])


def _screening(s: dict[str, Any]) -> str:
    """The screening by number and patient: "Screening 12 (Jane Doe, MRN 1234)"; the
    source's patient id where the bundle named neither (a CRF-only screening)."""
    who = [str(s["patient_name"])] if s.get("patient_name") else []
    if s.get("mrn"):
        who.append(f"MRN {s['mrn']}")
    if not who:
        who = [f"patient {s.get('patient_id')}"]
    return f"Screening {s.get('screening_number')} ({', '.join(who)})"


def _own_words(kind: str, s: dict[str, Any]) -> str:
    if kind == "dose":
        return f"cycle {s.get('cycle')} dose {day(s.get('given_on'))}"
    if kind == "lab":
        key = str(s.get("key"))
        try:
            analyte = analyte_name(key)
        except KeyError:  # a key of an older release: shown as stored
            analyte = key.replace("_", " ")
        return f"lab result {analyte} {day(s.get('on'))}"
    if kind == "assessment":
        return f"{'baseline scan' if s.get('baseline') else 'scan'} {day(s.get('on'))}"
    if kind == "lesion":  # read under its scan: "Subject 003 · scan 19 Nov 2026 · lesion L1"
        return f"lesion {s.get('lesion_id')}"
    if kind == "adverse_event":
        return f"adverse event {s.get('term')}, onset {day(s.get('onset'))}"
    if kind == "signature":
        return f"signature of {s.get('signer_name') or s.get('username')}"
    return f"{kind.replace('_', ' ')}"

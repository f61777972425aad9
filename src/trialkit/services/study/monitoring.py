"""Monitoring, export and audit use cases: data queries, CSV/FHIR export, audit trail, dashboard."""

from __future__ import annotations

import json
from typing import Literal

from sqlalchemy import select

from trialkit.errors import InputError
from trialkit.services.study.common import check_version, live, live_kind
from trialkit.services.study.core import StudyCore
from trialkit.services.study.data import view_changes
from trialkit.services.study.export import dashboard, export_cdisc, export_csv, export_fhir
from trialkit.services.study.record_names import RecordName, record_names
from trialkit.services.study.subjects import query_view
from trialkit.services.study.views import AuditReport, AuditView, DashboardView, QueryView
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor, require

ExportFormat = Literal["csv", "fhir", "cdisc"]


class MonitoringCases(StudyCore):
    """What monitors, statisticians and admins do with the data: query, export, audit, overview."""

    def raise_query(self, actor: Actor, kind: str, record_id: int, text: str) -> QueryView:
        """A monitor's data query on any record."""
        require(actor, "raise_query")
        if not text or not text.strip():
            raise InputError("the query text is required", field="text")
        with self._tx() as (session, now):
            live_kind(session, kind, record_id)
            q = m.Query(
                kind=kind,
                record_id=record_id,
                text=text.strip(),
                status="open",
                raised_by=actor.user_id,
                raised_at=now,
                answer=None,
                answered_by=None,
            )
            session.add(q)
            audit.created(session, actor, q, now=now)
            return query_view(session, q)

    def answer_query(self, actor: Actor, query_id: int, answer: str, *, version: int) -> QueryView:
        """Coordinator/investigator answers a query."""
        require(actor, "answer_query")
        if not answer or not answer.strip():
            raise InputError("the answer is required", field="answer")
        with self._tx() as (session, now):
            q = live(session, m.Query, query_id, "query")
            check_version(q, version, "query")
            if q.status == "closed":
                raise InputError("the query is closed")
            before = audit.snapshot(q)
            q.answer, q.answered_by, q.status = answer.strip(), actor.user_id, "answered"
            audit.changed(session, actor, q, before, "update", "query answered", now=now)
            return query_view(session, q)

    def close_query(self, actor: Actor, query_id: int, *, version: int) -> QueryView:
        """The monitor closes an answered query."""
        require(actor, "close_query")
        with self._tx() as (session, now):
            q = live(session, m.Query, query_id, "query")
            check_version(q, version, "query")
            before = audit.snapshot(q)
            q.status = "closed"
            audit.changed(session, actor, q, before, "update", "query closed", now=now)
            return query_view(session, q)

    def list_queries(self, actor: Actor, *, open_only: bool = False) -> list[QueryView]:
        require(actor, "read")
        with self.store.session() as session:
            q = select(m.Query).where(m.Query.deleted_at.is_(None)).order_by(m.Query.id)
            if open_only:
                q = q.where(m.Query.status != "closed")
            return [query_view(session, x) for x in session.scalars(q)]

    def export(self, actor: Actor, fmt: ExportFormat) -> bytes:
        """``csv``: a zip of the study CSV folder (docs/analysis.md format, readable by
        ``trialkit report``) plus screening_log.csv; ``fhir``: a FHIR R4 collection Bundle
        (JSON); ``cdisc``: a zip of the CDISC package (SDTM, ADaM, define.xml, ODM CRF,
        conformance report; docs/cdisc.md). Roles: statistician, monitor, admin."""
        require(actor, "export")
        if fmt not in ("csv", "fhir", "cdisc"):
            raise InputError("format: csv, fhir or cdisc", field="fmt")
        with self._tx() as (session, now):
            today = self.site_today(now)
            if fmt == "csv":
                data = export_csv(session, today, self.dosing)
            elif fmt == "cdisc":
                data = export_cdisc(session, now, today, self.dosing)
            else:
                data = export_fhir(session, now, today, self.dosing)
            audit.event(session, actor, "export", "study", None, {"format": [None, fmt]}, now=now)
            return data

    def audit_trail(
        self, actor: Actor, kind: str | None = None, record_id: int | None = None
    ) -> list[AuditView]:
        """Audit events, oldest first, optionally of one record kind / one record."""
        require(actor, "read_audit")
        with self.store.session() as session:
            events = audit.events_of(session, kind, record_id)
            names = record_names(
                session,
                {
                    (e.kind, e.record_id)
                    for e in events
                    if e.record_id is not None and e.kind in m.KINDS
                },
            )
            unnamed = RecordName("", None)
            return [
                AuditView(
                    seq=e.seq,
                    at=e.at.isoformat(),
                    username=e.username,
                    role=e.role,
                    action=e.action,
                    kind=e.kind,
                    record_id=e.record_id,
                    changes=view_changes(e.kind, json.loads(e.changes)),
                    reason=e.reason,
                    prev_hash=e.prev_hash,
                    hash=e.hash,
                    record_label=names.get((e.kind, e.record_id or 0), unnamed).label,
                    record_page=names.get((e.kind, e.record_id or 0), unnamed).url,
                )
                for e in events
            ]

    def verify_audit(self, anchor: audit.Head | None = None) -> AuditReport:
        """Recompute the hash chain and replay every record from its events (audit.verify);
        ``anchor``: a head kept elsewhere that must still be in the chain, unchanged."""
        with self.store.session() as session:
            return audit.verify(session, anchor)

    def check_audit(self, actor: Actor, anchor: audit.Head | None = None) -> AuditReport:
        """:meth:`verify_audit` for a logged-in user who may read the audit trail."""
        require(actor, "read_audit")
        return self.verify_audit(anchor)

    def current_audit_head(self, actor: Actor) -> audit.Head:
        """:meth:`audit_head` for a logged-in user who may read the audit trail."""
        require(actor, "read_audit")
        return self.audit_head()

    def audit_head(self) -> audit.Head:
        """The chain's last event (SEQ:HASH), to be kept outside the database."""
        with self.store.session() as session:
            return audit.head(session)

    def audit_keyed(self) -> bool:
        """Whether the store seals its events with an audit key."""
        with self.store.session() as session:
            return audit.audit_key(session) is not None

    def dashboard(self, actor: Actor) -> DashboardView:
        """Funnel counts, cumulative enrolment by date, waterfall of best % change, PFS KM."""
        require(actor, "read")
        with self.store.session() as session:
            return dashboard(session, self.site_today(), self.dosing)

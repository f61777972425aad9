"""Screening log summary: the blocking and unknown criterion ids stored beside the verdict.

The log page lists them for every screening; reading them from two small columns
instead of decoding each ~16 kB verdict is what makes the log cheap. Existing
screenings are filled from their stored verdict, and each fill is appended to the
audit trail as a system event, so ``trialkit audit verify`` replays the new columns
like every other one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REASON = "schema 0002: blocking/unknown criteria stored from the verdict"
SCREENINGS = sa.table(
    "screenings",
    sa.column("id", sa.Integer()),
    sa.column("verdict", sa.JSON()),
    sa.column("blocking", sa.JSON()),
    sa.column("unknown", sa.JSON()),
)


def summary(verdict: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Frozen copy of trialkit.services.study.screening.blocking_and_unknown (a migration must
    not change when the application code does)."""
    blocking, unknown = [], []
    for c in verdict.get("criteria", []):
        if (c["kind"] == "inclusion" and c["status"] == "not_met") or (
            c["kind"] == "exclusion" and c["status"] == "met"
        ):
            blocking.append(c["id"])
        elif c["status"] == "unknown":
            unknown.append(c["id"])
    return blocking, unknown


def upgrade() -> None:
    # NOT NULL with a constant default: a plain ALTER TABLE on SQLite and PostgreSQL alike
    # (no table rebuild, which foreign keys into screenings would refuse).
    op.add_column(
        "screenings", sa.Column("blocking", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "screenings", sa.Column("unknown", sa.JSON(), nullable=False, server_default="[]")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(SCREENINGS.c.id, SCREENINGS.c.verdict)).all()
    if not rows:
        return
    from trialkit.store import audit  # the chain's one writer; only needed with data to fill

    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(bind=bind) as session:
        for screening_id, verdict in rows:
            blocking, unknown = summary(verdict)
            session.execute(
                sa.update(SCREENINGS)
                .where(SCREENINGS.c.id == screening_id)
                .values(blocking=blocking, unknown=unknown)
            )
            changes = {"blocking": [None, blocking], "unknown": [None, unknown]}
            audit.event(
                session, None, "update", "screening", screening_id, changes, REASON, now=now
            )
        session.flush()


def downgrade() -> None:
    op.drop_column("screenings", "unknown")
    op.drop_column("screenings", "blocking")

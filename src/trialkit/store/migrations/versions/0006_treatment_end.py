"""Conduct stages after treatment: the end of treatment, follow-up and off study, each dated.

A subject is off treatment when its treatment ended early (date and reason) or every cycle
was given; follow-up starts on a date; off study has a date beside its reason
(:mod:`trialkit.conduct.state`). Existing rows get an empty reason, and each fill is appended
to the audit trail as a system event, so ``trialkit audit verify`` replays the new column.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:50:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REASON = "schema 0006: end of treatment, follow-up and off-study dates (empty until recorded)"
DATES = ("treatment_end_date", "follow_up_date", "off_study_date")


def upgrade() -> None:
    for column in DATES:
        op.add_column("subjects", sa.Column(column, sa.Date(), nullable=True))
    op.add_column(
        "subjects",
        sa.Column("treatment_end_reason", sa.Text(), nullable=False, server_default=""),
    )
    bind = op.get_bind()
    ids = [rid for (rid,) in bind.execute(sa.text("SELECT id FROM subjects ORDER BY id")).all()]
    if not ids:
        return
    from trialkit.store import audit  # the chain's one writer; only needed with data to fill

    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(bind=bind) as session:
        for record_id in ids:
            changes = {"treatment_end_reason": [None, ""]}
            audit.event(session, None, "update", "subject", record_id, changes, REASON, now=now)
        session.flush()


def downgrade() -> None:
    op.drop_column("subjects", "treatment_end_reason")
    for column in DATES:
        op.drop_column("subjects", column)

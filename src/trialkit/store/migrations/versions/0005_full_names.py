"""Full names: the user's name in words, and the signer's name as it was when signing.

21 CFR 11.50 wants the printed name of the signer with every signature; a user name
like ``ivan`` is not one. Existing rows get an empty name, and each fill is appended to
the audit trail as a system event, so ``trialkit audit verify`` replays the new columns
like every other one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REASON = "schema 0005: full names (empty until set)"
FILLS = (("users", "user", "full_name"), ("signatures", "signature", "signer_name"))


def upgrade() -> None:
    for table, _, column in FILLS:
        op.add_column(
            table, sa.Column(column, sa.String(length=128), nullable=False, server_default="")
        )
    bind = op.get_bind()
    rows = [
        (kind, column, record_id)
        for table, kind, column in FILLS
        for (record_id,) in bind.execute(sa.text(f"SELECT id FROM {table} ORDER BY id")).all()
    ]
    if not rows:
        return
    from trialkit.store import audit  # the chain's one writer; only needed with data to fill

    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(bind=bind) as session:
        for kind, column, record_id in rows:
            changes = {column: [None, ""]}
            audit.event(session, None, "update", kind, record_id, changes, REASON, now=now)
        session.flush()


def downgrade() -> None:
    for table, _, column in FILLS:
        op.drop_column(table, column)

"""The screening log names the patient: ``Patient.name`` and the MRN stored on the screening.

The screening page reads them from the verdict; the log lists every screening from its
small columns and never decodes a ~16 kB verdict, so they get columns of their own, like
the blocking/unknown summary (0002). Existing screenings are filled from their stored
verdict (``patient_name``, ``mrn``: what the screening extracted from the uploaded bundle),
and each fill is appended to the audit trail as a system event, so ``trialkit audit verify``
replays the new columns. A screening whose verdict names neither (a CRF-only screening)
keeps them empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 02:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REASON = "schema 0007: patient name and MRN stored from the verdict"
COLUMNS = ("patient_name", "mrn")
SCREENINGS = sa.table(
    "screenings",
    sa.column("id", sa.Integer()),
    sa.column("verdict", sa.JSON()),
    sa.column("patient_name", sa.String()),
    sa.column("mrn", sa.String()),
)


def _text(value: object) -> str | None:
    """Frozen copy of the screening service's reading: a non-empty string, else nothing."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def upgrade() -> None:
    op.add_column("screenings", sa.Column("patient_name", sa.String(256), nullable=True))
    op.add_column("screenings", sa.Column("mrn", sa.String(128), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(SCREENINGS.c.id, SCREENINGS.c.verdict)).all()
    fills = []
    for screening_id, verdict in rows:
        found = {c: _text((verdict or {}).get(c)) for c in COLUMNS}
        if any(found.values()):
            fills.append((screening_id, found))
    if not fills:
        return
    from trialkit.store import audit  # the chain's one writer; only needed with data to fill

    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(bind=bind) as session:
        for screening_id, found in fills:
            session.execute(
                sa.update(SCREENINGS).where(SCREENINGS.c.id == screening_id).values(**found)
            )
            changes = {c: [None, v] for c, v in found.items() if v is not None}
            audit.event(
                session, None, "update", "screening", screening_id, changes, REASON, now=now
            )
        session.flush()


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_column("screenings", column)

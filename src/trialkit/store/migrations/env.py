"""Alembic environment: migrations run programmatically on the connection open_store passes in."""

from __future__ import annotations

from alembic import context

from trialkit.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("trialkit migrations run through trialkit.store.db.upgrade(), not the CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs need batch mode
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

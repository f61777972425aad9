"""Persistent store of the running study: SQLAlchemy 2 models, Alembic migrations, audit trail."""

from trialkit.store.db import DEFAULT_URL, Store, open_store

__all__ = ["DEFAULT_URL", "Store", "open_store"]

"""Open a store: an engine, migrations run to head, and a session factory.

SQLite (the default, a file ``trialkit.db`` in the working directory) runs with
foreign keys on and write-ahead logging, so a killed server loses no committed
transaction and readers do not block the writer. PostgreSQL URLs are used as
given (``postgresql://…`` is mapped to the psycopg 3 driver).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trialkit.errors import InputError

DEFAULT_URL = "sqlite:///trialkit.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another writer's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Store:
    url: str
    engine: Engine
    sessionmaker: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessionmaker() as session, session.begin():
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; anything else as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it returns, also in WAL mode (kill -9 / power loss).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"not a database URL: {url!r}", field="--db") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise InputError(f"unsupported database {parsed.get_backend_name()!r}", field="--db")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations shipped in this package (never autogenerate at runtime)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (patient data; SQLite gives its
    -wal and -shm files the same mode). An existing file is left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise InputError(f"cannot create the database file: {exc}", source=str(path)) from exc


AuditKey = Callable[[], bytes | None]


def _carry_key(engine: Engine, audit_key: AuditKey) -> None:
    """Every pooled connection carries the audit key (audit.audit_key reads it), migrations'
    included; it is asked for on the first connection, once the database is reachable."""
    from trialkit.store.audit import AUDIT_KEY

    def on_connect(_dbapi_connection: Any, record: Any) -> None:
        key = audit_key()
        if key is not None:
            record.info[AUDIT_KEY] = key

    event.listen(engine, "connect", on_connect)


def open_store(url: str = DEFAULT_URL, *, audit_key: AuditKey | None = None) -> Store:
    """Connect, migrate to head and return the store. Unreachable database → InputError.
    A new SQLite file is created with mode 0600.

    ``audit_key`` (an :class:`~trialkit.store.audit_key.AuditKeyFile`) seals the events
    this store writes. A key made just now for a store that already has plain events
    appends one sealed "seal" event, so that from here on a rewrite without the key is
    detected (the old events stay sha256: what they were, not re-signed)."""
    path = sqlite_path(url)
    if path is not None and not path.exists() and path.parent.is_dir():
        _create_private(path)
    engine = make_engine(url)
    if audit_key is not None:
        _carry_key(engine, audit_key)
    try:
        upgrade(engine)
    except InputError:
        engine.dispose()  # the audit key file could not be read or made
        raise
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise InputError(f"cannot open the database: {reason}", field="--db") from exc
    store = Store(url, engine, sessionmaker(engine, expire_on_commit=False))
    if getattr(audit_key, "created", False):
        _seal(store)
    return store


def _seal(store: Store) -> None:
    from trialkit.store import audit

    with store.session() as session:
        if audit.head(session).seq and not audit.sealed(session):
            reason = "audit key created: events from here on are sealed (HMAC)"
            now = datetime.now(UTC)  # the edge: opening a store is not clinical logic
            audit.event(session, None, "seal", "audit", None, {}, reason, now=now)

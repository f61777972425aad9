"""``trialkit serve``: the study application (web UI + REST API) on one uvicorn process."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import typer

from trialkit.cli.main import app
from trialkit.errors import InputError
from trialkit.services.session_settings import SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS
from trialkit.settings import DEFAULT_PROTOCOL

DEFAULT_DB = "sqlite:///trialkit.db"
SECRET_ENV = "TRIALKIT_SECRET_KEY"


def secret_key_for(db_url: str) -> str:
    """The session-signing key: the environment's, else one kept beside the SQLite file.

    Keeping it on disk means a restart does not log everybody out; it is
    created once with owner-only permissions. A server database without the
    environment variable gets a key file in the working directory.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env
    try:
        url = make_url(db_url)
    except ArgumentError as exc:
        raise InputError(f"not a database URL: {db_url!r}", field="--db") from exc
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(f"{url.database}.secret")
    else:
        path = Path("trialkit.secret")
    if path.exists():
        from trialkit.store.audit_key import check_private

        check_private(path, "session key file")
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
    except OSError as exc:
        raise InputError(f"cannot create the session key file: {exc}", source=str(path)) from exc
    return key


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port (0: any free port)."),
    db: str = typer.Option(
        DEFAULT_DB, "--db", help="SQLAlchemy database URL (SQLite file or postgresql+psycopg://…)."
    ),
    access_log: bool = typer.Option(True, help="Log every request."),
    protocol: str = typer.Option(
        DEFAULT_PROTOCOL,
        "--protocol",
        metavar="PROTOCOL",
        help="Bundled protocol id or a protocol folder the application screens with.",
    ),
    session_idle_minutes: int = typer.Option(
        SESSION_IDLE_MINUTES, min=1, help="A session ends after this long without a request."
    ),
    session_hours: float = typer.Option(
        SESSION_LIFETIME_HOURS, min=0.1, help="A session ends this long after login, always."
    ),
    secure_cookies: bool = typer.Option(
        False, help="Mark the session cookie Secure (required when served over TLS)."
    ),
) -> None:
    """Serve the web UI and the REST API (/api/v1, spec at /openapi.json)."""
    import uvicorn

    from trialkit.protocol import load_protocol
    from trialkit.store.audit_key import audit_key_file
    from trialkit.web.app import create_app

    load_protocol(protocol)  # a protocol that does not load is exit 2 before anything opens

    # The key (maybe a new key file) only after the database opened: a wrong --db leaves nothing.
    application = create_app(
        db,
        secret_key=lambda: secret_key_for(db),
        audit_key=audit_key_file(db, create=True),
        protocol=protocol,
        session_idle=timedelta(minutes=session_idle_minutes),
        session_lifetime=timedelta(hours=session_hours),
        secure_cookies=secure_cookies,
    )
    uvicorn.run(application, host=host, port=port, access_log=access_log, log_level="info")

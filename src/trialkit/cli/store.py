"""``trialkit user add|list`` and ``trialkit audit verify|show|head``: the study store from a shell.

Every command opens the store with its audit key file (``<db>.audit-key``, see
:mod:`trialkit.store.audit_key`) when there is one; ``user add`` (the bootstrap) makes it.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from trialkit.cli.main import app
from trialkit.cli.serve import DEFAULT_DB
from trialkit.errors import InputError

if TYPE_CHECKING:
    from trialkit.services.study import StudyService

user_app = typer.Typer(help="Users of the study application.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail of the study store.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")

DB = typer.Option(
    DEFAULT_DB, "--db", metavar="URL", help="Database URL (SQLite file or postgresql://…)."
)


def _service(db: str, *, create: bool = False) -> StudyService:
    """The service over ``db``. A SQLite file that does not exist is refused (a mistyped path
    must not become an empty database that "verifies"), unless ``create`` (the bootstrap)."""
    from trialkit.services.study import StudyService
    from trialkit.store import open_store
    from trialkit.store.audit_key import audit_key_file
    from trialkit.store.db import sqlite_path

    if not create:
        path = sqlite_path(db)
        if path is not None and not path.exists():
            raise InputError("no such database file (check the path)", source=str(path))
    return StudyService(open_store(db, audit_key=audit_key_file(db, create=create)))


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(
        ..., "--role", help="coordinator, investigator, monitor, statistician or admin."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    db: str = DB,
) -> None:
    """Add a user (the first admin is made this way; the shell is trusted)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        try:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        except typer.Abort:  # stdin closed or interrupted: no password, nothing stored
            raise InputError("no password entered", field="password") from None
    view = _service(db, create=True).add_user(None, username, password, role)
    typer.echo(f"added user {view.username} ({view.role})")


@user_app.command("list")
def user_list(db: str = DB) -> None:
    """List users with their role and lockout state."""
    for u in _service(db).list_users(None):
        state = "active" if u.active else "disabled"
        if u.locked_until:
            state += f", locked until {u.locked_until}"
        typer.echo(f"{u.id}\t{u.username}\t{u.role}\t{state}")


@audit_app.command("head")
def audit_head(db: str = DB) -> None:
    """Print the chain's last event as SEQ:HASH: keep it elsewhere (a monitor's record, other
    media); ``audit verify --head SEQ:HASH`` later proves nothing up to it was rewritten."""
    typer.echo(str(_service(db).audit_head()))


@audit_app.command("verify")
def audit_verify(
    db: str = DB,
    head: str | None = typer.Option(
        None, "--head", metavar="SEQ:HASH", help="A head printed earlier by `trialkit audit head`."
    ),
) -> None:
    """Recompute the hash chain and replay every record; exit 1 naming what was tampered with."""
    from trialkit.store.audit import Head

    try:
        anchor = Head.parse(head) if head is not None else None
    except ValueError as exc:
        raise InputError(str(exc), field="--head") from None
    service = _service(db)
    report = service.verify_audit(anchor)
    if not service.audit_keyed():
        typer.echo(
            "note: no audit key file for this database: the chain is checked unkeyed "
            "(a rewrite by someone with the database file would not be detected)",
            err=True,
        )
    if report.ok:
        typer.echo(f"audit trail intact: {report.events} events, {report.records} records")
        return
    typer.echo(f"audit trail BROKEN: {report.problems[0]}", err=True)
    for problem in report.problems[1:]:
        typer.echo(f"  also: {problem}", err=True)
    raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    kind: str = typer.Argument(..., help="Record kind: screening, subject, dose, lab, …"),
    record_id: int = typer.Argument(..., help="Record id."),
    db: str = DB,
) -> None:
    """Every audit event of one record, oldest first (who, when, what changed, why)."""
    service = _service(db)
    with service.store.session() as session:
        from trialkit.store import audit

        events = audit.events_of(session, kind, record_id)
        for e in events:
            typer.echo(
                f"#{e.seq} {e.at.isoformat()} {e.username} ({e.role}) {e.action} "
                f"{e.kind} {e.record_id}" + (f" — {e.reason}" if e.reason else "")
            )
            for name, (old, new) in json.loads(e.changes).items():
                typer.echo(f"    {name}: {old!r} → {new!r}")
    if not events:
        typer.echo(f"no audit event for {kind} {record_id}")

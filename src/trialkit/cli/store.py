"""``trialkit user …`` (add, list, disable, enable, set-role, set-name, reset-password) and
``trialkit audit verify|show|head``: the study store from a shell.

Every command opens the store with its audit key file (``<db>.audit-key``, see
:mod:`trialkit.store.audit_key`) when there is one; commands that write make it (``user add``,
the bootstrap, also makes the database). Changes from the shell are audited as "(system)"
with the OS user in the reason.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING

import typer

from trialkit.cli.main import app
from trialkit.cli.serve import DEFAULT_DB
from trialkit.errors import InputError

if TYPE_CHECKING:
    from trialkit.services.study.service import StudyService

user_app = typer.Typer(help="Users of the study application.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail of the study store.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")

DB = typer.Option(
    DEFAULT_DB, "--db", metavar="URL", help="Database URL (SQLite file or postgresql://…)."
)


def _service(db: str, *, create: bool = False, writes: bool = False) -> StudyService:
    """The service over ``db``. A SQLite file that does not exist is refused (a mistyped path
    must not become an empty database that "verifies"), unless ``create`` (the bootstrap).
    ``writes`` (and ``create``): make the audit key file if there is none, so every event
    written is sealed."""
    from trialkit.services.study.service import StudyService
    from trialkit.store import open_store
    from trialkit.store.audit_key import audit_key_file
    from trialkit.store.db import sqlite_path

    if not create:
        path = sqlite_path(db)
        if path is not None and not path.exists():
            raise InputError("no such database file (check the path)", source=str(path))
    key = audit_key_file(db, create=create or writes)
    return StudyService(open_store(db, audit_key=key))


def _read_password(password_stdin: bool, *, twice: bool) -> str:
    """The password from the terminal (hidden, asked twice) or from standard input (one
    line, or with ``twice`` two lines that must match)."""
    if not password_stdin:
        try:
            return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
        except typer.Abort:  # stdin closed or interrupted: no password, nothing stored
            raise InputError("no password entered", field="password") from None
    first = sys.stdin.readline()
    if not first:
        raise InputError("no password on standard input", field="password")
    if twice:
        second = sys.stdin.readline()
        if not second:
            raise InputError(
                "give the new password twice (two lines on standard input)", field="password"
            )
        if second.rstrip("\n") != first.rstrip("\n"):
            raise InputError("the two passwords differ", field="password")
    return first.rstrip("\n")


def _shell_reason(reason: str) -> str:
    """The audit reason of a change made from the shell: the given one and the OS user (the
    event's user is "(system)": the command line runs without a login)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    base = reason.strip()
    return f"{base} (command line, OS user {who})" if base else f"command line, OS user {who}"


REASON = typer.Option("", "--reason", help="Why (kept in the audit trail with the OS user).")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(
        ..., "--role", help="coordinator, investigator, monitor, statistician or admin."
    ),
    full_name: str = typer.Option(
        "", "--full-name", help='The name in words shown with signatures ("Dr Jane Doe").'
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    db: str = DB,
) -> None:
    """Add a user (the first admin is made this way; the shell is trusted)."""
    password = _read_password(password_stdin, twice=False)
    view = _service(db, create=True).add_user(None, username, password, role, full_name)
    named = f", {view.full_name}" if view.full_name else ""
    typer.echo(f"added user {view.username} ({view.role}{named})")


@user_app.command("list")
def user_list(db: str = DB) -> None:
    """List users: full name, role, status (enabled, disabled, locked) and last sign-in."""
    rows = [("USER", "FULL NAME", "ROLE", "STATUS", "LAST LOGIN")]
    for u in _service(db).list_users(None):
        status = u.status
        if status == "locked" and u.locked_until:
            status = f"locked until {_utc(u.locked_until)}"
        last = _utc(u.last_login) if u.last_login else "never"
        rows.append((u.username, u.full_name or "(not set)", u.role, status, last))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _utc(iso: str) -> str:
    return iso.replace("T", " ")[:16] + " UTC"


@user_app.command("disable")
def user_disable(username: str = typer.Argument(...), reason: str = REASON, db: str = DB) -> None:
    """Disable a user: no more logins or signatures, every open session ends now."""
    view = _service(db, writes=True).disable_user(None, username, reason=_shell_reason(reason))
    typer.echo(f"disabled user {view.username}; their sessions are ended")


@user_app.command("enable")
def user_enable(username: str = typer.Argument(...), reason: str = REASON, db: str = DB) -> None:
    """Enable a disabled user again."""
    view = _service(db, writes=True).enable_user(None, username, reason=_shell_reason(reason))
    typer.echo(f"enabled user {view.username}")


@user_app.command("set-role")
def user_set_role(
    username: str = typer.Argument(...),
    role: str = typer.Argument(
        ..., help="coordinator, investigator, monitor, statistician or admin."
    ),
    reason: str = REASON,
    db: str = DB,
) -> None:
    """Change a user's role (applies to their next request)."""
    service = _service(db, writes=True)
    view = service.set_role(None, username, role, reason=_shell_reason(reason))
    typer.echo(f"user {view.username} is now {view.role}")


@user_app.command("set-name")
def user_set_name(
    username: str = typer.Argument(...),
    full_name: str = typer.Argument(..., help='The name in words, e.g. "Dr Jane Doe".'),
    reason: str = REASON,
    db: str = DB,
) -> None:
    """Set the full name shown with the user's signatures from now on."""
    service = _service(db, writes=True)
    view = service.set_full_name(None, username, full_name, reason=_shell_reason(reason))
    typer.echo(f"user {view.username} is {view.full_name or '(no full name)'}")


@user_app.command("reset-password")
def user_reset_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password twice (two lines) from stdin."
    ),
    reason: str = REASON,
    db: str = DB,
) -> None:
    """Give a user a new password (asked twice); clears a lockout, ends every session."""
    service = _service(db, writes=True)  # a wrong --db is refused before the password is asked
    password = _read_password(password_stdin, twice=True)
    view = service.reset_password(None, username, password, reason=_shell_reason(reason))
    typer.echo(f"new password set for {view.username}; their sessions are ended")


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

"""``trialkit user …`` and ``trialkit audit verify|show`` exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "trialkit"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_user_add_list_and_audit_verify(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trialkit.db'}"
    added = _cli(
        "user",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db,
        stdin="a-long-password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added user alice (admin)" in added.stdout
    listed = _cli("user", "list", "--db", db)
    assert listed.stdout.splitlines() == [
        "USER   FULL NAME  ROLE   STATUS   LAST LOGIN",
        "alice  (not set)  admin  enabled  never",
    ]
    duplicate = _cli(
        "user",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db,
        stdin="a-long-password\n",
    )
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    bad_role = _cli(
        "user",
        "add",
        "bob",
        "--role",
        "boss",
        "--password-stdin",
        "--db",
        db,
        stdin="a-long-password\n",
    )
    assert bad_role.returncode == 2
    assert "unknown role" in bad_role.stderr
    ok = _cli("audit", "verify", "--db", db)
    assert ok.returncode == 0
    assert "audit trail intact: 1 events, 1 records" in ok.stdout
    shown = _cli("audit", "show", "user", "1", "--db", db)
    assert "create user 1" in shown.stdout
    assert "username: None → 'alice'" in shown.stdout
    engine = create_engine(db)
    with engine.begin() as c:
        c.execute(text("UPDATE users SET role = 'investigator' WHERE username = 'alice'"))
    engine.dispose()
    broken = _cli("audit", "verify", "--db", db)
    assert broken.returncode == 1
    assert "audit trail BROKEN: user 1 differs from its audit trail (role:" in broken.stderr


def test_a_mistyped_database_path_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "tyop.db"
    for args in (("audit", "verify"), ("audit", "show", "lab", "1"), ("user", "list")):
        refused = _cli(*args, "--db", f"sqlite:///{missing}")
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert "no such database file" in refused.stderr
        assert "intact" not in refused.stdout
        assert not missing.exists()


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    added = _cli(
        "user",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        f"sqlite:///{path}",
        stdin="a-long-password\n",
    )
    assert added.returncode == 0, added.stderr
    assert path.stat().st_mode & 0o777 == 0o600


def _add(db: str, name: str, role: str, *extra: str) -> None:
    added = _cli(
        "user",
        "add",
        name,
        "--role",
        role,
        *extra,
        "--password-stdin",
        "--db",
        db,
        stdin="a-long-password\n",
    )
    assert added.returncode == 0, added.stderr


def test_accounts_are_managed_from_the_shell_and_each_change_is_audited(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'study.db'}"
    _add(db, "alice", "admin", "--full-name", "Alice  Adams")
    _add(db, "ivan", "investigator")
    assert _cli("user", "set-name", "ivan", "Dr Ivan Petrov", "--db", db).returncode == 0
    demoted = _cli("user", "set-role", "alice", "monitor", "--db", db)
    assert demoted.returncode == 2
    assert "'alice' is the last enabled admin" in demoted.stderr
    assert _cli("user", "disable", "alice", "--db", db).returncode == 2
    disabled = _cli("user", "disable", "ivan", "--reason", "left the site", "--db", db)
    assert disabled.returncode == 0, disabled.stderr
    assert "disabled user ivan" in disabled.stdout
    assert _cli("user", "disable", "ivan", "--db", db).returncode == 2  # already disabled
    assert _cli("user", "set-role", "ivan", "coordinator", "--db", db).returncode == 0
    listed = _cli("user", "list", "--db", db).stdout.splitlines()
    assert listed == [
        "USER   FULL NAME       ROLE         STATUS    LAST LOGIN",
        "alice  Alice Adams     admin        enabled   never",
        "ivan   Dr Ivan Petrov  coordinator  disabled  never",
    ]
    shown = _cli("audit", "show", "user", "2", "--db", db).stdout
    assert "(system) (system) disable user 2 — left the site (command line, OS user " in shown
    assert "active: True → False" in shown
    assert "full_name: '' → 'Dr Ivan Petrov'" in shown
    assert "role: 'investigator' → 'coordinator'" in shown
    assert _cli("audit", "verify", "--db", db).returncode == 0


def test_reset_password_reads_it_twice_and_applies_the_policy(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'study.db'}"
    _add(db, "alice", "admin")
    for stdin, message in (
        ("tidal-copper-forest\n", "give the new password twice"),
        ("tidal-copper-forest\ntidal-copper-forests\n", "the two passwords differ"),
        ("alice2026!\nalice2026!\n", "at least 12 characters"),
        ("Alice2026!!!\nAlice2026!!!\n", "must not be the user name"),
        ("", "no password on standard input"),
    ):
        refused = _cli(
            "user", "reset-password", "alice", "--password-stdin", "--db", db, stdin=stdin
        )
        assert refused.returncode == 2, stdin
        assert message in refused.stderr, refused.stderr
    ok = _cli(
        "user",
        "reset-password",
        "alice",
        "--password-stdin",
        "--db",
        db,
        stdin="tidal-copper-forest\ntidal-copper-forest\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert "new password set for alice" in ok.stdout
    missing = _cli("user", "reset-password", "bob", "--password-stdin", "--db", db, stdin="x\nx\n")
    assert missing.returncode == 2
    assert "no user 'bob'" in missing.stderr


def test_account_commands_refuse_a_mistyped_database_path(tmp_path: Path) -> None:
    missing = tmp_path / "tyop.db"
    for args in (
        ("user", "disable", "alice"),
        ("user", "enable", "alice"),
        ("user", "set-role", "alice", "monitor"),
        ("user", "set-name", "alice", "Alice Adams"),
        ("user", "reset-password", "alice", "--password-stdin"),
    ):
        refused = _cli(*args, "--db", f"sqlite:///{missing}", stdin="a-long-password\n" * 2)
        assert refused.returncode == 2, args
        assert "no such database file" in refused.stderr
        assert not missing.exists()
        assert not (tmp_path / "tyop.db.audit-key").exists()

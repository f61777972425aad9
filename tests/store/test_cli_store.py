"""``trialkit user add|list`` and ``trialkit audit verify|show`` exit codes and messages."""

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
    assert "alice\tadmin\tactive" in listed.stdout
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

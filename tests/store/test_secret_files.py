"""The secrets beside the database are the owner's only (issue 13, item 11): the session key
file, the audit key file, and the SQLite database with its -wal and -shm files are created
0600 whatever the umask, for a SQLite store and for a PostgreSQL one (whose key files live in
the working directory); a key file that other users may read is refused, not used."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialkit.cli.serve import SECRET_ENV, secret_key_for
from trialkit.errors import InputError
from trialkit.services.study.service import StudyService
from trialkit.store import open_store
from trialkit.store.audit_key import audit_key_file


@pytest.fixture
def open_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """umask 000 (the worst a service manager might leave), in a scratch working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    old = os.umask(0)
    try:
        yield tmp_path
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_files_are_created_owner_only_whatever_the_umask(
    open_umask: Path, store_url: str
) -> None:
    key = audit_key_file(store_url, create=True)
    store = open_store(store_url, audit_key=key)
    StudyService(store).add_user(None, "alice", "amber-falcon-window", "admin")
    secret = secret_key_for(store_url)
    if store.dialect == "sqlite":
        db = open_umask / "trialkit.db"
        files = [db, Path(f"{db}.audit-key"), Path(f"{db}.secret")]
        files += [Path(f"{db}-wal"), Path(f"{db}-shm")]  # written while the store is open
    else:
        files = [open_umask / "trialkit.audit-key", open_umask / "trialkit.secret"]
    for path in files:
        assert path.exists(), path
        assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert key.path.resolve() in [p.resolve() for p in files]
    assert secret_key_for(store_url) == secret
    store.close()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_key_file_open_to_other_users_is_refused(open_umask: Path, mode: int) -> None:
    url = f"sqlite:///{open_umask / 'study.db'}"
    secret_key_for(url)
    store = open_store(url, audit_key=audit_key_file(url, create=True))
    store.close()
    secret = open_umask / "study.db.secret"
    secret.chmod(mode)
    with pytest.raises(InputError, match="the session key file is open to other users") as no:
        secret_key_for(url)
    assert f"chmod 600 {secret}" in str(no.value)
    audit = open_umask / "study.db.audit-key"
    audit.chmod(mode)
    with pytest.raises(InputError, match="the audit key file is open to other users"):
        open_store(url, audit_key=audit_key_file(url, create=False))

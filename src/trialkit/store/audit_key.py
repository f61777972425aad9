"""The audit key: a 0600 file outside the database that seals the audit chain (HMAC).

It lives beside a SQLite file (``study.db.audit-key``), or in the working directory
for a server database (``trialkit.audit-key``), next to the session key file. Someone
who can write only the database cannot recompute a sealed chain; keep the key file
off the database's backups and media. Losing it means the chain can no longer be
proved sealed (``audit verify`` says so), never that it silently verifies.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from trialkit.errors import InputError
from trialkit.store.db import sqlite_path

KEY_BYTES = 32


def key_path(db_url: str) -> Path:
    path = sqlite_path(db_url)
    return Path(f"{path}.audit-key") if path is not None else Path("trialkit.audit-key")


@dataclass
class AuditKeyFile:
    """Asked for the key once the database has connected (open_store), so an unusable
    database leaves no key file behind. ``create``: make the file if there is none
    (commands that write); without it a missing file means an unkeyed store."""

    path: Path
    create: bool
    created: bool = False
    _key: bytes | None = field(default=None, repr=False)

    def __call__(self) -> bytes | None:
        if self._key is None:
            self._key = self._load()
        return self._key

    def _load(self) -> bytes | None:
        if self.path.exists():
            check_private(self.path, "audit key file")
            try:
                return bytes.fromhex(self.path.read_text(encoding="utf-8").strip())
            except (OSError, ValueError) as exc:
                why = f"unreadable audit key file: {exc}"
                raise InputError(why, source=str(self.path)) from exc
        if not self.create:
            return None
        key = secrets.token_bytes(KEY_BYTES)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key.hex() + "\n")
        except OSError as exc:
            why = f"cannot create the audit key file: {exc}"
            raise InputError(why, source=str(self.path)) from exc
        self.created = True
        return key


def check_private(path: Path, what: str) -> None:
    """Refuse a key file that other users may read or write (as ssh refuses such a key):
    whoever reads it can forge sessions or reseal a rewritten audit trail."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", source=str(path)) from exc
    if mode & 0o077:
        raise InputError(
            f"the {what} is open to other users (mode {mode:04o}); make it the owner's "
            f"only: chmod 600 {path}",
            source=str(path),
        )


def audit_key_file(db_url: str, *, create: bool) -> AuditKeyFile:
    return AuditKeyFile(key_path(db_url), create)

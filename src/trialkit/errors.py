"""The one exception hierarchy of trialkit.

User errors (bad files, bad options) are :class:`InputError`: the command line
turns them into a one-line message and exit code 2, the API into a 4xx JSON
body. Anything else escaping is a bug.
"""

from __future__ import annotations


class TrialkitError(Exception):
    """Root of every error trialkit raises on purpose."""


class InputError(TrialkitError, ValueError):
    """Unusable input: names the file (or source), and where possible the resource and field."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        where = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {message}" if where else message)


class ProtocolError(InputError):
    """A protocol file that does not validate, or a parameter override that does not fit."""


class UnitError(TrialkitError, ValueError):
    """A quantity whose unit cannot be converted to the unit a rule needs."""


# The study application (store + service layer). The web layer maps each class to one status.


class AuthError(TrialkitError):
    """401: the credentials are wrong, the account is locked or disabled, or the session is gone."""


class PermissionDenied(TrialkitError):  # noqa: N818 - the contract's name, mapped to HTTP 403
    """403: the user's role may not do this (the one permission table in store/permissions.py)."""


class NotFound(TrialkitError):  # noqa: N818 - the contract's name, mapped to HTTP 404
    """404: no such record (or it was deleted, which is never physical)."""


class Conflict(TrialkitError):  # noqa: N818 - the contract's name, mapped to HTTP 409
    """409: the record changed since it was read (stale ``version``), or a duplicate key."""

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


class ProtocolRefusal(InputError):  # noqa: N818 - a refusal by rule, mapped to HTTP 422
    """422: the protocol does not allow this action (e.g. an eligible sign-off on an incomplete
    screening, a dose the dose check withholds, a date in the future).

    ``rule`` is the machine-readable name of the rule (the API's error code); the message names
    what failed (criteria, labs, dates). Some refusals may instead be taken as an explicit,
    attributed deviation with a reason (:mod:`trialkit.conduct`).
    """

    def __init__(self, message: str, *, rule: str, field: str | None = None):
        super().__init__(message, field=field)
        self.rule = rule
        self.code = rule


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

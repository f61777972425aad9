"""Roles, the acting user, and the one permission table every service method consults.

The web UI and the REST API call the same service methods, so a role can do
in the browser exactly what it can do through the API — no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from trialkit.errors import InputError, PermissionDenied

Role = Literal["coordinator", "investigator", "monitor", "statistician", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal[
    "read",  # screening log, subjects, doses, labs, scans, AEs, queries
    "screen",  # create a screening, update its CRF, record its outcome
    "sign",  # electronic signature of eligibility (with the protocol's judgement criteria)
    "enrol",
    "enter_data",  # doses, labs, assessments, adverse events; edit and soft-delete them
    "assess_causality",  # AE causality is a medical judgement
    "deviate",  # take an action the protocol refuses, as a recorded deviation with a reason
    "raise_query",  # monitors ask; data managers answer
    "answer_query",
    "close_query",
    "export",
    "read_audit",
    "manage_users",
]

# Who may do what. Admin runs the system but enters no clinical data and signs nothing.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    "read": frozenset(ROLES),
    "screen": frozenset({"coordinator", "investigator"}),
    "sign": frozenset({"investigator"}),
    "enrol": frozenset({"coordinator", "investigator"}),
    "enter_data": frozenset({"coordinator", "investigator"}),
    "assess_causality": frozenset({"investigator"}),
    "deviate": frozenset({"investigator"}),
    "raise_query": frozenset({"monitor"}),
    "answer_query": frozenset({"coordinator", "investigator"}),
    "close_query": frozenset({"monitor"}),
    "export": frozenset({"statistician", "monitor", "admin"}),
    "read_audit": frozenset({"monitor", "admin", "investigator", "statistician"}),
    "manage_users": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated user a service call acts for (from the session or the CLI)."""

    user_id: int
    username: str
    role: Role


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise InputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="role")


def require(actor: Actor | None, action: Action) -> Actor:
    """The actor, if its role may do ``action``; :class:`PermissionDenied` otherwise."""
    if actor is None:
        raise PermissionDenied(f"{action}: not logged in")
    if actor.role not in PERMISSIONS[action]:
        allowed = ", ".join(sorted(PERMISSIONS[action]))
        raise PermissionDenied(f"a {actor.role} may not {action.replace('_', ' ')} ({allowed} may)")
    return actor

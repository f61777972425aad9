"""``/api/v1/users``: accounts, for admins only (every other role gets 403, audited).

Thin over the service (:mod:`trialkit.services.study.accounts`): the role check, the
last-admin rule, the password policy, ending the user's sessions and the audit event are
all the service's. Users are addressed by user name, as on the command line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from trialkit.services.study.views import UserView
from trialkit.web import api_models as models
from trialkit.web.auth import CurrentActor, Service

router = APIRouter(prefix="/users", tags=["users"])

UserName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]


@router.get("", response_model=list[UserView])
def list_users(service: Service, actor: CurrentActor) -> list[UserView]:
    """Every user: role, full name, status (enabled / disabled / locked), last sign-in."""
    return service.list_users(actor)


@router.post("", response_model=UserView, status_code=201)
def add_user(body: models.UserCreate, service: Service, actor: CurrentActor) -> UserView:
    """Create a user (the password policy applies)."""
    return service.add_user(actor, body.username, body.password, body.role, body.full_name)


@router.post("/{username}/disable", response_model=UserView)
def disable_user(
    request: Request,
    username: UserName,
    body: models.AccountChange,
    service: Service,
    actor: CurrentActor,
) -> UserView:
    """No more logins or signatures; every session of the user ends now. The last enabled
    admin cannot be disabled (422 ``last_enabled_admin``)."""
    view = service.disable_user(actor, username, reason=body.reason)
    _forget_basic(request)
    return view


@router.post("/{username}/enable", response_model=UserView)
def enable_user(
    username: UserName, body: models.AccountChange, service: Service, actor: CurrentActor
) -> UserView:
    return service.enable_user(actor, username, reason=body.reason)


@router.post("/{username}/role", response_model=UserView)
def set_role(
    username: UserName, body: models.RoleChange, service: Service, actor: CurrentActor
) -> UserView:
    """A new role, in force from the user's next request. The last enabled admin cannot be
    demoted (422 ``last_enabled_admin``)."""
    return service.set_role(actor, username, body.role, reason=body.reason)


@router.post("/{username}/password", response_model=UserView)
def reset_password(
    request: Request,
    username: UserName,
    body: models.PasswordReset,
    service: Service,
    actor: CurrentActor,
) -> UserView:
    """Set a new password (the policy applies), clear a lockout, end every session."""
    view = service.reset_password(actor, username, body.password, reason=body.reason)
    _forget_basic(request)
    return view


@router.post("/{username}/full-name", response_model=UserView)
def set_full_name(
    username: UserName, body: models.NameChange, service: Service, actor: CurrentActor
) -> UserView:
    """The printed name shown with the user's signatures from now on."""
    return service.set_full_name(actor, username, body.full_name, reason=body.reason)


def _forget_basic(request: Request) -> None:
    # the cache re-checks the password stamp anyway; clearing it is only the quick path
    cache = getattr(request.app.state, "basic_cache", None)
    if cache is not None:
        cache.clear()

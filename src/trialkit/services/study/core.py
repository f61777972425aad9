"""The core every study use case shares: the store, the clock, one audited transaction.

:class:`StudyCore` holds what the use-case mixins (users, screening log, subject data,
monitoring) need in common; :class:`trialkit.services.study.service.StudyService` combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from trialkit.dosing import DosingParameters, has_regimen, regimen_of
from trialkit.errors import AuthError, Conflict, ProtocolRefusal
from trialkit.services.session_settings import SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS
from trialkit.services.study.common import utcnow
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.store import audit, users
from trialkit.store.db import Store
from trialkit.store.permissions import Actor
from trialkit.store.users import LOCKOUT_MINUTES, MAX_FAILED_LOGINS


class StudyCore:
    """The store, the clock and the audited transaction every use case runs in.

    ``clock`` returns the current UTC time (tests pass a fixed one; lockout
    expiry and audit timestamps use it). ``max_failed_logins`` consecutive
    failures lock an account for ``lockout``. A browser session ends after ``session_idle``
    without a request and at ``session_lifetime`` after login, whatever happens.
    """

    def __init__(
        self,
        store: Store,
        protocol: str = DEFAULT_PROTOCOL,
        *,
        clock: Callable[[], datetime] | None = None,
        max_failed_logins: int = MAX_FAILED_LOGINS,
        lockout: timedelta = timedelta(minutes=LOCKOUT_MINUTES),
        session_idle: timedelta = timedelta(minutes=SESSION_IDLE_MINUTES),
        session_lifetime: timedelta = timedelta(hours=SESSION_LIFETIME_HOURS),
    ) -> None:
        self.store = store
        self.protocol = protocol
        self._clock = clock or utcnow
        self.max_failed_logins = max_failed_logins
        self.lockout = lockout
        self.session_idle = session_idle
        self.session_lifetime = session_lifetime
        self._dosing: DosingParameters | None = None

    @property
    def dosing(self) -> DosingParameters:
        """The protocol's regimen parameters (its ``regimen.yaml``); a protocol that declares
        no regimen refuses every dosing use case (NoRegimen, 422), never a traceback."""
        if self._dosing is None:
            self._dosing = DosingParameters(regimen_of(self.protocol))
        return self._dosing

    @dosing.setter
    def dosing(self, params: DosingParameters) -> None:
        self._dosing = params  # overridden parameters (tests, study settings)

    @property
    def has_regimen(self) -> bool:
        return has_regimen(self.protocol)

    def require_regimen(self) -> DosingParameters:
        """The dosing parameters; NoRegimen (422) when the protocol declares no regimen."""
        return self.dosing

    @property
    def regimen_params(self) -> DosingParameters | None:
        """The dosing parameters, or None when the protocol declares no regimen (views)."""
        return self.dosing if self.has_regimen else None

    @cached_property
    def site_timezone(self) -> str:
        """The protocol's site time zone (parameter ``timezone``): clinical dates are its days."""
        from trialkit.protocol import load_protocol

        param = load_protocol(self.protocol).parameters.get("timezone")
        return str(param.default) if param is not None and param.default else "UTC"

    def site_today(self, now: datetime | None = None) -> date:
        """Today in the site's time zone (the clock is naive UTC): no clinical event is later."""
        moment = (now or self._clock()).replace(tzinfo=UTC)
        return moment.astimezone(ZoneInfo(self.site_timezone)).date()

    @contextmanager
    def _tx(self) -> Iterator[tuple[Session, datetime]]:
        """One transaction with the time of the change; a lost race becomes Conflict (409)."""
        try:
            with self.store.session() as session:
                yield session, self._clock()
        except StaleDataError as exc:
            raise Conflict("the record was changed by someone else; reload and try again") from exc
        except IntegrityError as exc:
            raise Conflict(f"duplicate or inconsistent record: {exc.orig}") from exc

    def verify_password(self, actor: Actor, password: str, purpose: users.Purpose) -> None:
        """Re-authentication of a logged-in user (counted and audited like a login)."""
        with self.store.session() as session:
            candidate = users.find_id(session, actor.user_id)
        if candidate is None:
            raise AuthError("the user no longer exists")
        self._settle_password(candidate, actor.username, password, purpose)

    def verify_signer(self, actor: Actor, password: str) -> None:
        """Re-authentication for an electronic signature (21 CFR 11.200): AuthError if wrong.

        A wrong password counts towards the same lockout as a failed login and is an audit
        event, committed before the refusal, so signature passwords cannot be guessed freely."""
        with self.store.session() as session:
            candidate = users.find_id(session, actor.user_id)
        if candidate is None:
            raise AuthError("the signing user no longer exists")
        self._settle_password(candidate, actor.username, password, "signature")

    def _printed_name(self, actor: Actor) -> str:
        """The signer's full name, which every signature shows (21 CFR 11.50(a): the printed
        name of the signer). Without one the signature is refused before the password is
        asked, so nothing is counted against the account."""
        with self.store.session() as session:
            name = users.full_name_of(session, actor.user_id)
        if not name:
            raise ProtocolRefusal(
                "add your full name first: a signature shows the signer's printed name "
                f'(an admin sets it: trialkit user set-name {actor.username} "…", or the '
                f"API POST /api/v1/users/{actor.username}/full-name)",
                rule="signer_full_name_missing",
                field="full_name",
            )
        return name

    def _settle_password(
        self,
        candidate: users.Candidate | None,
        username: str,
        password: str,
        purpose: users.Purpose,
    ) -> Actor:
        if candidate is not None and candidate.active and users.is_locked(candidate, self._clock()):
            with self._tx() as (session, now):
                _, why = users.refuse_locked(
                    session, candidate.actor, purpose, now=now, max_failed=self.max_failed_logins
                )
            raise AuthError(why)
        # argon2 (~0.4 s by design) outside any transaction: guesses queue only for the write
        matched = users.password_matches(users.hash_to_check(candidate), password)
        with self._tx() as (session, now):
            actor, why = users.settle(
                session,
                candidate,
                username,
                matched,
                purpose=purpose,
                now=now,
                max_failed=self.max_failed_logins,
                lockout=self.lockout,
            )
        if actor is None:  # the failure is committed (counted, audited) before raising
            raise AuthError(why)
        return actor

    def record_refusal(self, actor: Actor | None, action: str, reason: str) -> None:
        """Write a refused request (role, CSRF) to the audit trail, in its own transaction."""
        with self._tx() as (session, now):
            audit.event(session, actor, action, "request", None, {}, reason[:1000], now=now)

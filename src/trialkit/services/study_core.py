"""The core every study use case shares: the store, the clock, one audited transaction.

:class:`StudyCore` holds what the use-case mixins (users, screening log, subject data,
monitoring) need in common; :class:`trialkit.services.study.StudyService` combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from trialkit.errors import Conflict
from trialkit.services.session_settings import SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS
from trialkit.services.study_common import utcnow
from trialkit.store.db import Store
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
        protocol: str = "nct05894486",
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

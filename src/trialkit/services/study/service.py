"""The study application's service layer: the ONE API of the CLI, the web UI and the REST API.

Every method takes the acting user (:class:`Actor`) first and checks its role
against the one permission table (:mod:`trialkit.store.permissions`) before
touching anything. Every change writes its audit event in the same database
transaction as the change itself: both are committed or neither is. Edits and
deletions of existing records take the ``version`` the caller read; if the
record has moved on since, :class:`Conflict` is raised and nothing is written.

Errors: :class:`AuthError` (401), :class:`PermissionDenied` (403),
:class:`NotFound` (404), :class:`Conflict` (409), :class:`InputError` (400/422).
Clinical rules are never computed here: screening is
:mod:`trialkit.services.screening` → the eligibility engine, the dose check is
:func:`trialkit.dosing.check_dose`, responses are :func:`trialkit.recist.evaluate`,
grades are :func:`trialkit.ctcae.grade`.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from trialkit.errors import (
    AuthError,
    Conflict,
    InputError,
    NotFound,
    PermissionDenied,
    ProtocolRefusal,
)
from trialkit.services.study.accounts import AccountCases
from trialkit.services.study.core import StudyCore
from trialkit.services.study.deviations import DeviationCases
from trialkit.services.study.monitoring import ExportFormat, MonitoringCases
from trialkit.services.study.screening_log import ScreeningCases
from trialkit.services.study.subject_data import SubjectCases
from trialkit.services.study.subjects_conduct import SubjectConduct
from trialkit.services.study.users import UserCases
from trialkit.services.study.views import (
    AEView,
    AssessmentView,
    AuditReport,
    AuditView,
    DashboardView,
    DeviationView,
    DoseCheckView,
    DoseView,
    LabView,
    QueryView,
    ScreeningView,
    SubjectView,
    UserView,
)
from trialkit.store.permissions import ROLES, Actor, Role

__all__ = [
    "ROLES",
    "AEView",
    "Actor",
    "AssessmentView",
    "AuditReport",
    "AuditView",
    "AuthError",
    "Conflict",
    "DashboardView",
    "DeviationView",
    "DoseCheckView",
    "DoseView",
    "ExportFormat",
    "InputError",
    "LabView",
    "NotFound",
    "PermissionDenied",
    "ProtocolRefusal",
    "QueryView",
    "Role",
    "ScreeningView",
    "StudyCore",
    "StudyService",
    "SubjectView",
    "UserView",
]


class StudyService(
    UserCases,
    AccountCases,
    ScreeningCases,
    SubjectCases,
    SubjectConduct,
    MonitoringCases,
    DeviationCases,
):
    """Use cases of the running study over one :class:`Store`.

    ``clock`` returns the current UTC time (tests pass a fixed one; lockout
    expiry and audit timestamps use it). ``max_failed_logins`` consecutive
    failures lock an account for ``lockout``.

    One class over one store; each group of use cases lives in its own module
    (:mod:`users`, :mod:`accounts`, :mod:`screening_log`,
    :mod:`subject_data`, :mod:`monitoring`) over the shared :class:`StudyCore`
    (transaction, clock).
    """


def _refusal_audited(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: StudyService, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except PermissionDenied as exc:
            if not getattr(exc, "audited", False):  # once, also through nested use cases
                exc.audited = True  # type: ignore[attr-defined]
                actor = args[0] if args else kwargs.get("actor")
                who = actor if isinstance(actor, Actor) else None
                self.record_refusal(who, "access_denied", f"{method.__name__}: {exc}")
            raise

    return wrapper


# Every role refusal of every use case — whichever face (page, API, CLI) asked — is an audit
# event (21 CFR 11.10(d)/(e): attempts to act beyond one's authority are traced too).
for _name, _method in inspect.getmembers(StudyService, inspect.isfunction):
    if not _name.startswith("_") and _name != "record_refusal":
        setattr(StudyService, _name, _refusal_audited(_method))

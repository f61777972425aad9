"""A service over a fresh store with one user of each role (passwords: ``<name>-password``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from trialkit.services.study.service import Actor, ScreeningView, StudyService, SubjectView
from trialkit.store import open_store

EXAMPLES = Path(__file__).parents[2] / "src/trialkit/protocols/nct05894486/examples"
AS_OF = date(2026, 11, 24)
BASELINE_SCAN = date(2026, 11, 20)  # the baseline scan of the CRF lesions (before the first dose)
NOW = datetime(2026, 11, 24, 9, 0)
ROLES = ("admin", "coordinator", "investigator", "monitor", "statistician")


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Study:
    service: StudyService
    clock: Clock
    actors: dict[str, Actor]

    def __getitem__(self, role: str) -> Actor:
        return self.actors[role]


def password(role: str) -> str:
    return f"{role}-password"


def full_name(role: str) -> str:
    """The printed name shown with the user's signatures, e.g. "Dr Investigator Test"."""
    return f"Dr {role.title()} Test"


def make_study(url: str) -> Study:
    clock = Clock()
    service = StudyService(open_store(url), clock=clock)
    for role in ROLES:
        service.add_user(None, role, password(role), role, full_name(role))
    actors = {role: service.authenticate(role, password(role)) for role in ROLES}
    return Study(service, clock, actors)


def screen_example(study: Study, name: str = "eligible.json") -> ScreeningView:
    bundle = (EXAMPLES / name).read_bytes()
    return study.service.screen(study["coordinator"], bundle=bundle, crf=None, as_of=AS_OF)


def enrolled(study: Study) -> SubjectView:
    s = screen_example(study)
    s = study.service.sign_eligibility(
        study["investigator"],
        s.id,
        password=password("investigator"),
        meaning="I confirm the patient is eligible",
        version=s.version,
    )
    return study.service.enrol(
        study["coordinator"], s.id, version=s.version, baseline_scan_date=BASELINE_SCAN
    )

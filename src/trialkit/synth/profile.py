"""A protocol's warehouse profile as typed data: ``warehouse/ehr.yaml`` in its folder.

The profile says what the vectorised synthetic warehouse (:mod:`trialkit.synth.population`)
is drawn from for that protocol: demographics, the cohort with the trial's disease and its
tumour marker, laboratory results with their distributions and the unit systems sites report
in, performance status, qualitative tests, diagnoses, drugs, procedures and allergies. The
generator's code names none of them; docs/protocols.md "The warehouse profile" describes
every key. A protocol without the file has no warehouse (:class:`NoWarehouseProfile`, exit 2);
``trialkit synth --protocol`` derives a population from its criteria instead.

The loader refuses anything it cannot draw from, naming the file and the key path with a fix,
and unknown keys too (a misspelt key would otherwise be a silent default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from trialkit.errors import ProtocolError

PROFILE_FILE = Path("warehouse") / "ehr.yaml"
# SNOMED CT routes of administration (engine vocabulary; the profile names them by word).
ROUTES: dict[str, tuple[str, str]] = {
    "intramuscular": ("78421000", "Intramuscular"),
    "subcutaneous": ("34206005", "Subcutaneous"),
    "oral": ("26643006", "Oral"),
    "intravenous": ("47625008", "Intravenous"),
}
SEXES = ("female", "male", "other", "unknown")  # FHIR administrative gender
POSITIVE, NEGATIVE = "10828004", "260385009"  # SNOMED positive / negative (data dictionary §2)


class ProfileError(ProtocolError):
    """A warehouse profile that does not validate: the key path, what is wrong and the fix."""

    def __init__(self, file: str, where: str, problem: str, fix: str) -> None:
        super().__init__(f"{problem}. Fix: {fix}", source=file, field=where or None)
        self.where, self.problem, self.fix = where, problem, fix


class NoWarehouseProfile(ProtocolError):  # noqa: N818 - a refusal, like NoRegimen
    """The protocol declares no warehouse profile, so it has no vectorised warehouse."""

    def __init__(self, protocol: str, folder: str) -> None:
        super().__init__(
            f"protocol {protocol} declares no warehouse profile (no {PROFILE_FILE.as_posix()} "
            f"in {folder}): the synthetic warehouse is drawn from one; `trialkit synth "
            f"--protocol {protocol}` derives a FHIR population from its criteria instead"
        )


@dataclass(frozen=True)
class Distribution:
    kind: str  # "normal" (mean, sd) or "lognormal" (median, sigma of the log)
    centre: float
    spread: float
    low: float | None = None  # drawn values are clipped into [low, high]
    high: float | None = None

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "normal":
            values: np.ndarray = rng.normal(self.centre, self.spread, n)
        else:
            values = self.centre * np.exp(rng.normal(0, self.spread, n))
        if self.low is not None and self.high is not None:
            values = np.clip(values, self.low, self.high)
        return values


@dataclass(frozen=True)
class Unit:
    code: str | None  # UCUM code (None: no unit recorded)
    factor: float  # value in this unit = canonical value × factor
    share: float  # how often sites report in it
    decimals: int


@dataclass(frozen=True)
class Lab:
    key: str
    loinc: str
    name: str
    unit: str  # the unit the distribution is in
    dist: Distribution
    present: float  # probability that a patient has any result
    units: tuple[Unit, ...]
    ref_high: float | None  # typical reference-range high (canonical), when reported
    edge: float | None  # where edge cases are put (canonical), None: nowhere


@dataclass(frozen=True)
class Marker:
    loinc: str
    name: str
    concept_name: str
    unit: str
    dist: Distribution
    decimals: int
    others: float  # share of the other patients with a marker
    recorded: float  # share of those with a marker whose result is in the EHR
    edge_share: float
    edge_values: tuple[float, ...]


@dataclass(frozen=True)
class Cohort:
    share: float
    screened: float
    others_screened: float
    metastatic: float
    treated: float
    marker: Marker


@dataclass(frozen=True)
class PerformanceStatus:
    loinc: str
    name: str
    answers: tuple[str, ...]  # the LOINC answer of each score 0, 1, …
    weights: tuple[float, ...]  # how often scores 0, 1, … are recorded (sum 1)


@dataclass(frozen=True)
class ViralLoad:
    loinc: str
    name: str
    unit: str
    dist: Distribution
    decimals: int
    alternative_unit: str
    alternative_share: float
    divisor: float
    alternative_decimals: int


@dataclass(frozen=True)
class Qualitative:
    key: str
    loinc: str
    name: str
    tested: float
    positive: float
    only_sex: str | None = None
    only_below_age: float | None = None
    viral_load: ViralLoad | None = None

    def restricted(self) -> bool:
        return self.only_sex is not None or self.only_below_age is not None

    def who(self, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Which patients (by their sex and age) this test is done for."""
        keep = np.ones(len(sex), dtype=bool)
        if self.only_sex is not None:
            keep &= sex == self.only_sex
        if self.only_below_age is not None:
            keep &= age < self.only_below_age
        return keep


@dataclass(frozen=True)
class Coded:
    code: str
    name: str
    share: float = 1.0


@dataclass(frozen=True)
class Conditions:
    primary: tuple[Coded, ...]
    other_primaries: tuple[Coded, ...]
    metastases: tuple[Coded, ...]
    other_cancers: tuple[Coded, ...]
    brain_secondaries: tuple[Coded, ...]
    comorbidities: tuple[Coded, ...]

    def all(self) -> tuple[Coded, ...]:
        """Every code, in the vocabulary's order."""
        return (self.primary + self.other_primaries + self.metastases + self.other_cancers) + (
            self.brain_secondaries + self.comorbidities
        )


@dataclass(frozen=True)
class Drug:
    atc: str
    rxnorm: str
    name: str
    route: str | None = None  # SNOMED route
    per_day: int | None = None  # doses a day
    every_days: int | None = None  # interval between doses
    weight: float = 1.0  # how often it is the one given within its group


@dataclass(frozen=True)
class Drugs:
    standing_therapy: tuple[Drug, ...]
    cohort_therapy: tuple[Drug, ...]
    radionuclide_therapy: tuple[Drug, ...]
    other_therapy: tuple[Drug, ...]
    common: tuple[Drug, ...]

    def all(self) -> tuple[Drug, ...]:
        """Every drug, in the vocabulary's order."""
        return (self.standing_therapy + self.cohort_therapy + self.other_therapy) + (
            self.radionuclide_therapy + self.common
        )


@dataclass(frozen=True)
class Procedures:
    biopsy: Coded
    surgery: Coded
    local_treatment: tuple[Coded, ...]
    imaging: Coded
    radionuclide_therapy: Coded

    def all(self) -> tuple[Coded, ...]:
        """Every procedure, in the vocabulary's order."""
        head = (self.surgery, *self.local_treatment, self.biopsy)
        return (*head, self.radionuclide_therapy, self.imaging)


@dataclass(frozen=True)
class Allergy:
    text: str
    code: str | None
    share: float


@dataclass(frozen=True)
class WarehouseProfile:
    file: str
    age: Distribution
    sex: tuple[tuple[str, float], ...]
    cohort: Cohort
    labs: tuple[Lab, ...]
    performance: PerformanceStatus
    qualitative: tuple[Qualitative, ...]
    conditions: Conditions
    drugs: Drugs
    procedures: Procedures
    allergies: tuple[Allergy, ...]


def has_warehouse_profile(folder: str | Path) -> bool:
    return (Path(folder) / PROFILE_FILE).is_file()


def warehouse_profile(protocol: str | None = None) -> WarehouseProfile:
    """The warehouse profile of a protocol (bundled id or folder; default the bundled one);
    :class:`NoWarehouseProfile` when it declares none, :class:`ProtocolError` when unusable."""
    from trialkit.settings import DEFAULT_PROTOCOL

    return _cached(protocol or DEFAULT_PROTOCOL)


@cache
def _cached(protocol: str) -> WarehouseProfile:
    from trialkit.protocol import load_protocol

    p = load_protocol(protocol)
    path = Path(p.folder) / PROFILE_FILE
    if not path.is_file():
        raise NoWarehouseProfile(p.id, p.folder)
    return load_profile(path)


def load_profile(path: Path) -> WarehouseProfile:
    """The profile in ``path``; :class:`ProtocolError` naming the file and key path."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        message = f"not readable YAML ({' '.join(str(exc).split())})"
        raise ProfileError(str(path), "", message, "correct the YAML syntax") from None
    from trialkit.synth.profile_read import read_profile

    return read_profile(raw, str(path))

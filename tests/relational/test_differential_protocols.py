"""Both paths agree on every shipped protocol (issue 15 point 8): patients generated from each
protocol's own nodes (trialkit.synth.nodes) go through the single-patient
evaluator and the compiled query on DuckDB (and, marked slow, Spark); statuses per patient and
criterion and the overall status must be identical. Hypothesis draws the populations."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialkit.eligibility.screening import screen_record
from trialkit.model.record import PatientRecord
from trialkit.protocol import available_protocols, load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.protocol.model import Protocol
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables
from trialkit.synth.nodes import AS_OF, facets, patient

SIZE = 300


def differences(
    p: Protocol,
    records: list[PatientRecord],
    *,
    as_of: date = AS_OF,
    first_dose: date | None = None,
    overrides: dict[str, str] | None = None,
    con: Any = None,
) -> list[tuple[str, str, str, str]]:
    params = resolve_parameters(p, overrides or {})
    con = con or connect("duckdb")
    rows = screen_population(
        con,
        load_tables(con, records_to_tables(records)),
        p,
        params,
        as_of=as_of,
        first_dose=first_dose,
    ).statuses()
    out = []
    for r in records:
        reference = screen_record(r, p, params, as_of=as_of, first_dose=first_dose)
        row = rows[r.patient_id]
        out += [
            (r.patient_id, c.id, c.status.value, row[c.id])
            for c in reference.criteria
            if c.status.value != row[c.id]
        ]
        if reference.status.value != row["status"]:
            out.append((r.patient_id, "status", reference.status.value, row["status"]))
    return out


def population(p: Protocol, size: int = SIZE) -> st.SearchStrategy[list[PatientRecord]]:
    """``size`` patients drawn from the protocol's nodes with a hypothesis-chosen seed."""
    f = facets(p)

    def draw(seed: int) -> list[PatientRecord]:
        rng = random.Random(seed)
        return [patient(rng, p, f, f"g{i:04d}") for i in range(size)]

    return st.integers(0, 2**32 - 1).map(draw)


_SETTINGS = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", available_protocols())
def test_generated_patients_agree_on_duckdb(name: str) -> None:
    p = load_protocol(name)

    @_SETTINGS
    @given(population(p))
    def check(records: list[PatientRecord]) -> None:
        assert differences(p, list(records))[:10] == []

    check()


@pytest.mark.parametrize("name", available_protocols())
@pytest.mark.parametrize(
    "overrides",
    [{"conflict_policy": "crf"}, {"conflict_policy": "ehr"}, {"ehr_absence_is_negative": "true"}],
)
def test_engine_settings_agree(name: str, overrides: dict[str, str]) -> None:
    p = load_protocol(name)

    @settings(_SETTINGS, max_examples=1)
    @given(population(p, 120))
    def check(records: list[PatientRecord]) -> None:
        assert differences(p, list(records), overrides=overrides)[:10] == []

    check()


@pytest.mark.parametrize("name", available_protocols())
def test_a_given_first_dose_agrees(name: str) -> None:
    p = load_protocol(name)

    @settings(_SETTINGS, max_examples=1)
    @given(population(p, 120))
    def check(records: list[PatientRecord]) -> None:
        assert differences(p, list(records), first_dose=date(2026, 12, 3))[:10] == []

    check()


@pytest.fixture(scope="module")
def spark() -> Any:
    from trialkit.relational.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.parametrize("name", available_protocols())
def test_generated_patients_agree_on_spark(name: str, spark: Any) -> None:
    p = load_protocol(name)

    @settings(_SETTINGS, max_examples=1)
    @given(population(p, 300))
    def check(records: list[PatientRecord]) -> None:
        assert differences(p, list(records), con=connect("spark", spark))[:10] == []

    check()

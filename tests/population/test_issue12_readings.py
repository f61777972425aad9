"""Issue 12 readings on the population path: the compiled queries agree with the
single-patient evaluator on each changed reading (the same hand-built records)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.eligibility.builders import AS_OF, record
from tests.population.test_differential import _differences
from trialkit.model.record import PatientRecord
from trialkit.population.backend import connect
from trialkit.population.engine import data_quality, load_tables, screen_population
from trialkit.population.staging import records_to_tables
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters

PROTOCOL = load_protocol("nct05894486")


def _variants() -> list[PatientRecord]:
    return [
        replace(record(), patient_id="baseline"),
        replace(record(birth=date(2030, 3, 10)), patient_id="born-2030"),
        replace(record(birth=date(2026, 11, 25)), patient_id="born-after-as-of"),
    ]


def test_readings_agree_on_duckdb() -> None:
    assert _differences(_variants(), AS_OF) == []


def test_future_birth_dates_are_counted_as_data_quality_warnings() -> None:
    con = connect("duckdb")
    tables = load_tables(con, records_to_tables(_variants()))
    counts = data_quality(con, tables, AS_OF)
    assert counts[f"birthDate: after the as-of date {AS_OF}; the age is unknown"] == 2
    params = resolve_parameters(PROTOCOL, {})
    statuses = screen_population(con, tables, PROTOCOL, params, as_of=AS_OF).statuses()
    assert statuses["born-2030"]["IN2"] == "unknown"
    assert statuses["born-2030"]["status"] != "eligible"
    assert statuses["baseline"]["status"] == "eligible"

"""Population path == single-patient path, for every patient and criterion (issue 4).

Thousands of generated records with edge cases, plus the real Synthea records and the
bundled examples, go through the in-memory evaluator and the compiled relational
queries on DuckDB and on Spark (local mode, a real JVM); the statuses must be identical.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.eligibility.builders import AS_OF, FIRST_DOSE
from tests.relational.generate import random_record
from tests.relational.test_differential_protocols import differences
from trialkit.eligibility.screening import screen_record
from trialkit.fhir import load_records
from trialkit.model.record import PatientRecord
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

PROTOCOL = load_protocol("nct05894486")
SHARED = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
EXAMPLES = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486/examples"


def _differences(
    records: list[PatientRecord],
    as_of: date,
    first_dose: date | None = None,
    overrides: dict[str, str] | None = None,
    con: Any = None,
) -> list[tuple[str, str, str, str]]:
    return differences(
        PROTOCOL, records, as_of=as_of, first_dose=first_dose, overrides=overrides, con=con
    )


@pytest.fixture(scope="module")
def generated() -> list[PatientRecord]:
    rng = random.Random(20261124)
    return [random_record(rng, f"g{i:05d}") for i in range(5000)]


def test_five_thousand_generated_patients_agree_on_duckdb(generated: list[PatientRecord]) -> None:
    assert _differences(generated, AS_OF)[:10] == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"ehr_absence_is_negative": "true"},
        {"conflict_policy": "crf"},
        {"conflict_policy": "ehr"},
        {"lab_lookback_days": "14", "sstr_min_krenning": "2"},
    ],
)
def test_parameter_overrides_agree(
    generated: list[PatientRecord], overrides: dict[str, str]
) -> None:
    assert _differences(generated[:800], AS_OF, overrides=overrides)[:10] == []


def test_first_dose_given_agrees(generated: list[PatientRecord]) -> None:
    assert _differences(generated[:800], AS_OF, first_dose=FIRST_DOSE)[:10] == []


def _real_records() -> list[PatientRecord]:
    records = load_records(sorted(SHARED.glob("*.json")) + sorted(EXAMPLES.glob("*.json")))
    return [
        r if i < 10 else dataclasses.replace(r, patient_id=f"example-{i}")
        for i, r in enumerate(records)
    ]


def test_real_synthea_and_example_records_agree() -> None:
    records = _real_records()
    assert _differences(records, date(2026, 11, 24))[:10] == []
    assert _differences(records[:10], date(2021, 6, 1))[:10] == []


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A real local Spark (JVM from scripts/system-packages.txt); no skip if it is missing."""
    from trialkit.relational.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.mark.slow
def test_five_thousand_generated_patients_agree_on_spark(
    generated: list[PatientRecord], spark: Any
) -> None:
    assert _differences(generated, AS_OF, con=connect("spark", spark))[:10] == []


@pytest.mark.slow
def test_real_records_and_first_dose_agree_on_spark(
    generated: list[PatientRecord], spark: Any
) -> None:
    con = connect("spark", spark)
    assert _differences(_real_records(), date(2026, 11, 24), con=con)[:10] == []
    assert _differences(generated[:300], AS_OF, first_dose=FIRST_DOSE, con=con)[:10] == []


def test_population_evidence_is_evidence_the_evaluator_cites(
    generated: list[PatientRecord],
) -> None:
    """The deciding evidence the relational path reports for a verdict is one of the
    resources the single-patient evaluator cites for the same verdict."""
    records = generated[:800]
    params = resolve_parameters(PROTOCOL, {})
    con = connect("duckdb")
    result = screen_population(
        con, load_tables(con, records_to_tables(records)), PROTOCOL, params, as_of=AS_OF
    )
    rows = {row["pid"]: row for row in result.table.to_pylist()}
    compared, strangers = 0, []
    for record in records:
        reference = screen_record(record, PROTOCOL, params, as_of=AS_OF)
        for c in reference.criteria:
            source = rows[record.patient_id][f"{c.id}__source"]
            cited = {e.source for e in c.evidence}
            if source is None or not cited:
                continue
            compared += 1
            # a conflict between the CRF and the EHR names both sides: "A vs B"
            if not set(source.split(" vs ")) <= cited:
                strangers.append((record.patient_id, c.id, source, sorted(cited)))
    assert compared > 10_000
    assert strangers[:10] == []


_HOSTILE_VALUES = ("NaN", "Infinity", "-Infinity", "1e308", "-5", "0", "1e6", "1e-300")


def _hostile(record: PatientRecord, rng: random.Random) -> PatientRecord:
    """Issue 12: NaN, ±Infinity, huge, negative and out-of-range values, and same-day ties
    (a second result of the same day with another value, before or after the first)."""
    out = []
    for m in record.measurements:
        if m.value is not None and rng.random() < 0.25:
            m = dataclasses.replace(m, value=Decimal(rng.choice(_HOSTILE_VALUES)))
        out.append(m)
        if m.value is not None and m.time is not None and rng.random() < 0.2:
            twin = dataclasses.replace(
                m,
                source=f"{m.source}-twin",
                value=m.value * Decimal(rng.choice(["1", "0.5", "2", "-1"]))
                if m.value.is_finite()
                else Decimal(rng.choice(_HOSTILE_VALUES)),
            )
            out.insert(len(out) - rng.randrange(2), twin)
    return dataclasses.replace(record, measurements=tuple(out))


def test_hostile_values_and_same_day_ties_agree(generated: list[PatientRecord]) -> None:
    rng = random.Random(12)
    records = [_hostile(r, rng) for r in generated[:1500]]
    assert _differences(records, AS_OF)[:10] == []
    assert _differences(records[:500], AS_OF, first_dose=FIRST_DOSE)[:10] == []


@pytest.mark.slow
def test_hostile_values_agree_on_spark(generated: list[PatientRecord], spark: Any) -> None:
    rng = random.Random(12)
    records = [_hostile(r, rng) for r in generated[:400]]
    assert _differences(records, AS_OF, con=connect("spark", spark))[:10] == []


def test_lab_window_from_a_first_dose_far_ahead_agrees(generated: list[PatientRecord]) -> None:
    # issue 12 rep. 9: labs must also lie within lab_before_first_dose_days of the first dose
    far = AS_OF + timedelta(days=20)
    assert _differences(generated[:800], AS_OF, first_dose=far)[:10] == []
    assert (
        _differences(
            generated[:400], AS_OF, first_dose=far, overrides={"lab_before_first_dose_days": "35"}
        )[:10]
        == []
    )

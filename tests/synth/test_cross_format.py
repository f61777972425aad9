"""One synthetic population, written as OMOP CDM and as Bulk FHIR NDJSON: same verdicts.

The two writers render the same format-neutral facts (``synth.population``); the
two sources then go through different staging (OMOP: SQL over the CDM tables and
``concept``; NDJSON: DuckDB ``read_json``). ``test_synth`` already holds the NDJSON
staging to the single-patient path, so agreement here carries the OMOP source to it.

Only facts both formats can say are kept. OMOP cannot say: a result whose value is
absent with a reason (FHIR ``dataAbsentReason`` skips it; OMOP has only a row with no
value), a month-precision date (OMOP needs a day), or a Consent resource. The FHIR
writer gives some times a ``+05:00`` offset, which the site time zone turns into a
calendar day (data dictionary §4), while OMOP dates are already days: the FHIR side is
screened with the site in that zone.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from trialkit.services.cohort import run_cohort
from trialkit.synth.fhir import write_fhir
from trialkit.synth.omop import write_omop
from trialkit.synth.population import Synthetic, generate

AS_OF = date(2026, 11, 24)
SITE = {"timezone": "Asia/Karachi"}  # UTC+05:00 all year, the writer's offset


def _sayable_in_both(population: Synthetic) -> Synthetic:
    tables = dict(population.tables)
    lab = tables["lab"].filter(pc.invert(tables["lab"]["absent"]))
    at = lab.schema.get_field_index("partial")
    tables["lab"] = lab.set_column(at, "partial", pa.array([False] * lab.num_rows))
    tables["consent"] = tables["consent"].slice(0, 0)
    return dataclasses.replace(population, tables=tables)


def test_omop_and_ndjson_renderings_screen_identically(tmp_path: Path) -> None:
    population = _sayable_in_both(generate(3000, 11))
    write_omop(population, tmp_path / "omop")
    write_fhir(population, tmp_path / "fhir")
    omop = run_cohort([tmp_path / "omop"], as_of=AS_OF, overrides=SITE).result.statuses()
    fhir = run_cohort([tmp_path / "fhir"], as_of=AS_OF, overrides=SITE).result.statuses()
    assert len(omop) == len(fhir) == 3000
    # OMOP person 17 is FHIR Patient p17
    differences = [
        (pid, key, value, fhir[f"p{pid}"][key])
        for pid, row in omop.items()
        for key, value in row.items()
        if fhir[f"p{pid}"][key] != value
    ]
    assert differences[:10] == []
    # not vacuous: the population decides criteria every way
    seen = Counter(v for row in omop.values() for k, v in row.items() if k != "status")
    assert min(seen["met"], seen["not_met"], seen["unknown"]) > 5000
    overall = Counter(row["status"] for row in omop.values())
    assert overall["ineligible"] > 1000
    assert overall["incomplete"] > 100


def test_a_result_not_performed_has_no_value_in_omop(tmp_path: Path) -> None:
    """FHIR says it with a dataAbsentReason (unusable); OMOP can only leave the value out —
    neither a number nor a value concept (an interpretation kept beside the reason is
    not a result)."""
    population = generate(3000, 11)
    lab = population.tables["lab"]
    usable = pc.is_in(lab["status"], pa.array(["final", "amended", "corrected"]))
    absent = lab.filter(pc.and_(lab["absent"], usable))
    assert pc.sum(pc.is_valid(absent["answer"])).as_py() > 10  # interpretations among them
    write_omop(
        dataclasses.replace(population, tables={**population.tables, "lab": absent}), tmp_path
    )
    (rows,) = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), count(value_as_number), count(*) FILTER (value_as_concept_id <> 0)"
            f" FROM read_parquet('{tmp_path / 'measurement.parquet'}')"
        )
        .fetchall()
    )
    assert rows == (absent.num_rows, 0, 0)

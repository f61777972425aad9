"""Population screening at warehouse scale (issue 4): trialkit against two baselines, one run.

Each phase runs in its own process so that its peak memory is its own:

- ``synth``: ``trialkit synth`` writes N synthetic patients as OMOP CDM Parquet;
- ``trialkit``: the full protocol (34 criteria, evidence per criterion) through
  ``population.cohort.run_cohort`` on embedded DuckDB — staging included;
- ``floor``: one hand-written DuckDB SQL query over the same OMOP files doing only the
  age, diagnosis and laboratory checks (IN1, IN3 diagnosis, EX10–EX12) — the least any
  engine must do; it computes far less than the protocol, so it is a floor, not a rival;
- ``per-patient``: the single-patient path (FHIR adapter + in-memory evaluator) on a
  sample written as Bulk FHIR NDJSON, extrapolated linearly to N.

Run: ``python bench/population.py [--patients N] [--sample M]`` (``make bench``).
Nothing asserts a time; the ratios are printed against the baselines of the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 24)
SEED = 2026

# The floor: age 18–75, a GEP-NET diagnosis, and the latest haematology, liver and kidney
# values of the last 28 days inside the protocol's limits (units converted by a CASE on
# the few units the synthetic data use). No evidence, no unknowns, no CRF.
FLOOR_SQL = """
WITH concept AS (SELECT * FROM read_parquet('{d}/concept.parquet')),
person AS (SELECT * FROM read_parquet('{d}/person.parquet')),
gep AS (
  SELECT DISTINCT co.person_id
  FROM read_parquet('{d}/condition_occurrence.parquet') co
  JOIN concept c ON c.concept_id = co.condition_source_concept_id
  WHERE c.vocabulary_id = 'ICD10CM'
    AND (c.concept_code LIKE 'C7A.0%' OR c.concept_code LIKE 'C7A.1%'
         OR c.concept_code LIKE 'C7A.8%' OR c.concept_code LIKE 'C25.4%')
    AND c.concept_code NOT IN ('C7A.090', 'C7A.091', 'C7A.093')),
lab AS (
  SELECT m.person_id, c.concept_code AS loinc, m.measurement_date AS d, m.range_high AS uln,
         m.value_as_number * CASE coalesce(u.concept_code, m.unit_source_value)
           WHEN 'g/dL' THEN 10 WHEN 'mg/dL' THEN 88.42 WHEN '/mm3' THEN 0.001 ELSE 1 END AS v
  FROM read_parquet('{d}/measurement.parquet') m
  JOIN concept c ON c.concept_id = m.measurement_concept_id AND c.vocabulary_id = 'LOINC'
  LEFT JOIN concept u ON u.concept_id = m.unit_concept_id
  WHERE c.concept_code IN ('718-7', '6690-2', '777-3', '1742-6', '1920-8', '2160-0')
    AND m.value_as_number IS NOT NULL
    AND m.measurement_date BETWEEN DATE '{as_of}' - 28 AND DATE '{as_of}'),
latest AS (
  SELECT person_id, loinc, arg_max(v, d) AS v, arg_max(uln, d) AS uln
  FROM lab GROUP BY person_id, loinc),
labs_ok AS (
  SELECT person_id FROM latest GROUP BY person_id
  HAVING count(*) = 6 AND bool_and(CASE loinc
    WHEN '718-7' THEN v >= 80 WHEN '6690-2' THEN v >= 2 WHEN '777-3' THEN v >= 75
    WHEN '1742-6' THEN v <= 2.5 * coalesce(uln, 40) WHEN '1920-8' THEN v <= 2.5 * coalesce(uln, 40)
    ELSE v <= 150 END))
SELECT count(*) FROM person p
JOIN gep USING (person_id) JOIN labs_ok USING (person_id)
WHERE year(DATE '{as_of}') - p.year_of_birth BETWEEN 18 AND 75
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_trialkit(folder: Path) -> dict[str, Any]:
    from trialkit.population.cohort import run_cohort

    start = time.perf_counter()
    run = run_cohort([folder], as_of=AS_OF)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "screened": run.funnel.screened, "eligible": run.funnel.eligible}


def phase_floor(folder: Path) -> dict[str, Any]:
    import duckdb

    start = time.perf_counter()
    ((count,),) = duckdb.connect().execute(FLOOR_SQL.format(d=folder, as_of=AS_OF)).fetchall()
    return {"seconds": time.perf_counter() - start, "passing_floor_checks": int(count)}


def phase_per_patient(folder: Path) -> dict[str, Any]:
    from trialkit.eligibility.screening import screen_record
    from trialkit.fhir import load_records
    from trialkit.protocol import load_protocol
    from trialkit.protocol.loader import resolve_parameters

    protocol = load_protocol("nct05894486")
    params = resolve_parameters(protocol, {})
    start = time.perf_counter()
    records = load_records([folder], questionnaire_url=protocol.questionnaire_url)
    for record in records:
        screen_record(record, protocol, params, as_of=AS_OF)
    return {"seconds": time.perf_counter() - start, "patients": len(records)}


PHASES = {"trialkit": phase_trialkit, "floor": phase_floor, "per-patient": phase_per_patient}


def _run_phase(name: str, folder: Path) -> dict[str, Any]:
    """One phase in a fresh interpreter; its own time and peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--folder", str(folder)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"bench phase {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _synth(patients: int, folder: Path, fmt: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "trialkit"),
            "synth",
            "--patients",
            str(patients),
            "--out",
            str(folder),
            "--format",
            fmt,
            "--seed",
            str(SEED),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def bench_population(patients: int, sample: int) -> None:
    print(f"population screening, {patients:,} synthetic patients (OMOP CDM Parquet), DuckDB")
    with tempfile.TemporaryDirectory(prefix="trialkit-bench-") as tmp:
        omop, ndjson = Path(tmp) / "omop", Path(tmp) / "ndjson"
        made = _synth(patients, omop, "omop")
        print(f"  trialkit synth (omop)          {made:8.1f} s")
        floor = _run_phase("floor", omop)
        ours = _run_phase("trialkit", omop)
        _synth(sample, ndjson, "fhir-ndjson")
        single = _run_phase("per-patient", ndjson)
    per_patient = single["seconds"] / single["patients"] * patients
    print(
        f"  floor: hand-written SQL        {floor['seconds']:8.1f} s"
        f"   peak {floor['peak_mb']:7.0f} MB"
    )
    print(
        f"  trialkit cohort, 34 criteria   {ours['seconds']:8.1f} s"
        f"   peak {ours['peak_mb']:7.0f} MB"
        f"   ratio to floor {ours['seconds'] / floor['seconds']:5.1f}x   (target <= 2x)"
    )
    print(
        f"  per-patient path, extrapolated {per_patient:8.1f} s"
        f"   ({single['patients']:,} patients in {single['seconds']:.1f} s)"
        f"   trialkit is {per_patient / ours['seconds']:6.1f}x faster   (target >= 100x)"
    )
    print(
        f"  screened {ours['screened']:,}, eligible {ours['eligible']:,};"
        f" passing the floor's checks {floor['passing_floor_checks']:,}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args(argv)
    if args.phase:
        result = PHASES[args.phase](args.folder)
        print(json.dumps(result | {"peak_mb": _peak_mb()}))
        return 0
    bench_population(args.patients, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Population screening at warehouse scale (issue 4): trialkit against two baselines, one run.

Each phase runs in its own process so that its peak memory is its own:

- ``synth``: ``trialkit synth`` writes N synthetic patients as OMOP CDM Parquet;
- ``trialkit``: the full protocol (34 criteria, evidence per criterion) through
  ``services.cohort.run_cohort`` on embedded DuckDB — staging included;
- ``floor``: one hand-written DuckDB SQL query (``bench/floor.sql``) over the same OMOP
  files doing the protocol's age, laboratory and diagnosis checks with their full
  rules and nothing else: IN2 (age 18–75 in completed years, unknown when a partial
  birth date leaves two ages), EX1–EX6 (creatinine and Cockcroft-Gault, blood counts,
  bilirubin, albumin, ALT/AST, INR/aPTT: the latest usable day within the 28-day
  lookback decides, same-day results must agree, units converted by a CASE over the
  units the synthetic data use — any other unit is unknown —, the ULN from the result's
  range, else the protocol's site default) and the GEP-NET diagnosis of IN3. It returns
  one row per patient (1 met, 0 not met, NULL unknown, any() as Kleene OR) fetched into
  Arrow; only that query and fetch are timed. No evidence, no CRF, no other criteria:
  the least any engine must do for these checks, so it is a floor, not a rival;
- ``floor + other inputs``: the floor's query, unchanged, joined with the other inputs
  of the protocol gathered by hand with no logic and no evidence: the other laboratory
  elements (latest result in the lookback per person and element), the CRF answers the
  criteria read (latest per person and linkId, one column pair per linkId; no
  lesions) and the history tables (read once, a count and latest date per person).
  Every full-protocol implementation reads at least this much, so the ratio of this
  query to the floor bounds how close any of them can come (issue 4's 2× target);
- ``per-patient``: the single-patient path (FHIR adapter + in-memory evaluator) on a
  sample written as Bulk FHIR NDJSON, extrapolated linearly to N.

The trialkit and floor phases write their per-patient verdicts of IN2 and EX1–EX6 to
Parquet (after their clocks stop); the bench compares them patient by patient (NULL
equals NULL) and prints how many patients agree on all seven, with examples of any
disagreement — the floor is only a floor if it decides what trialkit decides.

Run: ``python bench/population.py [--patients N] [--sample M]`` (``make bench``);
one phase alone: ``--phase floor --folder OMOP_DIR [--out verdicts.parquet]`` (JSON).
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

AS_OF = date(2026, 11, 24)
SEED = 2026

CRITERIA = ("IN2", "EX1", "EX2", "EX3", "EX4", "EX5", "EX6")  # what the floor decides too
FLOOR_SQL = Path(__file__).with_name("floor.sql")


def floor_query(folder: Path, as_of: date) -> str:
    """The floor's SQL (bench/floor.sql) for one OMOP folder and as-of date."""
    sql = FLOOR_SQL.read_text(encoding="utf-8")
    return sql.replace("{folder}", str(folder)).replace("{as_of}", as_of.isoformat())


# the elements bench/floor.sql reads (its lab_code list)
FLOOR_ELEMENTS = {"creatinine", "weight", "hemoglobin", "wbc", "platelets", "bilirubin"}
FLOOR_ELEMENTS |= {"albumin", "alt", "ast", "inr", "aptt"}


def other_inputs(folder: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """What the protocol reads beyond the floor, from its compiled form: the CRF linkIds,
    and (LOINC code, element, first day a leaf looks at) of the other laboratory elements."""
    import duckdb

    from trialkit.model.codes import Code
    from trialkit.protocol import load_protocol
    from trialkit.protocol.loader import resolve_parameters
    from trialkit.relational.compiler import Compiler

    protocol = load_protocol("nct05894486")
    compiler = Compiler(protocol, resolve_parameters(protocol, {}), AS_OF, None)
    for criterion in protocol.criteria:
        compiler.compile(criterion.rule)
    loinc = duckdb.connect().sql(
        f"SELECT DISTINCT concept_code FROM read_parquet('{folder}/concept.parquet')"
        " WHERE vocabulary_id = 'LOINC'"
    )
    labs = []
    for (code,) in loinc.fetchall():
        for name, eid in compiler.labs.elements.items():
            value_set = protocol.value_sets[protocol.elements[name].value_set]
            if name not in FLOOR_ELEMENTS and value_set.matches(Code("http://loinc.org", code)):
                since = compiler.labs.since[eid]
                first = date.fromordinal(since).isoformat() if since else "0001-01-01"
                labs.append((code, name, first))
    return list(compiler.crf.links), labs


def floor_with_inputs_query(
    folder: Path, as_of: date, links: list[str], labs: list[tuple[str, str, str]]
) -> str:
    """The floor (unchanged) joined with the inputs of the other criteria, per person."""
    from trialkit.sources.omop_sql import CRF_PREFIX

    pivot = ",\n    ".join(
        f"max(a.num) FILTER (WHERE link = '{CRF_PREFIX}{link}') AS n{i}, "
        f"max(a.str) FILTER (WHERE link = '{CRF_PREFIX}{link}') AS s{i}"
        for i, link in enumerate(links)
    )
    lab_rows = ", ".join(f"('{c}', '{e}', DATE '{d}')" for c, e, d in labs)
    lab_pivot = ",\n    ".join(
        f"max(r) FILTER (WHERE element = '{e}') AS {e}" for e in sorted({e for _, e, _ in labs})
    )
    return f"""WITH floor AS ({floor_query(folder, as_of)}),
-- the other laboratory elements: per person and element the latest result in its lookback
-- (no units, no same-day agreement, no value codes: less than their criteria need)
other_lab (code, element, since) AS (VALUES {lab_rows}),
latest_lab AS (
  SELECT m.person_id, l.element, max(struct_pack(day := m.measurement_date,
      id := m.measurement_id, v := m.value_as_number, c := m.value_as_concept_id)) AS r
  FROM read_parquet('{folder}/measurement.parquet') m
  JOIN read_parquet('{folder}/concept.parquet') k ON k.concept_id = m.measurement_concept_id
  JOIN other_lab l ON k.vocabulary_id = 'LOINC' AND l.code = k.concept_code
  WHERE m.measurement_date BETWEEN l.since AND DATE '{as_of}'
  GROUP BY ALL),
labs AS (SELECT person_id, {lab_pivot} FROM latest_lab GROUP BY person_id),
-- the latest answer per person, linkId and lesion: by date (an unknown date last), then id
answer AS (
  SELECT person_id, observation_source_value AS link, qualifier_source_value AS lesion,
    max(struct_pack(dated := observation_date IS NOT NULL, day := observation_date,
        id := observation_id, num := value_as_number, str := value_as_string)) AS a
  FROM read_parquet('{folder}/observation.parquet')
  WHERE observation_source_value LIKE '{CRF_PREFIX}%'
  GROUP BY ALL),
crf AS (SELECT person_id, {pivot}
  FROM answer WHERE lesion IS NULL GROUP BY person_id),
-- the history tables the other criteria read, each reduced per person as cheaply as any
-- reading can be (a count and the latest date: less than any criterion over them needs)
history AS (
  SELECT person_id, count(*) AS n, max(day) AS latest FROM (
    SELECT person_id, condition_start_date AS day
    FROM read_parquet('{folder}/condition_occurrence.parquet')
    UNION ALL SELECT person_id, drug_exposure_start_date
    FROM read_parquet('{folder}/drug_exposure.parquet')
    UNION ALL SELECT person_id, procedure_date
    FROM read_parquet('{folder}/procedure_occurrence.parquet'))
  GROUP BY person_id)
SELECT floor.*, labs.* EXCLUDE (person_id), crf.* EXCLUDE (person_id),
  history.* EXCLUDE (person_id)
FROM floor LEFT JOIN labs ON labs.person_id = CAST(floor.pid AS BIGINT)
LEFT JOIN crf ON crf.person_id = CAST(floor.pid AS BIGINT)
LEFT JOIN history ON history.person_id = CAST(floor.pid AS BIGINT)"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_trialkit(folder: Path, out: Path | None) -> dict[str, Any]:
    from trialkit.services.cohort import run_cohort

    start = time.perf_counter()
    run = run_cohort([folder], as_of=AS_OF)
    seconds = time.perf_counter() - start
    if out is not None:
        import pyarrow.parquet as pq

        pq.write_table(run.result.table.select(["pid", *CRITERIA]), out)
    return {"seconds": seconds, "screened": run.funnel.screened, "eligible": run.funnel.eligible}


def _timed(sql: str) -> tuple[pa.Table, float]:
    """One hand-written query on a fresh DuckDB, fetched into Arrow, and its seconds."""
    import duckdb

    start = time.perf_counter()
    table = duckdb.connect().sql(sql).to_arrow_table()
    return table, time.perf_counter() - start


def phase_floor(folder: Path, out: Path | None) -> dict[str, Any]:
    table, seconds = _timed(floor_query(folder, AS_OF))
    if out is not None:
        import pyarrow.parquet as pq

        pq.write_table(table, out)
    return {"seconds": seconds, "patients": table.num_rows}


def phase_floor_inputs(folder: Path, out: Path | None) -> dict[str, Any]:
    links, labs = other_inputs(folder)
    table, seconds = _timed(floor_with_inputs_query(folder, AS_OF, links, labs))
    elements = len({e for _, e, _ in labs})
    return {"seconds": seconds, "patients": table.num_rows, "links": len(links), "labs": elements}


def phase_per_patient(folder: Path, out: Path | None) -> dict[str, Any]:
    from trialkit.eligibility.screening import screen_record
    from trialkit.fhir import load_records
    from trialkit.protocol import load_protocol
    from trialkit.protocol.loader import resolve_parameters

    protocol = load_protocol("nct05894486")
    params = resolve_parameters(protocol, {})
    start = time.perf_counter()
    records = load_records(
        [folder], questionnaire_url=protocol.questionnaire_url, lesion_group=protocol.lesion_group
    )
    for record in records:
        screen_record(record, protocol, params, as_of=AS_OF)
    return {"seconds": time.perf_counter() - start, "patients": len(records)}


PHASES = {
    "trialkit": phase_trialkit,
    "floor": phase_floor,
    "floor-inputs": phase_floor_inputs,
    "per-patient": phase_per_patient,
}


def _run_phase(name: str, folder: Path, out: Path | None = None) -> dict[str, Any]:
    """One phase in a fresh interpreter; its own time and peak memory (and, with ``out``,
    its per-patient verdicts written there as Parquet, after the clock stops)."""
    command = [sys.executable, __file__, "--phase", name, "--folder", str(folder)]
    if out is not None:
        command += ["--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"bench phase {name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(ours: Path, floor: Path, examples: int = 3) -> dict[str, Any]:
    """Patient by patient, criterion by criterion: trialkit's verdicts against the floor's
    (NULL, unknown, equals NULL). Up to ``examples`` disagreeing rows per criterion."""
    import duckdb

    con = duckdb.connect()
    both = f"read_parquet('{ours}') t JOIN read_parquet('{floor}') f ON t.pid = f.pid"
    differs = {c: f"t.{c} IS DISTINCT FROM f.{c}" for c in CRITERIA}
    agree = " AND ".join(f"NOT ({d})" for d in differs.values())
    passing = " AND ".join(["f.IN2 = 1", "f.gep_net", *(f"f.{c} = 0" for c in CRITERIA[1:])])
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM read_parquet('{ours}')),
            (SELECT count(*) FROM read_parquet('{floor}')), count(*),
            count(*) FILTER (WHERE {agree}), count(*) FILTER (WHERE {passing}),
            {", ".join(f"count(*) FILTER (WHERE {d})" for d in differs.values())}
        FROM {both}"""
    ).fetchone()
    assert row is not None
    n_ours, n_floor, n_both, n_agree, n_passing, *wrong = row
    cases = " UNION ALL ".join(
        f"SELECT t.pid, '{c}' AS criterion, t.{c} AS trialkit, f.{c} AS floor FROM {both} WHERE {d}"
        for c, d in differs.items()
    )
    rows = con.execute(
        f"""SELECT * FROM ({cases})
        QUALIFY row_number() OVER (PARTITION BY criterion ORDER BY pid) <= {examples}
        ORDER BY criterion, pid"""
    ).fetchall()
    return {
        "trialkit_patients": n_ours,
        "floor_patients": n_floor,
        "matched": n_both,
        "agree": n_agree,
        "passing_floor_checks": n_passing,
        "disagreements": {c: n for c, n in zip(CRITERIA, wrong, strict=True) if n},
        "examples": rows,
    }


def _print_agreement(check: dict[str, Any]) -> None:
    print(
        f"  floor agrees with trialkit on {CRITERIA[0]}, {CRITERIA[1]}–{CRITERIA[-1]}"
        f" for {check['agree']:,} of {check['trialkit_patients']:,} patients"
    )
    if check["floor_patients"] != check["trialkit_patients"] or (
        check["matched"] != check["trialkit_patients"]
    ):
        print(
            f"  patients: trialkit {check['trialkit_patients']:,}, floor"
            f" {check['floor_patients']:,}, in both {check['matched']:,}"
        )
    if check["disagreements"]:
        counts = ", ".join(f"{c} {n:,}" for c, n in check["disagreements"].items())
        print(f"  disagreements by criterion: {counts}")
        print("  examples (pid, criterion, trialkit, floor):")
        for pid, criterion, ours, floor in check["examples"]:
            shown = ["NULL" if v is None else str(v) for v in (ours, floor)]
            print(f"    {pid:>10}  {criterion:<4} {shown[0]:>4} {shown[1]:>4}")


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
        floor_out, ours_out = Path(tmp) / "floor.parquet", Path(tmp) / "trialkit.parquet"
        floor = _run_phase("floor", omop, floor_out)
        inputs = _run_phase("floor-inputs", omop)
        ours = _run_phase("trialkit", omop, ours_out)
        check = compare(ours_out, floor_out)
        _synth(sample, ndjson, "fhir-ndjson")
        single = _run_phase("per-patient", ndjson)
    per_patient = single["seconds"] / single["patients"] * patients
    print(
        f"  floor: hand-written SQL        {floor['seconds']:8.1f} s"
        f"   peak {floor['peak_mb']:7.0f} MB"
    )
    print(
        f"  floor + other inputs, by hand  {inputs['seconds']:8.1f} s"
        f"   peak {inputs['peak_mb']:7.0f} MB"
        f"   ratio to floor {inputs['seconds'] / floor['seconds']:5.1f}x"
        f"   (+{inputs['labs']} lab elements, {inputs['links']} CRF linkIds, history;"
        " no logic, no evidence)"
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
    _print_agreement(check)
    print(
        f"  screened {ours['screened']:,}, eligible {ours['eligible']:,};"
        f" passing the floor's checks (IN2 met, GEP-NET diagnosis, EX1–EX6 not met)"
        f" {check['passing_floor_checks']:,}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--out", type=Path, help="a phase's per-patient verdicts (Parquet)")
    args = parser.parse_args(argv)
    if args.phase:
        result = PHASES[args.phase](args.folder, args.out)
        print(json.dumps(result | {"peak_mb": _peak_mb()}))
        return 0
    bench_population(args.patients, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Population pre-screening use case: sources in, per-patient verdicts, funnel and figure out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from trialkit.errors import InputError
from trialkit.population.engine import PopulationResult, connect, load_tables, screen_population
from trialkit.population.funnel import Funnel, funnel, funnel_figure
from trialkit.population.omop import load_omop
from trialkit.population.staging import records_to_tables
from trialkit.protocol import Protocol
from trialkit.services.screening import prepare


@dataclass(frozen=True)
class CohortRun:
    protocol: Protocol
    as_of: date
    engine: str
    result: PopulationResult
    funnel: Funnel
    written: tuple[Path, ...]
    data_quality: dict[str, int]  # counted warnings of the source


def run_cohort(
    paths: Sequence[Path],
    *,
    engine: str = "duckdb",
    protocol: str = "nct05894486",
    as_of: date | None = None,
    first_dose: date | None = None,
    overrides: Mapping[str, str] | None = None,
    out: Path | None = None,
    spark_master: str = "local[2]",
) -> CohortRun:
    from trialkit.fhir import load_records

    proto, params, as_of = prepare(protocol, overrides or {}, as_of, first_dose)
    warnings: dict[str, int] = {}
    if len(paths) == 1 and is_omop(paths[0]):
        source = load_omop(paths[0])
        staged, warnings = source.tables, source.warnings
    else:
        records = load_records(
            list(paths), timezone=str(params["timezone"]), questionnaire_url=proto.questionnaire_url
        )
        seen: dict[str, str] = {}
        for r in records:
            if r.patient_id in seen:
                raise InputError(
                    f"duplicate patient id {r.patient_id!r} (also in {seen[r.patient_id]}); "
                    "a population needs one record per patient",
                    source=r.source_file,
                )
            seen[r.patient_id] = r.source_file
        staged = records_to_tables(records)
    spark = None
    if engine == "spark":
        from trialkit.population.spark import spark_session

        spark = spark_session(spark_master)
    con = connect(engine, spark)
    result = screen_population(
        con,
        load_tables(con, staged),
        proto,
        params,
        as_of=as_of,
        first_dose=first_dose,
    )
    f = funnel(result.statuses(), proto)
    written: list[Path] = []
    if out is not None:
        written = _write(out, result, f, proto)
    return CohortRun(proto, as_of, engine, result, f, tuple(written), warnings)


def is_omop(path: Path) -> bool:
    """A folder holding an OMOP ``person`` table (CSV or Parquet)."""
    return path.is_dir() and any(
        (path / name).exists()
        for name in ("person.csv", "PERSON.csv", "person.parquet", "PERSON.parquet")
    )


def _write(out: Path, result: PopulationResult, f: Funnel, proto: Protocol) -> list[Path]:
    from trialkit.analysis.figures import save

    out.mkdir(parents=True, exist_ok=True)
    patients = out / "patients.parquet"
    pq.write_table(result.table.select(["pid", "status"]), patients)
    long_rows = [
        {"pid": pid, "criterion": c.id, "kind": c.kind, "status": row[c.id]}
        for pid, row in result.statuses().items()
        for c in proto.criteria
    ]
    verdicts = out / "verdicts.parquet"
    pq.write_table(pa.Table.from_pylist(long_rows), verdicts)
    summary = out / "funnel.json"
    summary.write_text(json.dumps(f.to_json(), indent=2), encoding="utf-8")
    figures = save(funnel_figure(f), out / "funnel")
    return [patients, verdicts, summary, *figures]

"""Population pre-screening, end to end: a source in; verdicts, funnel and figure out.

Sources: an OMOP CDM v5.4 instance (DuckDB file, Parquet or CSV folder),
Bulk FHIR NDJSON (files or folders, read natively by DuckDB), or FHIR Bundles
(read by the single-patient adapter; fine for thousands). The source becomes
staging tables (Parquet in a temporary folder, or Arrow in memory), the
compiled protocol runs on DuckDB or Spark, and the per-patient result is
summarised in the attrition funnel.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from trialkit.errors import InputError
from trialkit.protocol import Protocol
from trialkit.protocol.model import ParamValue
from trialkit.relational.backend import DEFAULT_MEMORY_LIMIT, ENGINES, connect
from trialkit.relational.engine import (
    PopulationResult,
    data_quality,
    load_tables,
    screen_population,
)
from trialkit.relational.funnel import Funnel, funnel_of
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.sources.archive import unpacked_sources
from trialkit.sources.ndjson import ndjson_files, stage_ndjson
from trialkit.sources.omop import is_omop, stage_omop
from trialkit.sources.staging import records_to_tables
from trialkit.wording.evidence import criterion_summaries

PHASES = ("read the source", "screen", "summarise", "write")
# A patient's own record per source: OMOP's is the person table (person_id, an integer).
PATIENT_RESOURCE = {"omop": "Person"}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class CohortRun:
    protocol: Protocol
    parameters: dict[str, ParamValue]
    as_of: date
    first_dose: date | None
    engine: str
    source_kind: str  # omop, fhir-ndjson, fhir
    result: PopulationResult
    funnel: Funnel
    data_quality: dict[str, int]  # counted warnings of the source
    written: tuple[Path, ...]

    def to_json(self) -> dict[str, Any]:
        defaults = self.protocol.defaults()
        return {
            "protocol": {"id": self.protocol.id, "version": self.protocol.version},
            "as_of": self.as_of.isoformat(),
            "first_dose": self.first_dose.isoformat() if self.first_dose else None,
            "engine": self.engine,
            "source": self.source_kind,
            "parameters_overridden": {
                k: {"default": defaults[k], "value": v}
                for k, v in self.parameters.items()
                if defaults[k] != v
            },
            **self.funnel.to_json(integer_ids=self.source_kind == "omop"),
            "data_quality_warnings": self.data_quality,
            "written": [str(p) for p in self.written],
        }


def source_kind(paths: Sequence[Path]) -> str:
    for path in paths:
        if not path.exists():
            raise InputError("not found", source=str(path))
    if len(paths) == 1 and is_omop(paths[0]):
        return "omop"
    if all(p.is_dir() or p.name.endswith((".ndjson", ".ndjson.gz")) for p in paths) and all(
        ndjson_files([p]) for p in paths
    ):
        return "fhir-ndjson"
    return "fhir"


def run_cohort(
    paths: Sequence[Path],
    *,
    engine: str = "duckdb",
    protocol: str = DEFAULT_PROTOCOL,
    as_of: date | None = None,
    first_dose: date | None = None,
    overrides: Mapping[str, str] | None = None,
    out: Path | None = None,
    spark_master: str = "local[2]",
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    progress: Progress | None = None,
) -> CohortRun:
    from trialkit.services.screening import prepare

    step = progress or (lambda _: None)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (duckdb or spark)", field="--engine")
    proto, params, as_of = prepare(protocol, overrides or {}, as_of, first_dose)
    source_kind(paths)  # every path exists, before any work
    with (
        tempfile.TemporaryDirectory(prefix="trialkit-staging-") as tmp,
        unpacked_sources(Path(tmp)) as unpacked,
    ):
        # a zipped source is read from its unpacked copy; errors still name the archive
        readable = [unpacked.readable(p) for p in paths]
        kind = source_kind(readable)
        spark = None
        if engine == "spark":
            from trialkit.relational.spark import spark_session

            spark = spark_session(spark_master)
        con = connect(engine, spark, memory_limit=memory_limit)
        step(PHASES[0])
        views: tuple[str, ...] = ()
        if kind == "omop" and engine == "duckdb":
            # embedded: staged by the screening connection, measurements and warnings left
            # as views (docs/population.md "Sources")
            staging = stage_omop(
                readable[0], Path(tmp) / "staging", con=con.con, views=("measurement", "warning")
            )
            staged: dict[str, pa.Table] | Path = staging.folder
            views = staging.views
        else:
            staged = _stage(readable, kind, Path(tmp), proto, params)
        step(PHASES[1])
        try:
            tables = load_tables(con, staged, views)
            result = screen_population(
                con,
                tables,
                proto,
                params,
                as_of=as_of,
                first_dose=first_dose,
                patient_resource=PATIENT_RESOURCE.get(kind, "Patient"),
            )
            quality = data_quality(con, tables, as_of)
        except duckdb.Error as exc:
            if not views:
                raise
            # the views read the source during screening: its faults surface here
            raise InputError(
                f"OMOP tables unreadable: {exc}".splitlines()[0], source=str(paths[0])
            ) from exc
    step(PHASES[2])
    f = funnel_of(result.table, proto)
    written: list[Path] = []
    run = CohortRun(proto, params, as_of, first_dose, engine, kind, result, f, quality, ())
    if out is not None:
        step(PHASES[3])
        written = write_outputs(out, run)
    return CohortRun(
        proto, params, as_of, first_dose, engine, kind, result, f, quality, tuple(written)
    )


def _stage(
    paths: Sequence[Path], kind: str, tmp: Path, proto: Protocol, params: dict[str, ParamValue]
) -> dict[str, pa.Table] | Path:
    if kind == "omop":
        return stage_omop(paths[0], tmp / "staging").folder
    timezone = str(params["timezone"])
    if kind == "fhir-ndjson":
        return stage_ndjson(
            paths,
            tmp / "staging",
            timezone=timezone,
            questionnaire_url=proto.questionnaire_url,
            lesion_group=proto.lesion_group,
        ).folder
    from trialkit.fhir import load_records

    records = load_records(
        list(paths),
        timezone=timezone,
        questionnaire_url=proto.questionnaire_url,
        lesion_group=proto.lesion_group,
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
    return records_to_tables(records)


def write_outputs(out: Path, run: CohortRun) -> list[Path]:
    """patients.parquet, verdicts.parquet (one row per patient and criterion, with the
    deciding evidence), near_misses.parquet, funnel.json, funnel.png / .svg. Every table
    names the patient ``patient_id`` (docs/fields.md): the source's id, an integer for OMOP
    (person_id), rows in patient-id order."""
    from trialkit.analysis.figures import save
    from trialkit.relational.funnel_figure import attrition_figure

    out.mkdir(parents=True, exist_ok=True)
    table = run.result.table
    id_type = pa.int64() if run.source_kind == "omop" else pa.string()
    pid = table.column("pid").cast(id_type)
    patients = out / "patients.parquet"
    pq.write_table(
        pa.table({"patient_id": pid, "status": table.column("status").cast(pa.string())}),
        patients,
    )
    verdicts = out / "verdicts.parquet"
    status = pa.array(["not_met", "met", "unknown"]).dictionary_encode()
    schema = pa.schema(
        [
            ("patient_id", id_type),
            ("criterion", pa.dictionary(pa.int8(), pa.string())),
            ("kind", pa.dictionary(pa.int8(), pa.string())),
            ("status", pa.dictionary(pa.int32(), pa.string())),
            ("evidence_source", pa.string()),
            ("evidence_value", pa.string()),
        ]
    )
    n = table.num_rows
    with pq.ParquetWriter(verdicts, schema) as writer:
        for c in run.protocol.criteria:
            codes = table.column(c.id).combine_chunks().fill_null(2).cast(pa.int32())
            part = pa.table(
                {
                    "patient_id": pid,
                    "criterion": pa.DictionaryArray.from_arrays(
                        pa.array([0] * n, pa.int8()), pa.array([c.id])
                    ),
                    "kind": pa.DictionaryArray.from_arrays(
                        pa.array([0] * n, pa.int8()), pa.array([c.kind])
                    ),
                    "status": pa.DictionaryArray.from_arrays(codes, status.dictionary),
                    "evidence_source": table.column(f"{c.id}__source").cast(pa.string()),
                    "evidence_value": table.column(f"{c.id}__value").cast(pa.string()),
                },
                schema=schema,
            )
            writer.write_table(part)
    near = out / "near_misses.parquet"
    pairs = run.funnel.near_misses
    pq.write_table(
        pa.table(
            {
                "patient_id": pa.array([p for p, _ in pairs], pa.string()).cast(id_type),
                "criterion": [c for _, c in pairs],
            },
            schema=pa.schema([("patient_id", id_type), ("criterion", pa.string())]),
        ),
        near,
    )
    summary = out / "funnel.json"
    summary.write_text(json.dumps(run.to_json(), indent=2), encoding="utf-8")
    words = criterion_summaries(run.protocol, run.parameters)
    figures = save(attrition_figure(run.funnel, summaries=words), out / "funnel")
    return [patients, verdicts, near, summary, *figures]

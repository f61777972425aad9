"""OMOP CDM v5.4 → staging tables, in DuckDB SQL, written as Parquet.

Sources: a DuckDB database file, or a folder of Parquet or CSV files (one per
table, ``person.parquet`` / ``PERSON.csv`` …, or a folder of parts per table).
Tables read: ``person``, ``measurement``, ``condition_occurrence``,
``drug_exposure``, ``procedure_occurrence``, ``observation``, ``concept``
(and ``concept_ancestor`` when present and not empty).

How OMOP becomes the staging schema (docs/population.md "OMOP CDM"):

* **codes** through ``concept``: ``vocabulary_id`` + ``concept_code`` → FHIR
  system + code, for the standard and the source concept of each fact; drugs
  also get the ATC classes above them in ``concept_ancestor`` (the protocol's
  value sets are ATC, sites code RxNorm);
* **units**: ``unit_concept_id`` → its UCUM ``concept_code``; ``0`` (or a
  concept missing from ``concept``) falls back to ``unit_source_value``, and
  every such row is a counted data-quality warning;
* **statuses**: OMOP has none; measurements are ``final``, procedures
  ``completed``; a drug exposure with an end date is ``active`` from its start
  to that end (so "active at as-of" means the end is on or after as-of), one
  without is a single day (``completed``);
* **conditions**: ``condition_end_date`` set → resolved on that date, else active;
* **allergies**: ``observation`` rows whose concept name says "allergy", the
  concept name as text and the value concept as code;
* **medication forms** (``protocol.forms``): the drug concept's name and source value
  are the text, the SNOMED route concept the route; OMOP records no dosing rhythm;
* **the screening CRF** (a trialkit convention): ``observation`` rows with
  ``observation_source_value`` = ``trialkit-crf:<linkId>``, the value in
  ``value_as_number`` (numbers) or ``value_as_string`` (``true``/``false``, an
  ISO date, or a choice code); a lesion-group answer carries the group's number
  in ``qualifier_source_value``; of several rows for one item the latest
  ``observation_date`` (then the highest ``observation_id``) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from trialkit.errors import InputError
from trialkit.sources import omop_sql
from trialkit.sources.staging import SCHEMAS

TABLES = (
    "person",
    "measurement",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "observation",
    "concept",
)
# columns the mapping reads, with the type each must cast to
REQUIRED: dict[str, dict[str, str]] = {
    "person": {"person_id": "BIGINT", "gender_concept_id": "BIGINT", "year_of_birth": "INTEGER"},
    "measurement": {
        "measurement_id": "BIGINT",
        "person_id": "BIGINT",
        "measurement_concept_id": "BIGINT",
        "measurement_date": "DATE",
        "value_as_number": "DOUBLE",
        "unit_concept_id": "BIGINT",
        "range_high": "DOUBLE",
    },
    "condition_occurrence": {
        "condition_occurrence_id": "BIGINT",
        "person_id": "BIGINT",
        "condition_concept_id": "BIGINT",
        "condition_start_date": "DATE",
    },
    "drug_exposure": {
        "drug_exposure_id": "BIGINT",
        "person_id": "BIGINT",
        "drug_concept_id": "BIGINT",
        "drug_exposure_start_date": "DATE",
    },
    "procedure_occurrence": {
        "procedure_occurrence_id": "BIGINT",
        "person_id": "BIGINT",
        "procedure_concept_id": "BIGINT",
        "procedure_date": "DATE",
    },
    "observation": {"observation_id": "BIGINT", "person_id": "BIGINT", "observation_date": "DATE"},
    "concept": {"concept_id": "BIGINT", "vocabulary_id": "VARCHAR", "concept_code": "VARCHAR"},
}
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "person": {
        "month_of_birth": "INTEGER",
        "day_of_birth": "INTEGER",
        "birth_datetime": "TIMESTAMP",
    },
    "measurement": {
        "measurement_source_concept_id": "BIGINT",
        "value_as_concept_id": "BIGINT",
        "unit_source_value": "VARCHAR",
    },
    "condition_occurrence": {"condition_end_date": "DATE", "condition_source_concept_id": "BIGINT"},
    "drug_exposure": {
        "drug_exposure_end_date": "DATE",
        "drug_source_concept_id": "BIGINT",
        "route_concept_id": "BIGINT",
    },
    "procedure_occurrence": {"procedure_source_concept_id": "BIGINT"},
    "observation": {
        "observation_concept_id": "BIGINT",
        "value_as_number": "DOUBLE",
        "value_as_string": "VARCHAR",
        "value_as_concept_id": "BIGINT",
        "observation_source_value": "VARCHAR",
        "qualifier_source_value": "VARCHAR",
    },
    "concept": {"concept_name": "VARCHAR"},
}


@dataclass(frozen=True)
class OmopStaging:
    folder: Path  # <name>.parquet for every staging table but the views
    persons: int
    views: tuple[str, ...] = ()  # staging_<name> views in the connection that staged


def is_omop(path: Path) -> bool:
    """A DuckDB file, or a folder holding an OMOP ``person`` table (CSV or Parquet)."""
    if path.is_file():
        return path.suffix in (".duckdb", ".db")
    return path.is_dir() and any(
        (path / name).exists()
        for name in ("person.csv", "PERSON.csv", "person.parquet", "PERSON.parquet", "person")
    )


def stage_omop(
    source: Path,
    out: Path,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    views: tuple[str, ...] = (),
) -> OmopStaging:
    """Read an OMOP CDM instance and write the staging tables to ``out`` as Parquet.

    With ``con`` (the embedded DuckDB that will screen), the staging runs in that
    connection and the tables named in ``views`` become views ``staging_<name>`` there
    instead of files: the measurement mapping is a join with the code table, cheaper to
    redo in the screening query than to write tens of millions of rows and read them back.
    """
    own = con is None
    db = duckdb.connect() if con is None else con
    # no staging query depends on row order (screening sorts its result), and keeping the
    # order would write each file from one thread
    db.execute("SET preserve_insertion_order = false").fetchall()
    try:
        _attach(db, source)
        duplicates = _one(db, "SELECT count(*) - count(DISTINCT person_id) FROM person")
        if duplicates:
            raise InputError(
                f"{duplicates} duplicate person_id value(s): one row per person is needed",
                source=str(source),
                field="person.person_id",
            )
        db.execute(omop_sql.CODES).fetchall()
        has_ancestors = _has_rows(db, "concept_ancestor")
        db.execute(omop_sql.drug_codes(has_ancestors)).fetchall()
        out.mkdir(parents=True, exist_ok=True)
        for name in SCHEMAS:
            columns = ", ".join(
                f"CAST({f.name} AS {_column_type(f)}) AS {f.name}" for f in SCHEMAS[name]
            )
            query = f"SELECT {columns} FROM ({omop_sql.STAGING[name]})"
            if name in views:
                db.execute(f"CREATE VIEW staging_{name} AS {query}").fetchall()
            else:
                db.execute(
                    f"COPY ({query}) TO '{out / (name + '.parquet')}' (FORMAT parquet)"
                ).fetchall()
        persons = _one(db, "SELECT count(*) FROM person")
    except duckdb.Error as exc:
        raise InputError(
            f"OMOP tables unreadable: {exc}".splitlines()[0], source=str(source)
        ) from exc
    finally:
        if own:
            db.close()
    return OmopStaging(out, persons, views)


def _column_type(field: pa.Field) -> str:
    # OMOP person ids are integers: grouping and joining on them (every per-patient
    # aggregate does) is cheaper than on their text; the result reports them as text
    return "BIGINT" if field.name == "pid" else _SQL_TYPES[str(field.type)]


_SQL_TYPES = {
    "string": "VARCHAR",
    "date32[day]": "DATE",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "int32": "INTEGER",
}


def _attach(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """Define each OMOP table in ``con`` (CSV parsed once into a table, Parquet and database
    tables read where they lie), with absent optional columns added as NULLs, after
    checking that every column the mapping reads is there and casts to the CDM's type."""
    if not source.exists():
        raise InputError("not found", source=str(source))
    found: dict[str, str] = {}
    if source.is_file():
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)").fetchall()
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'src'"
        ).fetchall():
            found.setdefault(name.lower(), f'src."{schema}"."{name}"')
    else:
        for name in (*TABLES, "concept_ancestor"):
            reader = _reader(source, name)
            if reader is not None:
                found[name] = reader
    for name in TABLES:
        if name not in found:
            raise InputError(f"OMOP table {name} not found", source=str(source))
        _define(con, source, name, found[name])
    if "concept_ancestor" in found:
        con.execute(f"CREATE VIEW concept_ancestor AS SELECT * FROM {found['concept_ancestor']}")


def _reader(folder: Path, name: str) -> str | None:
    for stem in (name, name.upper()):
        parquet, csv, parts = folder / f"{stem}.parquet", folder / f"{stem}.csv", folder / stem
        if parquet.exists():
            return f"read_parquet('{parquet}')"
        if csv.exists():
            return f"read_csv('{csv}', header = true)"
        if parts.is_dir():
            return f"read_parquet('{parts}/*.parquet')"
    return None


def _define(con: duckdb.DuckDBPyConnection, source: Path, table: str, reader: str) -> None:
    present = {c[0].lower() for c in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    for column in REQUIRED[table]:
        if column not in present:
            raise InputError(f"column {column} is missing", source=str(source), field=table)
    missing = {c: t for c, t in OPTIONAL_COLUMNS.get(table, {}).items() if c not in present}
    extra = "".join(f", NULL::{t} AS {c}" for c, t in missing.items())
    kind = "TABLE" if reader.startswith("read_csv") else "VIEW"
    con.execute(f"CREATE {kind} {table} AS SELECT *{extra} FROM {reader}").fetchall()
    typed = {**REQUIRED[table], **OPTIONAL_COLUMNS.get(table, {})}
    checks = ", ".join(
        f"count(*) FILTER (WHERE {c} IS NOT NULL AND TRY_CAST({c} AS {t}) IS NULL)"
        for c, t in typed.items()
    )
    counts = con.execute(f"SELECT {checks} FROM {table}").fetchall()[0]
    for (column, sql_type), bad in zip(typed.items(), counts, strict=True):
        if bad:
            raise InputError(
                f"column {column}: {bad} value(s) are not {sql_type}",
                source=str(source),
                field=table,
            )


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    exists = _one(
        con, f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'"
    )
    return bool(exists) and bool(_one(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)"))


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    # DuckDB 2.0: read a result to the end before the next statement (stack-notes trap)
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0

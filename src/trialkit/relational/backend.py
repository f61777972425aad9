"""The ibis backends population screening runs on, and how in-memory tables reach them."""

from __future__ import annotations

import itertools
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from trialkit.errors import InputError
from trialkit.relational.options import DEFAULT_MEMORY_LIMIT as DEFAULT_MEMORY_LIMIT
from trialkit.relational.options import ENGINES as ENGINES

_names = itertools.count()


def connect(
    engine: str = "duckdb", spark: Any = None, *, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> Any:
    """An ibis connection: embedded DuckDB (at most ``memory_limit``, spilling beyond it),
    or PySpark on ``spark`` (a SparkSession)."""
    if engine == "duckdb":
        size = _checked_size(memory_limit)
        con = ibis.duckdb.connect()
        try:
            con.raw_sql(f"SET memory_limit = '{size}'").fetchall()
        except Exception as exc:  # DuckDB's own message says what it could not read
            raise InputError(str(exc).splitlines()[0], field="--memory-limit") from exc
        # results are sorted in Arrow (engine.screen_population): row order need not be kept
        con.raw_sql("SET preserve_insertion_order = false").fetchall()
        return con
    if engine == "spark":
        if spark is None:
            from trialkit.relational.spark import spark_session

            spark = spark_session()
        return ibis.pyspark.connect(spark)
    raise InputError(f"unknown engine {engine!r} (duckdb or spark)", field="--engine")


def register(con: Any, table: pa.Table, name: str = "t") -> ir.Table:
    """An Arrow table as a backend table.

    DuckDB reads Arrow in place (``ibis.memtable``). On Spark, ibis' memtable goes through
    pandas, where an integer column with NULLs becomes float and a missing float becomes
    NaN — which Spark does not treat as NULL — so Spark gets the Arrow table itself.
    """
    if con.name == "pyspark":
        view = f"trialkit_{name}_{next(_names)}"
        con._session.createDataFrame(table).createOrReplaceTempView(view)
        return con.table(view)
    return ibis.memtable(table)


def lookup(con: Any, rows: list[dict[str, Any]], schema: dict[str, str], name: str) -> ir.Table:
    """A small lookup table computed in Python (codes, unit factors) on the backend."""
    arrow = ibis.schema(schema).to_pyarrow()
    return register(con, pa.Table.from_pylist(rows, schema=arrow), name)


def _checked_size(text: str) -> str:
    """A DuckDB memory size such as ``5GB`` or ``800MB`` (nothing else reaches the SQL)."""
    size = text.strip().upper().replace(" ", "")
    number = size.rstrip("KMGTIB")
    if not number.replace(".", "", 1).isdigit() or size[len(number) :] not in (
        "KB",
        "MB",
        "GB",
        "TB",
        "KIB",
        "MIB",
        "GIB",
        "TIB",
    ):
        raise InputError(f"{text!r} is not a memory size such as 5GB", field="--memory-limit")
    return size

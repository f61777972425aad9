"""The ibis backends population screening runs on, and how in-memory tables reach them."""

from __future__ import annotations

import itertools
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from trialkit.errors import InputError

ENGINES = ("duckdb", "spark")
_names = itertools.count()


def connect(engine: str = "duckdb", spark: Any = None) -> Any:
    """An ibis connection: embedded DuckDB, or PySpark on ``spark`` (a SparkSession)."""
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        if spark is None:
            from trialkit.population.spark import spark_session

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

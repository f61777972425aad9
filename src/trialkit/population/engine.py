"""Run the compiled protocol on an ibis backend: DuckDB embedded by default, or Spark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from trialkit.errors import InputError
from trialkit.population.compile import Compiler
from trialkit.protocol.model import ParamValue, Protocol

STATUS = {True: "met", False: "not_met", None: "unknown"}


@dataclass(frozen=True)
class PopulationResult:
    table: pa.Table  # pid, one status column per criterion id, status

    def statuses(self) -> dict[str, dict[str, str]]:
        """pid → {criterion id or "status": value}."""
        rows = self.table.to_pylist()
        return {str(r["pid"]): {k: str(v) for k, v in r.items() if k != "pid"} for r in rows}


def connect(engine: str = "duckdb", spark: Any = None) -> Any:
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        return ibis.pyspark.connect(spark)
    raise ValueError(f"unknown engine {engine!r}")


def load_tables(con: Any, tables: dict[str, pa.Table]) -> dict[str, ir.Table]:
    # ibis 12's create_table emits "DROP TABLE IF EXISTS" that DuckDB 2.0 rejects (stack-notes
    # trap); in-memory tables are registered by the backend when a query runs.
    return {name: ibis.memtable(table) for name, table in tables.items()}


def screen_population(
    con: Any,
    tables: dict[str, ir.Table],
    protocol: Protocol,
    params: dict[str, ParamValue],
    *,
    as_of: date,
    first_dose: date | None = None,
) -> PopulationResult:
    def units(value_set: str) -> list[str | None]:
        m, mc = tables["measurement"], tables["measurement_code"]
        compiler_vs = Compiler.vs_pred
        codes = mc.filter((mc.kind == "code") & compiler_vs(compiler, mc, value_set)).select(
            "pid", "source"
        )
        rows = m.inner_join(codes.distinct(), ["pid", "source"])
        found = con.execute(rows.select(rows.unit).distinct())
        units_found: list[str | None] = [
            None if v is None or v != v else str(v) for v in found["unit"]
        ]
        return sorted(set(units_found), key=lambda u: (u is None, u or ""))

    patients = tables["patient"]
    counts = con.execute(patients.aggregate(n=patients.count(), distinct=patients.pid.nunique()))
    if int(counts["n"][0]) != int(counts["distinct"][0]):
        raise InputError(
            f"duplicate patient ids: {int(counts['n'][0]) - int(counts['distinct'][0])} "
            "records share an id with another; one record per patient is needed",
            field="patient id",
        )
    compiler = Compiler(protocol, params, as_of, first_dose, tables, units)
    criteria = {c.id: compiler.compile(c.rule) for c in protocol.criteria}
    wide = tables["patient"].select("pid")
    for feature in compiler.features:
        wide = wide.left_join(feature, "pid").select(
            *[wide[c] for c in wide.columns], *[feature[c] for c in feature.columns if c != "pid"]
        )
    columns = {cid: expr(wide) for cid, expr in criteria.items()}
    kinds = {c.id: c.kind for c in protocol.criteria}
    result = wide.select("pid", **{cid: _status(col) for cid, col in columns.items()})
    blocking = ibis.literal(False)
    clear = ibis.literal(True)
    for cid in columns:
        bad = "not_met" if kinds[cid] == "inclusion" else "met"
        good = "met" if kinds[cid] == "inclusion" else "not_met"
        blocking = blocking | (result[cid] == bad)
        clear = clear & (result[cid] == good)
    result = result.mutate(
        status=ibis.cases((blocking, "ineligible"), (clear, "eligible"), else_="incomplete")
    )
    return PopulationResult(con.to_pyarrow(result.order_by("pid")))


def _status(value: ir.BooleanValue) -> ir.StringValue:
    return ibis.cases((value.isnull(), "unknown"), (value, "met"), else_="not_met")

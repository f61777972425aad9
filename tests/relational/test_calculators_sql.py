"""The calculators compiled to SQL (relational.columns.SQL) agree with the evaluator's
floats (calculators.PY) on generated inputs: one formula, two paths, same numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

import ibis
import pytest

from trialkit.calculators import CALCULATORS, PY, age_years
from trialkit.relational.columns import SQL, completed_years


def _inputs(rng: random.Random, n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for _ in range(n):
        rows.append(
            {
                "creatinine": rng.choice([rng.uniform(20, 900), 0.7 * 88.4, 0.9 * 88.4]),
                "weight": rng.uniform(30, 200),
                "height": rng.uniform(120, 210),
                "age": rng.randint(18, 99),
                "female": rng.random() < 0.5,
            }
        )
    return rows


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_sql_and_evaluator_agree(name: str) -> None:
    calc = CALCULATORS[name]
    rows = _inputs(random.Random(name), 400)
    con = ibis.duckdb.connect()
    t = ibis.memtable(rows)
    expr = t.mutate(result=calc.formula(SQL, {k: t[k] for k in rows[0]}).round(calc.digits))
    got = con.execute(expr)["result"].tolist()
    expected = [calc.compute(r) for r in rows]
    assert got == pytest.approx(expected, abs=10**-calc.digits * 1.01)


def test_age_sql_and_evaluator_agree() -> None:
    rng = random.Random(7)
    births = [date(1930, 1, 1) + timedelta(days=rng.randint(0, 30000)) for _ in range(300)]
    births += [date(1960, 2, 29), date(1964, 3, 1), date(1964, 2, 28)]
    at = date(2025, 2, 28)
    con = ibis.duckdb.connect()
    t = ibis.memtable({"birth": births})
    got = con.execute(t.mutate(age=completed_years(t.birth, at)))["age"].tolist()
    assert got == [age_years(PY, b, at) for b in births]

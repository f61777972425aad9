"""``baseline:``: the subjects.csv columns and report rows a protocol declares
(protocol/baseline.py), each broken declaration refused with its key path and a fix."""

from __future__ import annotations

from typing import Any

import pytest

from trialkit.protocol import available_protocols, load_protocol
from trialkit.protocol.baseline import BaselineError, parse_baseline

GRADE = {"label": "Grade", "kind": "choice", "choices": ["G2", "G3"]}


def test_the_bundled_protocol_declares_its_disease_characteristics() -> None:
    baseline = load_protocol().baseline
    assert [c.name for c in baseline.columns] == ["grade", "ki67"]
    ki67 = baseline.column("ki67")
    assert ki67 is not None
    assert (ki67.kind, ki67.maximum, ki67.unit) == ("number", 100.0, "%")
    ecog_0 = next(r for r in baseline.rows if r.label == "ECOG 0")
    assert (ecog_0.column, ecog_0.equals) == ("ecog", "0")  # equals: 0 is a value, not False


@pytest.mark.parametrize("name", available_protocols())
def test_every_shipped_protocol_loads_its_baseline(name: str) -> None:
    baseline = load_protocol(name).baseline
    for row in baseline.rows:  # every row reads a declared or an engine column
        assert baseline.column(row.column) is not None or row.column in (
            "sex",
            "age",
            "primary_site",
            "ecog",
        )


def test_no_section_is_no_columns_and_no_rows() -> None:
    baseline = parse_baseline(None, "p.yaml")
    assert baseline.columns == ()
    assert baseline.rows == ()


@pytest.mark.parametrize(
    ("body", "where", "problem"),
    [
        ([], "baseline", "a mapping with columns: and report:"),
        ({"columns": {"age": {"kind": "number"}}}, "baseline.columns.age", "engine's own"),
        ({"columns": {"grade": {"label": "Grade"}}}, "baseline.columns.grade", "needs a kind"),
        (
            {"columns": {"ki67": {"kind": "number", "maximum": "high"}}},
            "baseline.columns.ki67.maximum",
            "a positive number",
        ),
        ({"columns": {"grade": {"kind": "choice"}}}, "baseline.columns.grade.choices", "choices"),
        (
            {"report": [{"label": "Stage IV", "column": "stage", "equals": "IV"}]},
            "baseline.report[0].column",
            "unknown column 'stage'",
        ),
        ({"report": [{"label": "ECOG", "column": "ecog"}]}, "baseline.report[0]", "one way"),
        (
            {"report": [{"label": "x", "column": "ecog", "equals": 0, "median": True}]},
            "baseline.report[0]",
            "one way",
        ),
        (
            {
                "columns": {"grade": GRADE},
                "report": [{"label": "G", "column": "grade", "median": True}],
            },
            "baseline.report[0].median",
            "not a number",
        ),
        (
            {
                "columns": {"grade": GRADE},
                "report": [{"label": "G", "column": "grade", "equals": "G4"}],
            },
            "baseline.report[0].equals",
            "not one of grade's choices",
        ),
    ],
)
def test_a_broken_declaration_names_its_key_path(body: Any, where: str, problem: str) -> None:
    with pytest.raises(BaselineError) as info:
        parse_baseline(body, "p.yaml")
    assert info.value.where == where
    assert problem in info.value.problem
    assert info.value.fix

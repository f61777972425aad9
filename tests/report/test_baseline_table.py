"""The report's baseline table: the engine's rows, then the protocol's declared ones
(``baseline: report:``), counted by hand here."""

from __future__ import annotations

from datetime import date

from trialkit.protocol.baseline import parse_baseline
from trialkit.report.build import _baseline
from trialkit.study.model import Study, Subject

DAY = date(2026, 1, 5)


def _subject(
    n: int, sex: str, age: int, site: str, ecog: int | None, **extra: float | str
) -> Subject:
    return Subject(
        f"S{n}", sex, age, DAY, DAY, primary_site=site, ecog=ecog, baseline=tuple(extra.items())
    )


def test_rows_follow_the_declaration() -> None:
    declared = parse_baseline(
        {
            "columns": {
                "grade": {"kind": "choice", "choices": ["G2", "G3"]},
                "ki67": {"kind": "number", "maximum": 100},
            },
            "report": [
                {"label": "G3", "column": "grade", "equals": "G3"},
                {"label": "Ki-67 median", "column": "ki67", "median": True},
                {"label": "ECOG 0", "column": "ecog", "equals": 0},
                {"label": "Pancreas", "column": "primary_site", "prefix": "C25"},
            ],
        },
        "p.yaml",
    )
    subjects = (
        _subject(1, "female", 50, "C25.4", 0, grade="G2", ki67=12.0),
        _subject(2, "male", 61, "C7A.010", 1, grade="G3", ki67=25.0),
        _subject(3, "female", 70, "C25.4", None, grade="G3"),  # Ki-67 not recorded
        _subject(4, "male", 44, "C7A.012", 0, grade="G3", ki67=40.0),
    )
    study = Study("nct05894486", subjects)
    assert _baseline(study, declared.rows) == [
        ("Subjects", "4"),
        ("Age, median (range)", "56 (44–70)"),  # (50 + 61) / 2 = 55.5 → 56
        ("Female", "2 (50%)"),
        ("G3", "3 (75%)"),
        ("Ki-67 median", "25.0"),  # of the three recorded: 12, 25, 40
        ("ECOG 0", "2 (50%)"),  # ECOG 0 of all four subjects (one not recorded)
        ("Pancreas", "2 (50%)"),
    ]


def test_a_protocol_without_a_declaration_shows_the_engine_rows() -> None:
    subjects = (_subject(1, "male", 60, "C25.4", 0),)
    study = Study("nct05894486", subjects)
    assert [label for label, _ in _baseline(study, ())] == [
        "Subjects",
        "Age, median (range)",
        "Female",
    ]

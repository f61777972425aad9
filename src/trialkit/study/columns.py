"""The study folder's CSV files and their columns (docs/analysis.md): one definition that the
writer (:mod:`trialkit.study.write`) and the loader (:mod:`trialkit.study.load`) share.

One name per concept (issue 14): ``subject_id`` is the study subject number, ``screening_id``
the screening number, ``patient_id`` the source record's patient id; every date column is an
ISO ``…_date``; a laboratory result is its analyte (``loinc``, ``analyte_name``) and, separately,
the CTCAE term and grade it is graded under. The names are those of docs/fields.md
(``enrolment_date``, ``assessment_date``, and the result contract's ``first_dose`` and
``as_of``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from trialkit.study.model import (
    AdverseEvent,
    AssessmentRow,
    DeviationRow,
    Dose,
    LabRow,
    LesionMeasurement,
    ScreeningRow,
    Subject,
    Therapy,
)

DERIVED = ""  # a column written from the record but not one of its fields (ctcae_grade)
BASELINE = "baseline."  # the "field" of a column the protocol declares (Subject.baseline)


@dataclass(frozen=True)
class Table:
    name: str  # file stem: subjects → subjects.csv
    record: type
    columns: tuple[tuple[str, str], ...]  # (CSV column, record field or DERIVED), in file order
    # a column name of the previous format → what this format calls it (or how it was split)
    previous: tuple[tuple[str, str], ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def column(self, field: str) -> str:
        return next(c for c, f in self.columns if f == field)


def _table(
    name: str,
    record: type,
    rename: dict[str, str],
    *,
    order: tuple[str, ...] = (),
    previous: dict[str, str] | None = None,
) -> Table:
    names = [f.name for f in fields(record)]
    columns = [(rename.get(n, n), n) for n in names]
    if order:  # an explicit column order (record fields and DERIVED columns by column name)
        by_column = dict(columns)
        columns = [(c, by_column.get(c, DERIVED)) for c in order]
    return Table(name, record, tuple(columns), tuple((previous or {}).items()))


TABLES: tuple[Table, ...] = (
    _table(
        "subjects",
        Subject,
        {
            "enrolled": "enrolment_date",
            "last_contact": "last_contact_date",
        },
        order=(
            "subject_id",
            "screening_id",
            "sex",
            "age",
            "enrolment_date",
            "first_dose",
            "primary_site",
            "ecog",
            "death_date",
            "last_contact_date",
            "treatment_end_date",
            "treatment_end_reason",
            "follow_up_date",
            "off_study_date",
            "off_study_reason",
        ),
        previous={
            "enrolled": "enrolment_date",
            "last_contact": "last_contact_date",
        },
    ),
    _table("doses", Dose, {"date": "dose_date"}, previous={"date": "dose_date"}),
    _table(
        "lesions",
        LesionMeasurement,
        {"date": "assessment_date", "baseline": "visit"},
        previous={"date": "assessment_date"},
    ),
    _table(
        "assessments",
        AssessmentRow,
        {"date": "assessment_date"},
        previous={"date": "assessment_date"},
    ),
    _table(
        "adverse_events",
        AdverseEvent,
        {"onset": "onset_date", "resolved": "resolved_date"},
        previous={"onset": "onset_date", "resolved": "resolved_date"},
    ),
    _table(
        "labs",
        LabRow,
        {"date": "lab_date"},
        order=(
            "subject_id",
            "lab_date",
            "loinc",
            "analyte_name",
            "value",
            "unit",
            "uln",
            "lln",
            "ctcae_term",
            "ctcae_grade",
        ),
        previous={
            "date": "lab_date",
            "on": "lab_date",
            "lab": "loinc and analyte_name (the analyte) and ctcae_term (the CTCAE term it is "
            "graded under)",
        },
    ),
    _table("therapies", Therapy, {"date": "start_date"}, previous={"date": "start_date"}),
    _table(
        "screening",
        ScreeningRow,
        {},
        previous={"patient_id": "screening_id (the screening number) and patient_id"},
    ),
    _table(
        "deviations",
        DeviationRow,
        {"date": "deviation_date"},
        order=(
            "subject_id",
            "screening_id",
            "deviation_date",
            "category",
            "rule",
            "criterion",
            "description",
            "reason",
            "recorded_by",
        ),
        previous={"date": "deviation_date"},
    ),
)
BY_RECORD: dict[type, Table] = {t.record: t for t in TABLES}


def with_baseline(table: Table, names: Sequence[str]) -> Table:
    """The subjects table with the protocol's baseline columns (``baseline: columns:``, in
    declared order) after ``primary_site``: what the writer writes and the loader requires."""
    if not names:
        return table
    columns = list(table.columns)
    at = table.header.index("primary_site") + 1
    columns[at:at] = [(name, BASELINE + name) for name in names]
    return replace(table, columns=tuple(columns))

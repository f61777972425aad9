"""Load a study folder of CSV files and validate it whole.

Every problem is collected with its file, row and field; if there is any, one
:class:`StudyValidationError` lists them all (nothing is silently dropped and
nothing crashes). See docs/analysis.md for the tables and their columns.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.conduct.deviations import CATEGORIES
from trialkit.dosing.parameters import DosingParameters, activity_problem
from trialkit.errors import InputError
from trialkit.protocol.model import Protocol
from trialkit.recist.model import MAX_DIAMETER_MM
from trialkit.safe_io import read_text
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.study.lab_checks import lab_value_problem
from trialkit.study.model import (
    AdverseEvent,
    AssessmentRow,
    DeviationRow,
    Dose,
    LabRow,
    LesionMeasurement,
    ScreeningRow,
    Study,
    Subject,
    Therapy,
)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1-based data row (the header is row 0)
    field: str
    message: str

    def __str__(self) -> str:
        if self.row == 0 and self.message.startswith("column"):
            return f"{self.file} {self.message}"
        return f"{self.file} row {self.row} {self.field}: {self.message}"


# Physical bounds of the study tables (issue 12): a value outside is an entry or unit error,
# never data. Diameters share RECIST's bound (recist/model.py MAX_DIAMETER_MM).
MAX_AGE_YEARS = 130  # the oldest verified human lived 122 years (Jeanne Calment, 1875–1997)
MAX_ECOG = 5  # ECOG performance status is 0–5 (5 = dead; clinical-facts §8 LOINC answers)
MAX_KI67_PCT = 100.0  # a percentage of tumour cells


class StudyValidationError(InputError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  … {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"study data has {len(problems)} problem(s):\n  {shown}{more}")


class _Rows:
    def __init__(
        self,
        folder: Path,
        name: str,
        problems: list[Problem],
        required: bool,
        columns: tuple[str, ...],
    ) -> None:
        self.name = f"{name}.csv"
        self.problems = problems
        path = folder / self.name
        self.rows: list[dict[str, str]] = []
        if not path.exists():
            if required:
                problems.append(Problem(self.name, 0, "(file)", "missing"))
            return
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name
        text = read_text(path, encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
        header = reader.fieldnames or []
        # A missing column is not an empty one: without delay_days every dose would read as
        # on time, without death_date every subject as alive. Every documented column must be
        # there (its cells may be empty where the column is optional).
        missing = [c for c in columns if c not in header]
        for column in missing:
            problems.append(
                Problem(self.name, 0, column, f"column {column!r} is missing from the header")
            )
        if not missing:
            self.rows = rows

    def parse(self, make: Callable[[_Cell], Any]) -> list[Any]:
        out = []
        for i, row in enumerate(self.rows, start=1):
            cell = _Cell(self.name, i, row, self.problems)
            try:
                out.append(make(cell))
            except _RowRejectedError:
                continue
        return out


class _RowRejectedError(Exception):
    pass


class _Cell:
    def __init__(self, file: str, row: int, data: dict[str, str], problems: list[Problem]) -> None:
        self.file, self.row, self.data, self.problems = file, row, data, problems
        self.bad = False

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.row, field, message))
        self.bad = True

    def text(self, field: str, required: bool = True) -> str:
        value = (self.data.get(field) or "").strip()
        if required and not value:
            self.fail(field, "required")
        return value

    def date(self, field: str, required: bool = True) -> date | None:
        value = self.text(field, required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(field, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def number(
        self, field: str, required: bool = True, *, maximum: float | None = None
    ) -> float | None:
        """A finite, non-negative number (at most ``maximum``); anything else is a problem."""
        value = self.text(field, required)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(field, f"{value!r} is not a number")
            return None
        if not math.isfinite(number):  # "nan", "inf", or digits beyond the double range
            self.fail(field, f"{_short(value)} is not a finite number")
            return None
        if number < 0:
            self.fail(field, f"{value} is negative")
        elif maximum is not None and number > maximum:
            self.fail(field, f"{value} is above the possible maximum {maximum:g}")
        return number

    def integer(
        self, field: str, required: bool = True, *, maximum: float | None = None
    ) -> int | None:
        number = self.number(field, required, maximum=maximum)
        if number is not None and not number.is_integer():
            self.fail(field, f"{number} is not a whole number")
        return None if number is None else int(number)

    def flag(self, field: str) -> bool:
        value = self.text(field, required=False).lower()
        if value not in ("", "true", "false", "yes", "no", "1", "0"):
            self.fail(field, f"{value!r} is not true/false")
        return value in ("true", "yes", "1")

    def done(self) -> None:
        if self.bad:
            raise _RowRejectedError


def load_study(folder: Path, protocol_id: str = DEFAULT_PROTOCOL) -> Study:
    if not folder.is_dir():
        raise InputError("not a study folder", source=str(folder))
    problems: list[Problem] = []

    def table(
        name: str, record: type, make: Callable[[_Cell], Any], required: bool = False
    ) -> list[Any]:
        return _Rows(folder, name, problems, required, _columns(record)).parse(make)

    subjects: list[Subject] = table("subjects", Subject, _subject, required=True)
    doses: list[Dose] = table("doses", Dose, _dose)
    lesions: list[LesionMeasurement] = table("lesions", LesionMeasurement, _lesion)
    assessments: list[AssessmentRow] = table("assessments", AssessmentRow, _assessment)
    aes: list[AdverseEvent] = table("adverse_events", AdverseEvent, _ae)
    from trialkit.protocol import load_protocol

    protocol = load_protocol(protocol_id)
    labs: list[LabRow] = table("labs", LabRow, lambda c: _lab(c, protocol))
    therapies: list[Therapy] = table("therapies", Therapy, _therapy)
    screening: list[ScreeningRow] = table("screening", ScreeningRow, _screening)
    deviations: list[DeviationRow] = table("deviations", DeviationRow, _deviation)
    if (folder / "fhir").is_dir():
        from trialkit.study.fhir_labs import fhir_labs

        more, fhir_problems = fhir_labs(folder / "fhir", {s.subject_id for s in subjects}, protocol)
        labs += more
        problems += [
            Problem(f"fhir/{resource}", 0, field, message)
            for resource, field, message in fhir_problems
        ]
    _cross_check(folder, subjects, doses, lesions, assessments, aes, labs, therapies, problems)
    if problems:
        raise StudyValidationError(problems)
    return Study(
        protocol_id,
        tuple(subjects),
        tuple(doses),
        tuple(lesions),
        tuple(assessments),
        tuple(aes),
        tuple(labs),
        tuple(therapies),
        tuple(screening),
        source=str(folder),
        deviations=tuple(deviations),
    )


def _columns(record: type) -> tuple[str, ...]:
    """The documented columns of a table: its record's fields (as ``write_study`` writes them)."""
    return tuple("visit" if f.name == "baseline" else f.name for f in fields(record))


def _short(value: str) -> str:
    return repr(value) if len(value) <= 20 else f"a {len(value)}-character value"


def _subject(c: _Cell) -> Subject:
    s = Subject(
        subject_id=c.text("subject_id"),
        sex=c.text("sex"),
        age=c.integer("age", maximum=MAX_AGE_YEARS) or 0,
        enrolled=c.date("enrolled") or date.min,
        first_dose=c.date("first_dose", required=False),
        primary_site=c.text("primary_site", required=False),
        grade=c.text("grade", required=False),
        ki67=c.number("ki67", required=False, maximum=MAX_KI67_PCT),
        ecog=c.integer("ecog", required=False, maximum=MAX_ECOG),
        death_date=c.date("death_date", required=False),
        last_contact=c.date("last_contact", required=False),
        off_study_reason=c.text("off_study_reason", required=False),
    )
    c.done()
    return s


def _dose(c: _Cell) -> Dose:
    cycle = c.integer("cycle")
    if cycle == 0:
        c.fail("cycle", "cycles are numbered from 1")
    activity = c.number("activity_gbq")
    if activity is not None and activity >= 0:  # (negative is reported already)
        problem = activity_problem(activity, DosingParameters())
        if problem:
            c.fail("activity_gbq", problem)
    d = Dose(
        c.text("subject_id"),
        cycle or 0,
        c.date("date") or date.min,
        activity or 0.0,
        c.flag("reduced"),
        c.integer("delay_days", False) or 0,
    )
    c.done()
    return d


def _lesion(c: _Cell) -> LesionMeasurement:
    status = c.text("status", required=False) or None
    diameter = c.number("diameter_mm", required=False, maximum=MAX_DIAMETER_MM)
    if status is None and diameter is None:
        c.fail("diameter_mm", "give a diameter or a status")
    visit = c.text("visit", required=False) or "follow-up"
    if visit not in ("baseline", "follow-up"):
        c.fail("visit", f"{visit!r} is not baseline or follow-up")
    m = LesionMeasurement(
        c.text("subject_id"),
        c.date("date") or date.min,
        c.text("lesion_id"),
        c.flag("target"),
        c.text("organ", required=False),
        c.flag("is_node"),
        diameter,
        status,
        c.text("method", required=False) or None,
        c.number("slice_mm", required=False, maximum=MAX_DIAMETER_MM),
        visit == "baseline",
    )
    c.done()
    return m


def _assessment(c: _Cell) -> AssessmentRow:
    new = c.text("new_lesions", required=False) or "none"
    if new not in ("none", "equivocal", "unequivocal"):
        c.fail("new_lesions", f"{new!r} is not none / equivocal / unequivocal")
    a = AssessmentRow(c.text("subject_id"), c.date("date") or date.min, new)
    c.done()
    return a


def _ae(c: _Cell) -> AdverseEvent:
    grade = c.integer("grade") or 0
    if not 1 <= grade <= 5:
        c.fail("grade", f"{grade} is not a CTCAE grade 1–5")
    onset, resolved = c.date("onset"), c.date("resolved", required=False)
    if onset and resolved and resolved < onset:
        c.fail("resolved", f"resolved {resolved} before its onset {onset}")
    ae = AdverseEvent(
        c.text("subject_id"),
        c.text("term"),
        grade,
        onset or date.min,
        resolved,
        c.flag("serious"),
        c.flag("related"),
    )
    c.done()
    return ae


def _lab(c: _Cell, protocol: Protocol) -> LabRow:
    from trialkit.ctcae import TERMS

    lab = c.text("lab")
    if lab and lab not in TERMS:
        c.fail("lab", f"unknown CTCAE term {lab!r}")
    value, unit = c.number("value"), c.text("unit")
    if value is not None and value >= 0 and lab in TERMS:
        # outside the protocol's physiologically possible range: no result (study.lab_checks)
        why = lab_value_problem(protocol, lab, value, unit or None)
        if why:
            c.fail("value", why)
    row = LabRow(
        c.text("subject_id"),
        c.date("date") or date.min,
        lab,
        value or 0.0,
        unit,
        c.number("uln", required=False),
        c.number("lln", required=False),
    )
    c.done()
    return row


def _therapy(c: _Cell) -> Therapy:
    t = Therapy(c.text("subject_id"), c.date("date") or date.min, c.text("therapy"))
    c.done()
    return t


def _screening(c: _Cell) -> ScreeningRow:
    status = c.text("status")
    if status not in ("eligible", "ineligible", "incomplete"):
        c.fail("status", f"{status!r} is not eligible / ineligible / incomplete")
    s = ScreeningRow(c.text("patient_id"), status, c.text("reason", required=False))
    c.done()
    return s


def _deviation(c: _Cell) -> DeviationRow:
    category = c.text("category")
    if category not in CATEGORIES:
        c.fail("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    d = DeviationRow(
        c.text("subject_id"),
        c.date("date") or date.min,
        category,
        c.text("rule"),
        c.text("criterion", required=False),
        c.text("description"),
        c.text("reason"),
        c.text("recorded_by"),
    )
    c.done()
    return d


def _impossible_dates(s: Subject) -> list[tuple[str, str]]:
    """Dates of one subject that cannot all be true: nobody is treated before enrolment,
    seen after death, or dies before being enrolled (the analyses' time origins would turn
    negative). Reported after parsing so that the subject's other rows are still checked."""
    out = []
    start = s.enrolled
    if s.first_dose and s.first_dose < start:
        out.append(("first_dose", f"first dose {s.first_dose} before enrolment {start}"))
    if s.death_date and s.death_date < start:
        out.append(("death_date", f"death {s.death_date} before enrolment {start}"))
    elif s.first_dose and s.death_date and s.death_date < s.first_dose:
        out.append(("death_date", f"death {s.death_date} before the first dose {s.first_dose}"))
    if s.last_contact and s.last_contact < start:
        out.append(("last_contact", f"last contact {s.last_contact} before enrolment {start}"))
    if s.death_date and s.last_contact and s.last_contact > s.death_date:
        out.append(("last_contact", f"last contact {s.last_contact} after death {s.death_date}"))
    return out


def _cross_check(
    folder: Path,
    subjects: list[Subject],
    doses: list[Dose],
    lesions: list[LesionMeasurement],
    assessments: list[AssessmentRow],
    aes: list[AdverseEvent],
    labs: list[LabRow],
    therapies: list[Therapy],
    problems: list[Problem],
) -> None:
    by_id = {s.subject_id: s for s in subjects}
    for i, subject in enumerate(subjects, start=1):
        problems += [Problem("subjects.csv", i, f, m) for f, m in _impossible_dates(subject)]
    for sid, count in Counter(s.subject_id for s in subjects).items():
        if count > 1:
            problems.append(
                Problem("subjects.csv", 0, "subject_id", f"{sid} appears {count} times")
            )
    tables: list[tuple[str, list[Any]]] = [
        ("doses.csv", doses),
        ("lesions.csv", lesions),
        ("assessments.csv", assessments),
        ("adverse_events.csv", aes),
        ("labs.csv", labs),
        ("therapies.csv", therapies),
    ]
    for name, rows in tables:
        for i, row in enumerate(rows, start=1):
            if row.subject_id not in by_id:
                problems.append(
                    Problem(name, i, "subject_id", f"unknown subject {row.subject_id!r}")
                )
    for i, d in enumerate(doses, start=1):
        s = by_id.get(d.subject_id)
        if s and s.death_date and d.date > s.death_date:
            problems.append(
                Problem("doses.csv", i, "date", f"dose on {d.date} after death on {s.death_date}")
            )
    for (sid, when), count in Counter((a.subject_id, a.date) for a in assessments).items():
        if count > 1:
            problems.append(
                Problem("assessments.csv", 0, "date", f"duplicate assessment {sid} {when}")
            )
    for key, count in Counter((m.subject_id, m.date, m.lesion_id) for m in lesions).items():
        if count > 1:
            problems.append(
                Problem(
                    "lesions.csv",
                    0,
                    "lesion_id",
                    f"duplicate measurement {key[0]} {key[1]} {key[2]}",
                )
            )
    baseline = {m.subject_id: m.date for m in lesions if m.baseline}
    for i, m in enumerate(lesions, start=1):
        start = baseline.get(m.subject_id)
        if not m.baseline and start is not None and m.date <= start:
            problems.append(
                Problem("lesions.csv", i, "date", f"scan {m.date} before the baseline {start}")
            )
    for i, a in enumerate(assessments, start=1):
        start = baseline.get(a.subject_id)
        if start is not None and a.date <= start:
            problems.append(
                Problem(
                    "assessments.csv", i, "date", f"assessment {a.date} before the baseline {start}"
                )
            )

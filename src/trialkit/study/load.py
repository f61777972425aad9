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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.conduct.deviations import CATEGORIES
from trialkit.ctcae import CTCAE_VERSION
from trialkit.dosing.parameters import DosingParameters, activity_problem
from trialkit.dosing.regimen import has_regimen, regimen_of
from trialkit.errors import InputError, UnitError
from trialkit.protocol.baseline import BaselineColumn
from trialkit.protocol.model import Protocol
from trialkit.recist.model import MAX_DIAMETER_MM
from trialkit.safe_io import read_text
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.study.columns import BY_RECORD, Table, with_baseline
from trialkit.study.lab_checks import lab_grade, lab_value_problem
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
from trialkit.units import convert


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
# Screening weight and height are kept as recorded (any UCUM mass or length unit) and must
# convert to the standard unit within a bound no person reaches: the heaviest person recorded
# weighed about 635 kg (Jon Brower Minnoch), the tallest measured 272 cm (Robert Wadlow).
BODY = {"weight": ("kg", 700.0), "height": ("cm", 300.0)}


class StudyValidationError(InputError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  … {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"study data has {len(problems)} problem(s):\n  {shown}{more}")


class _Rows:
    def __init__(self, folder: Path, table: Table, problems: list[Problem], required: bool) -> None:
        self.name = table.file
        columns = table.header
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
        # a file of the previous format: name the old column and what this format calls it
        for old, new in table.previous:
            if old in header and any(m in new.replace(",", " ").split() for m in missing):
                problems.append(
                    Problem(
                        self.name,
                        0,
                        old,
                        f"column {old!r} is the previous format's: this format has {new} "
                        "(docs/analysis.md)",
                    )
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

    def optional_flag(self, field: str) -> bool | None:
        """true/false, or None for an empty cell (not assessed)."""
        if not self.text(field, required=False):
            return None
        return self.flag(field)

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

    from trialkit.protocol import load_protocol

    protocol = load_protocol(protocol_id)
    declared = protocol.baseline.columns

    def table(record: type, make: Callable[[_Cell], Any], required: bool = False) -> list[Any]:
        shape = BY_RECORD[record]
        if record is Subject:  # with the columns the protocol declares
            shape = with_baseline(shape, [c.name for c in declared])
        return _Rows(folder, shape, problems, required).parse(make)

    subjects: list[Subject] = table(Subject, lambda c: _subject(c, declared), required=True)
    # the activity of a dose is judged by the protocol's regimen (None: it declares none)
    regimen = DosingParameters(regimen_of(protocol_id)) if has_regimen(protocol_id) else None
    doses: list[Dose] = table(Dose, lambda c: _dose(c, regimen, protocol_id))
    lesions: list[LesionMeasurement] = table(LesionMeasurement, _lesion)
    assessments: list[AssessmentRow] = table(AssessmentRow, _assessment)
    aes: list[AdverseEvent] = table(AdverseEvent, _ae)
    labs: list[LabRow] = table(LabRow, lambda c: _lab(c, protocol))
    therapies: list[Therapy] = table(Therapy, _therapy)
    screening: list[ScreeningRow] = table(ScreeningRow, _screening)
    deviations: list[DeviationRow] = table(DeviationRow, _deviation)
    if (folder / "fhir").is_dir():
        from trialkit.study.fhir_labs import fhir_labs

        more, fhir_problems = fhir_labs(folder / "fhir", {s.subject_id for s in subjects}, protocol)
        labs += more
        problems += [
            Problem(f"fhir/{resource}", 0, field, message)
            for resource, field, message in fhir_problems
        ]
    _cross_check(folder, subjects, doses, lesions, assessments, aes, labs, therapies, problems)
    _screening_links(subjects, screening, deviations, problems)
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


def _short(value: str) -> str:
    return repr(value) if len(value) <= 20 else f"a {len(value)}-character value"


def _subject(c: _Cell, declared: tuple[BaselineColumn, ...]) -> Subject:
    s = Subject(
        subject_id=c.text("subject_id"),
        sex=c.text("sex"),
        age=c.integer("age", maximum=MAX_AGE_YEARS) or 0,
        enrolled=c.date("enrolment_date") or date.min,
        first_dose=c.date("first_dose", required=False),
        primary_site=c.text("primary_site", required=False),
        ecog=c.integer("ecog", required=False, maximum=MAX_ECOG),
        death_date=c.date("death_date", required=False),
        last_contact=c.date("last_contact_date", required=False),
        off_study_reason=c.text("off_study_reason", required=False),
        screening_id=c.text("screening_id", required=False),
        treatment_end_date=c.date("treatment_end_date", required=False),
        treatment_end_reason=c.text("treatment_end_reason", required=False),
        follow_up_date=c.date("follow_up_date", required=False),
        off_study_date=c.date("off_study_date", required=False),
        baseline=tuple(_characteristics(c, declared)),
    )
    c.done()
    return s


def _characteristics(
    c: _Cell, declared: tuple[BaselineColumn, ...]
) -> list[tuple[str, float | str]]:
    """The protocol's baseline columns of one subject, each checked as declared (a number:
    finite, not negative, at most its maximum; a choice: one of its choices)."""
    found: list[tuple[str, float | str]] = []
    for column in declared:
        if column.kind == "number":
            number = c.number(column.name, required=False, maximum=column.maximum)
            if number is not None:
                found.append((column.name, number))
            continue
        text = c.text(column.name, required=False)
        if text and text not in column.choices:
            c.fail(column.name, f"{_short(text)} is not one of {', '.join(column.choices)}")
        elif text:
            found.append((column.name, text))
    return found


def _dose(c: _Cell, params: DosingParameters | None, protocol_id: str) -> Dose:
    cycle = c.integer("cycle")
    if cycle == 0:
        c.fail("cycle", "cycles are numbered from 1")
    activity = c.number("activity_gbq")
    if params is None:
        c.fail("activity_gbq", f"protocol {protocol_id} declares no dosing regimen")
    elif activity is not None and activity >= 0:  # (negative is reported already)
        problem = activity_problem(activity, params)
        if problem:
            c.fail("activity_gbq", problem)
    d = Dose(
        c.text("subject_id"),
        cycle or 0,
        c.date("dose_date") or date.min,
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
        c.date("assessment_date") or date.min,
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
    a = AssessmentRow(c.text("subject_id"), c.date("assessment_date") or date.min, new)
    c.done()
    return a


def _ae(c: _Cell) -> AdverseEvent:
    grade = c.integer("grade") or 0
    if not 1 <= grade <= 5:
        c.fail("grade", f"{grade} is not a CTCAE grade 1–5")
    onset, resolved = c.date("onset_date"), c.date("resolved_date", required=False)
    if onset and resolved and resolved < onset:
        c.fail("resolved_date", f"resolved {resolved} before its onset {onset}")
    ae = AdverseEvent(
        c.text("subject_id"),
        c.text("term"),
        grade,
        onset or date.min,
        resolved,
        c.flag("serious"),
        c.optional_flag("related"),  # empty: causality not assessed
    )
    c.done()
    return ae


def _lab(c: _Cell, protocol: Protocol) -> LabRow:
    from trialkit.ctcae import TERMS

    term = c.text("ctcae_term")
    if term and term not in TERMS:
        c.fail("ctcae_term", f"unknown CTCAE term {term!r}")
    loinc, analyte = c.text("loinc"), c.text("analyte_name")
    if loinc and term in TERMS and loinc not in TERMS[term].loinc:
        graded = ", ".join(TERMS[term].loinc)
        c.fail("loinc", f"LOINC {loinc} is not graded under {term} (its codes: {graded})")
    value, unit = c.number("value"), c.text("unit")
    if value is not None and value >= 0 and term in TERMS:
        # outside the protocol's physiologically possible range: no result (study.lab_checks)
        why = lab_value_problem(protocol, term, value, unit or None)
        if why:
            c.fail("value", why)
    stated = c.integer("ctcae_grade", required=False, maximum=5)
    row = LabRow(
        c.text("subject_id"),
        c.date("lab_date") or date.min,
        term,
        value or 0.0,
        unit,
        c.number("uln", required=False),
        c.number("lln", required=False),
        loinc,
        analyte,
    )
    if not c.bad and stated is not None and stated != (computed := lab_grade(row)):
        # the grade column is derived: a different one is an entry error, never data
        c.fail(
            "ctcae_grade",
            f"grade {stated} is not the CTCAE v{CTCAE_VERSION} grade of this result "
            f"({'undeterminable' if computed is None else computed})",
        )
    c.done()
    return row


def _therapy(c: _Cell) -> Therapy:
    t = Therapy(c.text("subject_id"), c.date("start_date") or date.min, c.text("therapy"))
    c.done()
    return t


def _screening(c: _Cell) -> ScreeningRow:
    status = c.text("status")
    if status not in ("eligible", "ineligible", "incomplete"):
        c.fail("status", f"{status!r} is not eligible / ineligible / incomplete")
    measured = {}
    for what, (standard, bound) in BODY.items():
        value = c.number(what, required=False)
        unit = c.text(f"{what}_unit", required=value is not None)
        when = c.date(f"{what}_date", required=value is not None)
        if value is not None and unit:
            try:
                if convert(value, unit, standard) > bound:
                    c.fail(what, f"{value:g} {unit} is above the possible {bound:g} {standard}")
            except UnitError as exc:
                c.fail(f"{what}_unit", f"{exc} (a {what} unit is needed)")
        measured[what] = (value, unit, when)
    s = ScreeningRow(
        c.text("screening_id"),
        c.text("patient_id"),
        status,
        c.text("reason", required=False),
        c.date("as_of", required=False),
        *measured["weight"],
        *measured["height"],
    )
    c.done()
    return s


def _deviation(c: _Cell) -> DeviationRow:
    category = c.text("category")
    if category not in CATEGORIES:
        c.fail("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    subject, screening = c.text("subject_id", False), c.text("screening_id", False)
    if not subject and not screening:
        c.fail("subject_id", "give the subject (subject_id) or the screening (screening_id)")
    d = DeviationRow(
        subject,
        c.date("deviation_date") or date.min,
        category,
        c.text("rule"),
        c.text("criterion", required=False),
        c.text("description"),
        c.text("reason"),
        c.text("recorded_by"),
        screening,
    )
    c.done()
    return d


def _impossible_dates(s: Subject) -> list[tuple[str, str]]:
    """Dates of one subject that cannot all be true: nobody is treated before enrolment,
    seen after death, or dies before being enrolled (the analyses' time origins would turn
    negative). Reported after parsing so that the subject's other rows are still checked."""
    out = []
    start, contact = s.enrolled, "last_contact_date"
    if s.first_dose and s.first_dose < start:
        out.append(("first_dose", f"first dose {s.first_dose} before enrolment {start}"))
    if s.death_date and s.death_date < start:
        out.append(("death_date", f"death {s.death_date} before enrolment {start}"))
    elif s.first_dose and s.death_date and s.death_date < s.first_dose:
        out.append(("death_date", f"death {s.death_date} before the first dose {s.first_dose}"))
    if s.last_contact and s.last_contact < start:
        out.append((contact, f"last contact {s.last_contact} before enrolment {start}"))
    if s.death_date and s.last_contact and s.last_contact > s.death_date:
        out.append(
            ("last_contact_date", f"last contact {s.last_contact} after death {s.death_date}")
        )
    # the stages after dosing follow one another (trialkit.conduct.state)
    end, follow, off = s.treatment_end_date, s.follow_up_date, s.off_study_date
    if end and not s.treatment_end_reason.strip():
        out.append(("treatment_end_reason", f"treatment ended {end} without a reason"))
    if off and not s.off_study_reason.strip():
        out.append(("off_study_reason", f"off study {off} without a reason"))
    if end and follow and follow < end:
        out.append(("follow_up_date", f"follow-up {follow} before the treatment end {end}"))
    if off and (follow or end) and off < max(d for d in (follow, end) if d):
        out.append(("off_study_date", f"off study {off} before the previous stage"))
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
                Problem(
                    "doses.csv", i, "dose_date", f"dose on {d.date} after death on {s.death_date}"
                )
            )
    for (sid, when), count in Counter((a.subject_id, a.date) for a in assessments).items():
        if count > 1:
            problems.append(
                Problem(
                    "assessments.csv", 0, "assessment_date", f"duplicate assessment {sid} {when}"
                )
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
                Problem(
                    "lesions.csv",
                    i,
                    "assessment_date",
                    f"scan {m.date} before the baseline {start}",
                )
            )
    for i, a in enumerate(assessments, start=1):
        start = baseline.get(a.subject_id)
        if start is not None and a.date <= start:
            problems.append(
                Problem(
                    "assessments.csv",
                    i,
                    "assessment_date",
                    f"assessment {a.date} before the baseline {start}",
                )
            )


def _screening_links(
    subjects: list[Subject],
    screening: list[ScreeningRow],
    deviations: list[DeviationRow],
    problems: list[Problem],
) -> None:
    """Each subject's screening and each deviation's subject or screening exist (when the
    screening log is in the folder): a dangling link would trace a record to nothing."""
    numbers = Counter(r.screening_id for r in screening)
    for number, count in numbers.items():
        if count > 1:
            problems.append(
                Problem("screening.csv", 0, "screening_id", f"{number} appears {count} times")
            )
    subject_ids = {s.subject_id for s in subjects}
    if screening:
        for i, s in enumerate(subjects, start=1):
            if s.screening_id and s.screening_id not in numbers:
                problems.append(
                    Problem(
                        "subjects.csv", i, "screening_id", f"unknown screening {s.screening_id!r}"
                    )
                )
    for i, d in enumerate(deviations, start=1):
        if d.subject_id and d.subject_id not in subject_ids:
            problems.append(
                Problem("deviations.csv", i, "subject_id", f"unknown subject {d.subject_id!r}")
            )
        if screening and d.screening_id and d.screening_id not in numbers:
            problems.append(
                Problem(
                    "deviations.csv", i, "screening_id", f"unknown screening {d.screening_id!r}"
                )
            )

"""Issue 12, reproduction 3: the study loader refuses values that are no data.

``nan``/``inf`` and impossible values (negative or above a physical bound, dates that
cannot all be true) are problems naming file, row and field; a missing column is an error
naming the file and the column — never read as an empty column (without ``delay_days``
"subjects delayed > 7 days" silently read 0).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from trialkit.cli.main import main
from trialkit.protocol import load_protocol
from trialkit.study import load_study
from trialkit.study.load import StudyValidationError
from trialkit.study.simulate import simulate_study
from trialkit.study.write import write_study


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = simulate_study(load_protocol(), seed=7, screened=40).study
    return write_study(study, tmp_path_factory.mktemp("study"))


@pytest.fixture
def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    target.mkdir()
    for f in folder.iterdir():
        (target / f.name).write_text(f.read_text())
    return target


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _edit(path: Path, pick: int, field: str, value: str) -> int:
    """Set ``field`` of the ``pick``-th row (0-based) whose field is set (else of any row);
    return its 1-based row number."""
    rows = _rows(path)
    index = ([i for i, r in enumerate(rows) if r[field]] or list(range(len(rows))))[pick]
    rows[index][field] = value
    _write(path, rows)
    return index + 1


def _problems(folder: Path) -> set[tuple[str, int, str]]:
    with pytest.raises(StudyValidationError) as info:
        load_study(folder)
    return {(p.file, p.row, p.field) for p in info.value.problems}


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "9" * 400])
def test_non_finite_baseline_diameter_is_a_problem(copy: Path, value: str) -> None:
    rows = _rows(copy / "lesions.csv")
    index = next(
        i for i, r in enumerate(rows) if r["visit"] == "baseline" and r["diameter_mm"] != ""
    )
    rows[index]["diameter_mm"] = value
    _write(copy / "lesions.csv", rows)
    assert ("lesions.csv", index + 1, "diameter_mm") in _problems(copy)


@pytest.mark.parametrize(
    ("table", "field", "value", "message"),
    [
        ("doses.csv", "activity_gbq", "inf", "not a finite number"),
        ("doses.csv", "activity_gbq", "nan", "not a finite number"),
        ("doses.csv", "activity_gbq", "-7.4", "negative"),
        ("doses.csv", "activity_gbq", "0", "not a plausible dose"),
        ("doses.csv", "activity_gbq", "7400", "not a plausible dose"),  # MBq typed as GBq
        ("doses.csv", "delay_days", "nan", "not a finite number"),
        ("doses.csv", "delay_days", "-3", "negative"),
        ("doses.csv", "cycle", "0", "numbered from 1"),
        ("lesions.csv", "diameter_mm", "-12", "negative"),
        ("lesions.csv", "diameter_mm", "1e308", "above the possible maximum 1000"),
        ("lesions.csv", "slice_mm", "inf", "not a finite number"),
        ("subjects.csv", "age", "200", "above the possible maximum 130"),
        ("subjects.csv", "ki67", "150", "above the possible maximum 100"),
        ("subjects.csv", "ki67", "nan", "not a finite number"),
        ("subjects.csv", "grade", "G4", "'G4' is not one of G2, G3"),  # the protocol's choices
        ("subjects.csv", "ecog", "7", "above the possible maximum 5"),
        ("labs.csv", "value", "nan", "not a finite number"),
        ("labs.csv", "value", "-1", "negative"),
        ("labs.csv", "uln", "inf", "not a finite number"),
    ],
)
def test_impossible_value_names_file_row_and_field(
    copy: Path, table: str, field: str, value: str, message: str
) -> None:
    row = _edit(copy / table, 0, field, value)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    hits = [p for p in info.value.problems if (p.file, p.row, p.field) == (table, row, field)]
    assert hits, info.value.problems
    assert message in hits[0].message
    assert f"{table} row {row} {field}:" in str(info.value)


@pytest.mark.parametrize(
    ("lab", "value", "unit", "message"),
    [
        ("anemia", "5", "g/L", "outside the physiologically possible range 10–250"),
        ("anemia", "300", "g/dL", "outside the physiologically possible range"),  # 3000 g/L
        ("platelet_count_decreased", "6000", "10*9/L", "outside the physiologically possible"),
        ("platelet_count_decreased", "40", "furlong", "cannot be read"),
    ],
)
def test_lab_value_outside_the_protocols_possible_range_is_a_problem(
    copy: Path, lab: str, value: str, unit: str, message: str
) -> None:
    """The protocol's plausibility ranges (elements.<name>.plausible) guard the loader too."""
    rows = _rows(copy / "labs.csv")
    index = next(i for i, r in enumerate(rows) if r["ctcae_term"] == lab)
    rows[index]["value"], rows[index]["unit"] = value, unit
    _write(copy / "labs.csv", rows)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    hits = [p for p in info.value.problems if (p.file, p.row) == ("labs.csv", index + 1)]
    assert [p.field for p in hits] == ["value"]
    assert message in hits[0].message


def test_dates_that_cannot_all_be_true(copy: Path) -> None:
    subjects = _rows(copy / "subjects.csv")
    treated = [i for i, s in enumerate(subjects) if s["first_dose"]]
    a, b, c = treated[:3]
    subjects[a]["first_dose"] = "2000-01-01"  # before enrolment
    subjects[b]["death_date"] = subjects[b]["first_dose"]  # alive at the dose, then:
    subjects[b]["last_contact_date"] = "2099-01-01"  # seen after death
    subjects[c]["death_date"] = "2000-01-01"  # died before enrolment
    _write(copy / "subjects.csv", subjects)
    aes = _rows(copy / "adverse_events.csv")
    aes[0]["resolved_date"] = "2000-01-01"  # resolved before onset
    _write(copy / "adverse_events.csv", aes)
    found = _problems(copy)
    assert ("subjects.csv", a + 1, "first_dose") in found
    assert ("subjects.csv", b + 1, "last_contact_date") in found
    assert ("subjects.csv", c + 1, "death_date") in found
    assert ("adverse_events.csv", 1, "resolved_date") in found


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("doses.csv", "delay_days"),
        ("doses.csv", "reduced"),
        ("subjects.csv", "death_date"),
        ("lesions.csv", "slice_mm"),
        ("adverse_events.csv", "resolved_date"),
        ("screening.csv", "screening_id"),
    ],
)
def test_missing_column_is_an_error_naming_file_and_column(
    copy: Path, table: str, column: str
) -> None:
    rows = _rows(copy / table)
    for r in rows:
        del r[column]
    _write(copy / table, rows)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    assert (table, 0, column) in {(p.file, p.row, p.field) for p in info.value.problems}
    assert f"{table} column '{column}' is missing" in str(info.value)


def test_report_without_delay_days_exits_2_instead_of_reporting_no_delays(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(copy / "doses.csv")
    assert any(int(r["delay_days"] or 0) > 7 for r in rows)  # the study has delays to lose
    for r in rows:
        del r["delay_days"]
    _write(copy / "doses.csv", rows)
    out = tmp_path / "r.html"
    assert main(["report", str(copy), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "doses.csv" in err
    assert "delay_days" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_report_with_nan_diameter_or_infinite_activity_exits_2(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(copy / "lesions.csv", 0, "diameter_mm", "nan")
    _edit(copy / "doses.csv", 0, "activity_gbq", "inf")
    out = tmp_path / "r.html"
    assert main(["report", str(copy), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "lesions.csv row" in err
    assert "diameter_mm" in err
    assert "doses.csv row" in err
    assert "activity_gbq" in err
    assert not out.exists()


def test_fhir_lab_that_is_no_number_is_a_problem(copy: Path) -> None:
    subject = load_study(copy).subjects[0]
    fhir = copy / "fhir"
    fhir.mkdir()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": subject.subject_id}},
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "plt-nan",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
                    "subject": {"reference": f"Patient/{subject.subject_id}"},
                    "effectiveDateTime": "2026-02-01",
                    "valueQuantity": {
                        "value": float("nan"),
                        "unit": "10*9/L",
                        "system": "http://unitsofmeasure.org",
                        "code": "10*9/L",
                    },
                }
            },
        ],
    }
    (fhir / "labs.json").write_text(json.dumps(bundle))  # a bare NaN, as some exports write
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    assert any("plt-nan" in p.file or "plt-nan" in p.message for p in info.value.problems)


def test_the_clean_study_still_loads(folder: Path) -> None:
    assert load_study(folder).doses

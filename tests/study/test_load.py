"""The study folder: round trip, and bad data give a report naming file, row and field."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from trialkit.protocol import load_protocol
from trialkit.study import load_study
from trialkit.study.load import StudyValidationError
from trialkit.study.simulate import simulate_study
from trialkit.study.write import write_study


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = simulate_study(load_protocol(), seed=7, screened=40).study
    return write_study(study, tmp_path_factory.mktemp("study"))


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    target.mkdir()
    for f in folder.iterdir():
        (target / f.name).write_text(f.read_text())
    return target


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        csv.writer(handle).writerow([row.get(h, "") for h in header])


def test_round_trip(folder: Path) -> None:
    study = load_study(folder)
    again = simulate_study(load_protocol(), seed=7, screened=40).study
    assert study.subjects == again.subjects
    assert study.lesions == again.lesions


def test_bad_rows_are_all_reported_with_file_row_field(folder: Path, tmp_path: Path) -> None:
    copy = _copy(folder, tmp_path)
    first = load_study(folder).subjects[0]
    assert first.first_dose is not None
    death = "2020-01-01"
    rows = list(csv.DictReader((copy / "subjects.csv").open()))
    rows[0]["death_date"] = death  # every dose of subject 1 is now after death
    with (copy / "subjects.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _append(
        copy / "doses.csv",
        {"subject_id": "S999", "cycle": "1", "dose_date": "2026-01-01", "activity_gbq": "7.4"},
    )
    _append(
        copy / "doses.csv",
        {
            "subject_id": first.subject_id,
            "cycle": "x",
            "dose_date": "01/02/2026",
            "activity_gbq": "7.4",
        },
    )
    baseline = next(
        r for r in csv.DictReader((copy / "lesions.csv").open()) if r["visit"] == "baseline"
    )
    _append(
        copy / "lesions.csv", {**baseline, "assessment_date": "2000-01-01", "visit": "follow-up"}
    )
    assessment = next(csv.DictReader((copy / "assessments.csv").open()))
    _append(copy / "assessments.csv", assessment)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    text = str(info.value)
    messages = {(p.file, p.field) for p in info.value.problems}
    assert ("doses.csv", "subject_id") in messages  # unknown subject
    assert ("doses.csv", "dose_date") in messages  # after death, and not a date
    assert ("doses.csv", "cycle") in messages
    assert ("lesions.csv", "assessment_date") in messages  # scan before baseline
    assert ("assessments.csv", "assessment_date") in messages  # duplicate assessment
    assert "after death" in text
    assert "unknown subject 'S999'" in text
    assert "before the baseline" in text
    assert "duplicate assessment" in text


def test_report_command_exits_2_on_bad_data(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialkit.cli.main import main

    copy = _copy(folder, tmp_path)
    _append(
        copy / "labs.csv",
        {
            "subject_id": "S001",
            "lab_date": "2026-01-01",
            "ctcae_term": "headache",
            "value": "1",
            "unit": "1",
        },
    )
    assert main(["report", str(copy), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "labs.csv row" in err
    assert "unknown CTCAE term 'headache'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_labs_from_fhir_join_the_study(folder: Path, tmp_path: Path) -> None:
    import json

    copy = _copy(folder, tmp_path)
    subject = load_study(folder).subjects[0]
    fhir = copy / "fhir"
    fhir.mkdir()

    def obs(rid: str, value: float, unit: str, status: str = "final") -> dict[str, object]:
        return {
            "resourceType": "Observation",
            "id": rid,
            "status": status,
            "code": {"coding": [{"system": "http://loinc.org", "code": "731-0"}]},
            "subject": {"reference": f"Patient/{subject.subject_id}"},
            "effectiveDateTime": "2026-02-01",
            "valueQuantity": {
                "value": value,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
            "referenceRange": [
                {
                    "low": {
                        "value": 1000,
                        "unit": "/uL",
                        "system": "http://unitsofmeasure.org",
                        "code": "/uL",
                    }
                }
            ],
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": subject.subject_id}},
            {"resource": obs("lym1", 400, "/uL")},
            {"resource": obs("lym2", 300, "/uL", status="preliminary")},
        ],
    }
    (fhir / "labs.json").write_text(json.dumps(bundle))
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)  # the preliminary result is reported, not used
    assert any("Observation/lym2" in p.file for p in info.value.problems)
    bundle["entry"] = bundle["entry"][:2]
    (fhir / "labs.json").write_text(json.dumps(bundle))
    study = load_study(copy)
    row = next(r for r in study.labs if r.subject_id == subject.subject_id and r.value == 400)
    assert (row.ctcae_term, row.unit, row.lln) == ("lymphocyte_count_decreased", "/uL", 1000)
    from trialkit.ctcae import grade

    assert grade(row.ctcae_term, row.value, row.unit, lln=row.lln).grade == 3  # 0.4 ×10⁹/L


def _rewrite(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_previous_format_file_names_file_header_and_column(folder: Path, tmp_path: Path) -> None:
    """Issue 14 item 3: the study CSV renamed its columns; a file of the previous format is
    refused with the file, the header row and each old column with its new name."""
    copy = _copy(folder, tmp_path)
    _rewrite(
        copy / "labs.csv",
        ["subject_id", "date", "lab", "value", "unit", "uln", "lln"],
        [["S001", "2025-03-01", "anemia", "121", "g/L", "", "120"]],
    )
    _rewrite(
        copy / "screening.csv", ["patient_id", "status", "reason"], [["SCR001", "eligible", ""]]
    )
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    found = {(p.file, p.row, p.field): p.message for p in info.value.problems}
    assert "ctcae_term" in found[("labs.csv", 0, "lab")]
    assert "loinc and analyte_name" in found[("labs.csv", 0, "lab")]
    assert "lab_date" in found[("labs.csv", 0, "date")]
    assert "screening_id" in found[("screening.csv", 0, "patient_id")]
    assert ("labs.csv", 0, "lab_date") in found  # and the missing columns themselves
    text = str(info.value)
    assert "labs.csv column 'lab' is the previous format's" in text
    assert "docs/analysis.md" in text


def test_labs_name_analyte_and_ctcae_term_and_check_the_grade(folder: Path, tmp_path: Path) -> None:
    rows = list(csv.DictReader((folder / "labs.csv").open()))
    hb = next(r for r in rows if r["ctcae_term"] == "anemia")
    assert (hb["loinc"], hb["analyte_name"]) == (
        "718-7",
        "Hemoglobin",
    )  # haemoglobin, graded as anemia
    lym = next(r for r in rows if r["ctcae_term"] == "lymphocyte_count_decreased")
    assert lym["ctcae_grade"] != ""
    copy = _copy(folder, tmp_path)
    index = rows.index(hb)
    rows[index] = {**hb, "value": "70", "ctcae_grade": "1"}  # 70 g/L is grade 3 (< 80 g/L)
    rows.append({**hb, "loinc": "777-3"})  # a platelet code under anaemia
    with (copy / "labs.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(hb))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    found = {(p.row, p.field): p.message for p in info.value.problems if p.file == "labs.csv"}
    assert (
        "grade 1 is not the CTCAE v5.0 grade of this result (3)"
        in found[(index + 1, "ctcae_grade")]
    )
    assert "LOINC 777-3 is not graded under anemia" in found[(len(rows), "loinc")]


def test_causality_not_assessed_stays_empty(folder: Path, tmp_path: Path) -> None:
    copy = _copy(folder, tmp_path)
    rows = list(csv.DictReader((copy / "adverse_events.csv").open()))
    rows[0]["related"] = ""
    with (copy / "adverse_events.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    study = load_study(copy)
    assert study.adverse_events[0].related is None
    again = tmp_path / "again"
    write_study(study, again)
    assert next(csv.DictReader((again / "adverse_events.csv").open()))["related"] == ""


def test_the_protocols_baseline_columns_are_required_and_named(
    folder: Path, tmp_path: Path
) -> None:
    """grade and ki67 are the bundled protocol's (its baseline: columns), not the engine's: a
    subjects.csv without one is refused naming the column, as an engine column would be."""
    copy = _copy(folder, tmp_path)
    rows = list(csv.DictReader((copy / "subjects.csv").open()))
    header = [h for h in rows[0] if h != "ki67"]
    with (copy / "subjects.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(StudyValidationError) as info:
        load_study(copy)
    assert "subjects.csv column 'ki67' is missing from the header" in str(info.value)


def test_the_writer_puts_the_declared_columns_after_the_primary_site(folder: Path) -> None:
    with (folder / "subjects.csv").open(newline="") as handle:
        header = next(csv.reader(handle))
    declared = [c.name for c in load_protocol().baseline.columns]
    at = header.index("primary_site") + 1
    assert header[at : at + len(declared)] == declared
    values = {s.subject_id: dict(s.baseline) for s in load_study(folder).subjects}
    assert all(set(v) <= set(declared) for v in values.values())
    assert any("ki67" in v for v in values.values())

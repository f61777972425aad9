"""The study application's CSV export speaks the study folder's names (issue 14 item 3):
``subject_id`` the subject number, ``screening_id`` the screening number beside the source
``patient_id``, ISO ``…_date`` columns, a laboratory result as its analyte plus its CTCAE term
and grade, causality never assessed as an empty cell — and the export loads back."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

from tests.store.helpers import enrolled, make_study
from trialkit.study.load import load_study


def _tables(data: bytes, tmp_path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
        names = [n for n in zf.namelist() if n.endswith(".csv")]
    return {
        Path(n).stem: list(csv.DictReader((tmp_path / n).open(newline="", encoding="utf-8")))
        for n in names
    }


def test_csv_export_names_subject_screening_analyte_and_unassessed_causality(
    tmp_path: Path,
) -> None:
    study = make_study(f"sqlite:///{tmp_path / 'study.db'}")
    subject = enrolled(study)
    svc = study.service
    svc.record_lab(
        study["coordinator"], subject.id, analyte="hemoglobin", value=121, unit="g/L",
        lab_date=date(2026, 11, 23),
    )  # fmt: skip
    svc.record_ae(
        study["coordinator"], subject.id, term="Nausea", onset_date=date(2026, 11, 23), grade=1
    )
    tables = _tables(svc.export(study["statistician"], "csv"), tmp_path / "zip")

    (row,) = tables["subjects"]
    (screening,) = tables["screening"]
    assert row["subject_id"] == subject.subject_id
    assert row["screening_id"] == screening["screening_id"] != ""
    assert screening["patient_id"] == subject.patient_id  # the source record's patient id
    assert "enrolment_date" in row
    assert "first_dose" in row
    # weight as the screening's record holds it (examples/eligible.json: 61.5 kg, 19 Nov 2026)
    assert (screening["weight"], screening["weight_unit"], screening["weight_date"]) == (
        "61.5",
        "kg",
        "2026-11-19",
    )
    assert screening["height"] == ""  # the record has no height: none is made up

    hb = next(r for r in tables["labs"] if r["lab_date"] == "2026-11-23")
    assert (hb["loinc"], hb["analyte_name"], hb["value"], hb["unit"]) == (
        "718-7",
        "Hemoglobin",
        "121.0",
        "g/L",
    )
    # the CTCAE term separately, with its grade: CTCAE v5.0 anaemia grade 1 is "< LLN – 100 g/L";
    # 121 g/L with no reference range may or may not be below the LLN, so no grade, not 0
    assert (hb["ctcae_term"], hb["ctcae_grade"]) == ("anemia", "")
    assert "lab" not in hb
    assert "on" not in hb

    (ae,) = [a for a in tables["adverse_events"] if a["term"] == "Nausea"]
    assert ae["related"] == ""  # causality never assessed: empty, not "false"
    assert ae["onset_date"] == "2026-11-23"

    loaded = load_study(tmp_path / "zip" / "study")
    assert loaded.subjects[0].screening_id == screening["screening_id"]
    assert next(a for a in loaded.adverse_events if a.term == "Nausea").related is None

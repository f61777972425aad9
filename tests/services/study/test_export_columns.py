"""The study application's CSV export speaks the study folder's names (issue 14 item 3):
``subject_id`` the subject number, ``screening_id`` the screening number beside the source
``patient_id``, ISO ``…_date`` columns, a laboratory result as its analyte plus its CTCAE term
and grade, causality never assessed as an empty cell — and the export loads back."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

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


def test_the_stage_dates_and_reasons_are_in_the_csv_and_in_sdtm_ds(tmp_path: Path) -> None:
    """Issue 13 (dates): the stages recorded through the service — an early end of treatment,
    follow-up, off study; and off study straight from treatment — are columns of subjects.csv,
    load back, and are SDTM DS disposition events (DSSCAT treatment vs participation, DSDECOD
    from CDISC CT NCOMPLT, DSSTDTC the event's date, DSSPID the source row)."""
    study = make_study(f"sqlite:///{tmp_path / 'study.db'}")
    svc, who = study.service, study["coordinator"]
    first, second = enrolled(study), enrolled(study)
    study.clock.now = datetime(2027, 3, 1, 9, 0)
    for s in (first, second):
        svc.record_dose(who, s.id, cycle=1, dose_date=date(2026, 12, 1), activity_gbq=7.4)
    v = svc.get_subject(who, first.id)
    v = svc.end_treatment(
        who, first.id, treatment_end_date=date(2027, 1, 10), reason="adverse event",
        version=v.version,
    )  # fmt: skip
    v = svc.start_follow_up(who, first.id, follow_up_date=date(2027, 1, 20), version=v.version)
    svc.take_off_study(
        who, first.id, off_study_date=date(2027, 2, 15), reason="lost to follow-up",
        version=v.version,
    )  # fmt: skip
    v = svc.get_subject(who, second.id)
    svc.take_off_study(
        who, second.id, off_study_date=date(2027, 1, 5), reason="withdrawal by subject",
        version=v.version,
    )  # fmt: skip

    tables = _tables(svc.export(study["statistician"], "csv"), tmp_path / "zip")
    stages = {
        r["subject_id"]: (
            r["treatment_end_date"],
            r["treatment_end_reason"],
            r["follow_up_date"],
            r["off_study_date"],
            r["off_study_reason"],
        )
        for r in tables["subjects"]
    }
    assert stages == {
        first.subject_id: ("2027-01-10", "adverse event", "2027-01-20", "2027-02-15",
                           "lost to follow-up"),
        # off study while on treatment ends the treatment that day, for that reason
        second.subject_id: ("2027-01-05", "off study: withdrawal by subject", "", "2027-01-05",
                            "withdrawal by subject"),
    }  # fmt: skip
    loaded = {s.subject_id: s for s in load_study(tmp_path / "zip" / "study").subjects}
    assert loaded[first.subject_id].follow_up_date == date(2027, 1, 20)
    assert loaded[second.subject_id].treatment_end_date == date(2027, 1, 5)

    with zipfile.ZipFile(io.BytesIO(svc.export(study["statistician"], "cdisc"))) as zf:
        zf.extractall(tmp_path / "cdisc")
    ds = pd.read_sas(tmp_path / "cdisc/cdisc/sdtm/ds.xpt", format="xport", encoding="utf-8")
    rows = {
        (r.USUBJID.rsplit("-", 1)[1], r.DSSCAT): (r.DSDECOD, r.DSSTDTC, r.DSCAT, r.DSSPID)
        for r in ds.itertuples()
    }
    row = {s.subject_id: i for i, s in enumerate(sorted(loaded.values(), key=_number), start=1)}
    a, b = first.subject_id, second.subject_id
    assert rows == {
        (a, "STUDY TREATMENT"): ("ADVERSE EVENT", "2027-01-10", "DISPOSITION EVENT",
                                 f"subjects.csv row {row[a]}"),
        (a, "STUDY PARTICIPATION"): ("LOST TO FOLLOW-UP", "2027-02-15", "DISPOSITION EVENT",
                                     f"subjects.csv row {row[a]}"),
        (b, "STUDY TREATMENT"): ("WITHDRAWAL BY SUBJECT", "2027-01-05", "DISPOSITION EVENT",
                                 f"subjects.csv row {row[b]}"),
        (b, "STUDY PARTICIPATION"): ("WITHDRAWAL BY SUBJECT", "2027-01-05", "DISPOSITION EVENT",
                                     f"subjects.csv row {row[b]}"),
    }  # fmt: skip
    report = json.loads((tmp_path / "cdisc/cdisc/conformance.json").read_text(encoding="utf-8"))
    assert (report["errors"], report["warnings"]) == (0, 0), report


def _number(s: Any) -> str:
    return str(s.subject_id)

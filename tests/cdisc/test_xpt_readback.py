"""Every dataset of the package reads back with an independent reader (pandas' SAS transport
reader, not the writer's own library) and holds what the study folder holds."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.cdisc.conftest import Exported
from trialkit.cli.main import main


def _xpt(package: Path, part: str, name: str) -> pd.DataFrame:
    return pd.read_sas(package / part / f"{name}.xpt", format="xport", encoding="utf-8")


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dm_has_every_enrolled_subject_and_every_screen_failure(exported: Exported) -> None:
    dm = _xpt(exported.package, "sdtm", "dm")
    subjects = _csv(exported.folder, "subjects")
    enrolled_from = {r["screening_id"] for r in subjects}  # waived screenings are enrolled
    failures = [
        r
        for r in _csv(exported.folder, "screening")
        if r["status"] != "eligible" and r["screening_id"] not in enrolled_from
    ]
    assert len(dm) == len(subjects) + len(failures)
    assert dm["USUBJID"].is_unique
    enrolled = dm[dm["ARMNRS"] != "SCREEN FAILURE"]
    assert sorted(enrolled["SUBJID"]) == sorted(r["subject_id"] for r in subjects)
    by_id = {r["subject_id"]: r for r in subjects}
    for _, row in enrolled.iterrows():
        source = by_id[row["SUBJID"]]
        assert row["RFSTDTC"] == source["first_dose"]
        assert row["AGE"] == int(source["age"])
        assert row["SEX"] == {"female": "F", "male": "M"}[source["sex"]]
    assert set(dm.loc[dm["ARMNRS"] == "SCREEN FAILURE", "SEX"]) == {"U"}


def test_ae_and_ex_hold_the_collected_rows(exported: Exported) -> None:
    ae = _xpt(exported.package, "sdtm", "ae")
    events = _csv(exported.folder, "adverse_events")
    assert len(ae) == len(events)
    assert sorted(zip(ae["AETERM"], ae["AETOXGR"], ae["AESTDTC"], strict=True)) == sorted(
        (e["term"], e["grade"], e["onset_date"]) for e in events
    )
    ex = _xpt(exported.package, "sdtm", "ex")
    doses = _csv(exported.folder, "doses")
    assert len(ex) == len(doses)
    assert math.isclose(ex["EXDOSE"].sum(), sum(float(d["activity_gbq"]) for d in doses))
    assert set(ex["EXDOSU"]) == {"GBq"}
    # --SEQ: 1..n within each subject
    for frame, seq in ((ae, "AESEQ"), (ex, "EXSEQ")):
        for _, group in frame.groupby("USUBJID"):
            assert sorted(group[seq]) == list(range(1, len(group) + 1))


def test_dataset_json_matches_the_transport_file(exported: Exported) -> None:
    for name in ("dm", "ae", "ex"):
        xpt = _xpt(exported.package, "sdtm", name)
        doc = json.loads((exported.package / "sdtm" / f"{name}.json").read_text("utf-8"))
        assert doc["datasetJSONVersion"] == "1.1.0"
        assert doc["records"] == len(doc["rows"]) == len(xpt)
        assert [c["name"] for c in doc["columns"]] == list(xpt.columns)
        for column in doc["columns"]:
            assert len(column["name"]) <= 8
            assert len(column["label"]) <= 40


def test_labels_and_names_fit_transport_v5(exported: Exported) -> None:
    import pyreadstat

    for path in sorted((exported.package / "sdtm").glob("*.xpt")):
        _, meta = pyreadstat.read_xport(str(path))
        assert all(len(n) <= 8 for n in meta.column_names)
        assert all(label and len(label) <= 40 for label in meta.column_labels)


def test_bad_study_data_name_file_row_and_field_and_write_nothing(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    for source in exported.folder.iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    rows = _csv(folder, "doses")
    rows[2]["dose_date"] = "13/01/2025"
    with (folder / "doses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "package"
    assert main(["export", "cdisc", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "doses.csv row 3 dose_date" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [folder]  # no staging folder left behind


def test_a_failed_export_leaves_the_previous_package_whole(
    exported: Exported, tmp_path: Path
) -> None:
    import shutil

    out = Path(shutil.copytree(exported.package, tmp_path / "package"))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    folder = Path(shutil.copytree(exported.folder, tmp_path / "study"))
    (folder / "subjects.csv").write_text("subject_id,sex\nS001,female\n", encoding="utf-8")
    assert main(["export", "cdisc", str(folder), "--out", str(out)]) == 2
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package", "study"]

"""Zipped OMOP instances read directly (issue 14): the shipped Eunomia archive, bad archives."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from trialkit.cli.main import main

ZIP = Path(__file__).resolve().parents[3] / "shared/data/omop-synthea27nj/Synthea27Nj_5.4.zip"


def _persons_in_zip() -> int:
    # independent count: the PERSON table's rows, read with the csv module from the archive
    with zipfile.ZipFile(ZIP) as archive:
        text = archive.read("PERSON.csv").decode("utf-8")
    return sum(1 for _ in csv.DictReader(io.StringIO(text)))


def _funnel(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["cohort", *args, "--as-of", "2022-12-31", "--format", "json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    out.pop("written", None)
    return out


def test_the_shipped_eunomia_zip_screens_like_its_unpacked_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zipped = _funnel([str(ZIP)], capsys)
    assert zipped["screened"] == _persons_in_zip() == 28
    assert zipped["eligible"] == 0  # no GEP-NET patient and no CRF in Eunomia
    folder = tmp_path / "eunomia"
    folder.mkdir()
    with zipfile.ZipFile(ZIP) as archive:
        for name in archive.namelist():
            if name.endswith(".csv") and not name.startswith("__MACOSX"):
                (folder / Path(name).name).write_bytes(archive.read(name))
    assert _funnel([str(folder)], capsys) == zipped
    assert not (ZIP.parent / "PERSON.csv").exists()  # nothing unpacked beside the source


def test_a_file_that_is_not_a_zip_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "omop.zip"
    fake.write_text("person_id\n1\n", encoding="utf-8")
    assert main(["cohort", str(fake), "--as-of", "2022-12-31"]) == 2
    err = capsys.readouterr().err
    assert "omop.zip" in err
    assert "zip" in err
    assert "Traceback" not in err


def test_a_member_escaping_the_staging_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("PERSON.csv", "person_id\n1\n")
        archive.writestr("../escaped.csv", "x\n")
    assert main(["cohort", str(evil), "--as-of", "2022-12-31"]) == 2
    assert "unsafe member name" in capsys.readouterr().err
    assert not (tmp_path.parent / "escaped.csv").exists()


def test_errors_inside_an_archive_name_the_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    thin = tmp_path / "thin.zip"
    with zipfile.ZipFile(thin, "w") as archive:
        archive.writestr("omop/PERSON.csv", "person_id\n1\n")  # no gender_concept_id
    assert main(["cohort", str(thin), "--as-of", "2022-12-31"]) == 2
    err = capsys.readouterr().err
    assert str(thin) in err
    assert "gender_concept_id" in err
    assert "trialkit-staging" not in err

"""The conformance check: zero errors on the demo package; deliberately broken datasets (a
missing required variable, a date not in ISO 8601, a duplicate key) reported by rule,
dataset, variable and record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyreadstat
import pytest

from tests.cdisc.conftest import Exported
from trialkit.cdisc.check import check_package
from trialkit.cli.main import main


def test_demo_package_has_zero_errors(
    exported: Exported, capsys: pytest.CaptureFixture[str]
) -> None:
    report = check_package(exported.package)
    assert report.errors == 0, [str(f) for f in report.findings[:10]]
    assert len(report.datasets) == 21  # VS added (weight, height)
    stored = json.loads((exported.package / "conformance.json").read_text("utf-8"))
    assert stored["errors"] == 0
    assert main(["export", "check", str(exported.package)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


@pytest.fixture
def copy(exported: Exported, tmp_path: Path) -> Path:
    return Path(shutil.copytree(exported.package, tmp_path / "package"))


def _rewrite_xpt(path: Path, change: object) -> None:
    frame, meta = pyreadstat.read_xport(str(path))
    assert callable(change)
    frame = change(frame)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    pyreadstat.write_xport(
        frame, str(path), table_name=meta.table_name, column_labels=labels, file_format_version=5
    )


def test_missing_required_variable_is_reported_by_name(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rewrite_xpt(copy / "sdtm" / "ae.xpt", lambda f: f.drop(columns=["AETERM"]))
    report = check_package(copy)
    hits = [f for f in report.findings if f.rule == "SD0056"]
    assert [(f.dataset, f.variable) for f in hits] == [("AE", "AETERM")]
    assert main(["export", "check", str(copy)]) == 1
    assert "error SD0056 AE.AETERM" in capsys.readouterr().out


def test_date_not_in_iso_8601_is_reported_with_its_record(copy: Path) -> None:
    # break the Dataset-JSON copy only (the checker reads it when no .xpt is there)
    (copy / "sdtm" / "ex.xpt").unlink()
    path = copy / "sdtm" / "ex.json"
    doc = json.loads(path.read_text("utf-8"))
    column = [c["name"] for c in doc["columns"]].index("EXSTDTC")
    doc["rows"][4][column] = "13/05/2025"
    path.write_text(json.dumps(doc), encoding="utf-8")
    hits = [f for f in check_package(copy).findings if f.rule == "SD0003"]
    assert [(f.dataset, f.variable, f.row) for f in hits] == [("EX", "EXSTDTC", 5)]
    assert "'13/05/2025' is not an ISO 8601 date" in hits[0].message


def test_duplicate_key_and_seq_are_reported(copy: Path) -> None:
    import pandas as pd

    _rewrite_xpt(copy / "sdtm" / "ex.xpt", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    findings = check_package(copy).findings
    duplicate = [f for f in findings if f.rule == "TK0001"]
    assert [(f.dataset, f.row) for f in duplicate] == [
        ("EX", len(pyreadstat.read_xport(str(copy / "sdtm" / "ex.xpt"))[0]))
    ]
    assert "duplicate key (STUDYID=NCT05894486, USUBJID=NCT05894486-S001" in duplicate[0].message
    assert {(f.dataset, f.variable) for f in findings if f.rule == "SD0005"} == {("EX", "EXSEQ")}


def test_value_outside_its_codelist_and_unknown_subject(copy: Path) -> None:
    _rewrite_xpt(copy / "sdtm" / "dm.xpt", lambda f: f.assign(SEX=f["SEX"].replace("F", "female")))
    _rewrite_xpt(
        copy / "sdtm" / "ae.xpt",
        lambda f: f.assign(USUBJID=f["USUBJID"].replace("NCT05894486-S001", "NCT05894486-S999")),
    )
    findings = check_package(copy).findings
    assert {
        (f.rule, f.dataset, f.variable) for f in findings if f.rule in ("CT2001", "SD0064")
    } == {
        ("CT2001", "DM", "SEX"),
        ("SD0064", "AE", "USUBJID"),
    }


def test_not_a_package_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "check", str(tmp_path)]) == 2
    assert "no .xpt or Dataset-JSON file" in capsys.readouterr().err


def test_an_uncoded_adverse_event_term_is_reported_not_guessed(exported: Exported) -> None:
    from trialkit.cdisc.context import Context, load_design
    from trialkit.cdisc.sdtm_events import build_ae
    from trialkit.protocol import load_protocol
    from trialkit.study.model import AdverseEvent

    study = exported.study
    odd = AdverseEvent(study.subjects[0].subject_id, "Hiccups", 1, study.subjects[0].enrolled)
    changed = type(study)(**{**study.__dict__, "adverse_events": (*study.adverse_events, odd)})
    protocol = load_protocol()
    ae = build_ae(Context(changed, protocol, load_design(protocol)))
    row = next(r for r in ae.rows if r["AETERM"] == "Hiccups")
    assert row["AEDECOD"] is None
    assert row["AELLTCD"] is None

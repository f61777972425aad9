"""Windows after an anchor (issue 15 point 4): ``within: {anchor, days, after}`` is the
inclusive span anchor − days .. anchor + after, in the evaluator and the compiled query alike;
the generated-patient differential holds on protocols that use such windows."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from tests.relational.test_differential_protocols import differences, population
from trialkit.eligibility.screening import screen_record
from trialkit.fhir import load_records
from trialkit.model.record import Crf, CrfAnswer, PatientRecord
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import bundled_folder, resolve_parameters
from trialkit.protocol.model import Protocol
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

AS_OF = date(2026, 12, 1)
FIRST_DOSE = date(2026, 12, 3)  # the SINET example's planned first dose
ADVANCED = date(2026, 9, 15)  # the SINET example's advanced-disease date (a past anchor)


def _variant(tmp_path: Path, name: str, cid: str, edit: Any) -> Protocol:
    folder = tmp_path / name
    shutil.copytree(bundled_folder(name), folder)
    raw = yaml.safe_load((folder / "protocol.yaml").read_text("utf-8"))
    edit(next(c for c in raw["criteria"] if c["id"] == cid)["rule"])
    (folder / "protocol.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return load_protocol(str(folder))


def _after_advanced(rule: dict[str, Any]) -> None:
    # IN7's dated CRF item, read here against a window after a past anchor (a CRF date after
    # as-of is never usable): the advanced-disease date's day or up to 3 days after it
    rule["any"][1]["crf_history"]["within"] = {"anchor": "advanced_disease", "days": 0, "after": 3}


def _with_date(p: Protocol, base: PatientRecord, when: date, pid: str) -> PatientRecord:
    answers = dict(base.crf.answers)
    qr = answers["consent-date"]
    answers["childbearing-potential"] = CrfAnswer(
        "childbearing-potential", True, qr.source, qr.authored, "valueBoolean"
    )
    answers["serum-pregnancy-test-negative"] = CrfAnswer(
        "serum-pregnancy-test-negative", True, qr.source, qr.authored, "valueBoolean"
    )
    answers["serum-pregnancy-test-date"] = CrfAnswer(
        "serum-pregnancy-test-date", when, qr.source, qr.authored, "valueDate"
    )
    return dataclasses.replace(base, patient_id=pid, crf=Crf(answers, base.crf.lesions))


@pytest.mark.parametrize(
    ("offset", "status"),
    [(-1, "not_met"), (0, "met"), (1, "met"), (3, "met"), (4, "not_met")],
)
def test_a_window_after_the_anchor_on_both_paths(tmp_path: Path, offset: int, status: str) -> None:
    p = _variant(tmp_path, "nct04065165", "IN7", _after_advanced)
    base = load_records(
        [bundled_folder("nct04065165") / "examples/eligible.json"],
        questionnaire_url=p.questionnaire_url,
        lesion_group=p.lesion_group,
    )[0]
    record = _with_date(p, base, ADVANCED + timedelta(days=offset), "w")
    params = resolve_parameters(p, {})
    verdict = next(
        c for c in screen_record(record, p, params, as_of=AS_OF).criteria if c.id == "IN7"
    )
    assert verdict.status.value == status, verdict.reason
    if status == "met":
        assert "within 3 days after advanced disease" in verdict.reason
    con = connect("duckdb")
    rows = screen_population(
        con, load_tables(con, records_to_tables([record])), p, params, as_of=AS_OF
    ).statuses()
    assert rows["w"]["IN7"] == status


@pytest.mark.parametrize(
    ("name", "cid", "edit"),
    [
        ("nct04065165", "IN7", _after_advanced),
        (
            "nct01677910",
            "EX3",
            # EX3's systemic therapy window, two weeks either side of screening
            lambda rule: rule["any"][0]["reconcile"]["ehr"]["medication"].update(
                within={"anchor": "as_of", "days": 14, "after": 14}
            ),
        ),
    ],
)
def test_generated_patients_agree_on_windows_after(
    tmp_path: Path, name: str, cid: str, edit: Any
) -> None:
    p = _variant(tmp_path, name, cid, edit)

    @settings(max_examples=1, deadline=None, derandomize=True)
    @given(population(p, 200))
    def check(records: list[PatientRecord]) -> None:
        assert differences(p, records)[:10] == []
        assert differences(p, records, first_dose=FIRST_DOSE)[:10] == []

    check()


def test_on_or_before_takes_no_after(tmp_path: Path) -> None:
    from trialkit.errors import ProtocolError

    def edit(rule: dict[str, Any]) -> None:
        rule["reconcile"]["crf"]["crf"]["on_or_before"] = {"anchor": "as_of", "after": 2}

    with pytest.raises(ProtocolError, match="no after"):
        _variant(tmp_path, "nct01677910", "IN5", edit)

"""Anchors are an open mapping each protocol declares (``anchors:``); ``as_of`` is the
engine's own, role ``first_dose`` marks the planned first dose.

Issue 15 reproduction: the anchors were a closed enum of this trial's (as_of, first_dose,
advanced_disease): a protocol measuring a window from its own anchor ("within 6 months of
diagnosis") failed at load with "anchor must be one of [...]".
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.eligibility.builders import record
from trialkit.eligibility.screening import screen_record
from trialkit.errors import ProtocolError
from trialkit.model.codes import ATC, Code
from trialkit.model.record import MedicationFact, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol import load_protocol
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

BUNDLED = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486"
AS_OF = date(2026, 11, 24)


def _folder(tmp_path: Path, edit: dict[str, str]) -> Path:
    folder = tmp_path / "proto"
    shutil.copytree(BUNDLED, folder)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    for old, new in edit.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "protocol.yaml").write_text(text.replace("id: nct05894486", "id: other"), "utf-8")
    return folder


def _chemo(days_ago: int) -> MedicationFact:
    start = AS_OF - timedelta(days=days_ago)
    return MedicationFact(
        f"MedicationStatement/chemo-{days_ago}",
        "MedicationStatement",
        (Code(ATC, "L01BC06"),),
        "capecitabine",
        "completed",
        DateSpan.day(start),
        DateSpan.day(start + timedelta(days=1)),
    )


def _both_paths(folder: Path, records: list[PatientRecord]) -> dict[str, dict[str, str]]:
    p = load_protocol(str(folder))
    single = {
        r.patient_id: {c.id: c.status.value for c in res.criteria} | {"status": res.status.value}
        for r in records
        for res in (screen_record(r, p, p.defaults(), as_of=AS_OF),)
    }
    con = connect()
    population = screen_population(
        con, load_tables(con, records_to_tables(records)), p, p.defaults(), as_of=AS_OF
    ).statuses()
    assert population == single
    return single


def test_a_window_from_the_protocols_own_anchor_on_both_paths(tmp_path: Path) -> None:
    # IN4 measured "since the NET was diagnosed" (an anchor this engine never heard of):
    # the earliest onset of a GEP-NET condition
    folder = _folder(
        tmp_path,
        {
            "anchors:\n": (
                "anchors:\n  net_diagnosis: {earliest_condition: gep_net, label: NET diagnosed}\n"
            ),
            "since: advanced_disease}": "since: net_diagnosis}",
        },
    )
    diagnosed = record().conditions[0].onset  # the GEP-NET, 10 Jan 2025
    assert diagnosed is not None
    records = [
        record(),
        # capecitabine a month before the NET was diagnosed: not since
        record(medications=(_chemo((AS_OF - diagnosed.low).days + 30),)),
        # 200 days ago: after the diagnosis, before the advanced disease (1 Sep 2026), so
        # since the declared anchor (against the CRF's "no": a conflict, unknown)
        record(medications=(_chemo(200),)),
    ]
    records = [replace(r, patient_id=f"p{i}") for i, r in enumerate(records)]
    verdicts = _both_paths(folder, records)
    assert [verdicts[f"p{i}"]["IN4"] for i in range(3)] == ["met", "met", "unknown"]
    bundled = _both_paths(BUNDLED, records)  # measured from the advanced disease instead
    assert [bundled[f"p{i}"]["IN4"] for i in range(3)] == ["met", "met", "met"]


def test_renamed_anchors_screen_the_same(tmp_path: Path) -> None:
    # the bundled protocol with its anchors under other names: same verdicts on both paths
    folder = _folder(
        tmp_path,
        {
            "  first_dose: {crf:": "  treatment_start: {crf:",
            "  advanced_disease: {crf:": "  metastatic_since: {crf:",
            "anchor: first_dose": "anchor: treatment_start",
            "since: advanced_disease": "since: metastatic_since",
        },
    )
    records = [record(), record(medications=(_chemo(10),))]
    records = [replace(r, patient_id=f"p{i}") for i, r in enumerate(records)]
    theirs = _both_paths(folder, records)
    ours = _both_paths(BUNDLED, records)
    assert theirs == ours


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "anchor: first_dose, days: 28}}}\n",
            "anchor: randomisation, days: 28}}}\n",
            "unknown anchor 'randomisation'",
        ),
        ("role: first_dose, label", "role: dosing, label", "unknown role 'dosing'"),
        (
            "  advanced_disease: {crf: advanced-disease-date,",
            "  advanced_disease: {role: first_dose, crf: advanced-disease-date,",
            "only one anchor has role first_dose",
        ),
        ("  advanced_disease: {crf:", "  as_of: {crf:", "not as_of"),
    ],
)
def test_a_broken_anchor_fails_at_load_with_the_place(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    folder = _folder(tmp_path, {old: new})
    with pytest.raises(ProtocolError, match=message) as info:
        load_protocol(str(folder))
    assert "protocol.yaml" in str(info.value)

"""Adverse events by their CTCAE v5.0 display names; causality never assessed stays empty.

Observed (issue 14, 6): "platelet count decreased" was refused for grading from a lab value
(only the key ``platelet_count_decreased`` was known) and an AE whose causality nobody
assessed was exported as ``related=false``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any

import pytest

from tests.store.helpers import Study, enrolled, make_study
from trialkit.study.load import load_study


@pytest.fixture
def study(store_url: str) -> Any:
    s = make_study(store_url)
    subject = enrolled(s)
    s.clock.now = datetime(2027, 6, 1, 9, 0)
    return s, subject.id


@pytest.mark.parametrize("typed", ["platelet count decreased", "Platelet Count Decreased"])
def test_display_name_in_any_case_is_graded_and_stored_as_ctcae_writes_it(
    study: tuple[Study, int], typed: str
) -> None:
    s, subject_id = study
    ae = s.service.record_ae(
        s["coordinator"],
        subject_id,
        term=typed,
        onset_date=date(2027, 1, 20),
        lab_value=60,
        lab_unit="10*9/L",
    )
    assert ae.grade == 2  # 60 ×10⁹/L: CTCAE v5.0 grade 2 (<75–50)
    assert ae.term == "Platelet count decreased"
    assert ae.causality is None


def test_old_key_still_accepted_and_shown_by_its_name(study: tuple[Study, int]) -> None:
    s, subject_id = study
    ae = s.service.record_ae(
        s["coordinator"],
        subject_id,
        term="platelet_count_decreased",
        onset_date=date(2027, 1, 20),
        lab_value=40,
        lab_unit="10*9/L",
    )
    assert (ae.term, ae.grade) == ("Platelet count decreased", 3)


def test_unassessed_causality_is_exported_empty_not_unrelated(
    study: tuple[Study, int], tmp_path: Any
) -> None:
    s, subject_id = study
    kw: dict[str, Any] = {"onset_date": date(2027, 1, 20), "grade": 1}
    s.service.record_ae(s["coordinator"], subject_id, term="nausea", **kw)
    s.service.record_ae(s["investigator"], subject_id, term="Fatigue", causality="unlikely", **kw)
    data = s.service.export(s["statistician"], "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = next(n for n in zf.namelist() if n.endswith("adverse_events.csv"))
        rows = list(csv.DictReader(io.StringIO(zf.read(name).decode())))
        zf.extractall(tmp_path)
    related = {r["term"]: r["related"] for r in rows}
    assert related == {"Nausea": "", "Fatigue": "false"}
    folder = (tmp_path / name).parent
    loaded = load_study(folder)
    by_term = {a.term: a.related for a in loaded.adverse_events}
    assert by_term == {"Nausea": None, "Fatigue": False}

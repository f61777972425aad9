"""Missed and late assessments, derived from the stored study, in every place deviations are
shown: the deviation log (service and page), the dashboard's counts, deviations.csv of the
CSV export and the report's deviation table.

Dates by hand: first dose 2026-12-01; week 16 due 2027-03-23, window 2027-03-16 to
2027-03-30 (± 7 days); week 24 due 2027-05-18, window 2027-05-11 to 2027-05-25.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from tests.services.study.test_conduct_dosing import CYCLE1
from tests.store.helpers import enrolled, make_study
from trialkit.report import build_report
from trialkit.study.load import load_study


def test_a_missed_then_late_assessment_is_in_every_view(tmp_path: Path) -> None:
    study = make_study(f"sqlite:///{tmp_path / 'study.db'}")
    svc, coord, mon = study.service, study["coordinator"], study["monitor"]
    subject = enrolled(study)
    study.clock.now = datetime(2026, 12, 1, 9, 0)
    svc.record_dose(coord, subject.id, cycle=1, dose_date=CYCLE1, activity_gbq=7.4)

    study.clock.now = datetime(2027, 3, 30, 9, 0)  # the window's last day: still open
    assert svc.list_deviations(mon) == []

    study.clock.now = datetime(2027, 4, 15, 9, 0)
    [missed] = svc.list_deviations(mon)
    assert (missed.category, missed.rule, missed.derived, missed.id) == (
        "assessment",
        "assessment_missed",
        True,
        None,
    )
    assert (missed.subject_id, missed.deviation_date) == ("001", "2027-03-30")
    assert "Week-16 tumour assessment due 23 Mar 2027 not done" in missed.description
    assert svc.dashboard(mon).deviations == {"assessment": 1}
    assert svc.list_deviations(mon, category="dose_activity") == []

    # the scan entered late: the same assessment is now late, not missed
    targets = [x for x in subject.baseline_lesions if x.target]
    scan = svc.record_assessment(
        coord,
        subject.id,
        assessment_date=date(2027, 4, 4),
        lesions=[{"id": x.lesion_id, "diameter_mm": x.diameter_mm} for x in targets],
    )
    [late] = svc.list_deviations(mon, subject_id=subject.id)
    assert (late.rule, late.record_kind, late.record_id) == (
        "assessment_late",
        "assessment",
        scan.id,
    )
    assert late.description.startswith(
        f"Week-16 tumour assessment done 4 Apr 2027 (assessment {scan.id}), 5 days after its "
        "window closed (16 Mar 2027 to 30 Mar 2027; due 23 Mar 2027, 12 days late"
    )

    data = svc.export(study["statistician"], "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path / "export")
    loaded = load_study(tmp_path / "export" / "study")
    [row] = loaded.deviations
    assert (row.subject_id, row.date, row.category, row.rule, row.recorded_by) == (
        "001",
        date(2027, 4, 4),
        "assessment",
        "assessment_late",
        "trialkit",
    )
    html = build_report(loaded, tmp_path / "report" / "report.html").html.read_text()
    section = html[html.index('<section id="deviations">') :]
    section = section[: section.index("</section>")]
    assert "Missed or late assessment" in section
    assert "5 days after its window closed" in section

"""Deviations in the study CSV folder: the simulated study records its late doses as
dosing-window deviations; they survive write → load and the report lists them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from trialkit.protocol import load_protocol
from trialkit.report import build_report
from trialkit.study.load import load_study
from trialkit.study.simulate import simulate_study
from trialkit.study.write import write_study


def test_late_doses_are_window_deviations_written_loaded_and_reported(tmp_path: Path) -> None:
    study = simulate_study(load_protocol(), seed=11, screened=60).study
    first = {s.subject_id: s.first_dose for s in study.subjects}
    # the label: every 8 weeks ± 1 week (clinical-facts §3); later with no toxicity = deviation
    late = {
        (d.subject_id, d.cycle)
        for d in study.doses
        if d.cycle > 1
        and (start := first[d.subject_id]) is not None
        and d.date > start + timedelta(days=56 * (d.cycle - 1) + 7)
    }
    assert late, "the simulation delays some doses by two weeks"
    assert {(x.subject_id, int(x.description.split()[1])) for x in study.deviations} == late
    assert {x.category for x in study.deviations} == {"dosing_window"}
    assert all(x.reason for x in study.deviations)
    loaded = load_study(write_study(study, tmp_path / "study"))
    assert loaded.deviations == study.deviations
    html = build_report(loaded, tmp_path / "report" / "report.html").html.read_text()
    assert '<section id="deviations">' in html
    assert html.count("Dose outside its window") == len(study.deviations)

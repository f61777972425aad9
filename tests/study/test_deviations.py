"""Deviations in the study CSV folder: the simulated study records its late doses as
dosing-window deviations; they survive write → load and the report lists them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from markupsafe import escape

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
    window = [x for x in study.deviations if x.category == "dosing_window"]
    assert {(x.subject_id, int(x.description.split()[1])) for x in window} == late
    assert {x.category for x in study.deviations} == {"dosing_window", "eligibility"}
    assert all(x.reason for x in study.deviations)
    loaded = load_study(write_study(study, tmp_path / "study"))
    assert loaded.deviations == study.deviations
    html = build_report(loaded, tmp_path / "report" / "report.html").html.read_text()
    assert '<section id="deviations">' in html
    assert html.count("Dose outside its window") == len(window)


def test_the_simulated_study_enrols_a_few_patients_on_documented_waivers(tmp_path: Path) -> None:
    """Issue 13: make demo's simulated study includes a few eligibility waivers and dosing
    deviations, and its report shows them."""
    simulated = simulate_study(load_protocol(), seed=11, screened=60)
    study = simulated.study
    waivers = [x for x in study.deviations if x.category == "eligibility"]
    assert 1 <= len(waivers) <= 3
    verdicts = {r.patient_id: r for r in simulated.screened}
    log = {r.screening_id: r for r in study.screening}
    subjects = {s.subject_id: s for s in study.subjects}
    for w in waivers:
        assert (w.rule, w.reason, w.recorded_by) != ("", "", "")
        # the waiver names the subject enrolled on it and the screening it was taken on
        assert subjects[w.subject_id].screening_id == w.screening_id
        screening = log[w.screening_id]
        assert screening.status == "ineligible"
        assert screening.reason.startswith(f"{w.criterion}:")
        # the engine's verdict really did not satisfy that criterion
        criterion = next(c for c in verdicts[screening.patient_id].criteria if c.id == w.criterion)
        assert criterion.status.value == ("not_met" if criterion.kind == "inclusion" else "met")
    loaded = load_study(write_study(study, tmp_path / "study"))
    assert loaded.deviations == study.deviations
    html = build_report(loaded, tmp_path / "report" / "report.html").html.read_text()
    table = html[html.index('<table id="deviation-table">') :]
    table = table[: table.index("</table>")]
    assert table.count("Eligibility criterion waived") == len(waivers)
    assert table.count("Dose outside its window") == len(study.deviations) - len(waivers)
    for w in waivers:
        assert f"Eligibility criterion waived ({w.criterion})" in table
        assert str(escape(w.reason)) in table

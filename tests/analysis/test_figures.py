"""Figures as a trial statistician reads them (issue 14, item 7): asserted on the figure
objects, with known answers from R (the ``aml`` data), from the design tables (clinfun) and
from hand-made inputs whose counts are known."""

from __future__ import annotations

import re

import pytest

from tests.analysis.test_survival import AML_MAINTAINED
from trialkit.analysis.figures import consort_figure, km_figure, swimmer_figure
from trialkit.analysis.figures.consort import consort_counts
from trialkit.analysis.figures.style import pyplot
from trialkit.analysis.simon import SimonDesign, simon_decision
from trialkit.analysis.survival import km
from trialkit.protocol import load_protocol
from trialkit.report.build import design_reconciliation


@pytest.fixture(autouse=True)
def _close_figures() -> object:
    yield None
    pyplot().close("all")


def _legend(ax: object) -> list[str]:
    legend = ax.get_legend()  # type: ignore[attr-defined]
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_km_names_the_endpoint_states_median_and_ci_and_marks_every_censoring() -> None:
    times = [t for t, _ in AML_MAINTAINED]
    result = km(times, [e for _, e in AML_MAINTAINED], conf_type="log-log")
    ax = km_figure(result, times, "Progression-free survival")
    assert ax.get_ylabel() == "Progression-free survival"
    # R: quantile(survfit(Surv(time, status) ~ 1, aml[Maintained], conf.type = "log-log"), .5)
    # median 31, 95 % CI 13 – NA
    assert "Median 31.0 months (95% CI 13.0–NR)" in _legend(ax)
    (marks,) = [line for line in ax.get_lines() if line.get_label() == "Censored"]
    # censored times of the data: 13 (with an event at the same time), 28, 45, 161
    assert list(marks.get_xdata()) == [13, 28, 45, 161]
    # at 13 the mark sits after the drop: R's summary gives S(13) = 0.818
    assert marks.get_ydata()[0] == pytest.approx(0.818, abs=5e-4)
    # a "+" keeps a horizontal stroke where the curve drops vertically
    assert marks.get_marker() == "+"
    others = [line.get_zorder() for line in ax.get_lines() if line is not marks]
    assert marks.get_zorder() > max(others)


def test_km_legend_says_when_the_median_is_not_reached() -> None:
    result = km([5.0, 8.0, 12.0, 20.0], [True, False, False, False])
    ax = km_figure(result, [5.0, 8.0, 12.0, 20.0], "Overall survival")
    assert ax.get_ylabel() == "Overall survival"
    assert any(t.startswith("Median not reached") for t in _legend(ax))


ROWS = [
    # progression at 5, death later at 8: the bar ends at progression
    {"subject": "A", "months": 10.0, "bor": "SD", "progression_month": 5.0, "death_month": 8.0},
    # death without progression at 3
    {"subject": "B", "months": 3.0, "bor": "NE", "death_month": 3.0},
    # on study, response at 2
    {"subject": "C", "months": 12.0, "bor": "PR", "response_month": 2.0, "ongoing": True},
    # off study without an event at 7
    {"subject": "D", "months": 7.0, "bor": "SD"},
]


def test_swimmer_bars_end_at_progression_or_death_with_markers_and_a_legend() -> None:
    ax = swimmer_figure(ROWS)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [3.0, 5.0, 7.0, 12.0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["Progression"].get_xdata()) == [5.0]
    assert list(lines["Death"].get_xdata()) == [3.0]  # A's death after progression: no mark
    assert list(lines["Response (CR/PR)"].get_xdata()) == [2.0]
    legend = _legend(ax)
    for label in ("Progression", "Death", "Response (CR/PR)", "On study", "Partial response"):
        assert label in legend
    assert "Stable disease" in legend
    assert "Not evaluable" in legend


SCREENING = [
    ("eligible", ""),
    ("eligible", ""),
    ("eligible", ""),
    ("ineligible", "IN2: Age 79 at 2026-05-07 is outside 18–75 years."),
    ("ineligible", "IN2: Age 77 at 2025-11-09 is outside 18–75 years."),
    ("ineligible", "EX1: Cockcroft-Gault creatinine clearance 41.75 mL/min is < 50 mL/min."),
    ("incomplete", "missing data: EX17"),
    ("incomplete", "missing data: EX13, EX17"),
]


def test_enrolment_on_a_waiver_is_its_own_arm_never_a_negative_count() -> None:
    # the demo: 42 eligible, 45 enrolled of whom 3 ineligible referrals on a documented
    # waiver; 739de29 drew "Eligible, not enrolled: n = -3"
    screening = [("eligible", "")] * 42 + [("ineligible", "IN3: Ki-67 8 %")] * 5
    counts = consort_counts(screening, enrolled=45, treated=45, evaluable=45, waived=3)
    assert counts["not_enrolled"] == 0
    texts = [t.get_text() for t in consort_figure(counts).texts]
    assert "Eligible, not enrolled: n = 0" in texts
    assert "Enrolled\nn = 45\n(incl. 3 on a waiver)" in texts
    (excluded,) = [t for t in texts if t.startswith("Excluded")]
    # the boxes add up: 47 screened − 2 excluded = 45 eligible or waived = 45 enrolled + 0
    assert excluded.splitlines()[0] == "Excluded (n = 2)"
    assert "Not eligible (n = 5), first blocking criterion:" in excluded
    assert "Less 3 of these enrolled on an investigator's documented eligibility waiver" in excluded
    assert "Eligible or waived\nn = 45\n(42 eligible, 3 on a waiver)" in texts


def test_consort_boxes_add_up_and_name_the_reasons_in_words() -> None:
    summaries = {c.id: c.summary for c in load_protocol().criteria}
    counts = consort_counts(SCREENING, enrolled=2, treated=2, evaluable=1, summaries=summaries)
    ax = consort_figure(counts)
    texts = [t.get_text() for t in ax.texts]
    (excluded,) = [t for t in texts if t.startswith("Excluded")]
    assert excluded.splitlines()[0] == "Excluded (n = 5)"
    listed = [int(m) for m in re.findall(r"^\s+(\d+) × ", excluded, re.M)]
    assert sum(listed) == 5  # every excluded screen appears once, the incomplete ones too
    assert "Not eligible (n = 3), first blocking criterion:" in excluded
    assert "Screening incomplete (n = 2):" in excluded
    assert "2 × IN2 age outside 18–75 years" in excluded
    assert "1 × EX1 renal function too low (creatinine or clearance)" in excluded
    assert "undecided: EX13 radiotherapy to more than 25 % of the bone marrow" in excluded
    # each level's losses: 3 eligible → 2 enrolled → 2 treated → 1 evaluable
    assert "Eligible\nn = 3" in texts
    assert "Eligible, not enrolled: n = 1" in texts
    assert "Enrolled, not treated: n = 0" in texts
    assert "Treated, not evaluable: n = 1" in texts
    assert "Evaluable for response\nn = 1" in texts
    assert not any(re.search(r"\bIN\d+:|\bEX\d+:", t) for t in texts)  # no raw reason codes


# clinfun::ph2simon(0.1, 0.3, 0.05, 0.2): optimal r1/n1 = 1/10, r/n = 5/29
OPTIMAL = SimonDesign("optimal", 1, 10, 5, 29, 15.01, 0.736, 0.0471, 0.8051)


def test_simon_decision_and_the_report_reconcile_43_enrolled_with_n_29() -> None:
    # 3 responses among the first 10 (> r1 = 1: continue), 9 among the first 29 (> 5: active)
    outcomes = [True, False, True, False, False, True, False, False, False, False]
    outcomes += [True] * 6 + [False] * 13 + [True] * 5 + [False] * 9
    assert len(outcomes) == 43
    d = simon_decision(OPTIMAL, 43, outcomes)
    assert (d.stage1_responses, d.stage1_continue) == (3, True)
    assert (d.total_responses, d.active, d.beyond_design) == (9, True, 14)
    text = " ".join(design_reconciliation(d))
    assert "Enrolled 43" in text
    assert "n = 29" in text
    assert "14 subjects were enrolled beyond the design's n = 29" in text
    assert "declared active" in text


def test_simon_stops_for_futility_at_stage_one() -> None:
    d = simon_decision(OPTIMAL, 12, [False] * 9 + [True, True, True])
    assert (d.stage1_responses, d.stage1_continue, d.active) == (1, False, None)
    assert "stop for futility" in " ".join(design_reconciliation(d))

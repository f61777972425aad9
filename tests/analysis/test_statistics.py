"""Known answers of clinical-facts §11 items 14–16 (recomputed there with scipy 1.17 and
R 4.2 survival 3.5) and agreement with lifelines on random data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialkit.analysis.binomial import clopper_pearson, single_stage_design
from trialkit.analysis.simon import simon_designs
from trialkit.analysis.survival import kaplan_meier
from trialkit.errors import InputError


@pytest.mark.parametrize(
    ("x", "n", "confidence", "lower", "upper"),
    [
        (65, 151, 0.95, 0.3503, 0.5135),
        (12, 43, 0.95, 0.1533, 0.4367),
        (3, 13, 0.95, 0.0504, 0.5381),
        (0, 20, 0.95, 0.0, 0.1684),
        (20, 20, 0.95, 0.8316, 1.0),
        (9, 30, 0.95, 0.1473, 0.4940),
        (9, 30, 0.90, 0.1663, 0.4651),
    ],
)
def test_clopper_pearson_against_clinical_facts_14(
    x: int, n: int, confidence: float, lower: float, upper: float
) -> None:
    interval = clopper_pearson(x, n, confidence)
    assert round(interval.lower, 4) == lower
    assert round(interval.upper, 4) == upper


@pytest.mark.parametrize(
    ("p0", "p1", "optimal", "minimax"),
    [
        (0.2, 0.4, (3, 13, 12, 43), (4, 18, 10, 33)),
        (0.1, 0.3, (1, 10, 5, 29), (1, 15, 5, 25)),
        (0.3, 0.5, (5, 15, 18, 46), (6, 19, 16, 39)),
    ],
)
def test_simon_against_clinical_facts_15(
    p0: float, p1: float, optimal: tuple[int, ...], minimax: tuple[int, ...]
) -> None:
    opt, mm = simon_designs(p0, p1, 0.05, 0.80, nmax=60)
    assert (opt.r1, opt.n1, opt.r, opt.n) == optimal
    assert (mm.r1, mm.n1, mm.r, mm.n) == minimax
    assert opt.alpha <= 0.05
    assert mm.power >= 0.80
    if p0 == 0.2:
        assert round(opt.en0, 2) == 20.58
        assert round(opt.pet0, 3) == 0.747
        assert round(mm.en0, 2) == 22.25


def test_single_stage_design_meets_both_error_rates() -> None:
    design = single_stage_design(0.2, 0.4, 0.05, 0.8)
    assert design.alpha <= 0.05
    assert design.power >= 0.8
    with pytest.raises(InputError):
        single_stage_design(0.2, 0.4, 0.05, 0.8, nmax=design.n - 1)


def test_design_arguments_are_checked() -> None:
    with pytest.raises(InputError, match="greater"):
        simon_designs(0.4, 0.2, 0.05, 0.8)
    with pytest.raises(InputError, match="probability"):
        simon_designs(0.2, 1.4, 0.05, 0.8)


# R: library(survival); survfit(Surv(time, status) ~ 1, data = subset(aml, x == "Maintained"),
#    conf.type = "plain" | "log" | "log-log")
AML = [
    (9, 1),
    (13, 1),
    (13, 0),
    (18, 1),
    (23, 1),
    (28, 0),
    (31, 1),
    (34, 1),
    (45, 0),
    (48, 1),
    (161, 0),
]


@pytest.mark.parametrize(
    ("conf_type", "lower", "upper"),
    [("plain", 18, 48), ("log", 18, None), ("log-log", 13, None)],
)
def test_km_against_r_aml_maintained(conf_type: str, lower: float, upper: float | None) -> None:
    result = kaplan_meier([t for t, _ in AML], [e for _, e in AML], conf_type=conf_type)
    assert result.median == 31
    assert result.median_lower == lower
    assert result.median_upper == upper


@pytest.mark.parametrize(("conf_type", "lower", "upper"), [("plain", 3, 8), ("log-log", 1, 8)])
def test_km_uncensored_one_to_ten_flat_half_takes_the_midpoint(
    conf_type: str, lower: float, upper: float
) -> None:
    result = kaplan_meier(list(range(1, 11)), [1] * 10, conf_type=conf_type)
    assert result.median == 5.5
    assert (result.median_lower, result.median_upper) == (lower, upper)


def test_landmarks_and_numbers_at_risk() -> None:
    result = kaplan_meier([t for t, _ in AML], [e for _, e in AML], landmarks=(12, 24))
    assert result.landmarks[0].survival == pytest.approx(10 / 11)
    assert result.landmarks[0].n_at_risk == 10
    # 10/11 (t=9) × 9/10 (t=13: 10 at risk, 1 death) × 7/8 (t=18) × 6/7 (t=23)
    assert result.landmarks[1].survival == pytest.approx(10 / 11 * 9 / 10 * 7 / 8 * 6 / 7)


samples = st.lists(st.tuples(st.integers(1, 60), st.booleans()), min_size=3, max_size=40)


@settings(max_examples=60, deadline=None)
@given(samples)
def test_km_agrees_with_lifelines_on_random_data(data: list[tuple[int, bool]]) -> None:
    from lifelines import KaplanMeierFitter

    durations = [float(t) for t, _ in data]
    events = [e for _, e in data]
    result = kaplan_meier(durations, events, conf_type="log-log")
    fitter = KaplanMeierFitter().fit(durations, events)
    for row in result.table:
        assert row.survival == pytest.approx(float(fitter.survival_function_.loc[row.time].iloc[0]))
        if row.n_events and 0 < row.survival < 1:
            ci = fitter.confidence_interval_.loc[row.time]
            assert row.lower == pytest.approx(float(ci.iloc[0]), abs=1e-6)
            assert row.upper == pytest.approx(float(ci.iloc[1]), abs=1e-6)
    # lifelines takes the first time S(t) ≤ 0.5; trialkit agrees except on a flat stretch at
    # exactly 0.5, where R and SAS (and trialkit) take the midpoint
    lifelines_median = float(fitter.median_survival_time_)
    flat_half = any(abs(r.survival - 0.5) < 1e-9 for r in result.table if r.n_events)
    if not flat_half:
        expected = None if lifelines_median == float("inf") else lifelines_median
        assert result.median == expected
    # the median's interval: lifelines takes the same quantile of its (log-log) bands
    from lifelines.utils import median_survival_times

    bands = fitter.confidence_interval_
    flat_band = any(abs(v - 0.5) < 1e-9 for v in bands.to_numpy().ravel())
    if not flat_band:
        limits = median_survival_times(bands).to_numpy().ravel()
        lower = None if limits[0] == float("inf") else float(limits[0])
        upper = None if limits[1] == float("inf") else float(limits[1])
        assert (result.median_lower, result.median_upper) == (lower, upper)

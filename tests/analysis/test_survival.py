"""Kaplan–Meier: R's answers on the ``aml`` data (clinical-facts §11 item 16), R's
conventions for the median, and agreement with lifelines on random data."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.reference import product_limit
from trialkit.analysis.survival import R_TOLERANCE, KMResult, km
from trialkit.errors import InputError

# R: library(survival); aml[aml$x == "Maintained", c("time", "status")]
AML_MAINTAINED = [
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


def aml(conf_type: str, landmarks: tuple[float, ...] = ()) -> KMResult:
    return km(
        [t for t, _ in AML_MAINTAINED],
        [e for _, e in AML_MAINTAINED],
        conf_type=conf_type,
        landmarks=landmarks,
    )


@pytest.mark.parametrize(
    ("conf_type", "lower", "upper"),
    [("plain", 18, 48), ("log", 18, None), ("log-log", 13, None)],
)
def test_km_against_r_aml(conf_type: str, lower: float, upper: float | None) -> None:
    # clinical-facts §11 item 16; R 4.2, survival 3.5:
    #   fit <- survfit(Surv(time, status) ~ 1, data = aml, subset = x == "Maintained",
    #                  conf.type = "plain" | "log" | "log-log")
    #   quantile(fit, 0.5)   # median 31; NA printed as NR
    result = aml(conf_type)
    assert result.median == 31
    assert (result.median_lower, result.median_upper) == (lower, upper)
    assert (result.n, result.events) == (11, 7)


def test_km_summary_table_against_r_aml() -> None:
    # R: summary(survfit(Surv(time, status) ~ 1, data = aml, subset = x == "Maintained"))
    # (conf.type = "log", R's default), as printed by R:
    #  time n.risk n.event survival std.err lower 95% CI upper 95% CI
    #     9     11       1    0.909  0.0867       0.7541        1.000
    #    13     10       1    0.818  0.1163       0.6192        1.000
    #    18      8       1    0.716  0.1397       0.4884        1.000
    #    23      7       1    0.614  0.1526       0.3769        0.999
    #    31      5       1    0.491  0.1642       0.2549        0.946
    #    34      4       1    0.368  0.1627       0.1549        0.875
    #    48      2       1    0.184  0.1535       0.0359        0.944
    expected = [
        (9, 11, 1, 0.909, 0.0867, 0.7541, 1.000),
        (13, 10, 1, 0.818, 0.1163, 0.6192, 1.000),
        (18, 8, 1, 0.716, 0.1397, 0.4884, 1.000),
        (23, 7, 1, 0.614, 0.1526, 0.3769, 0.999),
        (31, 5, 1, 0.491, 0.1642, 0.2549, 0.946),
        (34, 4, 1, 0.368, 0.1627, 0.1549, 0.875),
        (48, 2, 1, 0.184, 0.1535, 0.0359, 0.944),
    ]
    rows = [r for r in aml("log").table if r.n_events]
    got = [
        (
            r.time,
            r.n_at_risk,
            r.n_events,
            round(r.survival, 3),
            None if r.std_err is None else round(r.std_err, 4),
            None if r.lower is None else round(r.lower, 4),
            None if r.upper is None else round(r.upper, 3),
        )
        for r in rows
    ]
    assert got == expected


@pytest.mark.parametrize(("conf_type", "lower", "upper"), [("plain", 3, 8), ("log-log", 1, 8)])
def test_km_against_R_uncensored_one_to_ten(  # noqa: N802
    conf_type: str, lower: float, upper: float
) -> None:
    # clinical-facts §11 item 16: survfit(Surv(1:10, rep(1, 10)) ~ 1, conf.type = ...);
    # S = 0.5 on [5, 6): the median is the midpoint 5.5 (R and SAS)
    result = km(list(range(1, 11)), [1] * 10, conf_type=conf_type)
    assert result.median == 5.5
    assert (result.median_lower, result.median_upper) == (lower, upper)


def test_no_band_where_everyone_has_died_as_r() -> None:
    # R survfit_confint: the interval is NA where S = 0, std.err NaN (Greenwood d/(n(n−d)), n = d)
    last = km([1, 2, 3], [1, 1, 1], conf_type="plain").table[-1]
    assert last.survival == 0.0
    assert (last.std_err, last.lower, last.upper) == (None, None, None)


def test_log_log_has_no_band_before_the_first_event_as_r() -> None:
    # R: log-log limits are NA where S = 1 (a censoring before any event); log and plain give 1
    first = {c: km([1, 2, 3], [0, 1, 1], conf_type=c).table[0] for c in ("log-log", "log", "plain")}
    assert (first["log-log"].lower, first["log-log"].upper) == (None, None)
    assert (first["log"].lower, first["log"].upper) == (1.0, 1.0)
    assert (first["plain"].lower, first["plain"].upper) == (1.0, 1.0)


def test_curve_ending_at_one_half_takes_the_last_follow_up_as_r_quantile() -> None:
    # R quantile.survfit (findq, "a flat at the end of the curve is a special case"): S falls to
    # 0.5 at t = 2 and stays there until the last follow-up at 4 → (2 + 4) / 2
    result = km([1, 2, 3, 4], [1, 1, 0, 0])
    assert [r.survival for r in result.table] == pytest.approx([0.75, 0.5, 0.5, 0.5])
    assert result.median == 3.0


def test_median_not_reached_when_the_curve_stays_above_one_half() -> None:
    result = km([1, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert result.median is None
    assert result.median_upper is None


def test_landmarks_against_r_summary_times() -> None:
    # R: summary(fit, times = c(12, 24, 200)) for aml Maintained, conf.type = "log":
    # S(12) = 10/11; S(24) = 10/11 · 9/10 · 7/8 · 6/7 with 10 and 6 at risk; 200 is past the
    # last follow-up (161), which R drops (extend = FALSE): not estimable.
    result = aml("log", landmarks=(12, 24, 200))
    twelve, twenty_four, beyond = result.landmarks
    assert twelve.survival == pytest.approx(10 / 11)
    assert twelve.n_at_risk == 10
    assert (round(twelve.lower or 0, 4), twelve.upper) == (0.7541, 1.0)
    assert twenty_four.survival == pytest.approx(10 / 11 * 9 / 10 * 7 / 8 * 6 / 7)
    assert twenty_four.n_at_risk == 6
    assert (round(twenty_four.lower or 0, 4), round(twenty_four.upper or 0, 3)) == (0.3769, 0.999)
    assert (beyond.survival, beyond.lower, beyond.upper, beyond.n_at_risk) == (None, None, None, 0)


def test_landmark_after_everyone_died_is_zero() -> None:
    mark = km([1, 2], [1, 1], landmarks=(6,)).landmarks[0]
    assert (mark.survival, mark.n_at_risk) == (0.0, 0)


def test_landmark_before_the_first_time_is_one() -> None:
    mark = km([5, 7], [1, 0], conf_type="plain", landmarks=(0, 3)).landmarks
    assert [(m.survival, m.n_at_risk) for m in mark] == [(1.0, 2), (1.0, 2)]


@pytest.mark.parametrize(
    ("times", "events", "kwargs", "match"),
    [
        ([], [], {}, "at least one"),
        ([1, 2], [1], {}, "as many"),
        ([1, -2], [1, 1], {}, "≥ 0"),
        ([1, math.nan], [1, 1], {}, "finite"),
        ([1, 2], [1, 2], {}, "event flags"),
        ([1, 2], [1, 1], {"conf_type": "logit"}, "conf_type"),
        ([1, 2], [1, 1], {"confidence": 1.0}, "confidence"),
        ([1, 2], [1, 1], {"landmarks": (-1.0,)}, "landmark"),
    ],
)
def test_bad_input_is_an_input_error(
    times: list[float], events: list[int], kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        km(times, events, **kwargs)  # type: ignore[arg-type]


samples = st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(samples, st.sampled_from(["log-log", "log", "plain"]))
def test_km_curve_and_risk_table_against_product_limit(
    data: list[tuple[int, bool]], conf_type: str
) -> None:
    # reference: the product-limit estimator written out (tests/analysis/reference.py)
    times = [float(t) for t, _ in data]
    events = [e for _, e in data]
    result = km(times, events, conf_type=conf_type)
    expected = product_limit(times, events)
    assert [(r.time, r.n_at_risk, r.n_events) for r in result.table] == [
        (t, n, d) for t, n, d, _ in expected
    ]
    for row, (_, _, _, survival) in zip(result.table, expected, strict=True):
        assert row.survival == pytest.approx(survival, rel=1e-12, abs=1e-15)
        assert row.n_censored == sum(1 for t, e in data if t == row.time and not e)
        if row.lower is not None and row.upper is not None:
            assert row.lower <= row.survival + 1e-12
            assert row.survival <= row.upper + 1e-12
    for when in (0.0, 7.5, 20.0, 41.0):
        assert result.at_risk(when) == sum(1 for t in times if t >= when)
    # the median by the midpoint rule (clinical-facts §10), from the reference curve
    assert result.median == midpoint_median(expected)


def midpoint_median(curve: list[tuple[float, int, int, float]]) -> float | None:
    """First t with S(t) < 0.5; on a flat stretch at 0.5 the midpoint of its start and the
    next time S drops (R quantile.survfit: the last follow-up when it never does)."""
    for i, (t, _, _, s) in enumerate(curve):
        if abs(s - 0.5) < R_TOLERANCE:
            later = [u for u, _, _, v in curve[i + 1 :] if v < 0.5 - R_TOLERANCE]
            return (t + (later[0] if later else curve[-1][0])) / 2
        if s < 0.5:
            return t
    return None


@settings(max_examples=150, deadline=None)
@given(samples)
def test_km_log_log_band_and_median_against_lifelines(data: list[tuple[int, bool]]) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    times = [float(t) for t, _ in data]
    events = [e for _, e in data]
    result = km(times, events, conf_type="log-log")
    fitter = KaplanMeierFitter().fit(times, events)
    band = fitter.confidence_interval_  # lifelines: "exponential Greenwood" = log-log
    for row in result.table:
        if 0 < row.survival < 1:
            lower, upper = band.loc[row.time]
            assert row.lower == pytest.approx(float(lower), abs=1e-9)
            assert row.upper == pytest.approx(float(upper), abs=1e-9)
    # lifelines' median is the first time S(t) ≤ 0.5: the same unless S sits at 0.5
    if all(abs(r.survival - 0.5) >= R_TOLERANCE for r in result.table):
        lifelines_median = float(fitter.median_survival_time_)
        assert result.median == (None if math.isinf(lifelines_median) else lifelines_median)
    # the median's interval: the same rule on the bands, where S > 0 (R has no band at S = 0,
    # lifelines puts it at 0) and no band value sits at 0.5
    defined = band.loc[[r.time for r in result.table if r.survival > 0]]
    if defined.empty:
        assert (result.median_lower, result.median_upper) == (None, None)
    elif not ((defined - 0.5).abs() < R_TOLERANCE).any().any():
        limits = median_survival_times(defined).to_numpy().ravel()
        expected = [None if math.isinf(v) else float(v) for v in limits]
        assert [result.median_lower, result.median_upper] == expected

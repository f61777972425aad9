"""The ADaM files alone give the report's numbers: ORR and DCR (with exact intervals, scipy)
and the PFS / OS / DoR medians (Kaplan–Meier by lifelines, median as R's survfit prints it),
recomputed here without trialkit's analysis code and compared with the numbers printed in the
HTML report of the same study."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy.stats import beta

from tests.cdisc.conftest import Exported, read_xpt
from trialkit.report import build_report


def _adam(package: Path, name: str) -> pd.DataFrame:
    return read_xpt(package / "adam" / f"{name}.xpt")


@pytest.fixture(scope="module")
def report_html(exported: Exported, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return build_report(exported.study, out).html.read_text(encoding="utf-8")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _clopper_pearson(k: int, n: int) -> tuple[float, float]:
    lower = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return lower, upper


def _median(durations: pd.Series, events: pd.Series) -> float | None:
    """R survfit's median: the first time S(t) < 0.5, or the midpoint of the flat stretch
    where S(t) is exactly 0.5; None when S never goes below 0.5 (not reached)."""
    km = KaplanMeierFitter().fit(durations, events)
    sf = km.survival_function_.iloc[:, 0]
    times, values = list(sf.index), list(sf.values)
    for i, (t, s) in enumerate(zip(times, values, strict=True)):
        if math.isclose(s, 0.5, abs_tol=1e-12):
            later = [u for u, v in zip(times[i + 1 :], values[i + 1 :], strict=True) if v < s]
            return (t + later[0]) / 2 if later else None
        if s < 0.5:
            return float(t)
    return None


def _row(html: str, label: str) -> list[str]:
    match = re.search(rf"<tr><td>{re.escape(label)}</td>((?:<td>.*?</td>)+)</tr>", html)
    assert match, f"report row {label!r} not found"
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def test_orr_and_dcr_from_adrs_match_the_report(exported: Exported, report_html: str) -> None:
    adsl = _adam(exported.package, "adsl")
    adrs = _adam(exported.package, "adrs")
    evaluable = set(adsl.loc[adsl["EFFFL"] == "Y", "USUBJID"])
    bor = adrs[(adrs["PARAMCD"] == "BOR") & (adrs["ANL01FL"] == "Y")]
    assert set(bor["USUBJID"]) == evaluable
    assert bor["USUBJID"].is_unique
    n = len(evaluable)
    responders = int(bor["AVALC"].isin(["CR", "PR"]).sum())
    controlled = int(bor["AVALC"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum())
    for label, k in (
        ("Objective response rate (confirmed CR + PR)", responders),
        ("Disease control rate (CR + PR + SD)", controlled),
    ):
        estimate, interval, *_ = _row(report_html, label)
        lower, upper = _clopper_pearson(k, n)
        assert estimate == _pct(k / n)
        assert interval == f"{_pct(lower)} – {_pct(upper)}"


@pytest.mark.parametrize(
    ("paramcd", "label"),
    [
        ("PFS", "Progression-free survival, median (months)"),
        ("OS", "Overall survival, median (months)"),
        ("DOR", "Duration of response, median (months)"),
    ],
)
def test_medians_from_adtte_match_the_report(
    exported: Exported, report_html: str, paramcd: str, label: str
) -> None:
    adtte = _adam(exported.package, "adtte")
    rows = adtte[adtte["PARAMCD"] == paramcd]
    assert len(rows) > 0
    # AVAL is (ADT − STARTDT) in months of 30.4375 days, from the dates alone
    days = rows["ADT"] - rows["STARTDT"]
    assert (abs(rows["AVAL"] - days / 30.4375) < 1e-9).all()
    median = _median(rows["AVAL"], rows["CNSR"] == 0)
    printed, _, method = _row(report_html, label)
    assert printed == ("NR" if median is None else f"{median:.1f}")
    events = int((rows["CNSR"] == 0).sum())
    assert f"{events} events / {len(rows)}" in method

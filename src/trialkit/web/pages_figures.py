"""Dashboard figures, drawn by :mod:`trialkit.analysis.figures` and inlined as PNG data URLs.

The service's dashboard view carries plain numbers (waterfall rows, KM steps,
cumulative enrolment); this module rebuilds the small typed records the
figure functions take, so the dashboard and the study report draw the same
pictures with the same code and palette.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from trialkit.analysis.efficacy import SubjectResponse
from trialkit.analysis.figures import km_figure, waterfall_figure
from trialkit.analysis.figures.style import OKABE_ITO, new_axes, pyplot
from trialkit.analysis.survival import km
from trialkit.recist.model import RecistResult

# pyplot keeps global state and pages render on a thread pool: one figure at a time.
_LOCK = threading.Lock()


def _png(ax: Any) -> str:
    fig = ax.figure
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def waterfall_png(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """Rows ``{"subject", "best_change_pct", "response"}`` → the report's waterfall plot."""
    responses = [
        SubjectResponse(
            str(r.get("subject", "")),
            RecistResult(
                subject=str(r.get("subject", "")),
                baseline_sum_mm=None,
                baseline_valid=True,
                baseline_issues=(),
                timepoints=(),
                best_overall_response=(
                    f"{r['unconfirmed']} (unconfirmed)"
                    if r.get("unconfirmed")
                    else str(r.get("response") or "NE")
                ),
                confirmed=False,
                progression_date=None,
                response_date=None,
            ),
            float(r["best_change_pct"]),
        )
        for r in rows
        if isinstance(r.get("best_change_pct"), int | float)
    ]
    if not responses:
        return None
    with _LOCK:
        return _png(waterfall_figure(responses))


def km_png(
    steps: Sequence[Mapping[str, Any]], title: str = "Progression-free survival"
) -> str | None:
    """KM steps ``{"months", "survival", "at_risk"}`` → the report's Kaplan–Meier plot.

    The steps fix every subject's follow-up time and whether it ended in an
    event (at each step, the drop in the number at risk is the subjects who
    leave there, and the drop in survival says how many of them had the
    event), so the curve, its confidence band and the numbers at risk are
    recomputed by :func:`trialkit.analysis.survival.km` exactly as the report does.
    """
    times, events = _follow_up(steps)
    if not times:
        return None
    result = km(times, events)
    with _LOCK:
        return _png(km_figure(result, times, title))


def _follow_up(steps: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[bool]]:
    rows = sorted(
        (float(s["months"]), float(s["survival"]), int(s["at_risk"]))
        for s in steps
        if all(isinstance(s.get(k), int | float) for k in ("months", "survival", "at_risk"))
    )
    times: list[float] = []
    events: list[bool] = []
    previous = 1.0
    for i, (time, survival, at_risk) in enumerate(rows):
        leaving = at_risk - (rows[i + 1][2] if i + 1 < len(rows) else 0)
        died = round(at_risk * (1 - survival / previous)) if previous > 0 else 0
        died = min(max(died, 0), max(leaving, 0))
        times += [time] * max(leaving, 0)
        events += [True] * died + [False] * (max(leaving, 0) - died)
        previous = survival
    return times, events


def enrolment_png(points: Sequence[Mapping[str, Any]]) -> str | None:
    """Cumulative enrolment ``{"enrolment_date", "enrolled"}`` as a step line (figures' style)."""
    series: list[tuple[date, int]] = []
    for p in points:
        try:
            series.append((date.fromisoformat(str(p["enrolment_date"])), int(p["enrolled"])))
        except (KeyError, ValueError, TypeError):
            continue
    if not series:
        return None
    series.sort()
    with _LOCK:
        ax = new_axes(None, (7.0, 3.0))
        ax.step(
            [d for d, _ in series],
            [n for _, n in series],
            where="post",
            color=OKABE_ITO["blue"],
            linewidth=1.8,
            marker="o",
            markersize=3,
        )
        ax.set_ylim(0, max(n for _, n in series) + 1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        first, last = series[0][0], series[-1][0]
        pad = max((last - first) / 20, timedelta(days=7))
        ax.set_xlim(first - pad, last + pad)
        ax.set_ylabel("Subjects enrolled (cumulative)")
        ax.figure.autofmt_xdate()
        return _png(ax)

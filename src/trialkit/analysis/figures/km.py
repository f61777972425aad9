"""Kaplan–Meier curve with its confidence band, censoring marks and numbers at risk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialkit.analysis.figures.style import OKABE_ITO, new_axes
from trialkit.analysis.survival import KMResult


def median_label(result: KMResult, unit: str = "months") -> str:
    """``Median 24.8 months (95% CI 16.6–NR)``: the estimate and its Brookmeyer–Crowley
    interval as the report's table gives them; NR where a bound is not reached."""

    def shown(x: float | None) -> str:
        return "NR" if x is None else f"{x:.1f}"

    level = f"{round(result.confidence * 100)}% CI"
    if result.median is None:
        return f"Median not reached ({level} {shown(result.median_lower)}–NR)"
    return (
        f"Median {result.median:.1f} {unit} "
        f"({level} {shown(result.median_lower)}–{shown(result.median_upper)})"
    )


def km_figure(
    result: KMResult,
    durations: Sequence[float],
    title: str,
    *,
    ax: Any = None,
    xlabel: str = "Months since first dose",
) -> Any:
    """``title`` names the endpoint; it labels the y-axis too (a statistician reads the
    axis, not the caption)."""
    ax = new_axes(ax, (7.0, 4.6))
    times = [0.0] + [r.time for r in result.table]
    surv = [1.0] + [r.survival for r in result.table]
    # R gives no band where S = 0 (and none at S = 1 for log-log): draw it at the curve
    lower = [1.0] + [r.survival if r.lower is None else r.lower for r in result.table]
    upper = [1.0] + [r.survival if r.upper is None else r.upper for r in result.table]
    colour = OKABE_ITO["blue"]
    ax.step(times, surv, where="post", color=colour, linewidth=1.8, label="Kaplan–Meier estimate")
    ax.fill_between(
        times,
        lower,
        upper,
        step="post",
        color=colour,
        alpha=0.18,
        label=f"{int(result.confidence * 100)}% CI ({result.conf_type}, pointwise)",
    )
    # One mark per time with censoring, at S(t) after that time's drop (R's convention). A
    # "+" in black over the curve: its horizontal stroke stays visible where the censoring
    # coincides with an event and the vertical stroke would vanish into the drop.
    censored = [(r.time, r.survival) for r in result.table if r.n_censored]
    if censored:
        ax.plot(
            *zip(*censored, strict=True),
            linestyle="none",
            marker="+",
            color=OKABE_ITO["black"],
            markersize=9,
            markeredgewidth=1.4,
            zorder=4,
            label="Censored",
        )
    ax.axhline(0.5, color="#888888", linewidth=0.6, linestyle=":")
    if result.median is not None:
        ax.plot(
            [result.median, result.median],
            [0.0, 0.5],
            color=OKABE_ITO["vermillion"],
            linewidth=1.0,
            linestyle="--",
            label=median_label(result),
        )
    else:
        # no drop line to draw: the legend still states the median (not reached) and its CI
        ax.plot([], [], linestyle="none", label=median_label(result))
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(title)
    ax.set_xlabel(xlabel)
    ax.set_title(f"{title} (n = {result.n}, events = {result.events})", loc="left", fontsize=10)
    ax.legend(frameon=False, loc="lower left", fontsize=8)
    horizon = max(durations) if durations else 1.0
    ticks = [t for t in range(0, int(horizon) + 7, 6) if t <= horizon + 6]
    ax.set_xticks(ticks)
    at_risk = [sum(1 for d in durations if d >= t) for t in ticks]
    for t, n in zip(ticks, at_risk, strict=True):
        ax.annotate(
            str(n),
            xy=(t, 0),
            xytext=(0, -46),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            annotation_clip=False,
        )
    ax.annotate(
        "At risk",
        xy=(0, 0),
        xytext=(-28, -46),
        textcoords="offset points",
        ha="right",
        fontsize=8,
        annotation_clip=False,
    )
    return ax

"""Tumour response figures: waterfall, spider and swimmer plots (RECIST 1.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialkit.analysis.efficacy import DAYS_PER_MONTH, SubjectResponse
from trialkit.analysis.figures.style import OKABE_ITO, RESPONSE_COLOURS, new_axes


def waterfall_figure(responses: Sequence[SubjectResponse], ax: Any = None) -> Any:
    """One bar per subject with a measured follow-up: best % change of the target sum."""
    ax = new_axes(ax, (8.0, 4.2))
    rows = sorted(
        (r for r in responses if r.best_change_pct is not None),
        key=lambda r: r.best_change_pct or 0.0,
        reverse=True,
    )
    colours = [
        RESPONSE_COLOURS.get(r.recist.best_overall_response, OKABE_ITO["grey"]) for r in rows
    ]
    ax.bar(
        range(len(rows)),
        [r.best_change_pct for r in rows],
        color=colours,
        edgecolor="#333333",
        linewidth=0.4,
    )
    ax.axhline(20, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1, label="+20 % (PD)")
    ax.axhline(-30, color=OKABE_ITO["blue"], linestyle="--", linewidth=1, label="−30 % (PR)")
    ax.axhline(0, color="#333333", linewidth=0.6)
    ax.set_xticks([])
    ax.set_xlabel("Subjects (ordered by best change)")
    ax.set_ylabel("Best change in target sum (%)")
    ax.set_title(
        "Waterfall: best % change from baseline, coloured by best overall response",
        loc="left",
        fontsize=10,
    )
    from matplotlib.patches import Patch

    handles = [
        Patch(color=c, label=k)
        for k, c in RESPONSE_COLOURS.items()
        if k != "non-CR/non-PD" and any(r.recist.best_overall_response == k for r in rows)
    ]
    lines, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles + lines,
        [h.get_label() for h in handles] + labels,
        frameon=False,
        fontsize=8,
        ncol=3,
        loc="upper right",
    )
    return ax


def spider_figure(
    responses: Sequence[SubjectResponse], first_doses: dict[str, Any], ax: Any = None
) -> Any:
    """% change of the target sum over time, one line per subject."""
    ax = new_axes(ax, (7.0, 4.4))
    for r in responses:
        start = first_doses[r.subject_id]
        points = [(0.0, 0.0)] + [
            ((t.date - start).days / DAYS_PER_MONTH, t.change_from_baseline_pct)
            for t in r.recist.timepoints
            if t.change_from_baseline_pct is not None
        ]
        colour = RESPONSE_COLOURS.get(r.recist.best_overall_response, OKABE_ITO["grey"])
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color=colour, linewidth=1, alpha=0.85, marker="o", markersize=2.5)
    ax.axhline(20, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
    ax.axhline(-30, color=OKABE_ITO["blue"], linestyle="--", linewidth=1)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("Change in target sum from baseline (%)")
    ax.set_title("Spider plot (colour = best overall response)", loc="left", fontsize=10)
    return ax


def swimmer_figure(rows: Sequence[dict[str, Any]], ax: Any = None) -> Any:
    """``rows``: subject, months on study, response_month, progression_month, ongoing, bor."""
    ax = new_axes(ax, (7.5, max(3.0, 0.16 * len(rows) + 1.2)))
    ordered = sorted(rows, key=lambda r: r["months"])
    for i, r in enumerate(ordered):
        colour = RESPONSE_COLOURS.get(r["bor"], OKABE_ITO["grey"])
        ax.barh(i, r["months"], color=colour, height=0.7, edgecolor="#333333", linewidth=0.3)
        if r.get("response_month") is not None:
            ax.plot(r["response_month"], i, marker="^", color=OKABE_ITO["black"], markersize=4)
        if r.get("progression_month") is not None:
            ax.plot(
                r["progression_month"],
                i,
                marker="X",
                color=OKABE_ITO["black"],
                markersize=6,
                markeredgecolor="white",
                markeredgewidth=0.6,
            )
        if r.get("ongoing"):
            ax.annotate(
                "",
                xy=(r["months"] + 1.5, i),
                xytext=(r["months"], i),
                arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
            )
    ax.set_yticks(range(len(ordered)))
    ax.set_yticklabels([r["subject"] for r in ordered], fontsize=6)
    ax.set_xlabel("Months since first dose")
    ax.set_title(
        "Swimmer plot: ▲ response, ✕ progression, → ongoing; bar colour = best response",
        loc="left",
        fontsize=10,
    )
    return ax

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
    ax.set_title(
        "Spider plot: change of the target-lesion sum, one line per subject",
        loc="left",
        fontsize=10,
    )
    from matplotlib.lines import Line2D

    shown = {r.recist.best_overall_response for r in responses}
    handles = [
        Line2D([], [], color=c, marker="o", markersize=3, linewidth=1, label=_BOR_WORDS[k])
        for k, c in RESPONSE_COLOURS.items()
        if k in shown
    ]
    handles += [
        Line2D(
            [],
            [],
            color=OKABE_ITO["vermillion"],
            linestyle="--",
            label="+20 % (PD: +20 % from the nadir)",
        ),
        Line2D([], [], color=OKABE_ITO["blue"], linestyle="--", label="−30 % (PR threshold)"),
    ]
    ax.legend(
        handles=handles,
        title="Best overall response",
        frameon=False,
        fontsize=7,
        title_fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    return ax


def swimmer_bar_end(row: dict[str, Any]) -> tuple[float, str]:
    """Where a subject's bar ends and why: at progression or death, whichever came first,
    else at the last follow-up (``ongoing`` or off study without an event)."""
    ends = [
        (row[key], why)
        for key, why in (("progression_month", "progression"), ("death_month", "death"))
        if row.get(key) is not None
    ]
    if ends:
        return min(ends)
    return row["months"], "ongoing" if row.get("ongoing") else "follow-up ended"


def swimmer_figure(rows: Sequence[dict[str, Any]], ax: Any = None) -> Any:
    """``rows``: subject, months (follow-up), bor, response_month, progression_month,
    death_month, ongoing. One bar per subject, from the first dose to progression or death
    (whichever came first; else the last follow-up): ▲ response, ✕ progression, ● death,
    → still on study without an event."""
    ax = new_axes(ax, (7.5, max(3.0, 0.16 * len(rows) + 1.6)))
    ordered = sorted(rows, key=lambda r: swimmer_bar_end(r)[0])
    black = OKABE_ITO["black"]
    marks: dict[str, list[tuple[float, int]]] = {"response": [], "progression": [], "death": []}
    for i, r in enumerate(ordered):
        end, why = swimmer_bar_end(r)
        colour = RESPONSE_COLOURS.get(r["bor"], OKABE_ITO["grey"])
        ax.barh(i, end, color=colour, height=0.7, edgecolor="#333333", linewidth=0.3)
        if r.get("response_month") is not None and r["response_month"] <= end:
            marks["response"].append((r["response_month"], i))
        if why in ("progression", "death"):
            marks[why].append((end, i))
        if why == "ongoing":
            ax.annotate(
                "",
                xy=(end + 1.5, i),
                xytext=(end, i),
                arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
            )
    style: dict[str, dict[str, Any]] = {
        "response": {"marker": "^", "markersize": 4, "color": black, "label": "Response (CR/PR)"},
        "progression": {
            "marker": "X",
            "markersize": 6,
            "color": black,
            "markeredgecolor": "white",
            "markeredgewidth": 0.6,
            "label": "Progression",
        },
        "death": {
            "marker": "o",
            "markersize": 5,
            "color": OKABE_ITO["vermillion"],
            "markeredgecolor": black,
            "markeredgewidth": 0.6,
            "label": "Death",
        },
    }
    for kind, points in marks.items():
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, linestyle="none", zorder=4, **style[kind])
    ax.set_yticks(range(len(ordered)))
    ax.set_yticklabels([r["subject"] for r in ordered], fontsize=6)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("Subject")
    ax.set_title(
        "Swimmer plot: time to progression or death, by best overall response",
        loc="left",
        fontsize=10,
    )
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    shown = {r["bor"] for r in rows}
    handles: list[Any] = [
        Patch(color=c, label=_BOR_WORDS[k]) for k, c in RESPONSE_COLOURS.items() if k in shown
    ]
    handles += [
        Line2D([], [], linestyle="none", **style[kind]) for kind, points in marks.items() if points
    ]
    if any(swimmer_bar_end(r)[1] == "ongoing" for r in rows):
        handles.append(
            Line2D([], [], color="#333333", marker=">", markersize=4, lw=0.8, label="On study")
        )
    ax.legend(
        handles=handles,
        frameon=False,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    return ax


_BOR_WORDS = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "non-CR/non-PD": "Non-CR/non-PD",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
}

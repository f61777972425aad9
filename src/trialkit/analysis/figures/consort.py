"""CONSORT flow: screened → excluded (with reasons) → enrolled → treated → evaluable."""

from __future__ import annotations

from collections import Counter
from typing import Any

from trialkit.analysis.figures.style import OKABE_ITO, new_axes


def consort_counts(
    screening: list[tuple[str, str]], enrolled: int, treated: int, evaluable: int
) -> dict[str, Any]:
    """``screening``: (status, reason) per screened patient."""
    excluded = [(s, r) for s, r in screening if s != "eligible"]
    reasons = Counter(
        r.split(":")[0] if s == "ineligible" else "incomplete data" for s, r in excluded
    )
    return {
        "screened": len(screening),
        "excluded": len(excluded),
        "reasons": reasons.most_common(),
        "enrolled": enrolled,
        "treated": treated,
        "evaluable": evaluable,
    }


def consort_figure(counts: dict[str, Any], ax: Any = None) -> Any:
    ax = new_axes(ax, (7.0, 6.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")

    from matplotlib.patches import FancyBboxPatch

    def box(
        x: float, y: float, text: str, width: float = 3.6, colour: str = OKABE_ITO["sky"]
    ) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - 0.45),
                width,
                0.9,
                boxstyle="round,pad=0.08",
                facecolor=colour + "33",
                edgecolor=colour,
                linewidth=1.2,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        ax.annotate(
            "", xy=(x2, y2), xytext=(x1, y1), arrowprops={"arrowstyle": "->", "color": "#444444"}
        )

    box(3, 9.2, f"Screened\nn = {counts['screened']}")
    arrow(3, 8.7, 3, 6.9)
    reasons = "\n".join(f"{reason}: {n}" for reason, n in counts["reasons"][:8])
    ax.text(
        5.4,
        8.1,
        f"Excluded (n = {counts['excluded']})\n{reasons}",
        ha="left",
        va="top",
        fontsize=8,
        bbox={
            "boxstyle": "round,pad=0.4",
            "facecolor": OKABE_ITO["vermillion"] + "22",
            "edgecolor": OKABE_ITO["vermillion"],
        },
    )
    arrow(3, 8.0, 5.3, 8.0)
    box(3, 6.4, f"Enrolled\nn = {counts['enrolled']}", colour=OKABE_ITO["blue"])
    arrow(3, 5.9, 3, 4.6)
    box(3, 4.1, f"Treated (≥ 1 dose)\nn = {counts['treated']}", colour=OKABE_ITO["blue"])
    arrow(3, 3.6, 3, 2.3)
    box(3, 1.8, f"Evaluable for response\nn = {counts['evaluable']}", colour=OKABE_ITO["green"])
    ax.set_title("CONSORT flow", loc="left", fontsize=11)
    return ax

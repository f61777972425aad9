"""The attrition funnel as a CONSORT-style flow diagram (matplotlib, Okabe–Ito colours).

Main column: the patients still in the funnel after each criterion that removes
anyone; side boxes: how many that criterion removes and how many it leaves
unknown; at the bottom, eligible and incomplete. Criteria that remove nobody are
listed in one line so the figure stays readable for 34 criteria. Colours come
from the colour-blind-safe Okabe–Ito palette and every number is also written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialkit.analysis.figures.style import OKABE_ITO, new_axes
from trialkit.relational.funnel import Funnel

_ROW = 0.42  # inches per row


def attrition_figure(f: Funnel, ax: Any = None, summaries: Mapping[str, str] | None = None) -> Any:
    """``summaries``: criterion id → the protocol's short wording of what removes a patient
    there ("age outside 18–75 years"), written beside the id."""
    from matplotlib.patches import FancyBboxPatch

    removing = [s for s in f.steps if s.removed]
    rows = len(removing) + 3
    ax = new_axes(ax, (10.5, max(3.5, rows * _ROW + 1.0)))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.6, rows)
    ax.axis("off")

    def box(
        x: float,
        y: float,
        text: str,
        colour: str,
        width: float,
        bold: bool = False,
        size: float = 8,
    ) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - 0.3),
                width,
                0.6,
                boxstyle="round,pad=0.05",
                facecolor=colour + "2E",
                edgecolor=colour,
                linewidth=1.1,
            )
        )
        weight = "bold" if bold else "normal"
        ax.text(x, y, text, ha="center", va="center", fontsize=size, fontweight=weight)

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        style = {"arrowstyle": "->", "color": "#444444", "linewidth": 0.9}
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1), arrowprops=style)

    y = rows - 0.5
    box(2.2, y, f"Screened  n = {f.screened:,}", OKABE_ITO["blue"], 3.6, bold=True)
    for step in removing:
        arrow(2.2, y - 0.32, 2.2, y - 1 + 0.32)
        arrow(2.2, y - 0.5, 4.55, y - 0.5)
        verb = "not met" if step.kind == "inclusion" else "met"
        why = (summaries or {}).get(step.criterion) or verb
        unknown = f";  {step.unknown:,} unknown" if step.unknown else ""
        side = f"{step.criterion} {why}: −{step.removed:,}{unknown}"
        box(7.25, y - 0.5, side, OKABE_ITO["vermillion"], 5.4, size=7.5)
        y -= 1
        box(2.2, y, f"Remaining  n = {step.remaining_after:,}", OKABE_ITO["sky"], 3.6)
    arrow(2.2, y - 0.32, 2.2, y - 1 + 0.32)
    y -= 1
    box(1.3, y, f"Eligible  n = {f.eligible:,}", OKABE_ITO["green"], 2.4, bold=True)
    box(
        4.2,
        y,
        f"Incomplete (data missing)  n = {f.incomplete:,}",
        OKABE_ITO["orange"],
        3.3,
    )
    silent = [s.criterion for s in f.steps if not s.removed]
    if silent:
        ax.text(0.0, -0.55, "Removing nobody: " + ", ".join(silent), fontsize=7, color="#444444")
    ax.set_title(
        f"Attrition funnel: {f.screened:,} screened → {f.eligible:,} eligible, "
        f"{f.incomplete:,} incomplete, {f.ineligible:,} ineligible",
        loc="left",
        fontsize=10,
    )
    return ax

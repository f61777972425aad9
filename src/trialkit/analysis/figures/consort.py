"""CONSORT flow: screened → excluded (with reasons, in words) → eligible → enrolled → treated
→ evaluable, each step's losses in a box beside it so that every level adds up.

Reasons come from ``screening.csv``: an ineligible screen's reason starts with the first
criterion that blocked it (``<criterion id>: …``), an incomplete screen's lists the criteria
left undecided (``missing data: <id>, <id>``). Each screen is counted once, under that reason;
criterion ids (the keys of ``summaries``, from the protocol) are shown with the protocol's
short wording; a reason naming no known criterion is shown as written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from trialkit.analysis.figures.style import OKABE_ITO, new_axes


def _named(cid: str, summaries: Mapping[str, str]) -> str:
    summary = summaries.get(cid)
    return f"{cid} {summary}" if summary else cid


def _ineligible_reason(reason: str, summaries: Mapping[str, str]) -> str:
    head = reason.split(":", 1)[0].strip()
    if head in summaries:
        return _named(head, summaries)
    return reason.strip() or "reason not recorded"


def _incomplete_reason(reason: str, summaries: Mapping[str, str]) -> str:
    text = reason.strip()
    if text.lower().startswith("missing data:"):
        ids = [x.strip() for x in text.split(":", 1)[1].split(",") if x.strip()]
        if ids and all(x in summaries for x in ids):
            return "undecided: " + "; ".join(_named(x, summaries) for x in ids)
    return text or "data missing (not recorded which)"


def consort_counts(
    screening: Sequence[tuple[str, str]],
    enrolled: int,
    treated: int,
    evaluable: int,
    summaries: Mapping[str, str] | None = None,
    waived: int = 0,
) -> dict[str, Any]:
    """``screening``: (status, reason) per screened patient; ``summaries``: criterion id →
    short wording; ``waived``: subjects enrolled from a screening that was not eligible (an
    investigator's documented waiver). Every level's losses are counted so that the boxes add
    up: screened − excluded = the eligible plus the waived (those enter enrolment; the waived
    are not excluded), and eligible − enrolled-from-eligible is the eligible not enrolled,
    never negative."""
    names = summaries or {}
    statuses = Counter(s for s, _ in screening)
    ineligible = Counter(
        _ineligible_reason(r, names) for s, r in screening if s == "ineligible"
    ).most_common()
    incomplete = Counter(
        _incomplete_reason(r, names) for s, r in screening if s == "incomplete"
    ).most_common()
    eligible = statuses["eligible"]
    return {
        "screened": len(screening),
        "eligible": eligible,
        "ineligible": statuses["ineligible"],
        "incomplete": statuses["incomplete"],
        # screens not taken into the study: the waived left ineligible/incomplete but enrolled
        "excluded": statuses["ineligible"] + statuses["incomplete"] - waived,
        "allocated": eligible + waived,
        "ineligible_reasons": ineligible,
        "incomplete_reasons": incomplete,
        # kept for the report's table: every exclusion reason, ineligible then incomplete
        "reasons": ineligible + [(f"screening incomplete — {r}", n) for r, n in incomplete],
        "not_enrolled": eligible - (enrolled - waived),
        "waived": waived,
        "enrolled": enrolled,
        "not_treated": enrolled - treated,
        "treated": treated,
        "not_evaluable": treated - evaluable,
        "evaluable": evaluable,
    }


def _lines(reasons: Sequence[tuple[str, int]], width: int = 72) -> str:
    out = []
    for reason, n in reasons:
        text = reason if len(reason) <= width else reason[: width - 1] + "…"
        out.append(f"  {n:>3} × {text}")
    return "\n".join(out)


def consort_figure(counts: dict[str, Any], ax: Any = None) -> Any:
    ax = new_axes(ax, (10.0, 7.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")

    def box(x: float, y: float, text: str, colour: str, *, ha: str = "center") -> None:
        ax.text(
            x,
            y,
            text,
            ha=ha,
            va="center",
            fontsize=8.5 if ha == "center" else 7.5,
            family="DejaVu Sans",
            bbox={
                "boxstyle": "round,pad=0.5",
                "facecolor": colour + "22",
                "edgecolor": colour,
                "linewidth": 1.2,
            },
        )

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        ax.annotate(
            "", xy=(x2, y2), xytext=(x1, y1), arrowprops={"arrowstyle": "->", "color": "#444444"}
        )

    main, side = 1.3, 2.7
    box(main, 9.5, f"Screened\nn = {counts['screened']}", OKABE_ITO["sky"])
    excluded = [f"Excluded (n = {counts['excluded']})"]
    excluded.append(f"Not eligible (n = {counts['ineligible']}), first blocking criterion:")
    excluded.append(_lines(counts["ineligible_reasons"]) or "  none")
    excluded.append(f"Screening incomplete (n = {counts['incomplete']}):")
    excluded.append(_lines(counts["incomplete_reasons"]) or "  none")
    if counts.get("waived"):
        excluded.append(
            f"Less {counts['waived']} of these enrolled on an investigator's documented "
            "eligibility waiver"
        )
    box(side, 7.6, "\n".join(excluded), OKABE_ITO["vermillion"], ha="left")
    arrow(main, 9.05, main, 5.75)
    arrow(main, 7.6, side - 0.1, 7.6)
    entry = f"Eligible\nn = {counts['eligible']}"
    if counts.get("waived"):
        entry = (
            f"Eligible or waived\nn = {counts['allocated']}\n({counts['eligible']} eligible, "
            f"{counts['waived']} on a waiver)"
        )
    box(main, 5.35, entry, OKABE_ITO["sky"])
    steps = (
        ("Enrolled", "enrolled", "Eligible, not enrolled", "not_enrolled", 3.9),
        ("Treated (≥ 1 dose)", "treated", "Enrolled, not treated", "not_treated", 2.45),
        ("Evaluable for response", "evaluable", "Treated, not evaluable", "not_evaluable", 1.0),
    )
    previous = 5.35
    for label, key, lost_label, lost_key, y in steps:
        arrow(main, previous - 0.4, main, y + 0.4)
        middle = (previous + y) / 2
        arrow(main, middle, side - 0.1, middle)
        box(side, middle, f"{lost_label}: n = {counts[lost_key]}", OKABE_ITO["grey"], ha="left")
        colour = OKABE_ITO["green"] if key == "evaluable" else OKABE_ITO["blue"]
        text = f"{label}\nn = {counts[key]}"
        if key == "enrolled" and counts.get("waived"):
            text += f"\n(incl. {counts['waived']} on a waiver)"
        box(main, y, text, colour)
        previous = y
    ax.set_title("CONSORT flow", loc="left", fontsize=11)
    return ax

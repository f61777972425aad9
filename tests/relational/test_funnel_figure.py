"""The attrition figure names each criterion in words beside its id (issue 14, item 7)."""

from __future__ import annotations

from trialkit.analysis.figures.style import pyplot
from trialkit.protocol import load_protocol
from trialkit.relational.funnel import Funnel, FunnelStep
from trialkit.relational.funnel_figure import attrition_figure


def test_side_boxes_say_what_removes_the_patients() -> None:
    steps = (
        FunnelStep("IN2", "inclusion", 100, 7, 1, 93),
        FunnelStep("EX4", "exclusion", 93, 3, 0, 90),
        FunnelStep("EX7", "exclusion", 90, 0, 0, 90),
    )
    funnel = Funnel(100, steps, 80, 10, 20, (), {})
    words = {c.id: c.summary for c in load_protocol().criteria}
    ax = attrition_figure(funnel, summaries=words)
    texts = [t.get_text() for t in ax.texts]
    pyplot().close("all")
    assert "IN2 age outside 18–75 years: −7;  1 unknown" in texts
    assert "EX4 albumin below 30 g/L: −3" in texts
    assert any(t == "Removing nobody: EX7" for t in texts)

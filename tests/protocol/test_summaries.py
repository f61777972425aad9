"""Every criterion carries a short wording for CONSORT's reasons (issue 14, item 7)."""

from __future__ import annotations

from trialkit.protocol import load_protocol


def test_every_criterion_has_a_short_summary_in_words() -> None:
    criteria = load_protocol().criteria
    assert len(criteria) == 34
    for c in criteria:
        assert c.summary, c.id
        assert len(c.summary) <= 70, c.id  # fits one line of the CONSORT box
        assert c.id not in c.summary  # the figure adds the id itself
        assert not c.summary.endswith(".")

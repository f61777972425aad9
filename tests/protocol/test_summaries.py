"""Every criterion carries a short wording for CONSORT's reasons (issue 14, item 7)."""

from __future__ import annotations

from trialkit.protocol import load_protocol
from trialkit.wording.evidence import criterion_summaries


def test_every_criterion_has_a_short_summary_in_words() -> None:
    protocol = load_protocol()
    assert len(protocol.criteria) == 34
    # as a reader sees it: {parameter} placeholders filled with the values in force
    for cid, summary in criterion_summaries(protocol).items():
        assert summary, cid
        assert len(summary) <= 70, cid  # fits one line of the CONSORT box
        assert cid not in summary  # the figure adds the id itself
        assert not summary.endswith(".")

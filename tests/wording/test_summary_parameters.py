"""A criterion's summary shows the parameter in force, not the protocol's default (issue 14):
with ``--param sstr_min_krenning=4`` IN6 reads "(Krenning < 4)" wherever it is shown."""

from __future__ import annotations

import pytest

from tests.wording.reader_text import problems_in
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import available_protocols
from trialkit.protocol.model import SUMMARY_PARAMETER
from trialkit.wording.evidence import Labels, criterion_summaries


def test_without_an_override_the_default_is_shown() -> None:
    protocol = load_protocol("nct05894486")
    assert Labels.of(protocol).summaries["IN6"] == (
        "target lesion without somatostatin-receptor uptake (Krenning < 3)"
    )
    assert Labels.of(protocol, {"sstr_min_krenning": 4}).summaries["IN6"] == (
        "target lesion without somatostatin-receptor uptake (Krenning < 4)"
    )


@pytest.mark.parametrize("name", available_protocols())
def test_every_summary_parameter_is_filled_with_the_value_in_force(name: str) -> None:
    protocol = load_protocol(name)
    # a value no default has, so only the override can have put it there
    overridden = {
        p.name: 987 for p in protocol.parameters.values() if p.type == "int" and not p.choices
    }
    shown = criterion_summaries(protocol, overridden)
    for c in protocol.criteria:
        for param in SUMMARY_PARAMETER.findall(c.summary):
            assert param in overridden, (c.id, param)
            assert "987" in shown[c.id], (c.id, shown[c.id])
        assert problems_in(shown[c.id]) == [], c.id  # no "{name}" left for a reader

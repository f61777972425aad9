"""The investigator's judgement criteria are the protocol's attestation criteria (issue 15, 5):
sign-off asks for exactly those and refuses any other id, naming the ones there are. Before,
EX24–EX26 were code (a ``Literal`` in the API model and a table in the service)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.helpers import make_study, password, screen_example
from trialkit.errors import InputError
from trialkit.protocol import available_protocols, load_protocol
from trialkit.protocol import nodes as n


@pytest.fixture
def judgement_world(store_url: str) -> Any:
    study = make_study(store_url)
    return study, screen_example(study).id


def test_judgements_are_the_protocols_attestation_criteria() -> None:
    p = load_protocol("nct05894486")
    assert p.judgement_items() == {
        "EX24": "investigator-ex24",
        "EX25": "investigator-ex25",
        "EX26": "investigator-ex26",
    }
    for name in available_protocols():
        other = load_protocol(name)
        attested = [c.id for c in other.criteria if isinstance(c.rule, n.Attestation)]
        assert list(other.judgement_items()) == attested


def test_sign_off_refuses_a_judgement_the_protocol_does_not_declare(
    judgement_world: Any,
) -> None:
    study, screening = judgement_world
    with pytest.raises(InputError, match="judgments are EX24, EX25, EX26") as info:
        study.service.sign_eligibility(
            study["investigator"],
            screening,
            password=password("investigator"),
            meaning="I have reviewed it",
            version=1,
            judgments={"EX99": True},
        )
    assert info.value.field == "judgments.EX99"

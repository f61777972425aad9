"""Account rules through the service: the password policy (issue 13, observation 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.helpers import Study, make_study
from trialkit.errors import InputError


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    folder: Path = tmp_path_factory.mktemp("accounts")
    return make_study(f"sqlite:///{folder / 'trialkit.db'}")


@pytest.mark.parametrize(
    "password",
    [
        "password",  # short
        "12345678",
        "newcomer",  # the user name
        "Newcomer2026!!!",  # the user name padded with digits and punctuation
        "password1234",  # long, but on every list of common passwords
        "123456789012",
        "qwertyuiopas",
        "Correct Horse Battery Staple",  # a famous one, spaces and case ignored
        "aaaaaaaaaaaaaaaa",  # one character repeated
        "abababababab",
    ],
)
def test_weak_passwords_are_refused_naming_the_field(study: Study, password: str) -> None:
    with pytest.raises(InputError) as refused:
        study.service.add_user(study["admin"], "newcomer", password, "monitor")
    assert refused.value.field == "password"


def test_a_long_uncommon_password_passes(study: Study) -> None:
    view = study.service.add_user(study["admin"], "newcomer", "violet-kettle-harbour", "monitor")
    assert view.username == "newcomer"

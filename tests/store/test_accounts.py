"""Account rules: the password policy (issue 13, observation 13)."""

from __future__ import annotations

import pytest

from trialkit.errors import InputError
from trialkit.store.users import check_password_policy


@pytest.mark.parametrize(
    "password",
    [
        "password",  # short
        "12345678",
        "carol",  # the user name
        "Carol2026!!!!",  # the user name padded with digits and punctuation
        "password1234",  # long, but on every list of common passwords
        "123456789012",
        "qwertyuiopas",
        "Correct Horse Battery Staple",  # a famous one, spaces and case ignored
        "aaaaaaaaaaaaaaaa",  # one character repeated
        "abababababab",
    ],
)
def test_weak_passwords_are_refused_naming_the_field(password: str) -> None:
    with pytest.raises(InputError) as refused:
        check_password_policy("carol", password)
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["violet-kettle-harbour", "carol's long passphrase"])
def test_long_uncommon_passwords_pass(password: str) -> None:
    check_password_policy("carol", password)

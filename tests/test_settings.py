"""Engine settings with engine defaults a protocol may override (issue 15, 5).

Issue 15 reproduction: a protocol that did not declare the parameters the engine read by
name (lab_lookback_days, timezone, conflict_policy, ehr_absence_is_negative) passed the
loader and then failed with ``KeyError 'lab_lookback_days'`` when a patient was screened.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.eligibility.builders import record
from trialkit.eligibility.screening import screen_record
from trialkit.errors import ProtocolError
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.settings import DEFAULT_PROTOCOL, ENGINE_SETTINGS

BUNDLED = Path(__file__).resolve().parents[1] / "src/trialkit/protocols" / DEFAULT_PROTOCOL
AS_OF = date(2026, 11, 24)
_SETTING_LINE = re.compile(r"^  (" + "|".join(ENGINE_SETTINGS) + r"): \{.*\}\n", flags=re.MULTILINE)


def _without_settings(tmp_path: Path, extra: str = "") -> Path:
    """The bundled protocol with every engine setting removed (and ``extra`` appended)."""
    folder = tmp_path / "proto"
    shutil.copytree(BUNDLED, folder)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^settings:\n(  .*\n)*", "", text, flags=re.MULTILINE)
    text = _SETTING_LINE.sub("", text)
    (folder / "protocol.yaml").write_text(text + extra, encoding="utf-8")
    return folder


def test_a_protocol_that_declares_no_settings_gets_the_engine_defaults(tmp_path: Path) -> None:
    p = load_protocol(str(_without_settings(tmp_path)))
    values = p.defaults()
    assert values["lab_lookback_days"] == 28
    assert values["timezone"] == "UTC"
    assert values["conflict_policy"] == "unknown"
    assert values["ehr_absence_is_negative"] is False
    assert "lab_before_first_dose_days" not in values  # off unless the protocol sets it
    assert all(p.parameters[name].source for name in values)
    result = screen_record(record(), p, values, as_of=AS_OF)  # KeyError on the base commit
    bundled = load_protocol(DEFAULT_PROTOCOL)
    ours = screen_record(record(), bundled, bundled.defaults(), as_of=AS_OF)
    assert result.status == ours.status


def test_a_protocol_overrides_a_setting_and_a_run_overrides_it_again(tmp_path: Path) -> None:
    folder = _without_settings(
        tmp_path, "\nsettings:\n  lab_lookback_days: {default: 14, source: our SOP}\n"
    )
    p = load_protocol(str(folder))
    assert p.parameters["lab_lookback_days"].default == 14
    assert p.parameters["lab_lookback_days"].source == "our SOP"
    assert resolve_parameters(p, {"lab_lookback_days": "7"})["lab_lookback_days"] == 7


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("\nsettings:\n  lab_lookbak_days: 14\n", "unknown engine setting"),
        ("\nsettings:\n  conflict_policy: coin-toss\n", "not one of"),
        ("\nsettings:\n  lab_lookback_days: {default: 14, type: str}\n", "of type int"),
        ("\nsettings:\n  lab_lookback_days: two weeks\n", "not a valid int"),
    ],
)
def test_a_bad_setting_fails_at_load(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        load_protocol(str(_without_settings(tmp_path, extra)))

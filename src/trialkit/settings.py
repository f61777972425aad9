"""Engine settings: the bundled default protocol, and the settings every protocol inherits.

Everything a trial declares lives in ``src/trialkit/protocols/<id>/``; the engine knows
which bundled protocol a command uses when none is named, and its own defaults for the
settings of :data:`ENGINE_SETTINGS` (time zone, CRF/EHR conflict policy, the absence rule,
lab lookback), which a protocol may override under ``settings:``.
"""

from __future__ import annotations

from dataclasses import dataclass

# The bundled protocol used when a command, page or service names none. The only
# mention of a shipped protocol's id outside ``protocols/`` (issue 15).
DEFAULT_PROTOCOL = "nct05894486"


@dataclass(frozen=True)
class Setting:
    """An engine setting: what the engine does when a protocol says nothing. A protocol
    overrides the default under ``settings:`` (with its own source); ``--param`` overrides
    it for one run, like any parameter."""

    name: str
    type: str  # int / float / bool / str
    default: bool | int | float | str | None  # None: off unless the protocol sets it
    source: str
    description: str
    unit: str | None = None
    choices: tuple[str, ...] = ()


ENGINE_SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "timezone",
            "str",
            "UTC",
            "trialkit default (a site sets its own)",
            "site time zone in which date-times become calendar dates",
        ),
        Setting(
            "conflict_policy",
            "str",
            "unknown",
            "trialkit default: opposite CRF and EHR answers decide nothing",
            "which source wins when the CRF and the EHR assert opposite values of one fact",
            choices=("unknown", "crf", "ehr"),
        ),
        Setting(
            "ehr_absence_is_negative",
            "bool",
            False,
            "trialkit default: absence of a record is not evidence",
            "treat no EHR record of a history item as 'never' (only for sites whose EHR is "
            "complete)",
        ),
        Setting(
            "lab_lookback_days",
            "int",
            28,
            "trialkit default: 4 weeks before as-of",
            "labs and measurements count if dated within this many days before as-of",
            unit="d",
        ),
        Setting(
            "lab_before_first_dose_days",
            "int",
            None,
            "off unless the protocol sets it",
            "labs read with lab_lookback_days must also be dated within this many days "
            "before the planned first dose, when it is known",
            unit="d",
        ),
    )
}

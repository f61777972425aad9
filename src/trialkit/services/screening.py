"""Screening use case: files in, one result per patient out, with the parameters in force."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trialkit import __version__
from trialkit.eligibility.screening import PatientResult, screen_record
from trialkit.errors import InputError
from trialkit.model.record import PatientRecord
from trialkit.protocol import Protocol, load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.protocol.model import ParamValue
from trialkit.settings import DEFAULT_PROTOCOL


@dataclass(frozen=True)
class ScreeningRun:
    protocol: Protocol
    parameters: dict[str, ParamValue]
    as_of: date
    results: tuple[PatientResult, ...]

    @property
    def overridden(self) -> dict[str, tuple[ParamValue, ParamValue]]:
        """Parameters that differ from the protocol's defaults: name → (default, value in force)."""
        defaults = self.protocol.defaults()
        return {k: (defaults[k], v) for k, v in self.parameters.items() if defaults[k] != v}

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": {"id": self.protocol.id, "version": self.protocol.version},
            "software": {"name": "trialkit", "version": __version__},
            "parameters": {
                "in_force": self.parameters,
                "overridden": {
                    k: {"default": d, "value": v} for k, (d, v) in self.overridden.items()
                },
            },
            "results": [r.to_json() for r in self.results],
        }


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``["name=value", …]`` from ``--param`` options."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"expected name=value, got {pair!r}", field="--param")
        out[name.strip()] = value.strip()
    return out


def prepare(
    protocol_name: str, overrides: Mapping[str, str], as_of: date | None, first_dose: date | None
) -> tuple[Protocol, dict[str, ParamValue], date]:
    protocol = load_protocol(protocol_name)
    params = resolve_parameters(protocol, overrides)
    as_of = as_of or date.today()
    if first_dose is not None and first_dose < as_of:
        raise InputError(f"first dose {first_dose} is before as-of {as_of}", field="--first-dose")
    return protocol, params, as_of


def screen_records(
    records: Sequence[PatientRecord],
    *,
    protocol: str = DEFAULT_PROTOCOL,
    as_of: date | None = None,
    first_dose: date | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ScreeningRun:
    proto, params, as_of = prepare(protocol, overrides or {}, as_of, first_dose)
    return _screen(records, proto, params, as_of, first_dose)


def screen_paths(
    paths: Sequence[Path],
    *,
    protocol: str = DEFAULT_PROTOCOL,
    as_of: date | None = None,
    first_dose: date | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ScreeningRun:
    """Load every path (Bundle JSON or Bulk FHIR NDJSON) and screen each patient in it."""
    from trialkit.fhir import load_records

    proto, params, as_of = prepare(protocol, overrides or {}, as_of, first_dose)
    records = load_records(
        list(paths),
        timezone=str(params["timezone"]),
        questionnaire_url=proto.questionnaire_url,
        lesion_group=proto.lesion_group,
    )
    return _screen(records, proto, params, as_of, first_dose)


def _screen(
    records: Sequence[PatientRecord],
    proto: Protocol,
    params: dict[str, ParamValue],
    as_of: date,
    first_dose: date | None,
) -> ScreeningRun:
    results = tuple(
        screen_record(r, proto, params, as_of=as_of, first_dose=first_dose) for r in records
    )
    return ScreeningRun(proto, params, as_of, results)

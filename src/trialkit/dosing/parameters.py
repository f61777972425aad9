"""Dosing parameters: the protocol regimen's named values, with their sources and overrides.

Every value comes from the protocol's ``regimen.yaml`` (:mod:`trialkit.dosing.regimen`),
each with its source; values marked UNVERIFIED there are parameters, never hard-coded truths.
``--param name=value`` (and the study's settings) override them; every output shows what was
overridden. ``DosingParameters()`` is the bundled protocol's regimen as declared.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trialkit.dosing.regimen import Regimen, RegimenValue, regimen_of
from trialkit.errors import InputError


@dataclass(frozen=True, init=False)
class DosingParameters:
    """A regimen's parameter values: ``DosingParameters(regimen, name=value, ...)`` (default
    the bundled protocol's regimen); ``dataclasses.replace(p, name=value)`` overrides too."""

    regimen: Regimen
    overridden: tuple[tuple[str, RegimenValue], ...]

    def __init__(
        self,
        regimen: Regimen | None = None,
        overridden: Iterable[tuple[str, RegimenValue]] = (),
        **values: RegimenValue,
    ) -> None:
        regimen = regimen or regimen_of()
        merged = {**dict(overridden), **values}
        for name in merged:
            if name not in regimen.parameters:
                raise InputError(
                    f"unknown dosing parameter {name!r}; known: {', '.join(regimen.parameters)}",
                    field="--param",
                )
        object.__setattr__(self, "regimen", regimen)
        object.__setattr__(self, "overridden", tuple(merged.items()))

    def value(self, name: str) -> RegimenValue:
        """The value of the regimen's parameter ``name`` (overridden, else declared)."""
        for key, v in self.overridden:
            if key == name:
                return v
        return self.regimen.parameters[name].default

    def whole(self, name: str) -> int:
        """The value of the int parameter ``name``."""
        v = self.value(name)
        assert isinstance(v, int)
        assert not isinstance(v, bool)
        return v

    def _float(self, name: str) -> float:
        v = self.value(name)
        assert isinstance(v, int | float)
        assert not isinstance(v, bool)
        return float(v)

    # the schedule every regimen declares (regimen.SCHEDULE)
    @property
    def cycles(self) -> int:
        return self.whole("cycles")

    @property
    def activity_gbq(self) -> float:
        return self._float("activity_gbq")

    @property
    def interval_days(self) -> int:
        return self.whole("interval_days")

    @property
    def window_days(self) -> int:
        return self.whole("window_days")

    @property
    def reduced_activity_gbq(self) -> float:
        return self._float("reduced_activity_gbq")

    @property
    def reescalate_after_reduced_dose(self) -> bool:
        return self.value("reescalate_after_reduced_dose") is True

    @property
    def max_delay_days(self) -> int:
        return self.whole("max_delay_days")

    @property
    def half_life_days(self) -> float:
        return self._float("half_life_days")

    @property
    def lab_lookback_days(self) -> int:
        return self.whole("lab_lookback_days")

    # the imaging calendar, when the regimen declares one (regimen.Imaging names its parameters)
    @property
    def imaging_weeks(self) -> tuple[int, ...]:
        v = self.value(self._imaging().weeks)
        assert isinstance(v, tuple)
        return v

    @property
    def imaging_every_weeks(self) -> int:
        return self.whole(self._imaging().every_weeks)

    @property
    def imaging_horizon_weeks(self) -> int:
        return self.whole(self._imaging().horizon_weeks)

    @property
    def imaging_window_days(self) -> int:
        """± days around each tumour assessment (the regimen's ``imaging.window_days``)."""
        return self.whole(self._imaging().window_days)

    @property
    def baseline_imaging_days(self) -> int:
        return self.whole(self._imaging().baseline_days)

    def _imaging(self) -> Any:
        if self.regimen.imaging is None:
            raise InputError(
                f"the regimen of protocol {self.regimen.protocol} declares no imaging calendar",
                source=self.regimen.file,
            )
        return self.regimen.imaging

    def overrides(self) -> dict[str, tuple[Any, Any]]:
        """Parameters that differ from the regimen's: name → (declared, value)."""
        return {
            name: (self.regimen.parameters[name].default, v)
            for name, v in self.overridden
            if v != self.regimen.parameters[name].default
        }

    def to_json(self) -> dict[str, Any]:
        return {
            name: {"value": self.value(name), "source": p.source}
            for name, p in self.regimen.parameters.items()
        }


def with_overrides(pairs: Mapping[str, str], regimen: Regimen | None = None) -> DosingParameters:
    """Apply ``--param name=value`` overrides, each checked against the parameter's type."""
    params = DosingParameters(regimen) if regimen is not None else DosingParameters()
    known = params.regimen.parameters
    changes: dict[str, RegimenValue] = {}
    for name, text in pairs.items():
        if name not in known:
            raise InputError(
                f"unknown dosing parameter {name!r}; known: {', '.join(known)}", field="--param"
            )
        kind = known[name].type
        try:
            if kind == "bool":
                if text.strip().lower() not in ("true", "false"):
                    raise ValueError(text)
                changes[name] = text.strip().lower() == "true"
                continue
            value: int | float | tuple[int, ...]
            if kind == "int_list":
                value = tuple(int(x) for x in text.split(","))
            elif kind == "int":
                value = int(text)
            else:
                value = float(text)
        except ValueError:
            shown = {"int_list": "list of whole numbers", "int": "int", "float": "float"}
            raise InputError(
                f"{text!r} is not a valid {shown.get(kind, kind)}", field=f"parameter {name}"
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{text!r} is not a finite number", field=f"parameter {name}")
        if any(x <= 0 for x in (value if isinstance(value, tuple) else (value,))):
            raise InputError("must be positive", field=f"parameter {name}")
        changes[name] = value
    return DosingParameters(params.regimen, changes.items())


def activity_problem(activity_gbq: float, params: DosingParameters) -> str | None:
    """Why a recorded administered activity cannot be real; None when it can.

    A recorded administration of 0 GBq is no administration, and one above twice the
    protocol activity (``activity_gbq`` of the regimen) cannot be one dose given as planned:
    it is an entry or unit error (7400 MBq or 200 mCi typed as GBq), never a dose to analyse.
    Shared by the study loader and the study service so both refuse the same values.
    """
    if not math.isfinite(activity_gbq):
        return "is not a finite number"
    if activity_gbq <= 0 or activity_gbq > 2 * params.activity_gbq:
        return (
            f"activity {activity_gbq:g} GBq is not a plausible dose "
            f"(above 0 and at most {2 * params.activity_gbq:g} GBq, twice the protocol activity)"
        )
    return None

"""Dose-check input JSON → :class:`CheckInput`, with errors naming the file and field.

```json
{"subject": "S001", "first_dose": "2026-01-05", "cycle_due": 2, "check_date": "2026-03-02",
 "sex": "female", "age": 58, "weight_kg": 61.5,
 "baseline": {"creatinine_umol_l": 72, "crcl_ml_min": 75},
 "prior_reductions": [], "on_hold": null, "other_related_toxicity_grade": null,
 "labs": [{"lab": "platelets", "value": 60, "unit": "10*9/L", "date": "2026-02-27",
           "uln": null, "lln": 150, "source": "Observation/plt-2"}]}
```
(the example is the bundled protocol's). ``lab`` is one of the regimen's pre-dose labs
(``labs:`` of its ``regimen.yaml``); ``uln``/``lln`` are in the value's unit. ``baseline``
holds pre-treatment values under each lab's or derived value's ``baseline_field`` (or its
key), in its canonical unit. ``cycle_due`` 1 is the check before the first dose
(``first_dose`` is then the planned date, and ``check_date`` may precede it). NaN and
±Infinity are not numbers here. ``prior_reductions`` lists toxicities of the regimen's
table that already led to a reduced activity; ``on_hold`` names the toxicity for which
this cycle is being withheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.dosing.modification import CheckInput, Lab
from trialkit.dosing.regimen import Regimen, regimen_of
from trialkit.errors import InputError
from trialkit.quality import implausible
from trialkit.safe_io import read_json


def _date(value: Any, source: str, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{value!r} is not a date (YYYY-MM-DD)", source=source, field=where
        ) from None


def _number(value: Any, source: str, where: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{value!r} is not a number", source=source, field=where)
    why = implausible(value)  # NaN / ±Infinity / negative / beyond a double (quality.plausible)
    if why is not None:
        raise InputError(why, source=source, field=where)
    return float(value)


def parse_check(data: Any, *, source: str, regimen: Regimen | None = None) -> CheckInput:
    """The check input in ``data``, its labs and toxicities those of ``regimen`` (default:
    the bundled protocol's)."""
    regimen = regimen or regimen_of()
    known_labs, known_toxicities = regimen.labs, regimen.toxicities()
    if not isinstance(data, Mapping):
        raise InputError("expected a JSON object", source=source)
    cycle = data.get("cycle_due")
    if not isinstance(cycle, int) or isinstance(cycle, bool) or not 1 <= cycle <= 20:
        raise InputError(
            f"{cycle!r}: the cycle to check (1 or later)", source=source, field="cycle_due"
        )
    labs = []
    for i, raw in enumerate(data.get("labs") or []):
        where = f"labs[{i}]"
        if not isinstance(raw, Mapping):
            raise InputError("expected an object", source=source, field=where)
        key = raw.get("lab")
        if key not in known_labs:
            raise InputError(
                f"unknown lab {key!r}; known: {', '.join(known_labs)}",
                source=source,
                field=f"{where}.lab",
            )
        value = _number(raw.get("value"), source, f"{where}.value")
        assert value is not None
        if raw.get("unit") is not None and not isinstance(raw.get("unit"), str):
            raise InputError("expected a UCUM unit (text)", source=source, field=f"{where}.unit")
        labs.append(
            Lab(
                str(key),
                value,
                raw.get("unit"),
                _date(raw.get("date"), source, f"{where}.date"),
                _number(raw.get("uln"), source, f"{where}.uln", optional=True),
                _number(raw.get("lln"), source, f"{where}.lln", optional=True),
                raw.get("source"),
            )
        )
    for key in ("prior_reductions",):
        for tox in data.get(key) or []:
            if tox not in known_toxicities:
                raise InputError(
                    f"unknown toxicity {tox!r}; known: {', '.join(known_toxicities)}",
                    source=source,
                    field=key,
                )
    on_hold = data.get("on_hold")
    if on_hold is not None and on_hold not in known_toxicities:
        raise InputError(f"unknown toxicity {on_hold!r}", source=source, field="on_hold")
    baseline = data.get("baseline") or {}
    if not isinstance(baseline, Mapping):
        raise InputError("expected an object", source=source, field="baseline")
    baselines: dict[str, float] = {}
    fields = {k: x.baseline_field for k, x in regimen.labs.items()}
    fields.update({k: x.baseline_field for k, x in regimen.derived.items()})
    for key, field in fields.items():
        for name in dict.fromkeys((field or key, key)):
            value = _number(baseline.get(name), source, f"baseline.{name}", optional=True)
            if value is not None:
                baselines[key] = value
                break
    first_dose = _date(data.get("first_dose"), source, "first_dose")
    check_date = _date(data.get("check_date"), source, "check_date")
    # cycle 1 is checked before the (planned) first dose; later cycles after it
    if check_date < first_dose and cycle != 1:
        raise InputError(
            f"check date {check_date} is before the first dose {first_dose}",
            source=source,
            field="check_date",
        )
    age = data.get("age")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 < age < 130):
        raise InputError(f"{age!r} is not an age in years", source=source, field="age")
    other = data.get("other_related_toxicity_grade")
    if other is not None and other not in (0, 1, 2, 3, 4, 5):
        raise InputError(
            f"{other!r} is not a CTCAE grade", source=source, field="other_related_toxicity_grade"
        )
    return CheckInput(
        subject=str(data.get("subject", "")),
        first_dose=first_dose,
        cycle_due=cycle,
        check_date=check_date,
        labs=tuple(labs),
        sex=data.get("sex"),
        age=age,
        weight_kg=_number(data.get("weight_kg"), source, "weight_kg", optional=True),
        baselines=baselines,
        prior_reductions=tuple(data.get("prior_reductions") or ()),
        on_hold=on_hold,
        other_related_toxicity_grade=other,
    )


def load_check(path: Path, regimen: Regimen | None = None) -> CheckInput:
    return parse_check(read_json(path), source=str(path), regimen=regimen)

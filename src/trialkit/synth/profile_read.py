"""Read and check a warehouse profile (``warehouse/ehr.yaml``) into :mod:`synth.profile`'s types.

Every error is a :class:`ProtocolError` naming the file, the key path (``labs.wbc.units[2]
.share``) and a fix. Unknown keys are refused: a misspelt key would otherwise be a default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from trialkit.synth.profile import (
    ROUTES,
    SEXES,
    Allergy,
    Coded,
    Cohort,
    Conditions,
    Distribution,
    Drug,
    Drugs,
    Lab,
    Marker,
    PerformanceStatus,
    Procedures,
    ProfileError,
    Qualitative,
    Unit,
    ViralLoad,
    WarehouseProfile,
)

_SECTIONS = (
    "demographics",
    "cohort",
    "labs",
    "performance_status",
    "qualitative",
    "conditions",
    "drugs",
    "procedures",
    "allergies",
)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, message: str, fix: str) -> ProfileError:
        return ProfileError(self.file, where, message, fix)

    def mapping(
        self, raw: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            keys = ", ".join(required) or "its entries"
            raise self.fail(where, "expected a mapping", f"write {where or 'the file'} as {keys}")
        unknown = [str(k) for k in raw if k not in required + optional]
        if unknown and (required or optional):
            known = ", ".join(required + optional)
            raise self.fail(
                f"{where}.{unknown[0]}".lstrip("."), "unknown key", f"use one of {known}"
            )
        for key in required:
            if key not in raw:
                raise self.fail(f"{where}.{key}".lstrip("."), "missing", f"add {key}:")
        return raw

    def items(self, raw: Any, where: str) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "expected a non-empty list", f"write {where} as a - list")
        return raw

    def text(self, raw: Any, where: str) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(where, f"expected a text, got {raw!r}", "quote it")
        return raw

    def number(self, raw: Any, where: str, *, low: float | None = None) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise self.fail(where, f"expected a number, got {raw!r}", "write a finite number")
        if low is not None and raw < low:
            raise self.fail(where, f"{raw} is below {low}", f"write a number of at least {low}")
        return float(raw)

    def positive(self, raw: Any, where: str) -> float:
        value = self.number(raw, where)
        if value <= 0:
            raise self.fail(where, f"{raw} is not positive", "write a number above 0")
        return value

    def share(self, raw: Any, where: str) -> float:
        value = self.number(raw, where)
        if not 0 <= value <= 1:
            raise self.fail(where, f"{raw} is not a share", "write a number from 0 to 1")
        return value

    def whole(self, raw: Any, where: str, *, low: int | None = None) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or (low is not None and raw < low):
            at_least = f" of at least {low}" if low is not None else ""
            raise self.fail(where, f"expected a whole number{at_least}, got {raw!r}", "fix it")
        return raw

    def dist(self, raw: Mapping[str, Any], where: str, ranged: bool) -> Distribution:
        kinds = [k for k in ("normal", "lognormal") if k in raw]
        if len(kinds) != 1:
            raise self.fail(
                where,
                "needs one distribution",
                "add normal: {mean, sd} or lognormal: {median, sigma}",
            )
        kind = kinds[0]
        names = ("mean", "sd") if kind == "normal" else ("median", "sigma")
        at = f"{where}.{kind}"
        body = self.mapping(raw[kind], at, names)
        centre = self.number(body[names[0]], f"{at}.{names[0]}")
        if kind == "lognormal":
            centre = self.positive(centre, f"{at}.{names[0]}")
        spread = self.positive(body[names[1]], f"{at}.{names[1]}")
        if not ranged:
            return Distribution(kind, centre, spread)
        bounds = raw["range"]
        if not (isinstance(bounds, list) and len(bounds) == 2):
            raise self.fail(f"{where}.range", "expected [low, high]", "write range: [low, high]")
        low = self.number(bounds[0], f"{where}.range[0]")
        high = self.number(bounds[1], f"{where}.range[1]")
        if low >= high:
            raise self.fail(f"{where}.range", f"{low} is not below {high}", "write [low, high]")
        return Distribution(kind, centre, spread, low, high)

    def coded(self, raw: Any, where: str, shared: bool = False) -> Coded:
        extra = ("share",) if shared else ()
        body = self.mapping(raw, where, ("code", "name", *extra))
        share = self.share(body["share"], f"{where}.share") if shared else 1.0
        return Coded(
            self.text(body["code"], f"{where}.code"),
            self.text(body["name"], f"{where}.name"),
            share,
        )

    def coded_list(self, raw: Any, where: str, shared: bool = False) -> tuple[Coded, ...]:
        return tuple(
            self.coded(x, f"{where}[{i}]", shared) for i, x in enumerate(self.items(raw, where))
        )


def read_profile(raw: Any, file: str) -> WarehouseProfile:
    r = _Reader(file)
    top = r.mapping(raw, "", _SECTIONS)
    demo = r.mapping(top["demographics"], "demographics", ("age", "sex"))
    age_raw = r.mapping(demo["age"], "demographics.age", ("range",), ("normal", "lognormal"))
    sex = r.mapping(demo["sex"], "demographics.sex", (), SEXES)
    if not sex:
        raise r.fail("demographics.sex", "no sex given", "write female: 0.5, male: 0.5")
    return WarehouseProfile(
        file=file,
        age=r.dist(age_raw, "demographics.age", ranged=True),
        sex=tuple((str(k), r.share(v, f"demographics.sex.{k}")) for k, v in sex.items()),
        cohort=_cohort(r, top["cohort"]),
        labs=_labs(r, top["labs"]),
        performance=_performance(r, top["performance_status"]),
        qualitative=_qualitative(r, top["qualitative"], {str(k) for k in sex}),
        conditions=_conditions(r, top["conditions"]),
        drugs=_drugs(r, top["drugs"]),
        procedures=_procedures(r, top["procedures"]),
        allergies=_allergies(r, top["allergies"]),
    )


def _cohort(r: _Reader, raw: Any) -> Cohort:
    shares = ("share", "screened", "others_screened", "metastatic", "treated")
    body = r.mapping(raw, "cohort", (*shares, "marker"))
    at = "cohort.marker"
    m = r.mapping(
        body["marker"],
        at,
        ("loinc", "name", "unit", "range", "decimals", "others", "recorded", "edge"),
        ("concept_name", "normal", "lognormal"),
    )
    edge = r.mapping(m["edge"], f"{at}.edge", ("share", "values"))
    values = r.items(edge["values"], f"{at}.edge.values")
    marker = Marker(
        loinc=r.text(m["loinc"], f"{at}.loinc"),
        name=r.text(m["name"], f"{at}.name"),
        concept_name=r.text(m.get("concept_name", m["name"]), f"{at}.concept_name"),
        unit=r.text(m["unit"], f"{at}.unit"),
        dist=r.dist(m, at, ranged=True),
        decimals=r.whole(m["decimals"], f"{at}.decimals"),
        others=r.share(m["others"], f"{at}.others"),
        recorded=r.share(m["recorded"], f"{at}.recorded"),
        edge_share=r.share(edge["share"], f"{at}.edge.share"),
        edge_values=tuple(r.number(v, f"{at}.edge.values[{i}]") for i, v in enumerate(values)),
    )
    s = {k: r.share(body[k], f"cohort.{k}") for k in shares}
    return Cohort(marker=marker, **s)


def _labs(r: _Reader, raw: Any) -> tuple[Lab, ...]:
    labs = r.mapping(raw, "labs", ())
    if not labs:
        raise r.fail("labs", "no laboratory test", "declare at least one under labs:")
    out = []
    for key, body in labs.items():
        at = f"labs.{key}"
        b = r.mapping(
            body,
            at,
            ("loinc", "name", "unit", "range", "present", "units"),
            ("normal", "lognormal", "ref_high", "edge"),
        )
        unit = r.text(b["unit"], f"{at}.unit")
        units = tuple(
            _unit(r, u, f"{at}.units[{i}]")
            for i, u in enumerate(r.items(b["units"], f"{at}.units"))
        )
        if not any(u.code == unit and u.factor == 1 for u in units):
            raise r.fail(
                f"{at}.units",
                f"no entry for {unit!r} with factor 1",
                f"list {{code: {unit}, factor: 1, …}} (the unit the distribution is in)",
            )
        if sum(u.share for u in units) <= 0:
            raise r.fail(f"{at}.units", "every share is 0", "give a unit a share above 0")
        ref_high = r.positive(b["ref_high"], f"{at}.ref_high") if "ref_high" in b else None
        out.append(
            Lab(
                key=str(key),
                loinc=r.text(b["loinc"], f"{at}.loinc"),
                name=r.text(b["name"], f"{at}.name"),
                unit=unit,
                dist=r.dist(b, at, ranged=True),
                present=r.share(b["present"], f"{at}.present"),
                units=units,
                ref_high=ref_high,
                edge=_edge(r, b.get("edge"), ref_high, f"{at}.edge"),
            )
        )
    return tuple(out)


def _unit(r: _Reader, raw: Any, at: str) -> Unit:
    u = r.mapping(raw, at, ("code", "factor", "share", "decimals"))
    code = None if u["code"] is None else r.text(u["code"], f"{at}.code")
    return Unit(
        code,
        r.positive(u["factor"], f"{at}.factor"),
        r.share(u["share"], f"{at}.share"),
        r.whole(u["decimals"], f"{at}.decimals"),
    )


def _edge(r: _Reader, raw: Any, ref_high: float | None, at: str) -> float | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        return r.number(raw, at)
    times = r.positive(
        r.mapping(raw, at, ("ref_high_times",))["ref_high_times"], f"{at}.ref_high_times"
    )
    if ref_high is None:
        raise r.fail(at, "ref_high_times without a ref_high", "add ref_high: (canonical unit)")
    return ref_high * times


def _performance(r: _Reader, raw: Any) -> PerformanceStatus:
    at = "performance_status"
    b = r.mapping(raw, at, ("loinc", "name", "answers", "weights"))
    answers = tuple(
        r.text(a, f"{at}.answers[{i}]")
        for i, a in enumerate(r.items(b["answers"], f"{at}.answers"))
    )
    weights = tuple(
        r.share(w, f"{at}.weights[{i}]")
        for i, w in enumerate(r.items(b["weights"], f"{at}.weights"))
    )
    if len(weights) > len(answers):
        raise r.fail(
            f"{at}.weights", "more weights than answers", "give a weight per score at most"
        )
    if not math.isclose(sum(weights), 1, abs_tol=1e-9):
        raise r.fail(f"{at}.weights", f"they add up to {sum(weights):g}", "make them add up to 1")
    return PerformanceStatus(
        r.text(b["loinc"], f"{at}.loinc"), r.text(b["name"], f"{at}.name"), answers, weights
    )


def _qualitative(r: _Reader, raw: Any, sexes: set[str]) -> tuple[Qualitative, ...]:
    out = []
    for key, body in r.mapping(raw, "qualitative", ()).items():
        at = f"qualitative.{key}"
        b = r.mapping(body, at, ("loinc", "name", "tested", "positive"), ("only", "viral_load"))
        only_sex = only_age = None
        if "only" in b:
            only = r.mapping(b["only"], f"{at}.only", (), ("sex", "below_age"))
            if "sex" in only:
                only_sex = r.text(only["sex"], f"{at}.only.sex")
                if only_sex not in sexes:
                    raise r.fail(
                        f"{at}.only.sex",
                        f"no {only_sex!r} in demographics.sex",
                        f"use one of {', '.join(sorted(sexes))}",
                    )
            if "below_age" in only:
                only_age = r.positive(only["below_age"], f"{at}.only.below_age")
        out.append(
            Qualitative(
                str(key),
                r.text(b["loinc"], f"{at}.loinc"),
                r.text(b["name"], f"{at}.name"),
                r.share(b["tested"], f"{at}.tested"),
                r.share(b["positive"], f"{at}.positive"),
                only_sex,
                only_age,
                _viral_load(r, b["viral_load"], f"{at}.viral_load") if "viral_load" in b else None,
            )
        )
    return tuple(out)


def _viral_load(r: _Reader, raw: Any, at: str) -> ViralLoad:
    b = r.mapping(
        raw, at, ("loinc", "name", "unit", "decimals", "alternative"), ("normal", "lognormal")
    )
    alt = r.mapping(b["alternative"], f"{at}.alternative", ("unit", "share", "divisor", "decimals"))
    return ViralLoad(
        loinc=r.text(b["loinc"], f"{at}.loinc"),
        name=r.text(b["name"], f"{at}.name"),
        unit=r.text(b["unit"], f"{at}.unit"),
        dist=r.dist(b, at, ranged=False),
        decimals=r.whole(b["decimals"], f"{at}.decimals"),
        alternative_unit=r.text(alt["unit"], f"{at}.alternative.unit"),
        alternative_share=r.share(alt["share"], f"{at}.alternative.share"),
        divisor=r.positive(alt["divisor"], f"{at}.alternative.divisor"),
        alternative_decimals=r.whole(alt["decimals"], f"{at}.alternative.decimals"),
    )


def _conditions(r: _Reader, raw: Any) -> Conditions:
    roles = ("primary", "other_primaries", "metastases", "other_cancers", "brain_secondaries")
    b = r.mapping(raw, "conditions", (*roles, "comorbidities"))
    lists = {k: r.coded_list(b[k], f"conditions.{k}") for k in roles}
    comorbid = r.coded_list(b["comorbidities"], "conditions.comorbidities", shared=True)
    return Conditions(comorbidities=comorbid, **lists)


def _drugs(r: _Reader, raw: Any) -> Drugs:
    groups = ("standing_therapy", "cohort_therapy", "radionuclide_therapy", "other_therapy")
    b = r.mapping(raw, "drugs", (*groups, "common"))
    out = {}
    for group in (*groups, "common"):
        at = f"drugs.{group}"
        out[group] = tuple(_drug(r, d, f"{at}[{i}]") for i, d in enumerate(r.items(b[group], at)))
        if sum(d.weight for d in out[group]) <= 0:
            raise r.fail(at, "every weight is 0", "give a drug a weight above 0")
    return Drugs(**out)


def _drug(r: _Reader, raw: Any, at: str) -> Drug:
    b = r.mapping(raw, at, ("atc", "rxnorm", "name"), ("route", "per_day", "every_days", "weight"))
    route = None
    if b.get("route") is not None:
        word = r.text(b["route"], f"{at}.route")
        if word not in ROUTES:
            raise r.fail(
                f"{at}.route", f"unknown route {word!r}", f"use one of {', '.join(ROUTES)}"
            )
        route = ROUTES[word][0]
    if "per_day" in b and "every_days" in b:
        raise r.fail(at, "both per_day and every_days", "give one schedule")
    return Drug(
        r.text(b["atc"], f"{at}.atc"),
        r.text(b["rxnorm"], f"{at}.rxnorm"),
        r.text(b["name"], f"{at}.name"),
        route,
        r.whole(b["per_day"], f"{at}.per_day", low=1) if "per_day" in b else None,
        r.whole(b["every_days"], f"{at}.every_days", low=1) if "every_days" in b else None,
        r.number(b["weight"], f"{at}.weight", low=0) if "weight" in b else 1.0,
    )


def _procedures(r: _Reader, raw: Any) -> Procedures:
    single = ("biopsy", "surgery", "imaging", "radionuclide_therapy")
    b = r.mapping(raw, "procedures", (*single, "local_treatment"))
    one = {k: r.coded(b[k], f"procedures.{k}") for k in single}
    return Procedures(
        local_treatment=r.coded_list(b["local_treatment"], "procedures.local_treatment"), **one
    )


def _allergies(r: _Reader, raw: Any) -> tuple[Allergy, ...]:
    out = []
    for i, a in enumerate(r.items(raw, "allergies")):
        at = f"allergies[{i}]"
        b = r.mapping(a, at, ("text", "code", "share"))
        code = None if b["code"] is None else r.text(b["code"], f"{at}.code")
        out.append(
            Allergy(r.text(b["text"], f"{at}.text"), code, r.share(b["share"], f"{at}.share"))
        )
    return tuple(out)

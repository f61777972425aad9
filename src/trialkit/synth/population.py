"""A synthetic screening warehouse, drawn with numpy (vectorised, seeded, reproducible).

What is drawn is the protocol's warehouse profile (``warehouse/ehr.yaml``, read by
:mod:`trialkit.synth.profile`): a cohort with the trial's disease and the other patients
with other cancers; demographics; laboratory panels with plausible distributions, in mixed
unit systems, some stale, some in the future, a few partial dates, unusable statuses,
same-day duplicates and units nothing converts; the tumour marker; diagnoses with
metastases and past malignancies; the cohort's standing therapy in its forms, systemic and
radionuclide therapy, other patients' therapy; procedures; allergies; and a screening CRF
for a subset (``synth.crf``). ``edge`` is the share of laboratory values put exactly on the
profile's edges (the protocol's thresholds). This module names no protocol item.

The result is format-neutral Arrow tables (:class:`Synthetic`); the writers
render them as OMOP CDM Parquet (``synth.omop``) or Bulk FHIR NDJSON
(``synth.fhir``). Same seed, same population.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from trialkit.errors import InputError
from trialkit.synth.crf import crf_answers
from trialkit.synth.options import REFERENCE_DATE as REFERENCE_DATE
from trialkit.synth.options import SYNTH_FORMATS as FORMATS
from trialkit.synth.profile import (
    NEGATIVE,
    POSITIVE,
    Coded,
    Drug,
    Lab,
    Qualitative,
    WarehouseProfile,
    warehouse_profile,
)

_LAB_STATUSES: tuple[tuple[str, float], ...] = (
    ("final", 0.93),
    ("amended", 0.02),
    ("preliminary", 0.03),
    ("entered-in-error", 0.01),
    ("cancelled", 0.01),
)


@dataclass(frozen=True)
class Synthetic:
    """Format-neutral synthetic facts; ``person`` is 1..N everywhere."""

    reference_date: date
    tables: dict[str, pa.Table]
    profile: WarehouseProfile  # what it was drawn from (the writers name its codes)

    @property
    def persons(self) -> int:
        return int(self.tables["person"].num_rows)

    def fact_rows(self) -> int:
        return sum(t.num_rows for name, t in self.tables.items() if name != "person")


class _Draw:
    """numpy helpers bound to one generator and the reference date."""

    def __init__(self, rng: np.random.Generator, reference: date) -> None:
        self.rng = rng
        self.ref = np.datetime64(reference, "D")

    def pick(self, options: tuple[Any, ...] | list[Any], weights: Any, n: int) -> np.ndarray:
        p = np.asarray(weights, dtype=float)
        idx = self.rng.choice(len(options), size=n, p=p / p.sum())
        return np.asarray(options, dtype=object)[idx]

    def days_ago(self, days: np.ndarray) -> np.ndarray:
        return self.ref - days.astype("timedelta64[D]")

    def mask(self, n: int, share: float) -> np.ndarray:
        return self.rng.random(n) < share


def _dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), type=pa.date32())


def _table(columns: dict[str, Any]) -> pa.Table:
    out = {}
    for name, values in columns.items():
        if isinstance(values, pa.Array | pa.ChunkedArray):
            out[name] = values
        elif isinstance(values, np.ndarray) and values.dtype.kind == "M":
            out[name] = _dates(values)
        elif isinstance(values, np.ndarray) and values.dtype == object:
            out[name] = pa.array(values, type=pa.string()).dictionary_encode()
        else:
            out[name] = pa.array(values)
    return pa.table(out)


def _nulls(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    typ = pa.date32() if values.dtype.kind == "M" else None
    if values.dtype.kind == "M":
        values = values.astype("datetime64[D]")
    return pa.array(values, mask=missing, type=typ)


@dataclass(frozen=True)
class Truth:
    """Per-patient facts every table is drawn consistently with (index = person − 1)."""

    person: np.ndarray
    net: np.ndarray  # GEP-NET patient
    age: np.ndarray
    sex: np.ndarray
    screening: np.ndarray  # being screened: has a screening CRF and a recent lab panel
    mets: np.ndarray  # NET metastases recorded
    therapy: np.ndarray  # NET systemic therapy recorded
    ki67: np.ndarray  # the tumour marker of the profile's cohort, e.g. Ki-67 (NaN: none)
    protocol: str | None = None  # the protocol (id or folder) drawn for; None: the default


def generate(
    patients: int,
    seed: int,
    *,
    reference: date = REFERENCE_DATE,
    edge: float = 0.02,
    protocol: str | None = None,
) -> Synthetic:
    """``patients`` drawn from the warehouse profile of ``protocol`` (id or folder; default
    the bundled one): :class:`~trialkit.synth.profile.NoWarehouseProfile` if it has none."""
    profile = warehouse_profile(protocol)
    cohort, marker = profile.cohort, profile.cohort.marker
    rng = np.random.default_rng(seed)
    d = _Draw(rng, reference)
    person = np.arange(1, patients + 1, dtype=np.int64)
    net = d.mask(patients, cohort.share)
    age = profile.age.draw(rng, patients)
    birth = d.days_ago((age * 365.25).astype(np.int64))
    sex = d.pick([s for s, _ in profile.sex], [w for _, w in profile.sex], patients)
    ki67 = np.round(marker.dist.draw(rng, patients), marker.decimals)
    on_edge = d.mask(patients, marker.edge_share)
    ki67[on_edge] = rng.choice(list(marker.edge_values), size=int(on_edge.sum()))
    truth = Truth(
        person,
        net,
        age,
        sex,
        screening=rng.random(patients) < np.where(net, cohort.screened, cohort.others_screened),
        mets=net & d.mask(patients, cohort.metastatic),
        therapy=net & d.mask(patients, cohort.treated),
        ki67=np.where(net | d.mask(patients, marker.others), ki67, np.nan),
        protocol=protocol,
    )
    persons = _table(
        {"person": person, "birth": birth, "birth_year_only": d.mask(patients, 0.01)}
        | {"sex": sex, "net": net}
    )
    tables = {
        "person": persons,
        "lab": _labs(d, truth, edge, profile),
        "condition": _conditions(d, truth, profile),
        "drug": _drugs(d, truth, profile),
        "procedure": _procedures(d, person, net, profile),
        "allergy": _allergies(d, person, profile),
    }
    tables["crf"], tables["consent"] = crf_answers(d.rng, d.ref, truth)
    return Synthetic(reference, tables, profile)


# --- laboratory results ---------------------------------------------------------------------


def _labs(d: _Draw, truth: Truth, edge: float, profile: WarehouseProfile) -> pa.Table:
    person, sex, age = truth.person, truth.sex, truth.age
    screened = person[truth.screening]  # the screening panel: every test, in the last weeks
    parts = [_panel(d, person, lab, edge) for lab in profile.labs]
    parts += [_panel(d, screened, lab, edge, recent=True) for lab in profile.labs]
    parts += [_ecog(d, person, profile), _ki67(d, truth, profile)]
    parts += [_qualitative(d, person, sex, age, q) for q in profile.qualitative]
    parts += [
        # a test done only for some (by sex, age) is done for them in the panel too
        _qualitative(d, person[truth.screening & q.who(sex, age)], sex, age, q, True)
        if q.restricted()
        else _qualitative(d, screened, sex, age, q, True)
        for q in profile.qualitative
    ]
    table = pa.concat_tables([p.cast(parts[0].schema) for p in parts])
    dup = d.mask(table.num_rows, 0.01)  # same-day repeats, some on the other side of a limit
    twins = table.filter(pa.array(dup))
    values = twins.column("value").to_numpy(zero_copy_only=False)
    shifted = np.round(values * d.rng.choice([0.9, 1.0, 1.1], size=len(values)), 3)
    column = pa.array(shifted, mask=np.isnan(shifted))
    twins = twins.set_column(twins.schema.get_field_index("value"), "value", column)
    return pa.concat_tables([table, twins.cast(table.schema)])


def _lab_rows(
    d: _Draw, person: np.ndarray, share: float, most: int, recent: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(person, date) per result: patients with results, 1..most results each (``recent``:
    everyone, one result within the last three weeks)."""
    if recent:
        return person, d.days_ago(d.rng.integers(0, 21, size=len(person)))
    has = person[d.mask(len(person), share)]
    counts = d.rng.integers(1, most + 1, size=len(has))
    who = np.repeat(has, counts)
    ago = d.rng.exponential(22, len(who)).astype(np.int64)
    future = d.mask(len(who), 0.003)  # dated after as-of
    ago[future] = -d.rng.integers(1, 20, size=int(future.sum()))
    return who, d.days_ago(ago)


def _base(d: _Draw, who: np.ndarray, when: np.ndarray, loinc: str, name: str) -> dict[str, Any]:
    n = len(who)
    return {
        "person": who,
        "loinc": np.full(n, loinc, dtype=object),
        "name": np.full(n, name, dtype=object),
        "day": when,
        "partial": d.mask(n, 0.005),
        "status": d.pick([s for s, _ in cat_statuses()], [w for _, w in cat_statuses()], n),
        "absent": d.mask(n, 0.004),
    }


def cat_statuses() -> tuple[tuple[str, float], ...]:
    return _LAB_STATUSES


def _lab_table(
    base: dict[str, Any],
    value: np.ndarray,
    unit: np.ndarray,
    ref_high: np.ndarray,
    answer: np.ndarray,
    kind: np.ndarray,
) -> pa.Table:
    absent = base.pop("absent")
    value = np.where(absent, np.nan, value)
    columns = base | {
        "value": pa.array(value, mask=np.isnan(value)),
        "unit": pa.array(unit, type=pa.string()).dictionary_encode(),
        "ref_high": pa.array(ref_high, mask=np.isnan(ref_high)),
        "answer": pa.array(answer, type=pa.string()).dictionary_encode(),
        "answer_kind": pa.array(kind, type=pa.string()).dictionary_encode(),
        "absent": absent,
    }
    return _table(columns)


def _panel(d: _Draw, person: np.ndarray, lab: Lab, edge: float, recent: bool = False) -> pa.Table:
    who, when = _lab_rows(d, person, lab.present, 3, recent)
    n = len(who)
    canonical = lab.dist.draw(d.rng, n)
    if lab.edge is not None:
        on_edge = d.mask(n, edge)
        canonical[on_edge] = lab.edge
    units = np.arange(len(lab.units))
    chosen = d.rng.choice(
        units, size=n, p=np.array([u.share for u in lab.units]) / sum(u.share for u in lab.units)
    )
    value = np.empty(n)
    unit = np.empty(n, dtype=object)
    ref = np.full(n, np.nan)
    has_ref = d.mask(n, 0.6) if lab.ref_high is not None else np.zeros(n, dtype=bool)
    for i, u in enumerate(lab.units):
        rows = chosen == i
        value[rows] = np.round(canonical[rows] * u.factor, u.decimals)
        unit[rows] = u.code
        if lab.ref_high is not None:
            highs = np.where(d.mask(int(rows.sum()), 0.7), lab.ref_high, lab.ref_high * 1.4)
            ref[rows] = np.round(highs * u.factor, max(u.decimals, 0))
    ref[~has_ref] = np.nan
    empty = np.full(n, None, dtype=object)
    return _lab_table(_base(d, who, when, lab.loinc, lab.name), value, unit, ref, empty, empty)


def _ecog(d: _Draw, person: np.ndarray, profile: WarehouseProfile) -> pa.Table:
    ps = profile.performance
    who, when = _lab_rows(d, person, 0.6, 2)
    n = len(who)
    score = d.rng.choice(len(ps.weights), size=n, p=ps.weights)
    coded = d.mask(n, 0.7)
    empty = np.full(n, None, dtype=object)
    answer = np.where(coded, np.asarray(ps.answers, dtype=object)[score], empty)
    value = np.where(coded, np.nan, score.astype(float))
    kind = np.where(coded, np.full(n, "loinc", dtype=object), empty)
    base = _base(d, who, when, ps.loinc, ps.name)
    return _lab_table(base, value, empty, np.full(n, np.nan), answer, kind)


def _ki67(d: _Draw, truth: Truth, profile: WarehouseProfile) -> pa.Table:
    marker = profile.cohort.marker
    has = ~np.isnan(truth.ki67) & d.mask(len(truth.person), marker.recorded)
    n = int(has.sum())
    when = d.days_ago(d.rng.integers(20, 900, size=n))
    value = truth.ki67[has]
    unit = np.full(n, marker.unit, dtype=object)
    empty = np.full(n, None, dtype=object)
    base = _base(d, truth.person[has], when, marker.loinc, marker.name)
    return _lab_table(base, value, unit, np.full(n, np.nan), empty, empty)


def _qualitative(
    d: _Draw,
    person: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    q: Qualitative,
    recent: bool = False,
) -> pa.Table:
    # the screening panel's patients (``recent``) were chosen by the caller
    restricted = q.restricted() and not recent
    eligible = person[q.who(sex[person - 1], age[person - 1])] if restricted else person
    who, when = _lab_rows(d, eligible, q.tested, 1, recent)
    if not recent:
        when = d.days_ago(d.rng.integers(0, 120, size=len(who)))
    n = len(who)
    pos = d.mask(n, q.positive)
    via_value = d.mask(n, 0.7)
    answer = np.where(
        via_value, np.where(pos, POSITIVE, NEGATIVE), np.where(pos, "POS", "NEG")
    ).astype(object)
    kind = np.where(via_value, "snomed", "interpretation").astype(object)
    empty = np.full(n, None, dtype=object)
    table = _lab_table(
        _base(d, who, when, q.loinc, q.name),
        np.full(n, np.nan),
        empty,
        np.full(n, np.nan),
        answer,
        kind,
    )
    load = q.viral_load
    if load is None or not pos.any():
        return table
    carriers, at = who[pos], when[pos]  # the viral load of each positive, the same day
    m = len(carriers)
    dna = np.round(load.dist.draw(d.rng, m), load.decimals)
    in_alt = d.mask(m, load.alternative_share)
    unit = np.where(in_alt, load.alternative_unit, load.unit).astype(object)
    dna = np.where(in_alt, np.round(dna / load.divisor, load.alternative_decimals), dna)
    none = np.full(m, None, dtype=object)
    viral = _lab_table(
        _base(d, carriers, at, load.loinc, load.name),
        dna,
        unit,
        np.full(m, np.nan),
        none,
        none,
    )
    return pa.concat_tables([table, viral.cast(table.schema)])


# --- diagnoses, drugs, procedures, allergies ------------------------------------------------


def _rows(parts: list[dict[str, Any]]) -> pa.Table:
    # a small population may draw no row at all: the empty table still has the columns
    tables = [_table(p) for p in parts if len(p["person"])] or [_table(parts[0])]
    return pa.concat_tables([t.cast(tables[0].schema) for t in tables]).combine_chunks()


def _conditions(d: _Draw, truth: Truth, profile: WarehouseProfile) -> pa.Table:
    person, net, dx = truth.person, truth.net, profile.conditions

    def rows(
        who: np.ndarray,
        codes: tuple[Coded, ...],
        onset: np.ndarray,
        clinical: Any,
        abated: np.ndarray | None = None,
    ) -> dict[str, Any]:
        n = len(who)
        pick = d.rng.integers(0, len(codes), size=n)
        code = np.asarray([c.code for c in codes], dtype=object)[pick]
        name = np.asarray([c.name for c in codes], dtype=object)[pick]
        verification = d.pick(
            ("confirmed", "provisional", "refuted", "entered-in-error", None),
            (0.94, 0.03, 0.01, 0.01, 0.01),
            n,
        )
        end = (
            abated
            if abated is not None
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        )
        return {
            "person": who,
            "icd": code,
            "name": name,
            "clinical": np.full(n, clinical, dtype=object)
            if isinstance(clinical, str | type(None))
            else clinical,
            "verification": verification,
            "onset": onset,
            "abatement": _nulls(end, np.isnat(end)),
        }

    n_net, others = person[net], person[~net]
    primary_onset = d.days_ago(d.rng.integers(30, 2000, size=len(n_net)))
    with_mets = truth.mets[net]
    mets_onset = primary_onset[with_mets] + d.rng.integers(
        0, 400, size=int(with_mets.sum())
    ).astype("timedelta64[D]")
    mets_onset = np.minimum(mets_onset, d.ref)
    brain = n_net[d.mask(len(n_net), 0.03)]
    non_gep = d.mask(len(others), 0.04)
    history = person[d.mask(len(person), 0.08)]
    ended_years = d.rng.uniform(0.5, 15, size=len(history))
    ended = d.days_ago((ended_years * 365.25).astype(np.int64))
    parts = [
        rows(n_net, dx.primary, primary_onset, "active"),
        rows(n_net[with_mets], dx.metastases, mets_onset, "active"),
        rows(
            brain,
            dx.brain_secondaries,
            d.days_ago(d.rng.integers(10, 600, size=len(brain))),
            "active",
        ),
        rows(
            others[~non_gep],
            dx.other_cancers,
            d.days_ago(d.rng.integers(30, 3000, size=int((~non_gep).sum()))),
            "active",
        ),
        rows(
            others[non_gep],
            dx.other_primaries,
            d.days_ago(d.rng.integers(30, 3000, size=int(non_gep.sum()))),
            "active",
        ),
        rows(
            history,
            dx.other_cancers,
            ended - np.timedelta64(400, "D"),
            d.pick(("resolved", "remission", None), (0.8, 0.15, 0.05), len(history)),
            ended,
        ),
    ]
    for comorbidity in dx.comorbidities:
        who = person[d.mask(len(person), comorbidity.share)]
        clinical = d.pick(("active", "inactive", None), (0.9, 0.07, 0.03), len(who))
        onset = d.days_ago(d.rng.integers(100, 5000, size=len(who)))
        parts.append(rows(who, (comorbidity,), onset, clinical))
    return _rows(parts)


_DRUG_FIELDS = ("atc", "rxnorm", "name", "route", "per_day", "every_days")


def _drugs(d: _Draw, truth: Truth, profile: WarehouseProfile) -> pa.Table:
    person, net, rx = truth.person, truth.net, profile.drugs

    def rows(
        who: np.ndarray, drugs: tuple[Drug, ...], start_max: int, ongoing: float
    ) -> dict[str, Any]:
        n = len(who)
        weights = np.asarray([x.weight for x in drugs])
        pick = d.rng.choice(len(drugs), size=n, p=weights / np.sum(weights))
        out: dict[str, Any] = {"person": who}
        for field in _DRUG_FIELDS:
            values = np.asarray([getattr(x, field) for x in drugs], dtype=object)[pick]
            out[field] = (
                values
                if field not in ("per_day", "every_days")
                else pa.array(values, type=pa.int64())
            )
        start = d.days_ago(d.rng.integers(1, start_max, size=n))
        lasting = d.rng.integers(1, 240, size=n).astype("timedelta64[D]")
        open_ended = d.mask(n, ongoing)
        end = np.where(open_ended, np.datetime64("NaT"), start + lasting)
        out["status"] = np.where(
            open_ended,
            d.pick(("active", "on-hold", "intended"), (0.9, 0.05, 0.05), n),
            d.pick(("completed", "stopped", "entered-in-error"), (0.8, 0.18, 0.02), n),
        )
        out["start"] = start
        out["end"] = _nulls(end.astype("datetime64[D]"), open_ended)
        return out

    net_ids = person[net]
    standing = net_ids[d.mask(len(net_ids), 0.65)]
    treated = person[truth.therapy]
    prrt = net_ids[d.mask(len(net_ids), 0.02)]
    others = person[~net]
    chemo = others[d.mask(len(others), 0.6)]
    common = person[d.mask(len(person), 0.2)]
    return _rows(
        [
            rows(standing, rx.standing_therapy, 700, 0.7),
            rows(treated, rx.cohort_therapy, 400, 0.3),
            rows(prrt, rx.radionuclide_therapy, 900, 0.0),
            rows(chemo, rx.other_therapy, 900, 0.4),
            rows(common, rx.common, 2000, 0.8),
        ]
    )


def _procedures(
    d: _Draw, person: np.ndarray, net: np.ndarray, profile: WarehouseProfile
) -> pa.Table:
    px = profile.procedures

    def rows(who: np.ndarray, proc: Coded, days: np.ndarray) -> dict[str, Any]:
        n = len(who)
        return {
            "person": who,
            "snomed": np.full(n, proc.code, dtype=object),
            "name": np.full(n, proc.name, dtype=object),
            "status": d.pick(("completed", "not-done", "entered-in-error"), (0.95, 0.03, 0.02), n),
            "day": d.days_ago(days),
        }

    def some(share: float, within: np.ndarray | None = None) -> np.ndarray:
        pool = person if within is None else within
        picked: np.ndarray = pool[d.mask(len(pool), share)]
        return picked

    net_ids = person[net]
    biopsy, surgery, local = some(0.4), some(0.25), some(0.06, net_ids)
    imaging, prrt = some(0.5), some(0.01, net_ids)
    return _rows(
        [
            rows(biopsy, px.biopsy, d.rng.integers(5, 900, size=len(biopsy))),
            rows(surgery, px.surgery, d.rng.integers(-20, 900, size=len(surgery))),
            rows(
                local,
                # one local therapy for the whole run, drawn uniformly
                px.local_treatment[int(d.rng.random() * len(px.local_treatment))],
                d.rng.integers(1, 200, size=len(local)),
            ),
            rows(imaging, px.imaging, d.rng.integers(1, 60, size=len(imaging))),
            rows(prrt, px.radionuclide_therapy, d.rng.integers(100, 900, size=len(prrt))),
        ]
    )


def _allergies(d: _Draw, person: np.ndarray, profile: WarehouseProfile) -> pa.Table:
    parts = []
    for allergy in profile.allergies:
        who = person[d.mask(len(person), allergy.share)]
        n = len(who)
        parts.append(
            {
                "person": who,
                "text": np.full(n, allergy.text, dtype=object),
                "snomed": np.full(n, allergy.code, dtype=object),
                "clinical": d.pick(("active", "resolved"), (0.9, 0.1), n),
            }
        )
    return _rows(parts)


def write_population(
    patients: int,
    seed: int,
    out: Path,
    fmt: str,
    *,
    reference: date = REFERENCE_DATE,
    shown: Path | None = None,
    protocol: str | None = None,
) -> str:
    """Generate from ``protocol``'s warehouse profile (default the bundled protocol) and
    write; returns a one-line summary (naming ``shown``, default ``out``)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (omop or fhir-ndjson)", field="--format")
    population = generate(patients, seed, reference=reference, protocol=protocol)
    if fmt == "omop":
        from trialkit.synth.omop import write_omop

        files = write_omop(population, out)
    else:
        from trialkit.synth.fhir import write_fhir

        files = write_fhir(population, out)
    return (
        f"{population.persons:,} patients, {population.fact_rows():,} facts "
        f"(seed {seed}, up to {reference}) → {len(files)} {fmt} files in {shown or out}"
    )

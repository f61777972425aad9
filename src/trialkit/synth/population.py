"""A synthetic screening population, drawn with numpy (vectorised, seeded, reproducible).

A mix of GEP-NET patients (about a quarter) and patients with other cancers:
demographics; laboratory panels with plausible distributions, in mixed unit
systems, some stale, some in the future, a few partial dates, unusable statuses,
same-day duplicates and units nothing converts; diagnoses with metastases and
past malignancies; somatostatin analogues (LAR, short-acting, form unknown),
chemotherapy and hormone therapy, PRRT; procedures (biopsies among them);
allergies; and a screening CRF for a subset (``synth.crf``).
``edge`` is the share of laboratory values put exactly on, or one reporting
step beside, the protocol's thresholds.

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
from trialkit.synth import catalog as cat
from trialkit.synth.crf import crf_answers
from trialkit.synth.options import REFERENCE_DATE as REFERENCE_DATE
from trialkit.synth.options import SYNTH_FORMATS as FORMATS

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
    ki67: np.ndarray  # the pathology Ki-67 (NaN: none)


def generate(
    patients: int, seed: int, *, reference: date = REFERENCE_DATE, edge: float = 0.02
) -> Synthetic:
    rng = np.random.default_rng(seed)
    d = _Draw(rng, reference)
    person = np.arange(1, patients + 1, dtype=np.int64)
    net = d.mask(patients, 0.25)
    age = np.clip(rng.normal(62, 12, patients), 15, 95)
    birth = d.days_ago((age * 365.25).astype(np.int64))
    sex = d.pick(("female", "male", "unknown"), (0.49, 0.5, 0.01), patients)
    ki67 = np.round(np.clip(12 * np.exp(rng.normal(0, 0.8, patients)), 0.5, 90), 1)
    on_edge = d.mask(patients, 0.05)
    ki67[on_edge] = rng.choice([10.0, 55.0, 9.9, 55.1], size=int(on_edge.sum()))
    truth = Truth(
        person,
        net,
        age,
        sex,
        screening=rng.random(patients) < np.where(net, 0.55, 0.03),
        mets=net & d.mask(patients, 0.7),
        therapy=net & d.mask(patients, 0.3),
        ki67=np.where(net | d.mask(patients, 0.03), ki67, np.nan),
    )
    persons = _table(
        {"person": person, "birth": birth, "birth_year_only": d.mask(patients, 0.01)}
        | {"sex": sex, "net": net}
    )
    tables = {
        "person": persons,
        "lab": _labs(d, truth, edge),
        "condition": _conditions(d, truth),
        "drug": _drugs(d, truth),
        "procedure": _procedures(d, person, net),
        "allergy": _allergies(d, person),
    }
    tables["crf"], tables["consent"] = crf_answers(d.rng, d.ref, truth)
    return Synthetic(reference, tables)


# --- laboratory results ---------------------------------------------------------------------


def _labs(d: _Draw, truth: Truth, edge: float) -> pa.Table:
    person, sex, age = truth.person, truth.sex, truth.age
    screened = person[truth.screening]  # the screening panel: every test, in the last weeks
    parts = [_panel(d, person, lab, edge) for lab in cat.LABS]
    parts += [_panel(d, screened, lab, edge, recent=True) for lab in cat.LABS]
    parts += [_ecog(d, person), _ki67(d, truth)]
    parts += [_qualitative(d, person, sex, age, q) for q in cat.QUALITATIVE]
    young = truth.screening & (sex == "female") & (age < 55)
    parts += [
        _qualitative(d, person[young if q[0] == "hcg" else truth.screening], sex, age, q, True)
        for q in cat.QUALITATIVE
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


def _panel(
    d: _Draw, person: np.ndarray, lab: cat.Lab, edge: float, recent: bool = False
) -> pa.Table:
    who, when = _lab_rows(d, person, lab.present, 3, recent)
    n = len(who)
    if lab.dist == "normal":
        canonical = d.rng.normal(lab.centre, lab.spread, n)
    else:
        canonical = lab.centre * np.exp(d.rng.normal(0, lab.spread, n))
    canonical = np.clip(canonical, lab.low, lab.high)
    threshold = lab.boundary if lab.boundary is not None else lab.ref_high
    if threshold is not None:
        on_edge = d.mask(n, edge)
        multiple = 3 if lab.key == "bilirubin" else 2.5 if lab.key in ("alt", "ast") else 1
        canonical[on_edge] = threshold * multiple
    units = np.arange(len(lab.units))
    chosen = d.rng.choice(
        units, size=n, p=np.array([u.weight for u in lab.units]) / sum(u.weight for u in lab.units)
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


def _ecog(d: _Draw, person: np.ndarray) -> pa.Table:
    who, when = _lab_rows(d, person, 0.6, 2)
    n = len(who)
    score = d.rng.choice(len(cat.ECOG_WEIGHTS), size=n, p=cat.ECOG_WEIGHTS)
    coded = d.mask(n, 0.7)
    empty = np.full(n, None, dtype=object)
    answer = np.where(coded, np.asarray(cat.ECOG_ANSWERS, dtype=object)[score], empty)
    value = np.where(coded, np.nan, score.astype(float))
    kind = np.where(coded, np.full(n, "loinc", dtype=object), empty)
    base = _base(d, who, when, cat.ECOG_LOINC, "ECOG performance status")
    return _lab_table(base, value, empty, np.full(n, np.nan), answer, kind)


def _ki67(d: _Draw, truth: Truth) -> pa.Table:
    has = ~np.isnan(truth.ki67) & d.mask(len(truth.person), 0.85)
    n = int(has.sum())
    when = d.days_ago(d.rng.integers(20, 900, size=n))
    value = truth.ki67[has]
    unit = np.full(n, "%", dtype=object)
    empty = np.full(n, None, dtype=object)
    base = _base(d, truth.person[has], when, cat.KI67_LOINC, "Ki-67 [Interpretation] in Tissue")
    return _lab_table(base, value, unit, np.full(n, np.nan), empty, empty)


def _qualitative(
    d: _Draw,
    person: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    q: tuple[str, str, str, float, float],
    recent: bool = False,
) -> pa.Table:
    key, loinc, name, share, positive = q
    young = (sex[person - 1] == "female") & (age[person - 1] < 55)
    eligible = person if key != "hcg" or recent else person[young]
    who, when = _lab_rows(d, eligible, share, 1, recent)
    if not recent:
        when = d.days_ago(d.rng.integers(0, 120, size=len(who)))
    n = len(who)
    pos = d.mask(n, positive)
    via_value = d.mask(n, 0.7)
    answer = np.where(
        via_value, np.where(pos, cat.POSITIVE, cat.NEGATIVE), np.where(pos, "POS", "NEG")
    ).astype(object)
    kind = np.where(via_value, "snomed", "interpretation").astype(object)
    empty = np.full(n, None, dtype=object)
    table = _lab_table(
        _base(d, who, when, loinc, name),
        np.full(n, np.nan),
        empty,
        np.full(n, np.nan),
        answer,
        kind,
    )
    if key != "hbsag" or not pos.any():
        return table
    carriers, at = who[pos], when[pos]  # HBV DNA for HBsAg-positive patients
    m = len(carriers)
    dna = np.round(20_000 * np.exp(d.rng.normal(0, 1.5, m)), -1)
    in_iu = d.mask(m, 0.4)
    unit = np.where(in_iu, "[IU]/mL", "{copies}/mL").astype(object)
    dna = np.where(in_iu, np.round(dna / 5.4, 0), dna)
    none = np.full(m, None, dtype=object)
    viral = _lab_table(
        _base(d, carriers, at, cat.HBV_DNA_LOINC, "Hepatitis B virus DNA"),
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


def _conditions(d: _Draw, truth: Truth) -> pa.Table:
    person, net = truth.person, truth.net

    def rows(
        who: np.ndarray,
        codes: tuple[tuple[str, str], ...],
        onset: np.ndarray,
        clinical: Any,
        abated: np.ndarray | None = None,
    ) -> dict[str, Any]:
        n = len(who)
        pick = d.rng.integers(0, len(codes), size=n)
        code = np.asarray([c for c, _ in codes], dtype=object)[pick]
        name = np.asarray([t for _, t in codes], dtype=object)[pick]
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
        rows(n_net, cat.NET_PRIMARIES, primary_onset, "active"),
        rows(n_net[with_mets], cat.METASTASES, mets_onset, "active"),
        rows(
            brain,
            (cat.BRAIN_METASTASES,),
            d.days_ago(d.rng.integers(10, 600, size=len(brain))),
            "active",
        ),
        rows(
            others[~non_gep],
            cat.OTHER_CANCERS,
            d.days_ago(d.rng.integers(30, 3000, size=int((~non_gep).sum()))),
            "active",
        ),
        rows(
            others[non_gep],
            cat.OTHER_NETS,
            d.days_ago(d.rng.integers(30, 3000, size=int(non_gep.sum()))),
            "active",
        ),
        rows(
            history,
            cat.OTHER_CANCERS,
            ended - np.timedelta64(400, "D"),
            d.pick(("resolved", "remission", None), (0.8, 0.15, 0.05), len(history)),
            ended,
        ),
    ]
    for code, name, share in cat.COMORBIDITIES:
        who = person[d.mask(len(person), share)]
        clinical = d.pick(("active", "inactive", None), (0.9, 0.07, 0.03), len(who))
        parts.append(
            rows(
                who, ((code, name),), d.days_ago(d.rng.integers(100, 5000, size=len(who))), clinical
            )
        )
    return _rows(parts)


_DRUG_FIELDS = ("atc", "rxnorm", "name", "route", "per_day", "every_days")


def _drugs(d: _Draw, truth: Truth) -> pa.Table:
    person, net = truth.person, truth.net

    def rows(
        who: np.ndarray, drugs: tuple[cat.Drug, ...], weights: Any, start_max: int, ongoing: float
    ) -> dict[str, Any]:
        n = len(who)
        pick = d.rng.choice(len(drugs), size=n, p=np.asarray(weights) / np.sum(weights))
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
    ssa = net_ids[d.mask(len(net_ids), 0.65)]
    analogues = (
        cat.OCTREOTIDE_LAR,
        cat.OCTREOTIDE_SHORT,
        cat.OCTREOTIDE_UNSPECIFIED,
        cat.LANREOTIDE,
    )
    treated = person[truth.therapy]
    prrt = net_ids[d.mask(len(net_ids), 0.02)]
    others = person[~net]
    chemo = others[d.mask(len(others), 0.6)]
    common = person[d.mask(len(person), 0.2)]
    return _rows(
        [
            rows(ssa, analogues, (0.45, 0.2, 0.1, 0.25), 700, 0.7),
            rows(treated, cat.NET_THERAPY, np.ones(len(cat.NET_THERAPY)), 400, 0.3),
            rows(prrt, (cat.LUTATHERA,), (1,), 900, 0.0),
            rows(chemo, cat.OTHER_THERAPY, np.ones(len(cat.OTHER_THERAPY)), 900, 0.4),
            rows(common, cat.COMMON_DRUGS, (1, 1), 2000, 0.8),
        ]
    )


def _procedures(d: _Draw, person: np.ndarray, net: np.ndarray) -> pa.Table:
    def rows(who: np.ndarray, proc: tuple[str, str], days: np.ndarray) -> dict[str, Any]:
        n = len(who)
        return {
            "person": who,
            "snomed": np.full(n, proc[0], dtype=object),
            "name": np.full(n, proc[1], dtype=object),
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
            rows(biopsy, cat.BIOPSY, d.rng.integers(5, 900, size=len(biopsy))),
            rows(surgery, cat.SURGERY, d.rng.integers(-20, 900, size=len(surgery))),
            rows(
                local,
                cat.EMBOLISATION if d.rng.random() < 0.5 else cat.ABLATION,
                d.rng.integers(1, 200, size=len(local)),
            ),
            rows(imaging, cat.IMAGING, d.rng.integers(1, 60, size=len(imaging))),
            rows(prrt, cat.PRRT_PROCEDURE, d.rng.integers(100, 900, size=len(prrt))),
        ]
    )


def _allergies(d: _Draw, person: np.ndarray) -> pa.Table:
    parts = []
    for text, code, share in cat.ALLERGIES:
        who = person[d.mask(len(person), share)]
        n = len(who)
        parts.append(
            {
                "person": who,
                "text": np.full(n, text, dtype=object),
                "snomed": np.full(n, code, dtype=object),
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
) -> str:
    """Generate and write; returns a one-line summary (naming ``shown``, default ``out``)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (omop or fhir-ndjson)", field="--format")
    population = generate(patients, seed, reference=reference)
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

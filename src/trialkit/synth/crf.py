"""The screening CRF of the synthetic population (data dictionary §2 linkIds).

About half of the GEP-NET patients and a few others have a screening
questionnaire; each item is left unanswered now and then, a few answers have the
wrong type (a string where a boolean belongs), some dates fall after the
screening date, and some patients have an earlier response whose answers the
later one must override (data dictionary §1: the latest ``authored`` wins).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

_EMPTY: dict[str, Any] = {"v_bool": None, "v_num": np.nan, "v_date": None, "v_str": None}


class _Items:
    def __init__(self, rng: np.random.Generator, ref: np.datetime64, who: np.ndarray) -> None:
        self.rng, self.ref, self.who = rng, ref, who
        self.parts: list[dict[str, Any]] = []

    def share(self, p: float) -> np.ndarray:
        return self.rng.random(len(self.who)) < p

    def add(
        self,
        link: str,
        vtype: str,
        values: np.ndarray,
        answered: float = 0.92,
        mask: np.ndarray | None = None,
        lesion: np.ndarray | None = None,
        who: np.ndarray | None = None,
    ) -> None:
        who = self.who if who is None else who
        keep = self.rng.random(len(who)) < answered
        if mask is not None:
            keep &= mask
        n = int(keep.sum())
        column = {"boolean": "v_bool", "integer": "v_num", "decimal": "v_num", "date": "v_date"}
        field = column.get(vtype, "v_str")
        part: dict[str, Any] = {
            "person": who[keep],
            "link": np.full(n, link, dtype=object),
            "lesion": np.full(n, -1) if lesion is None else lesion[keep],
            "vtype": np.full(n, vtype, dtype=object),
        }
        for name, empty in _EMPTY.items():
            part[name] = (
                values[keep]
                if name == field
                else np.full(n, empty, dtype=object if empty is None else float)
            )
        wrong = self.rng.random(n) < 0.005  # a string where another type belongs
        if vtype != "string" and wrong.any():
            part["vtype"] = np.where(wrong, "string", part["vtype"]).astype(object)
            part["v_str"] = np.where(wrong, "yes", part["v_str"]).astype(object)
        self.parts.append(part)

    def boolean(self, link: str, p_true: float, **kw: Any) -> None:
        self.add(link, "boolean", self.rng.random(len(kw.get("who", self.who))) < p_true, **kw)

    def days(self, lo: int, hi: int, n: int | None = None) -> np.ndarray:
        count = len(self.who) if n is None else n
        return self.ref - self.rng.integers(lo, hi, size=count).astype("timedelta64[D]")

    def choice(
        self, options: tuple[str, ...], weights: tuple[float, ...], n: int | None = None
    ) -> np.ndarray:
        count = len(self.who) if n is None else n
        p = np.asarray(weights) / np.sum(weights)
        return np.asarray(options, dtype=object)[self.rng.choice(len(options), size=count, p=p)]


def crf_answers(
    rng: np.random.Generator, ref: np.datetime64, truth: Any
) -> tuple[pa.Table, pa.Table]:
    """(answers, consents): one row per answer (``response`` 0 the latest, 1 an earlier one),
    for the patients being screened; answers mostly agree with the EHR (Ki-67, extent,
    therapy), sometimes not (a conflict the protocol's conflict policy settles)."""
    person, has_crf = truth.person, truth.screening
    who = person[has_crf]
    items = _Items(rng, ref, who)
    young_women = (truth.sex[has_crf] == "female") & (truth.age[has_crf] < 55)
    mets, therapy, known_ki67 = truth.mets[has_crf], truth.therapy[has_crf], truth.ki67[has_crf]
    items.add(
        "consent-date",
        "date",
        np.where(items.share(0.02), ref + np.timedelta64(3, "D"), items.days(0, 20)),
    )
    items.add(
        "planned-first-dose-date",
        "date",
        np.where(items.share(0.05), ref - np.timedelta64(3, "D"), items.days(-40, -3)),
        answered=0.7,
    )
    extent = items.choice(("locally-advanced-unresectable", "resectable"), (0.75, 0.25))
    extent = np.where(mets | items.share(0.05), "metastatic", extent).astype(object)
    items.add("disease-extent", "choice", extent)
    items.add("differentiation", "choice", items.choice(("well", "poor"), (0.85, 0.15)))
    other = np.round(np.clip(14 * np.exp(rng.normal(0, 0.7, len(who))), 1, 80), 1)
    ki67 = np.where(np.isnan(known_ki67) | items.share(0.05), other, known_ki67)
    items.add("ki67-percent", "decimal", ki67)
    items.boolean("central-pathology-confirmed", 0.85)
    items.add("advanced-disease-date", "date", items.days(30, 700), answered=0.6)
    items.add("prior-systemic-therapy-current-stage", "boolean", therapy ^ items.share(0.05))
    items.add(
        "ecog", "integer", rng.choice(4, size=len(who), p=[0.4, 0.4, 0.15, 0.05]).astype(float)
    )
    cbp = items.share(0.4) & young_women
    items.add("childbearing-potential", "boolean", cbp)
    items.add("contraception-agreed", "boolean", items.share(0.9), mask=cbp)
    for link, p in (
        ("pregnant", 0.005),
        ("lactating", 0.005),
        ("prior-prrt", 0.02),
        ("prior-toxicity-above-grade-1", 0.1),
    ):
        items.boolean(link, p)
    for ever, dated, p, lo, hi in (
        ("prior-local-therapy", "last-local-therapy-date", 0.3, 5, 400),
        ("prior-systemic-therapy", "last-systemic-therapy-date", 0.3, 5, 400),
        ("prior-bone-ebrt", "last-bone-ebrt-date", 0.05, 3, 200),
        ("prior-investigational-drug", "last-investigational-drug-date", 0.05, 3, 300),
    ):
        yes = items.share(p)
        items.add(ever, "boolean", yes)
        items.add(dated, "date", items.days(lo, hi), answered=0.9, mask=yes)
    marrow = np.where(items.share(0.85), 0.0, np.round(rng.uniform(5, 40, len(who)), 0))
    items.add("marrow-irradiated-percent", "decimal", marrow)
    brain = items.choice(("none", "treated", "untreated"), (0.92, 0.05, 0.03))
    items.add("brain-metastases", "choice", brain)
    items.add("brain-metastases-stable-since", "date", items.days(60, 600), mask=brain == "treated")
    for link, p in (
        ("chf-uncontrolled", 0.01),
        ("diabetes-uncontrolled", 0.02),
        ("other-malignancy", 0.08),
        ("octreotide-short-interruptible", 0.9),
        ("octreotide-lar-interruptible", 0.9),
        ("hypersensitivity-study-drug", 0.01),
        ("contrast-contraindicated", 0.03),
        ("active-infection", 0.03),
        ("hbv-dna-positive-site", 0.01),
        ("investigator-ex24", 0.04),
        ("investigator-ex25", 0.04),
        ("investigator-ex26", 0.03),
    ):
        items.boolean(link, p, answered=0.85)
    _lesions(items, rng)
    answers = _frame(items.parts, 0)
    earlier = who[rng.random(len(who)) < 0.05]  # an earlier response the latest overrides
    old = _Items(rng, ref, earlier)
    old.boolean("pregnant", 0.5)
    old.add("ecog", "integer", np.full(len(earlier), 3.0))
    old.add("disease-extent", "choice", old.choice(("resectable",), (1.0,)))
    authored = ref - rng.integers(0, 10, size=len(person)).astype("timedelta64[D]")
    table = pa.concat_tables([answers, _frame(old.parts, 1)]).combine_chunks()
    when = authored[table.column("person").to_numpy() - 1] - (
        table.column("response").to_numpy() * 30
    ).astype("timedelta64[D]")
    table = table.append_column(
        "authored", pa.array(when.astype("datetime64[D]"), type=pa.date32())
    )
    signed = who[rng.random(len(who)) < 0.5]
    day = ref - rng.integers(-2, 30, size=len(signed)).astype("timedelta64[D]")
    status = np.where(rng.random(len(signed)) < 0.97, "active", "rejected").astype(object)
    consents = pa.table(
        {
            "person": signed,
            "day": pa.array(day.astype("datetime64[D]"), type=pa.date32()),
            "status": status,
        }
    )
    return table, consents


def _lesions(items: _Items, rng: np.random.Generator) -> None:
    who = items.who[items.share(0.8)]
    counts = rng.integers(1, 4, size=len(who))
    per = np.repeat(who, counts)
    index = (
        np.concatenate([np.arange(c) for c in counts]) if len(counts) else np.zeros(0, dtype=int)
    )
    n = len(per)
    node = rng.random(n) < 0.2
    diameter = np.round(np.clip(22 * np.exp(rng.normal(0, 0.5, n)), 4, 150), 0)
    diameter[rng.random(n) < 0.05] = rng.choice([9.9, 10.0, 14.0, 15.0, 20.0], size=1)
    method = items.choice(("CT", "MRI", "X-ray", "caliper"), (0.7, 0.25, 0.03, 0.02), n)
    slice_mm = np.where(method == "MRI", 3.0, np.where(rng.random(n) < 0.8, 5.0, 8.0))
    ids = np.char.add(np.where(node, "N", "L"), (index + 1).astype(str)).astype(object)
    organ = np.where(
        node,
        "lymph node",
        items.choice(("liver", "pancreas", "bone", "small intestine"), (0.6, 0.2, 0.1, 0.1), n),
    ).astype(object)
    les = {"who": per, "lesion": index}
    items.add("lesion-id", "string", ids, answered=1.0, **les)
    items.add("lesion-organ", "string", organ, answered=0.95, **les)
    items.add("lesion-is-node", "boolean", node, answered=0.98, **les)
    items.add("lesion-diameter-mm", "decimal", diameter, answered=0.98, **les)
    items.add("lesion-method", "choice", method, answered=0.97, **les)
    items.add(
        "lesion-slice-mm", "decimal", slice_mm, answered=0.85, mask=method != "caliper", **les
    )
    items.add("lesion-previously-irradiated", "boolean", rng.random(n) < 0.05, answered=0.96, **les)
    items.add("lesion-target", "boolean", rng.random(n) < 0.85, answered=0.97, **les)
    krenning = rng.choice(5, size=n, p=[0.03, 0.05, 0.12, 0.4, 0.4]).astype(float)
    items.add("lesion-krenning", "integer", krenning, answered=0.9, **les)


def _frame(parts: list[dict[str, Any]], response: int) -> pa.Table:
    columns: dict[str, list[Any]] = {
        k: [] for k in ("person", "link", "lesion", "vtype", "v_bool", "v_num", "v_date", "v_str")
    }
    for part in parts:
        for key in columns:
            columns[key].append(part[key])
    cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in columns.items()}
    n = len(cat["person"])
    v_date = cat["v_date"]
    date_mask = (
        np.array([x is None for x in v_date], dtype=bool)
        if v_date.dtype == object
        else np.isnat(v_date)
    )
    dates = (
        np.array([np.datetime64("NaT") if x is None else x for x in v_date], dtype="datetime64[D]")
        if v_date.dtype == object
        else v_date.astype("datetime64[D]")
    )
    lesion = cat["lesion"].astype(np.int64)
    v_num = cat["v_num"].astype(float)
    return pa.table(
        {
            "person": pa.array(cat["person"].astype(np.int64)),
            "response": pa.array(np.full(n, response, dtype=np.int8)),
            "link": pa.array(cat["link"], type=pa.string()),
            "lesion": pa.array(lesion, mask=lesion < 0),
            "vtype": pa.array(cat["vtype"], type=pa.string()),
            "v_bool": pa.array(
                [None if x is None else bool(x) for x in cat["v_bool"]], type=pa.bool_()
            ),
            "v_num": pa.array(v_num, mask=np.isnan(v_num)),
            "v_date": pa.array(dates, mask=date_mask, type=pa.date32()),
            "v_str": pa.array(cat["v_str"], type=pa.string()),
        }
    )

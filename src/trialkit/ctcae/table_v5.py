"""CTCAE v5.0 laboratory grading bands, as data.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017),
transcribed in ../shared/reference/clinical-facts.md §5 and checked there
against pharmaverse/admiral ``data-raw/adlb_grading/ncictcaev5.json``.
Each band is ``lower < value < upper`` with the inclusivity the CTCAE text
gives ("<" strictly below); bounds are absolute, or multiples of the ULN, LLN
or the baseline. Life-threatening grade 4 of anaemia and hypoalbuminaemia is a
clinical judgement, never a lab value, so no band gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

CTCAE_VERSION = "5.0"

BoundKind = Literal["abs", "uln", "lln", "baseline"]
Baseline = Literal["any", "normal", "abnormal"]


@dataclass(frozen=True)
class Bound:
    kind: BoundKind
    factor: float  # the value itself for "abs", else the multiple of ULN / LLN / baseline
    inclusive: bool

    def describe(self, unit: str = "1") -> str:
        if self.kind == "abs":
            return f"{self.factor:g}" if unit == "1" else f"{self.factor:g} {unit}"
        name = {"uln": "ULN", "lln": "LLN", "baseline": "baseline"}[self.kind]
        return name if self.factor == 1 else f"{self.factor:g} × {name}"


@dataclass(frozen=True)
class Band:
    grade: int
    lower: Bound | None
    upper: Bound | None
    baseline: Baseline = "any"  # which baseline state the band applies to

    def describe(self, unit: str = "1") -> str:
        """E.g. "grade 2: ≥ 50 10*9/L and < 75 10*9/L" (absolute bounds in ``unit``)."""
        parts = []
        if self.lower is not None:
            parts.append(f"{'≥' if self.lower.inclusive else '>'} {self.lower.describe(unit)}")
        if self.upper is not None:
            parts.append(f"{'≤' if self.upper.inclusive else '<'} {self.upper.describe(unit)}")
        when = {"any": "", "normal": " (baseline normal)", "abnormal": " (baseline abnormal)"}[
            self.baseline
        ]
        return f"grade {self.grade}: " + " and ".join(parts) + when


@dataclass(frozen=True)
class Term:
    name: str
    label: str
    unit: str  # canonical UCUM unit of the bands
    # LOINC codes of the results graded under this term: clinical-facts §8 and the task's
    # list; the "[#/volume] in Blood" variants 26499-4, 26464-8, 26474-7 and molar fasting
    # glucose 14771-0 are from LOINC itself (14771-0 is marked UNVERIFIED in §8).
    loinc: tuple[str, ...]
    bands: tuple[Band, ...]
    analyte: str | None = None  # molar mass for mass <-> substance conversions
    default_uln: float | None = None  # site default when a result has no reference range
    uses_baseline: bool = False


def _abs(value: float, inclusive: bool) -> Bound:
    return Bound("abs", value, inclusive)


def decreased(g1: float, g2: float, g3: float | None, g4: float | None = None) -> tuple[Band, ...]:
    """LLN > G1 ≥ g1 > G2 ≥ g2 > G3 ≥ g3 > G4 (the "<LLN – x" pattern of decreased counts)."""
    bands = [
        Band(0, Bound("lln", 1, True), None),
        Band(1, _abs(g1, True), Bound("lln", 1, False)),
        Band(2, _abs(g2, True), _abs(g1, False)),
    ]
    if g3 is None:
        bands.append(Band(3, None, _abs(g2, False)))
        return tuple(bands)
    bands.append(Band(3, _abs(g3, True) if g4 is not None else None, _abs(g2, False)))
    if g4 is not None:
        bands.append(Band(4, None, _abs(g3, False)))
    return tuple(bands)


def uln_multiples(
    *cuts: float, kind: BoundKind = "uln", baseline: Baseline = "any", first_inclusive: bool = False
) -> tuple[Band, ...]:
    """ ">1 – c1 × REF" then ">c1 – c2", …, ">cn" bands over a reference (ULN or baseline)."""
    edges = (1.0, *cuts)
    bands = [
        Band(
            grade,
            Bound(kind, low, first_inclusive and grade == 1),
            Bound(kind, high, True),
            baseline,
        )
        for grade, (low, high) in enumerate(pairwise(edges), start=1)
    ]
    bands.append(Band(len(edges), Bound(kind, edges[-1], False), None, baseline))
    return tuple(bands)


def _within_uln(baseline: Baseline = "any") -> Band:
    return Band(0, None, Bound("uln", 1, True), baseline)


_ALT_AST = (
    _within_uln("normal"),
    *uln_multiples(3, 5, 20, baseline="normal"),
    # baseline abnormal: G1 is "1.5 – 3.0 × baseline"; below 1.5 × baseline is no worsening
    Band(0, None, Bound("baseline", 1.5, False), "abnormal"),
    Band(1, Bound("baseline", 1.5, True), Bound("baseline", 3, True), "abnormal"),
    Band(2, Bound("baseline", 3, False), Bound("baseline", 5, True), "abnormal"),
    Band(3, Bound("baseline", 5, False), Bound("baseline", 20, True), "abnormal"),
    Band(4, Bound("baseline", 20, False), None, "abnormal"),
)

_BILIRUBIN = (
    _within_uln("normal"),
    *uln_multiples(1.5, 3, 10, baseline="normal"),
    Band(0, None, Bound("baseline", 1, True), "abnormal"),
    *uln_multiples(1.5, 3, 10, kind="baseline", baseline="abnormal"),
)

# Creatinine: G2 and G3 also by baseline ("> 1.5 – 3.0 × baseline", "> 3.0 × baseline"); the
# grade is the higher of the ULN and baseline readings.
_CREATININE = (
    _within_uln(),
    *uln_multiples(1.5, 3, 6),
    Band(2, Bound("baseline", 1.5, False), Bound("baseline", 3, True)),
    Band(3, Bound("baseline", 3, False), None),
)

TERMS: dict[str, Term] = {
    t.name: t
    for t in (
        Term("anemia", "Anemia", "g/L", ("718-7",), decreased(100, 80, None)),
        Term(
            "platelet_count_decreased",
            "Platelet count decreased",
            "10*9/L",
            ("777-3", "26515-7"),
            decreased(75, 50, 25, 25),
        ),
        Term(
            "neutrophil_count_decreased",
            "Neutrophil count decreased",
            "10*9/L",
            ("751-8", "26499-4"),
            decreased(1.5, 1.0, 0.5, 0.5),
        ),
        Term(
            "white_blood_cell_decreased",
            "White blood cell decreased",
            "10*9/L",
            ("6690-2", "26464-8"),
            decreased(3.0, 2.0, 1.0, 1.0),
        ),
        Term(
            "lymphocyte_count_decreased",
            "Lymphocyte count decreased",
            "10*9/L",
            ("731-0", "26474-7"),
            decreased(0.8, 0.5, 0.2, 0.2),
        ),
        Term(
            "alanine_aminotransferase_increased",
            "Alanine aminotransferase increased",
            "U/L",
            ("1742-6",),
            _ALT_AST,
            default_uln=40,
            uses_baseline=True,
        ),
        Term(
            "aspartate_aminotransferase_increased",
            "Aspartate aminotransferase increased",
            "U/L",
            ("1920-8",),
            _ALT_AST,
            default_uln=40,
            uses_baseline=True,
        ),
        Term(
            "blood_bilirubin_increased",
            "Blood bilirubin increased",
            "umol/L",
            ("1975-2",),
            _BILIRUBIN,
            analyte="bilirubin",
            default_uln=21,
            uses_baseline=True,
        ),
        Term(
            "creatinine_increased",
            "Creatinine increased",
            "umol/L",
            ("2160-0", "14682-9", "38483-4"),
            _CREATININE,
            analyte="creatinine",
            uses_baseline=True,
        ),
        Term("hypoalbuminemia", "Hypoalbuminemia", "g/L", ("1751-7",), decreased(30, 20, None)),
        # INR: v5.0 also grades "× baseline if on anticoagulation"; anticoagulation is not a lab
        # value, so only the absolute bands are data here (the grading rule says so).
        Term(
            "inr_increased",
            "INR increased",
            "1",
            ("6301-6",),
            (
                Band(0, None, _abs(1.2, True)),
                Band(1, _abs(1.2, False), _abs(1.5, True)),
                Band(2, _abs(1.5, False), _abs(2.5, True)),
                Band(3, _abs(2.5, False), None),
            ),
        ),
        Term(
            "aptt_prolonged",
            "Activated partial thromboplastin time prolonged",
            "s",
            ("3173-2",),
            (_within_uln(), *uln_multiples(1.5, 2.5)),
            default_uln=40,
        ),
        # The v5.0 text gives hypoglycaemia in mg/dL and mmol/L and the two columns disagree
        # slightly (30 mg/dL = 1.665 mmol/L); grading is in mmol/L, as clinical-facts §5 and
        # admiral (UNIT_CHECK "MMOL/L") do.
        Term(
            "hypoglycemia",
            "Hypoglycemia",
            "mmol/L",
            ("2345-7", "2339-0", "1558-6", "14771-0"),
            decreased(3.0, 2.2, 1.7, 1.7),
            analyte="glucose",
        ),
    )
}

"""Criterion nodes: the small set of primitives every criterion is built from.

A protocol file states each criterion as a tree of these nodes; comparisons,
negation and combination are nodes, never strings. The in-memory evaluator
(:mod:`trialkit.eligibility.evaluate`) walks them for one patient; the same
trees are what a relational compiler walks for a population.

Numbers that are protocol parameters appear as :class:`Param` and are
resolved at evaluation time, so an override changes every place it is used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A reference to a named protocol parameter."""

    name: str


Number = float | Param


# Dates that windows are measured from: ``as_of`` (the screening date) is the engine's own;
# every other anchor is one the protocol declares under ``anchors:`` (an open mapping).
AS_OF = "as_of"
Anchor = str


@dataclass(frozen=True)
class Window:
    """The inclusive window ``anchor - days .. anchor + after`` (data dictionary §4 Windows):
    ``days`` before the anchor ("within 28 days prior to screening"), ``after`` days after it
    ("within 7 days after the first dose"); both 0 is the anchor's day."""

    anchor: Anchor
    days: Number = 0.0
    after: Number = 0.0


@dataclass(frozen=True)
class Comparison:
    """``value op threshold``; the threshold is absolute or a multiple of the ULN."""

    op: str  # one of < <= > >=
    value: Number | None = None
    uln_multiple: float | None = None

    def describe(self, unit: str) -> str:
        if self.uln_multiple is not None:
            return f"{self.op} {self.uln_multiple:g} × ULN"
        return f"{self.op} {_fmt(self.value)} {unit}".rstrip()


@dataclass(frozen=True)
class Range:
    """``low <= value <= high`` (both inclusive)."""

    low: float
    high: float


# --- leaves over EHR data -------------------------------------------------------------------


@dataclass(frozen=True)
class Lab:
    """The most recent usable result of ``element`` in its lookback, compared or range-tested."""

    element: str
    comparison: Comparison | None = None
    range: Range | None = None
    lookback: Number | None = Param(
        "lab_lookback_days"
    )  # None: no lookback, latest on/before as-of


@dataclass(frozen=True)
class Qualitative:
    """The most recent positive/negative result of ``element`` in its lookback: positive → met."""

    element: str
    lookback: Number
    negative_decides: bool = True  # False: a negative result is context only (decides nothing)


@dataclass(frozen=True)
class Derived:
    """A derived value the protocol declares (``derived:``: a calculator of
    :mod:`trialkit.calculators` bound to its elements) compared with a threshold."""

    name: str
    comparison: Comparison


@dataclass(frozen=True)
class Daily:
    """Daily observations of ``element`` over the last ``days`` calendar days up to as-of
    (a diary: "mean ≥ 4 bowel movements a day over the run-in", "≥ 6 of 7 days compliant").

    A day is *recorded* when it has usable, day-precise results that all read the same value.
    ``stat`` ``mean``, ``min`` or ``max`` compares that statistic of the recorded days with
    ``comparison`` and needs at least ``min_days`` recorded days (fewer: unknown). ``stat``
    ``count`` counts the recorded days whose value passes ``each`` and needs ``at_least`` of
    them: met when enough are recorded passing, not met when even every unrecorded day
    passing would not be enough, else unknown."""

    element: str
    days: Number
    stat: str  # mean / min / max / count
    comparison: Comparison | None = None
    min_days: Number | None = None
    each: Comparison | None = None
    at_least: Number | None = None


@dataclass(frozen=True)
class Age:
    """Age in completed years at as-of within ``min``..``max`` inclusive."""

    min: int | None
    max: int | None


@dataclass(frozen=True)
class Sex:
    """Administrative sex is ``value``."""

    value: str


@dataclass(frozen=True)
class ConditionPresent:
    """A condition coded in ``value_set``; ``status``: any, active, or active_or_resolved_within."""

    value_set: str
    label: str
    status: str = "any"
    years: Number | None = None


@dataclass(frozen=True)
class MedicationExposure:
    """Exposure to a medication in ``value_set``: ever before as-of, in a window, since an anchor,
    or active at as-of; ``form`` narrows it to one form of the group ``forms`` the protocol
    declares under ``medication_forms:`` (:mod:`trialkit.protocol.forms`)."""

    value_set: str
    label: str
    within: Window | None = None
    since: Anchor | None = None
    active: bool = False
    form: str | None = None
    forms: str | None = None


@dataclass(frozen=True)
class ProcedureDone:
    value_set: str
    label: str
    within: Window | None = None


@dataclass(frozen=True)
class AllergyRecorded:
    value_set: str
    label: str


@dataclass(frozen=True)
class ConsentSigned:
    scope_value_set: str
    # When set, only a consent to one of these studies counts (identifiers of the study);
    # any other research consent is context, never evidence of consent to this protocol.
    study_value_set: str | None = None


# --- leaves over the screening CRF ------------------------------------------------------------


@dataclass(frozen=True)
class CrfAnswer:
    """A test of one CRF answer: exactly one of the test fields is set."""

    link: str
    equals: bool | None = None
    one_of: tuple[str, ...] | None = None
    comparison: Comparison | None = None
    range: Range | None = None
    on_or_before: Window | None = None


@dataclass(frozen=True)
class CrfHistory:
    """A yes/no item and its date (data dictionary §4 '"Never" in the CRF')."""

    ever: str
    date: str
    within: Window


@dataclass(frozen=True)
class Attestation:
    """An investigator's judgement recorded in the CRF (true = the exclusion applies)."""

    link: str


@dataclass(frozen=True)
class MeasurableLesion:
    """At least one RECIST 1.1 measurable lesion among the CRF lesions (clinical-facts §4),
    read by the roles the protocol's ``lesions:`` declares."""


@dataclass(frozen=True)
class EveryTargetLesion:
    """Every CRF lesion marked as a RECIST target has an answer to ``item`` (a numeric item
    of the protocol's lesion group, e.g. a per-lesion uptake score) that holds ``comparison``."""

    item: str
    comparison: Comparison


# --- combinators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Reconcile:
    """One fact from two sources; both decided and opposite is a conflict (``conflict_policy``)."""

    fact: str
    ehr: Node
    crf: Node


@dataclass(frozen=True)
class Ask:
    """The CRF decides; while unanswered, ``relevant_if`` (EHR) says if the answer is needed."""

    crf: Node
    relevant_if: Node


@dataclass(frozen=True)
class Guard:
    """``rule``, unless ``conflict`` is met: then the data contradict each other about
    ``fact`` and the node is unknown with both sides' evidence (a data-quality conflict that
    no single source can resolve, e.g. a positive pregnancy test on a patient recorded as
    male). ``conflict`` unknown or not met leaves ``rule``'s verdict as it is."""

    fact: str
    rule: Node
    conflict: Node


@dataclass(frozen=True)
class If:
    """A conditional criterion: ``then`` where ``condition`` is met, ``otherwise`` where it is
    not. While ``condition`` is unknown the node is decided only where both branches agree
    (Hb > 9 g/dL for men and > 8 g/dL for women decides 10 g/dL whatever the sex; ALT
    < 2.5 × ULN, or < 5.5 × ULN with liver metastases, decides 2 × ULN without knowing of
    them). Exception clauses and criteria that apply only when another holds are an ``If``
    with an :class:`Always` branch."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Always:
    """A fixed verdict, ``met`` or ``not_met``: the branch of an ``If`` where the criterion
    does not apply ("unless Gilbert's syndrome", "ALP < 5 × ULN if bilirubin > ULN")."""

    met: bool


Node = (
    Lab
    | Qualitative
    | Derived
    | Daily
    | Age
    | Sex
    | ConditionPresent
    | MedicationExposure
    | ProcedureDone
    | AllergyRecorded
    | ConsentSigned
    | CrfAnswer
    | CrfHistory
    | Attestation
    | MeasurableLesion
    | EveryTargetLesion
    | AllOf
    | AnyOf
    | Not
    | Reconcile
    | Guard
    | Ask
    | If
    | Always
)


def _fmt(value: Number | None) -> str:
    if isinstance(value, Param):
        return f"${value.name}"
    return "" if value is None else f"{value:g}"

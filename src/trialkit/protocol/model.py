"""The validated protocol: what a protocol folder says, as typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trialkit.model.codes import Code
from trialkit.protocol.baseline import Baseline
from trialkit.protocol.forms import FormGroup
from trialkit.protocol.nodes import Attestation, Node
from trialkit.protocol.valuesets import ValueSet
from trialkit.quality import PlausibleRange

ParamValue = bool | int | float | str
# ``{sstr_min_krenning}`` in a criterion's summary stands for that parameter's value in force,
# so an override shows in every place the summary is read (wording.evidence.criterion_summaries)
SUMMARY_PARAMETER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Parameter:
    """A named assumption with its default and where that default comes from."""

    name: str
    default: ParamValue
    type: str  # int / float / bool / str
    source: str
    description: str
    unit: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Element:
    """A data element: which codes, which canonical unit, which ULN default."""

    name: str
    value_set: str
    label: str
    unit: str | None = None
    analyte: str | None = None
    uln_param: str | None = None
    iu_factor_param: str | None = None
    scores: dict[Code, int] = field(default_factory=dict)
    # physiologically possible values in ``unit`` (quality.plausible); outside never decides
    plausible: PlausibleRange | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str  # inclusion / exclusion
    text: str
    rule: Node
    # what failing it means, in a few words ("age outside 18–75 years"): CONSORT's reasons;
    # ``{parameter}`` placeholders are filled by wording.evidence.criterion_summaries
    summary: str = ""


@dataclass(frozen=True)
class KnownDefect:
    text: str
    reading: str


# The role of the anchor that is the planned first dose: ``--first-dose`` sets it, a CRF date
# before as-of is ignored, while unknown it is "on or after as-of", and labs read for a
# first-dose window must be near it (parameter lab_before_first_dose_days).
FIRST_DOSE_ROLE = "first_dose"
ANCHOR_ROLES = (FIRST_DOSE_ROLE,)


@dataclass(frozen=True)
class AnchorSource:
    """Where an anchor date comes from: a CRF date item, else the earliest onset of a condition.

    ``label`` is how reasons name it ("the first dose", "advanced disease diagnosed");
    ``role`` is one of :data:`ANCHOR_ROLES` or None (a past event: unknown while not found)."""

    crf: str | None = None
    earliest_condition: str | None = None
    label: str = ""
    role: str | None = None


# The roles an item of a CRF lesion group can play (docs/protocols.md "Lesions") → the
# Questionnaire item types it may have. The RECIST 1.1 rules read a lesion by role, never by
# linkId: ``measurable_lesion`` needs MEASURABILITY_ROLES, ``every_target_lesion`` id and target.
LESION_ROLES: dict[str, tuple[str, ...]] = {
    "id": ("string",),
    "organ": ("string", "choice", "open-choice"),
    "is_node": ("boolean",),
    "diameter_mm": ("decimal", "integer"),  # longest diameter; short axis for a lymph node
    "method": ("choice", "open-choice"),
    "slice_mm": ("decimal", "integer"),
    "previously_irradiated": ("boolean",),
    "target": ("boolean",),
}
MEASURABILITY_ROLES = (
    "id",
    "is_node",
    "diameter_mm",
    "method",
    "slice_mm",
    "previously_irradiated",
)
TARGET_ROLES = ("id", "target")
# The methods RECIST 1.1 sets a measurable size for (clinical-facts §4): CT/MRI 10 mm or twice
# the slice thickness, caliper 10 mm, chest X-ray 20 mm. The method item's codes are these.
RECIST_METHODS = ("CT", "MRI", "X-ray", "caliper")


@dataclass(frozen=True)
class LesionGroup:
    """The CRF's repeating lesion group (one group per baseline lesion): its linkId and the
    item that plays each role of :data:`LESION_ROLES`; other items of the group (a per-lesion
    score) are read by ``every_target_lesion`` nodes by their linkId."""

    group: str
    items: dict[str, str]  # role → linkId

    def link(self, role: str) -> str | None:
        return self.items.get(role)


@dataclass(frozen=True)
class DerivedValue:
    """A value the protocol derives with a calculator of :mod:`trialkit.calculators`:
    ``inputs`` binds each of the calculator's number inputs to one of its elements
    (age and sex come from the patient)."""

    name: str
    calculator: str
    inputs: dict[str, str]
    label: str
    note: str = ""  # shown in the evidence beside the formula (e.g. which body weight)


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str
    title: str
    criteria: tuple[Criterion, ...]
    parameters: dict[str, Parameter]
    elements: dict[str, Element]
    value_sets: dict[str, ValueSet]
    qualitative_positive: frozenset[Code]
    qualitative_negative: frozenset[Code]
    questionnaire: dict[str, Any]
    known_defects: tuple[KnownDefect, ...] = ()
    anchors: dict[str, AnchorSource] = field(default_factory=dict)
    folder: str = ""
    derived: dict[str, DerivedValue] = field(default_factory=dict)
    medication_forms: dict[str, FormGroup] = field(default_factory=dict)
    lesions: LesionGroup | None = None  # None: the CRF records no lesions
    baseline: Baseline = field(default_factory=Baseline)  # subjects.csv columns, report rows

    @property
    def questionnaire_url(self) -> str:
        return str(self.questionnaire["url"])

    @property
    def lesion_group(self) -> str | None:
        """The linkId of the CRF's repeating lesion group (None: the CRF records no lesions)."""
        return self.lesions.group if self.lesions is not None else None

    def first_dose_anchor(self) -> str | None:
        """The name of the anchor with the first-dose role, if the protocol declares one."""
        return next((k for k, a in self.anchors.items() if a.role == FIRST_DOSE_ROLE), None)

    def judgement_items(self) -> dict[str, str]:
        """The investigator's judgement criteria (a rule that is an ``attestation``), in
        protocol order → the CRF item that carries each: what sign-off asks."""
        return {c.id: c.rule.link for c in self.criteria if isinstance(c.rule, Attestation)}

    def defaults(self) -> dict[str, ParamValue]:
        return {name: p.default for name, p in self.parameters.items()}

    def plausible_ranges(self) -> dict[str, PlausibleRange]:
        """Element name → its physiologically possible range (quality.plausible)."""
        return {n: e.plausible for n, e in self.elements.items() if e.plausible is not None}

    def plausible_for(self, codes: tuple[Code, ...]) -> PlausibleRange | None:
        """The range of the element whose value set holds one of ``codes`` (None: no element)."""
        for e in self.elements.values():
            if e.plausible is not None and self.value_sets[e.value_set].matches_any(codes):
                return e.plausible
        return None

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

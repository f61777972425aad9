"""Medication forms are the protocol's declaration (issue 15 point 5): ``medication_forms:`` in
protocol.yaml, read by protocol.forms.form_of in the evaluator and the compiled query alike.

Known answers are data dictionary §4 "Octreotide form", read by hand: LAR when the text says
LAR, long-acting, depot or microspheres, the route is intramuscular (SNOMED 78421000) or the
interval is ≥ 14 days; short-acting when subcutaneous or intravenous with several doses a day;
otherwise unknown."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.eligibility.builders import record
from tests.relational.test_differential_protocols import differences
from trialkit.eligibility.screening import CriterionResult, screen_record
from trialkit.errors import ProtocolError
from trialkit.model.codes import ATC, SNOMED, Code
from trialkit.model.record import MedicationFact, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol import load_protocol
from trialkit.protocol.forms import FormFeatures, form_of
from trialkit.protocol.loader import bundled_folder, resolve_parameters
from trialkit.protocol.model import Protocol

BUNDLED = load_protocol("nct05894486")
IM, SC, IV = Code(SNOMED, "78421000"), Code(SNOMED, "34206005"), Code(SNOMED, "47625008")
ORAL = Code(SNOMED, "26643006")


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (FormFeatures("Sandostatin LAR 30 mg"), "lar"),
        (FormFeatures("octreotide (lar)"), "lar"),
        (FormFeatures("Octreotide long-acting release"), "lar"),
        (FormFeatures("octreotide acetate depot"), "lar"),
        (FormFeatures("octreotide for microspheres suspension"), "lar"),
        (FormFeatures("octreotide", (IM,)), "lar"),
        (FormFeatures("octreotide", (), interval_days=28), "lar"),
        (FormFeatures("octreotide", (), interval_days=14), "lar"),
        (FormFeatures("octreotide", (), interval_days=13), None),
        (FormFeatures("octreotide 100 mcg", (SC,), doses_per_day=3), "short"),
        (FormFeatures("octreotide 100 mcg", (IV,), doses_per_day=2), "short"),
        (FormFeatures("octreotide 100 mcg", (SC,), doses_per_day=1), None),  # not "several"
        (FormFeatures("octreotide 100 mcg", (SC,)), None),
        (FormFeatures("octreotide 100 mcg", (ORAL,), doses_per_day=3), None),
        (FormFeatures("octreotide 100 mcg", (), doses_per_day=3), None),
        (FormFeatures("solar octreotide"), None),  # "lar" inside a word is no sign
        (FormFeatures("LAR", (SC,), doses_per_day=3), "lar"),  # LAR is tried first
    ],
)
def test_the_bundled_protocol_declares_the_data_dictionary_rule(
    features: FormFeatures, expected: str | None
) -> None:
    group = BUNDLED.medication_forms["octreotide_forms"]
    assert form_of(group, features, BUNDLED.value_sets) == expected


def _med(text: str, *, route: Code | None = None, per_day: str | None = None) -> MedicationFact:
    return MedicationFact(
        f"MedicationStatement/{abs(hash((text, route, per_day)))}",
        "MedicationStatement",
        (Code(ATC, "H01CB02"),),
        text,
        "active",
        DateSpan.day(date(2026, 1, 1)),
        None,
        route_codes=(route,) if route else (),
        doses_per_day=Decimal(per_day) if per_day else None,
    )


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "proto"
    shutil.copytree(bundled_folder("nct05894486"), folder)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "protocol.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


AS_OF = date(2026, 11, 24)
# Where the EHR is complete (ehr_absence_is_negative), "no short-acting octreotide on record"
# answers the short-acting item's relevance: the form then decides EX17 while that item is
# unanswered (the LAR item answered "can pause").
COMPLETE_EHR = {"ehr_absence_is_negative": "true"}


def _ex17(p: Protocol, rec: PatientRecord) -> CriterionResult:
    params = resolve_parameters(p, COMPLETE_EHR)
    result = screen_record(rec, p, params, as_of=AS_OF)
    return next(c for c in result.criteria if c.id == "EX17")


def test_another_declaration_changes_the_verdict_in_both_paths(tmp_path: Path) -> None:
    """A copy of the protocol whose LAR form is recognised by the word 'retard' only: the
    engine follows the declaration, not a rule of its own, and both paths agree."""
    folder = _copy_with(
        tmp_path,
        """          - {words: [lar]}
          - {phrases: [long-acting, long acting, depot, microsphere]}
          - {route: intramuscular_route}
          - {min_interval_days: 14}""",
        "          - {words: [retard]}",
    )
    other = load_protocol(str(folder))
    cases = {
        name: replace(
            record(medications=(_med(text),), drop={"octreotide-short-interruptible"}),
            patient_id=name,
        )
        for name, text in (("lar", "Sandostatin LAR 30 mg"), ("retard", "Octreotide retard 30 mg"))
    }
    # the bundled declaration: LAR is LAR (so not short-acting), 'retard' is no form's sign
    lar = _ex17(BUNDLED, cases["lar"])
    assert lar.status.value == "not_met"
    retard = _ex17(BUNDLED, cases["retard"])
    assert retard.status.value == "unknown"
    notes = " ".join(str(e.note) for e in retard.evidence)
    assert "form not recorded (is it octreotide LAR or short-acting octreotide?)" in notes
    # the copy: 'retard' is its LAR, and 'LAR' no longer a sign of any form
    assert _ex17(other, cases["retard"]).status.value == "not_met"
    assert _ex17(other, cases["lar"]).status.value == "unknown"
    rows = list(cases.values())
    assert differences(other, rows, as_of=AS_OF, overrides=COMPLETE_EHR) == []
    assert differences(BUNDLED, rows, as_of=AS_OF, overrides=COMPLETE_EHR) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "forms: octreotide_forms, form: short}",
            "forms: octreotide_forms, form: slow}",
            "form 'slow' is not one of octreotide_forms's: lar, short",
        ),
        (
            "forms: octreotide_forms, form: lar}",
            "forms: octreotide_form, form: lar}",
            "unknown medication form group 'octreotide_form'",
        ),
        (
            "active: true, forms: octreotide_forms, form: lar}",
            "active: true, form: lar}",
            "form .* goes with forms",
        ),
        (
            "{route: intramuscular_route}",
            "{route: intramuscular}",
            "unknown value set 'intramuscular'",
        ),
        (
            "{min_interval_days: 14}",
            "{min_interval_days: fourteen}",
            "min_interval_days is a number",
        ),
        ("{words: [lar]}", "{word: [lar]}", "a sign states one or more of"),
    ],
)
def test_a_broken_declaration_fails_at_load_with_the_place(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(ProtocolError, match=message) as info:
        load_protocol(str(_copy_with(tmp_path, old, new)))
    assert "protocol.yaml" in str(info.value)

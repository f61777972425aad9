"""Inclusion criteria IN1–IN8 at their edges (data dictionary §2, §4)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.eligibility.builders import AS_OF, choice, lab, lesion, record
from tests.eligibility.helpers import criterion, screen, status


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(1950, 11, 25), "met"),  # 75 on the day before the 76th birthday
        (date(1950, 11, 24), "not_met"),  # 76th birthday is as-of
        (date(2008, 11, 24), "met"),  # 18th birthday is as-of
        (date(2008, 11, 25), "not_met"),  # 17 the day before the 18th birthday
    ],
)
def test_age_in_completed_years_at_as_of(birth: date, expected: str) -> None:
    assert status(record(birth=birth), "IN2") == expected


def test_age_unknown_without_birth_date() -> None:
    assert status(record(drop={"birth_date"}), "IN2") == "unknown"


@pytest.mark.parametrize(
    ("ki67", "expected"), [(10, "met"), (55, "met"), (9.9, "not_met"), (55.1, "not_met")]
)
def test_ki67_10_to_55_inclusive_from_crf_and_ehr(ki67: float, expected: str) -> None:
    # clinical-facts §11 item 12
    crf_only = record(crf={"ki67-percent": ki67}, drop={"ki67_obs"})
    ehr_only = record(
        labs={"ki67_obs": lab("29593-1", ki67, "%", days_ago=60)}, drop={"ki67-percent"}
    )
    assert status(crf_only, "IN3") == expected
    assert status(ehr_only, "IN3") == expected


def test_ki67_crf_and_ehr_disagreeing_is_a_conflict() -> None:
    rec = record(crf={"ki67-percent": 60.0})  # EHR says 15 %
    result = screen(rec)
    in3 = criterion(result, "IN3")
    assert in3.status.value == "unknown"
    assert "disagree" in in3.reason
    assert {e.role for e in in3.evidence} >= {"conflict"}
    assert status(rec, "IN3", conflict_policy="ehr") == "met"
    assert status(rec, "IN3", conflict_policy="crf") == "not_met"


def test_gep_net_diagnosis_is_needed_and_bronchial_carcinoid_is_not_gep() -> None:
    assert status(record(drop={"gep_net"}), "IN3") == "unknown"
    from trialkit.model.codes import ICD10CM, Code
    from trialkit.model.record import ConditionFact

    bronchus = ConditionFact(
        "Condition/b", (Code(ICD10CM, "C7A.090"),), "active", "confirmed", None, None
    )
    assert status(record(drop={"gep_net"}, conditions=(bronchus,)), "IN3") == "unknown"
    pancreas = ConditionFact(
        "Condition/p", (Code(ICD10CM, "C25.4"),), "active", "confirmed", None, None
    )
    assert status(record(drop={"gep_net"}, conditions=(pancreas,)), "IN3") == "met"


def test_resectable_disease_or_poor_differentiation_fail_in3() -> None:
    assert (
        status(record(crf={"disease-extent": choice("resectable")}, drop={"liver_mets"}), "IN3")
        == "not_met"
    )
    assert status(record(crf={"differentiation": choice("poor")}), "IN3") == "not_met"
    assert status(record(crf={"central-pathology-confirmed": False}), "IN3") == "not_met"


def test_crf_choice_matches_on_value_string_too() -> None:
    assert status(record(crf={"differentiation": "well"}), "IN3") == "met"


def test_in4_crf_true_means_prior_therapy() -> None:
    assert status(record(crf={"prior-systemic-therapy-current-stage": True}), "IN4") == "not_met"
    assert status(record(drop={"prior-systemic-therapy-current-stage"}), "IN4") == "unknown"


def test_in4_prrt_or_l01_since_advanced_disease_in_the_ehr() -> None:
    from trialkit.model.codes import ATC, Code
    from trialkit.model.record import MedicationFact
    from trialkit.model.time import DateSpan

    capecitabine = MedicationFact(
        "MedicationRequest/cape",
        "MedicationRequest",
        (Code(ATC, "L01BC06"),),
        "capecitabine",
        "completed",
        DateSpan.day(date(2026, 9, 20)),
        DateSpan.day(date(2026, 10, 1)),
    )
    rec = record(drop={"prior-systemic-therapy-current-stage"}, medications=(capecitabine,))
    assert status(rec, "IN4") == "not_met"
    before = MedicationFact(
        "MedicationRequest/old",
        "MedicationRequest",
        (Code(ATC, "L01BC06"),),
        "capecitabine",
        "completed",
        DateSpan.day(date(2024, 1, 1)),
        DateSpan.day(date(2024, 3, 1)),
    )
    assert (
        status(record(drop={"prior-systemic-therapy-current-stage"}, medications=(before,)), "IN4")
        == "unknown"
    )
    lanreotide = MedicationFact(
        "MedicationStatement/ssa",
        "MedicationStatement",
        (Code(ATC, "H01CB03"),),
        "lanreotide",
        "active",
        DateSpan.day(date(2026, 9, 10)),
        None,
    )
    assert (
        status(record(medications=(lanreotide,)), "IN4") == "met"
    )  # SSA is not antitumour therapy here


def test_in5_measurability_by_recist() -> None:
    assert status(record(lesions=(lesion("L1", 10),)), "IN5") == "met"  # 10 mm on CT, slice 5
    assert status(record(lesions=(lesion("L1", 9.9),)), "IN5") == "not_met"
    assert status(record(lesions=(lesion("L1", 14, slice_mm=8),)), "IN5") == "not_met"  # < 2 × 8 mm
    assert status(record(lesions=(lesion("N1", 15, node=True),)), "IN5") == "met"
    assert status(record(lesions=(lesion("N1", 14.9, node=True),)), "IN5") == "not_met"
    assert status(record(lesions=(lesion("X1", 19, method="X-ray"),)), "IN5") == "not_met"
    assert status(record(lesions=(lesion("L1", 40, irradiated=True),)), "IN5") == "not_met"
    assert status(record(drop={"lesions"}), "IN5") == "unknown"


def test_in6_every_target_krenning_at_least_parameter() -> None:
    low = (lesion("L1", 32, krenning=4), lesion("L2", 25, krenning=2))
    assert status(record(lesions=low), "IN6") == "not_met"
    assert status(record(lesions=low), "IN6", sstr_min_krenning="2") == "met"
    assert status(record(lesions=(lesion("L1", 32, krenning=None),)), "IN6") == "unknown"
    assert status(record(lesions=(lesion("L1", 32, target=False),)), "IN6") == "unknown"


def test_ecog_from_observation_coded_answer() -> None:
    from trialkit.model.codes import LOINC, Code
    from trialkit.model.record import Measurement
    from trialkit.model.time import DateSpan

    coded = Measurement(
        "Observation/ecog2",
        (Code(LOINC, "89247-1"),),
        DateSpan.day(AS_OF),
        "final",
        value_codes=(Code(LOINC, "LA9624-3"),),
    )
    assert status(record(labs={"ecog_obs": coded}, drop={"ecog"}), "IN7") == "not_met"
    assert status(record(drop={"ecog_obs"}, crf={"ecog": 1}), "IN7") == "met"


@pytest.mark.parametrize(
    ("cbp", "agreed", "expected"),
    [(False, None, "met"), (True, True, "met"), (True, False, "not_met"), (None, None, "unknown")],
)
def test_in8_contraception(cbp: bool | None, agreed: bool | None, expected: str) -> None:
    rec = record(crf={"childbearing-potential": cbp, "contraception-agreed": agreed})
    assert status(rec, "IN8") == expected


def test_in1_consent_after_as_of_is_not_met() -> None:
    rec = record(drop={"consent"}, crf={"consent-date": date(2026, 11, 25)})
    assert status(rec, "IN1") == "not_met"
    assert status(record(drop={"consent", "consent-date"}), "IN1") == "unknown"

"""Issue 12: readings that let unsafe patients through, each on the fully eligible
baseline patient with one change (reproductions 5, birthDate part, and 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from tests.eligibility.builders import AS_OF, choice, qualitative, record
from tests.eligibility.helpers import criterion, screen, status
from trialkit.model.codes import ATC, ICD10CM, ICDO3, Code
from trialkit.model.record import ConditionFact, ConsentFact, MedicationFact, PatientRecord
from trialkit.model.time import DateSpan

# --- reproduction 5: a birth date after the as-of date ---------------------------------------


def test_birth_date_in_the_future_is_unknown_age_with_a_warning() -> None:
    result = screen(record(birth=date(2030, 3, 10)))
    in2 = criterion(result, "IN2")
    assert in2.status.value == "unknown"
    assert "Age -" not in in2.reason
    assert "-4" not in in2.reason
    assert any(
        w.field == "birthDate" and "after the as-of date" in w.message for w in result.warnings
    )
    assert result.status.value != "eligible"


def test_birth_date_after_as_of_but_not_in_the_calendar_future() -> None:
    # as-of is the reference, not the wall clock: born the day after as-of
    rec = record(birth=date(2026, 11, 25))
    assert status(rec, "IN2") == "unknown"
    assert status(rec, "IN2", as_of=date(2026, 11, 25)) == "not_met"  # age 0 is a real age


def test_birth_date_after_as_of_leaves_creatinine_clearance_unknown() -> None:
    # EX1: creatinine 80 µmol/L passes, so only the Cockcroft-Gault branch could decide, and
    # (140 − age) with a negative age must not: the criterion stays unknown
    assert status(record(), "EX1") == "not_met"
    ex1 = criterion(screen(record(birth=date(2030, 3, 10))), "EX1")
    assert ex1.status.value == "unknown"


def test_birth_on_as_of_minus_years_still_decides() -> None:
    assert status(record(birth=date(AS_OF.year - 55, 1, 1)), "IN2") == "met"


# --- reproduction 9 ---------------------------------------------------------------------------


def _condition(code: str, display: str) -> ConditionFact:
    return ConditionFact(
        f"Condition/{code}",
        (Code(ICD10CM, code, display),),
        "active",
        "confirmed",
        DateSpan.day(date(2025, 1, 10)),
        None,
    )


def test_in3_carcinoid_of_unspecified_site_is_not_known_to_be_gep() -> None:
    assert status(record(), "IN3") == "met"
    unspecified = _condition("C7A.00", "Malignant carcinoid tumor of unspecified site")
    rec = record(drop={"gep_net"}, conditions=(unspecified,))
    assert status(rec, "IN3") == "unknown"
    assert screen(rec).status.value != "eligible"


def test_in3_poorly_differentiated_code_against_crf_well_differentiated_is_a_conflict() -> None:
    poorly = _condition("C7A.1", "Malignant poorly differentiated neuroendocrine tumors")
    rec = record(drop={"gep_net"}, conditions=(poorly,))  # CRF: differentiation "well"
    in3 = criterion(screen(rec), "IN3")
    assert in3.status.value == "unknown"
    assert "Conflict" in in3.reason
    assert any(e.role == "conflict" for e in in3.evidence)
    # the CRF saying "poor" agrees: not a GEP-NET of this trial
    assert (
        status(
            record(drop={"gep_net"}, conditions=(poorly,), crf={"differentiation": choice("poor")}),
            "IN3",
        )
        == "not_met"
    )
    # conflict_policy picks a side as documented
    assert status(rec, "IN3", conflict_policy="ehr") == "not_met"


def test_in3_nec_morphology_against_crf_well_differentiated_is_a_conflict() -> None:
    nec = ConditionFact(
        "Condition/nec",
        (Code(ICDO3, "8246/3", "Neuroendocrine carcinoma, NOS"),),
        "active",
        "confirmed",
        DateSpan.day(date(2025, 1, 10)),
        None,
    )
    assert status(record(conditions=(nec,)), "IN3") == "unknown"


def medication(atc: str, name: str, *, start_days_ago: int, end_days_ago: int) -> MedicationFact:
    return MedicationFact(
        f"MedicationStatement/{atc}",
        "MedicationStatement",
        (Code(ATC, atc),),
        name,
        "completed",
        DateSpan.day(AS_OF - timedelta(days=start_days_ago)),
        DateSpan.day(AS_OF - timedelta(days=end_days_ago)),
    )


def _interferon(start_days_ago: int, end_days_ago: int) -> MedicationFact:
    return medication(
        "L03AB04", "interferon alfa-2a", start_days_ago=start_days_ago, end_days_ago=end_days_ago
    )


def test_in4_interferon_alfa_since_advanced_disease_is_prior_systemic_therapy() -> None:
    # advanced disease 2026-09-01 (CRF); interferon alfa started 2026-09-20 (65 days ago)
    rec = record(medications=(_interferon(65, 40),), drop={"prior-systemic-therapy-current-stage"})
    assert status(rec, "IN4") == "not_met"
    # with the CRF saying "no prior systemic therapy", the EHR record is a conflict, not ignored
    assert status(record(medications=(_interferon(65, 40),)), "IN4") == "unknown"


def test_ex10_interferon_alfa_within_28_days_excludes() -> None:
    rec = record(medications=(_interferon(20, 10),), drop={"prior-systemic-therapy"})
    assert status(rec, "EX10") == "met"


def test_interferon_beta_is_not_antitumour_therapy() -> None:
    beta = medication("L03AB07", "interferon beta-1a", start_days_ago=20, end_days_ago=10)
    assert status(record(medications=(beta,)), "EX10") == "not_met"


def test_ex7_woman_of_childbearing_potential_without_hcg_is_unknown() -> None:
    rec = record(crf={"childbearing-potential": True}, drop={"hcg"})  # CRF: not pregnant
    ex7 = criterion(screen(rec), "EX7")
    assert ex7.status.value == "unknown"
    assert screen(rec).status.value != "eligible"
    # a negative test in its window decides
    assert status(record(crf={"childbearing-potential": True}), "EX7") == "not_met"
    # an hCG result older than the 14-day window does not
    old = {"hcg": qualitative("2118-8", False, days_ago=20)}
    assert status(record(crf={"childbearing-potential": True}, labs=old), "EX7") == "unknown"
    # childbearing potential unanswered: the test is needed too
    assert status(record(drop={"childbearing-potential", "hcg"}), "EX7") == "unknown"
    # not of childbearing potential: the CRF answer stands without a test
    assert status(record(drop={"hcg"}), "EX7") == "not_met"


def test_ex7_positive_hcg_on_a_patient_recorded_as_male_is_a_data_conflict() -> None:
    positive = {"hcg": qualitative("2118-8", True)}
    ex7 = criterion(screen(record(sex="male", labs=positive)), "EX7")
    assert ex7.status.value == "unknown"
    assert "Data-quality conflict" in ex7.reason
    assert {e.source for e in ex7.evidence if e.role == "conflict"} >= {"Patient/p1"}
    assert any("2118-8" in e.source and e.role == "conflict" for e in ex7.evidence)
    # a man with a negative or no test: not pregnant, as before
    assert status(record(sex="male"), "EX7") == "not_met"
    assert status(record(sex="male", drop={"hcg"}), "EX7") == "not_met"


# --- IN1: consent to this protocol -------------------------------------------------------------

SCOPE = Code("http://terminology.hl7.org/CodeSystem/consentscope", "research")


def _consent(study: str | None, *, rid: str = "c2", days_ago: int = 400) -> ConsentFact:
    studies = () if study is None else (Code("https://clinicaltrials.gov", study),)
    return ConsentFact(
        f"Consent/{rid}",
        "active",
        (SCOPE,),
        (),
        DateSpan.day(AS_OF - timedelta(days=days_ago)),
        studies,
    )


def _with_consents(*consents: ConsentFact) -> PatientRecord:
    return replace(record(drop={"consent-date"}), consents=consents)


def test_in1_a_biobank_consent_is_not_consent_to_this_protocol() -> None:
    # 2024 biobank research consent, no CRF consent date: not evidence for IN1
    rec = _with_consents(_consent(None, rid="biobank", days_ago=700))
    in1 = criterion(screen(rec), "IN1")
    assert in1.status.value == "unknown"
    assert screen(rec).status.value != "eligible"
    assert any(e.source == "Consent/biobank" and e.role == "context" for e in in1.evidence)
    # another study's consent is not either
    assert status(_with_consents(_consent("NCT01578239")), "IN1") == "unknown"


def test_in1_a_consent_referencing_this_study_counts() -> None:
    rec = _with_consents(_consent("NCT05894486", days_ago=4))
    in1 = criterion(screen(rec), "IN1")
    assert in1.status.value == "met"
    assert "this study" in in1.reason
    # or the CRF consent date, as before
    assert status(replace(record(), consents=()), "IN1") == "met"


def test_consent_study_reference_is_read_from_fhir() -> None:
    from trialkit.fhir.extract import RESEARCH_STUDY_CONTEXT, consent_studies

    resource = {
        "resourceType": "Consent",
        "provision": {
            "extension": [
                {
                    "url": RESEARCH_STUDY_CONTEXT,
                    "valueReference": {
                        "identifier": {
                            "system": "https://clinicaltrials.gov",
                            "value": "NCT05894486",
                        }
                    },
                },
                {"url": RESEARCH_STUDY_CONTEXT, "valueReference": {"reference": "ResearchStudy/1"}},
            ]
        },
    }
    assert consent_studies(resource) == (Code("https://clinicaltrials.gov", "NCT05894486"),)
    assert consent_studies({"resourceType": "Consent", "provision": "bad"}) == ()

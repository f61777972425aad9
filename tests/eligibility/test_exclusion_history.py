"""History and CRF exclusions EX7–EX26: absence is not evidence, windows, conflicts (§4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.eligibility.builders import AS_OF, FIRST_DOSE, choice, qualitative, record
from tests.eligibility.helpers import criterion, screen, status
from trialkit.model.codes import ATC, ICD10CM, SNOMED, Code
from trialkit.model.record import AllergyFact, ConditionFact, MedicationFact, ProcedureFact
from trialkit.model.time import DateSpan


def test_ex7_male_is_not_met_whatever_else() -> None:
    assert status(record(sex="male", drop={"pregnant", "lactating", "hcg"}), "EX7") == "not_met"


def test_ex7_positive_hcg_vs_crf_not_pregnant_is_a_conflict() -> None:
    rec = record(labs={"hcg": qualitative("2106-3", True, days_ago=3)})
    ex7 = criterion(screen(rec), "EX7")
    assert ex7.status.value == "unknown"
    assert "disagree" in ex7.reason
    assert status(rec, "EX7", conflict_policy="crf") == "not_met"
    assert status(rec, "EX7", conflict_policy="ehr") == "met"


def test_ex7_hcg_outside_14_days_does_not_count() -> None:
    rec = record(labs={"hcg": qualitative("2106-3", True, days_ago=15)}, drop={"pregnant"})
    assert status(rec, "EX7") == "unknown"
    rec = record(
        labs={"hcg": qualitative("2106-3", True, days_ago=14, via="interpretation")},
        drop={"pregnant"},
    )
    assert status(rec, "EX7") == "met"


@pytest.mark.parametrize(
    ("ever", "last", "expected"),
    [
        (False, None, "not_met"),
        (True, None, "unknown"),
        (None, None, "unknown"),
        (None, FIRST_DOSE - timedelta(days=28), "met"),  # inclusive window
        (False, FIRST_DOSE - timedelta(days=29), "not_met"),
    ],
)
def test_ex9_never_companion_and_inclusive_window(
    ever: bool | None, last: date | None, expected: str
) -> None:
    rec = record(crf={"prior-local-therapy": ever, "last-local-therapy-date": last})
    assert status(rec, "EX9", first_dose=FIRST_DOSE) == expected


def test_ex9_unknown_first_dose_still_decides_when_the_date_is_clearly_outside() -> None:
    old = record(crf={"last-local-therapy-date": AS_OF - timedelta(days=29)})
    recent = record(crf={"last-local-therapy-date": AS_OF - timedelta(days=2)})
    assert status(old, "EX9") == "not_met"  # first dose ≥ as-of, so the window starts after it
    result = screen(recent)
    assert criterion(result, "EX9").status.value == "unknown"
    assert result.first_dose is None
    assert result.first_dose_source == "unknown"


def test_first_dose_from_crf_and_command_line_override() -> None:
    rec = record(
        crf={
            "planned-first-dose-date": date(2026, 12, 20),
            "last-local-therapy-date": date(2026, 11, 20),
        }
    )
    result = screen(rec)
    assert result.first_dose == date(2026, 12, 20)
    assert result.first_dose_source.startswith("CRF")
    assert criterion(result, "EX9").status.value == "not_met"  # 30 days before 20 Dec
    forced = screen(rec, first_dose=date(2026, 12, 1))
    assert forced.first_dose_source == "command line"
    assert criterion(forced, "EX9").status.value == "met"


def test_ex9_ehr_surgery_in_window_vs_crf_never_is_a_conflict() -> None:
    surgery = ProcedureFact(
        "Procedure/s1",
        (Code(SNOMED, "387713003", "Surgical procedure"),),
        "completed",
        DateSpan.day(AS_OF - timedelta(days=5)),
    )
    rec = record(crf={"planned-first-dose-date": FIRST_DOSE})
    assert status(rec, "EX9") == "not_met"
    with_surgery = record(crf={"planned-first-dose-date": FIRST_DOSE})
    from dataclasses import replace

    with_surgery = replace(with_surgery, procedures=(surgery,))
    assert status(with_surgery, "EX9") == "unknown"
    assert (
        status(
            replace(
                with_surgery,
                crf=replace(
                    with_surgery.crf,
                    answers={
                        k: v
                        for k, v in with_surgery.crf.answers.items()
                        if k != "prior-local-therapy"
                    },
                ),
            ),
            "EX9",
        )
        == "met"
    )


def test_ex10_systemic_therapy_within_28_days_from_ehr() -> None:
    sunitinib = MedicationFact(
        "MedicationRequest/sun",
        "MedicationRequest",
        (Code(ATC, "L01EX01"),),
        "sunitinib",
        "active",
        DateSpan.day(date(2026, 6, 1)),
        None,
    )
    rec = record(drop={"prior-systemic-therapy"}, medications=(sunitinib,))
    assert status(rec, "EX10") == "met"
    stopped = MedicationFact(
        "MedicationRequest/sun",
        "MedicationRequest",
        (Code(ATC, "L01EX01"),),
        "sunitinib",
        "stopped",
        DateSpan.day(date(2026, 6, 1)),
        DateSpan.day(AS_OF - timedelta(days=29)),
    )
    assert (
        status(record(drop={"prior-systemic-therapy"}, medications=(stopped,)), "EX10") == "unknown"
    )


def test_absence_is_not_evidence_unless_the_site_says_so() -> None:
    rec = record(drop={"prior-prrt"})
    assert status(rec, "EX8") == "unknown"
    assert status(rec, "EX8", ehr_absence_is_negative="true") == "not_met"


def test_ex14_brain_metastases_treated_and_stable_168_days() -> None:
    stable = AS_OF - timedelta(days=168)
    assert (
        status(
            record(
                crf={"brain-metastases": choice("treated"), "brain-metastases-stable-since": stable}
            ),
            "EX14",
        )
        == "not_met"
    )
    assert (
        status(
            record(
                crf={
                    "brain-metastases": choice("treated"),
                    "brain-metastases-stable-since": stable + timedelta(days=1),
                }
            ),
            "EX14",
        )
        == "met"
    )
    assert status(record(crf={"brain-metastases": choice("untreated")}), "EX14") == "met"
    assert status(record(crf={"brain-metastases": choice("treated")}), "EX14") == "unknown"


def test_ex14_ehr_brain_mets_plus_crf_treated_stable_complement_not_conflict() -> None:
    c7931 = ConditionFact(
        "Condition/brain", (Code(ICD10CM, "C79.31"),), "active", "confirmed", None, None
    )
    rec = record(
        conditions=(c7931,),
        crf={
            "brain-metastases": choice("treated"),
            "brain-metastases-stable-since": AS_OF - timedelta(days=200),
        },
    )
    assert status(rec, "EX14") == "not_met"
    conflict = record(conditions=(c7931,))  # CRF says none
    assert status(conflict, "EX14") == "unknown"


def test_ex15_heart_failure_presence_alone_is_not_enough() -> None:
    hf = ConditionFact("Condition/hf", (Code(ICD10CM, "I50.9"),), "active", "confirmed", None, None)
    assert status(record(conditions=(hf,)), "EX15") == "not_met"  # CRF says controlled
    assert status(record(conditions=(hf,), drop={"chf-uncontrolled"}), "EX15") == "unknown"
    assert status(record(conditions=(hf,), crf={"chf-uncontrolled": True}), "EX15") == "met"


def test_ex17_octreotide_lar_that_cannot_pause() -> None:
    lar = MedicationFact(
        "MedicationStatement/lar",
        "MedicationStatement",
        (Code(ATC, "H01CB02"),),
        "Sandostatin LAR depot 30 mg",
        "active",
        DateSpan.day(date(2026, 1, 1)),
        None,
    )
    assert (
        status(record(medications=(lar,), crf={"octreotide-lar-interruptible": False}), "EX17")
        == "met"
    )
    assert (
        status(record(medications=(lar,), drop={"octreotide-lar-interruptible"}), "EX17")
        == "unknown"
    )
    assert status(record(medications=(lar,)), "EX17") == "not_met"


def test_ex18_other_malignancy_resolved_more_than_five_years_ago() -> None:
    def breast(abated: date) -> ConditionFact:
        return ConditionFact(
            "Condition/breast",
            (Code(ICD10CM, "C50.911"),),
            "resolved",
            "confirmed",
            DateSpan.day(date(2010, 1, 1)),
            DateSpan.day(abated),
        )

    five_years = date(2021, 11, 24)
    assert (
        status(
            record(
                conditions=(breast(five_years),),
                drop={"other-malignancy"},
            ),
            "EX18",
            ehr_absence_is_negative="true",
        )
        == "not_met"
    )
    assert (
        status(
            record(conditions=(breast(five_years + timedelta(days=1)),), drop={"other-malignancy"}),
            "EX18",
        )
        == "met"
    )
    liver_spread = ConditionFact(
        "Condition/c78", (Code(ICD10CM, "C78.7"),), "active", "confirmed", None, None
    )
    assert status(record(conditions=(liver_spread,)), "EX18") == "not_met"


def test_ex18_bronchial_carcinoid_is_another_malignancy_gep_net_is_not() -> None:
    bronchial = ConditionFact(
        "Condition/lung", (Code(ICD10CM, "C7A.090"),), "active", "confirmed", None, None
    )
    assert status(record(conditions=(bronchial,)), "EX18") == "unknown"  # CRF says none: conflict
    rectal = ConditionFact(
        "Condition/rectum", (Code(ICD10CM, "C7A.026"),), "active", "confirmed", None, None
    )
    assert status(record(conditions=(rectal,)), "EX18") == "not_met"  # a GEP-NET, not "other"


def test_ex9_biopsy_is_not_local_therapy() -> None:
    from dataclasses import replace

    biopsy = ProcedureFact(
        "Procedure/b1",
        (Code(SNOMED, "387713003", "Surgical procedure"),),
        "completed",
        DateSpan.day(AS_OF - timedelta(days=5)),
        text="Core needle biopsy of liver",
    )
    rec = replace(record(crf={"planned-first-dose-date": FIRST_DOSE}), procedures=(biopsy,))
    assert status(rec, "EX9") == "not_met"


def test_ex19_allergy_by_text() -> None:
    from dataclasses import replace

    allergy = AllergyFact(
        "AllergyIntolerance/a1", (), "Octreotide (Sandostatin) - anaphylaxis", "active", "confirmed"
    )
    rec = replace(record(drop={"hypersensitivity-study-drug"}), allergies=(allergy,))
    assert status(rec, "EX19") == "met"


def test_ex21_hiv_positive_excludes_negative_does_not_decide() -> None:
    assert (
        status(
            record(labs={"hiv": qualitative("56888-1", True)}, drop={"active-infection"}), "EX21"
        )
        == "met"
    )
    assert status(record(drop={"active-infection"}), "EX21") == "unknown"


def test_ex22_hbsag_with_dna_or_hcv() -> None:
    from tests.eligibility.builders import lab

    hbsag = {"hbsag": qualitative("5196-1", True)}
    dna_high = lab("29615-2", 10000, "{copies}/mL")
    dna_iu = lab("42595-9", 1852, "[IU]/mL")  # × 5.4 = 10,000.8 copies/mL
    dna_low = lab("29615-2", 9999, "{copies}/mL")
    assert status(record(labs=hbsag, extra_measurements=(dna_high,)), "EX22") == "met"
    assert status(record(labs=hbsag, extra_measurements=(dna_iu,)), "EX22") == "met"
    assert status(record(labs=hbsag, extra_measurements=(dna_low,)), "EX22") == "not_met"
    assert status(record(labs={"hcv": qualitative("13955-0", True)}), "EX22") == "met"
    assert status(record(drop={"hbsag"}), "EX22") == "unknown"


@pytest.mark.parametrize("cid", ["EX24", "EX25", "EX26"])
def test_investigator_attestations(cid: str) -> None:
    link = f"investigator-{cid.lower()}"
    assert status(record(crf={link: True}), cid) == "met"
    assert status(record(drop={link}), cid) == "unknown"


def test_wrong_answer_type_is_a_warning_and_decides_nothing() -> None:
    result = screen(record(crf={"marrow-irradiated-percent": "lots"}))
    assert criterion(result, "EX13").status.value == "unknown"
    assert any("marrow-irradiated-percent" in w.field for w in result.warnings)
    assert status(record(crf={"marrow-irradiated-percent": 25.0}), "EX13") == "not_met"
    assert status(record(crf={"marrow-irradiated-percent": 25.1}), "EX13") == "met"

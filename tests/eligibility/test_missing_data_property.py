"""Property: missing data never yield ``eligible`` (brief: "Unknown is not 'not met'").

The complete record of ``builders`` is eligible. Each item it holds is either
*essential* (no other item can decide its criterion) or one of a pair of
*alternatives* (CRF and EHR carrying the same fact). The item lists below are
derived by hand from the data dictionary, not from the engine. Dropping any
essential item, or both items of a pair, must leave the patient not eligible;
dropping anything else must keep them eligible.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.eligibility.builders import ELIGIBLE_CRF, ELIGIBLE_LABS, ELIGIBLE_OTHER, record
from tests.eligibility.helpers import screen

ALTERNATIVES = [
    ("consent", "consent-date"),  # IN1: Consent resource or CRF date
    ("ki67_obs", "ki67-percent"),  # IN3: Ki-67 in the EHR or CRF
    ("liver_mets", "disease-extent"),  # IN3: C7B.x or CRF extent
    ("ecog_obs", "ecog"),  # IN7
    ("childbearing-potential", "contraception-agreed"),  # IN8: either answer decides
    ("hcg", "pregnant"),  # EX7
    # EX7 (issue 12): without a test, "not pregnant" decides only when childbearing
    # potential is ruled out (label: pregnancy verified by a test before dosing)
    ("hcg", "childbearing-potential"),
]
# Items no criterion needs in this record: HIV negative decides nothing (EX21 is the CRF's);
# HBV DNA by site criteria only matters when HBsAg is positive; the advanced-disease date only
# matters for EHR therapy records, and there are none.
REDUNDANT = {"hiv", "hbv-dna-positive-site", "advanced-disease-date"}
ALL_ITEMS = sorted(set(ELIGIBLE_LABS) | set(ELIGIBLE_CRF) | set(ELIGIBLE_OTHER))
PAIRED = {item for pair in ALTERNATIVES for item in pair}
ESSENTIAL = set(ALL_ITEMS) - PAIRED - REDUNDANT


def _should_stay_eligible(dropped: set[str]) -> bool:
    if dropped & ESSENTIAL:
        return False
    return not any(set(pair) <= dropped for pair in ALTERNATIVES)


@settings(max_examples=300, deadline=None)
@given(st.sets(st.sampled_from(ALL_ITEMS), min_size=1, max_size=8))
def test_dropping_data_never_yields_eligible_unless_nothing_needed_was_dropped(
    dropped: set[str],
) -> None:
    result = screen(record(drop=dropped))
    if _should_stay_eligible(dropped):
        assert result.status.value == "eligible", [
            c.id for c in result.criteria if c.status.value == "unknown"
        ]
    else:
        assert result.status.value == "incomplete"


def test_every_essential_item_alone_makes_incomplete() -> None:
    for item in sorted(ESSENTIAL):
        assert screen(record(drop={item})).status.value == "incomplete", item

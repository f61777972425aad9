"""Simon two-stage designs: the published vectors and a port of clinfun::ph2simon."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.reference import ph2simon, two_stage_characteristics
from trialkit.analysis.simon import SearchLimitWarning, SimonDesign, simon_designs
from trialkit.errors import InputError


def rule(design: SimonDesign) -> tuple[int, int, int, int]:
    return design.r1, design.n1, design.r, design.n


@pytest.mark.parametrize(
    ("p0", "p1", "optimal", "minimax"),
    [
        (0.2, 0.4, (3, 13, 12, 43), (4, 18, 10, 33)),
        (0.1, 0.3, (1, 10, 5, 29), (1, 15, 5, 25)),
        (0.3, 0.5, (5, 15, 18, 46), (6, 19, 16, 39)),
    ],
)
def test_simon_against_clinical_facts_vector_15(
    p0: float, p1: float, optimal: tuple[int, int, int, int], minimax: tuple[int, int, int, int]
) -> None:
    opt, mm = simon_designs(p0, p1, 0.05, 0.80)  # default nmax = 100, as clinfun
    assert (opt.kind, mm.kind) == ("optimal", "minimax")
    assert rule(opt) == optimal
    assert rule(mm) == minimax
    for design, p_null, p_alt in ((opt, p0, p1), (mm, p0, p1)):
        active0, pet0 = two_stage_characteristics(p_null, *rule(design))
        active1, _ = two_stage_characteristics(p_alt, *rule(design))
        assert design.alpha == pytest.approx(active0, abs=1e-12)
        assert design.power == pytest.approx(active1, abs=1e-12)
        assert design.pet0 == pytest.approx(pet0, abs=1e-12)
        assert design.alpha <= 0.05
        assert design.power >= 0.80


def test_simon_en0_and_pet0_against_clinical_facts_vector_15() -> None:
    opt, mm = simon_designs(0.2, 0.4, 0.05, 0.80)
    assert round(opt.en0, 2) == 20.58
    assert round(opt.pet0, 3) == 0.747
    assert round(mm.en0, 2) == 22.25
    # EN0 = n1 + (1 − PET0)(n − n1) (Simon 1989)
    assert opt.en0 == pytest.approx(opt.n1 + (1 - opt.pet0) * (opt.n - opt.n1))


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.03, 0.5),
    st.floats(0.17, 0.35),
    st.sampled_from([0.05, 0.1]),
    st.sampled_from([0.8, 0.9]),
)
def test_simon_against_clinfun_ph2simon_port_on_random_rates(
    p0: float, delta: float, alpha: float, power: float
) -> None:
    # reference: a line-by-line port of clinfun's Fortran search (tests/analysis/reference.py)
    nmax = 45
    p1 = p0 + delta
    expected = ph2simon(p0, p1, alpha, 1 - power, nmax)
    if expected is None:
        with pytest.raises(InputError, match="nmax"):
            simon_designs(p0, p1, alpha, power, nmax=nmax)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt, mm = simon_designs(p0, p1, alpha, power, nmax=nmax)
    assert (rule(opt), rule(mm)) == expected
    warned = any(issubclass(w.category, SearchLimitWarning) for w in caught)
    assert warned == (expected[0][3] > nmax - 10)  # clinfun's print.ph2simon warning


def test_optimal_design_near_nmax_warns_like_clinfun() -> None:
    # clinfun's print.ph2simon warns when the optimal n > nmax − 10
    with pytest.warns(SearchLimitWarning, match="nmax"):
        opt, _ = simon_designs(0.2, 0.4, 0.05, 0.80, nmax=50)
    assert rule(opt) == (3, 13, 12, 43)


def test_no_design_within_nmax_is_an_input_error() -> None:
    with pytest.raises(InputError, match="nmax"):
        simon_designs(0.2, 0.4, 0.05, 0.80, nmax=30)  # the minimax needs 33 (vector 15)


@pytest.mark.parametrize("nmax", [1, 301])
def test_nmax_outside_the_searchable_range_is_an_input_error(nmax: int) -> None:
    with pytest.raises(InputError) as caught:
        simon_designs(0.2, 0.4, 0.05, 0.80, nmax=nmax)
    assert caught.value.field == "--nmax"


def test_design_arguments_are_checked() -> None:
    with pytest.raises(InputError, match="greater"):
        simon_designs(0.4, 0.2, 0.05, 0.8)
    with pytest.raises(InputError, match="probability"):
        simon_designs(0.2, 1.4, 0.05, 0.8)

"""The one latest-result rule: every result of the most recent day, in any order."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trialkit.quality import conflict_reason, disagree, latest_day

DAY0 = date(2026, 3, 1)
results = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=8)


@given(results, st.randoms())
def test_latest_day_keeps_every_result_of_the_day_whatever_the_order(
    items: list[tuple[int, int]], rnd: object
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = latest_day(items, lambda x: DAY0 - timedelta(days=x[0]))
    b = latest_day(shuffled, lambda x: DAY0 - timedelta(days=x[0]))
    assert a is not None
    assert b is not None
    assert a.day == b.day == DAY0 - timedelta(days=min(x[0] for x in items))
    assert (
        sorted(a.results)
        == sorted(b.results)
        == sorted(x for x in items if x[0] == min(y[0] for y in items))
    )
    assert (
        a.disagree(lambda x: x[1])
        == b.disagree(lambda x: x[1])
        == (len({x[1] for x in a.results}) > 1)
    )
    assert len(a.results) + len(a.older) == len(items)


def test_no_results_no_latest_day() -> None:
    assert latest_day([], lambda x: DAY0) is None


def test_disagreement_and_its_wording() -> None:
    assert disagree([1, 1, 1], lambda x: x) is False
    assert disagree([1, 2], lambda x: x) is True
    assert conflict_reason(2, "haemoglobin", DAY0) == (
        "2 haemoglobin results on the same day (1 Mar 2026) disagree"
    )

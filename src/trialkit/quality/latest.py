"""The latest usable result: every result of the most recent day, which must agree to decide.

Data dictionary §1 Lab recency: "the most recent such value decides". When several
usable results share that most recent day, none of them is "the" most recent one:
picking the first (or last) of a tie makes the verdict depend on the order of the
export. So the latest day's results are taken together; when they disagree (in what
the caller decides with: a verdict, a value, a grade) nothing decides, the conflict
is reported with every result of that day, and an older result never stands in
(data dictionary §4, conflicting data are unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Latest(Generic[T]):
    """The results of the most recent day (in input order) and the older ones."""

    day: date
    results: tuple[T, ...]
    older: tuple[T, ...]

    def disagree(self, key: Callable[[T], Hashable]) -> bool:
        """Whether the latest day's results differ in ``key`` (what the caller decides with)."""
        return disagree(self.results, key)


def disagree(results: Iterable[T], key: Callable[[T], Hashable]) -> bool:
    """Whether results of one day differ in ``key``; then none of them decides."""
    return len({key(r) for r in results}) > 1


def latest_day(items: Iterable[T], day: Callable[[T], date]) -> Latest[T] | None:
    """Every item of the most recent day, never one of a tie (None: no items)."""
    listed = list(items)
    if not listed:
        return None
    last = max(day(x) for x in listed)
    return Latest(
        last,
        tuple(x for x in listed if day(x) == last),
        tuple(x for x in listed if day(x) != last),
    )


def conflict_reason(count: int, label: str, day: date | str | None = None) -> str:
    """The one wording of a same-day disagreement, e.g. '2 platelet count results on the same
    day (2026-02-27) disagree'."""
    from trialkit.wording import day as say_day

    when = f" ({say_day(day)})" if day is not None else ""
    return f"{count} {label} results on the same day{when} disagree"

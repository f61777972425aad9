"""``trialkit synth --protocol`` derives a population from any protocol (issue 15 point 8).

Properties, not the generator's own output: every shipped protocol gets eligible, ineligible
and incomplete patients; every criterion is met, not met and unknown somewhere; the evaluator
and the compiled query on DuckDB give every patient the same verdicts; the FHIR files read
back screen exactly as the records they were written from; same seed, same files.
"""

from __future__ import annotations

import collections
from datetime import date
from pathlib import Path

import pytest

from tests.relational.test_differential_protocols import differences
from trialkit.eligibility.screening import screen_record
from trialkit.fhir.loader import load_records
from trialkit.protocol import available_protocols, load_protocol
from trialkit.synth.bundle import write_bundles, write_ndjson
from trialkit.synth.protocol import Synthesised, population

AS_OF = date(2026, 12, 1)
_CACHE: dict[str, list[Synthesised]] = {}


def _population(name: str) -> list[Synthesised]:
    """Six patients per criterion, a third meant to be each status (drawn once per run)."""
    if name not in _CACHE:
        p = load_protocol(name)
        _CACHE[name] = population(p, 6 * len(p.criteria), 11, as_of=AS_OF, mix=(1, 1, 1))
    return _CACHE[name]


@pytest.mark.parametrize("name", available_protocols())
def test_every_criterion_is_met_not_met_and_unknown_somewhere(name: str) -> None:
    p = load_protocol(name)
    seen: dict[str, set[str]] = collections.defaultdict(set)
    for s in _population(name):
        for c in s.result.criteria:
            seen[c.id].add(c.status.value)
    missing = {}
    for c in p.criteria:
        wanted = {"met", "not_met", "unknown"}
        if wanted - seen[c.id]:
            missing[c.id] = sorted(wanted - seen[c.id])
    assert missing == {}


@pytest.mark.parametrize("name", available_protocols())
def test_the_default_mix_is_mostly_eligible_with_failures_and_gaps(name: str) -> None:
    p = load_protocol(name)
    drawn = population(p, 40, 3, as_of=AS_OF)
    statuses = collections.Counter(s.result.status.value for s in drawn)
    assert statuses["eligible"] > len(drawn) / 2
    assert statuses["ineligible"] >= 2
    assert statuses["incomplete"] >= 1
    # the status is the evaluator's, whatever the generator meant
    for s in drawn:
        assert s.result == screen_record(s.record, p, p.defaults(), as_of=AS_OF)


@pytest.mark.parametrize("name", available_protocols())
def test_evaluator_and_duckdb_agree_on_the_synthetic_population(name: str) -> None:
    p = load_protocol(name)
    assert differences(p, [s.record for s in _population(name)], as_of=AS_OF)[:10] == []


@pytest.mark.parametrize("writer", [write_bundles, write_ndjson])
@pytest.mark.parametrize("name", available_protocols())
def test_the_fhir_files_screen_as_the_records(name: str, writer: object, tmp_path: Path) -> None:
    p = load_protocol(name)
    drawn = _population(name)[:60]
    writer([s.record for s in drawn], p, tmp_path)  # type: ignore[operator]
    read_back = load_records(
        [tmp_path], questionnaire_url=p.questionnaire_url, lesion_group=p.lesion_group
    )
    back = {r.patient_id: r for r in read_back}
    assert sorted(back) == sorted(s.record.patient_id for s in drawn)
    for s in drawn:
        read = back[s.record.patient_id]
        assert read.warnings == ()
        again = screen_record(read, p, p.defaults(), as_of=AS_OF)
        assert [(c.id, c.status) for c in again.criteria] == [
            (c.id, c.status) for c in s.result.criteria
        ]


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    p = load_protocol(available_protocols()[0])

    def files(seed: int, folder: str) -> dict[str, bytes]:
        drawn = population(p, 12, seed, as_of=AS_OF)
        write_bundles([s.record for s in drawn], p, tmp_path / folder)
        return {f.name: f.read_bytes() for f in (tmp_path / folder).iterdir()}

    assert files(4, "a") == files(4, "b")
    assert files(4, "a") != files(5, "c")

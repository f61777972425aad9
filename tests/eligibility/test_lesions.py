"""Lesion groups are declared by the protocol (issue 15, point 5): the RECIST 1.1 rules read a
lesion by the role the protocol's ``lesions:`` binds to each item, never by a linkId in code;
per-lesion tests (``every_target_lesion``) name the lesion-group item they compare."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.eligibility.builders import lesion, record
from tests.eligibility.helpers import criterion, screen
from trialkit.eligibility.screening import screen_record
from trialkit.errors import ProtocolError
from trialkit.fhir import load_records
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import bundled_folder, resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

BUNDLED = "nct05894486"
AS_OF = date(2026, 11, 24)  # the examples' as-of (examples/expected.yaml)
EXAMPLES = ("eligible.json", "incomplete.json", "low-haemoglobin.json")


def _renamed_copy(tmp_path: Path) -> Path:
    """The bundled protocol with its lesion group and every lesion item renamed (``lesion`` →
    ``tumour``, ``lesion-diameter-mm`` → ``tumour-diameter-mm``, …) in the protocol, its
    Questionnaire and its examples: a trial whose CRF calls the same things differently."""
    folder = tmp_path / "renamed"
    shutil.copytree(bundled_folder(BUNDLED), folder)
    for path in [
        folder / "protocol.yaml",
        folder / "questionnaire.json",
        *folder.glob("examples/*"),
    ]:
        text = path.read_text("utf-8").replace("lesion-", "tumour-")
        text = text.replace('"linkId": "lesion"', '"linkId": "tumour"')
        text = text.replace("group: lesion\n", "group: tumour\n")
        path.write_text(text, "utf-8")
    assert "lesion-" not in (folder / "questionnaire.json").read_text("utf-8")
    return folder


def _statuses(protocol_ref: str, folder: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Every example's criterion statuses, in-memory and on DuckDB."""
    p = load_protocol(protocol_ref)
    params = resolve_parameters(p, {})
    records = [  # the examples share a patient id; the population needs one per patient
        dataclasses.replace(r, patient_id=f)
        for f, r in zip(
            EXAMPLES,
            load_records(
                [folder / "examples" / f for f in EXAMPLES],
                questionnaire_url=p.questionnaire_url,
                lesion_group=p.lesion_group,
            ),
            strict=True,
        )
    ]
    single = [
        {c.id: c.status.value for c in screen_record(r, p, params, as_of=AS_OF).criteria}
        for r in records
    ]
    con = connect("duckdb")
    rows = screen_population(
        con, load_tables(con, records_to_tables(records)), p, params, as_of=AS_OF
    ).statuses()
    compiled = [{c: rows[r.patient_id][c] for c in single[0]} for r in records]
    return single, compiled


def test_a_renamed_lesion_group_screens_the_same(tmp_path: Path) -> None:
    folder = _renamed_copy(tmp_path)
    original = _statuses(BUNDLED, bundled_folder(BUNDLED))
    renamed = _statuses(str(folder), folder)
    assert renamed == original
    single, compiled = renamed
    # the eligible example's lesions (L1 34 mm, L2 21 mm on CT, N1 17 mm short axis; every
    # target Krenning >= 3) are measurable and SSTR-positive under the renamed items too
    assert single[0]["IN5"] == "met"
    assert single[0]["IN6"] == "met"
    assert compiled[0]["IN5"] == "met"
    assert compiled[0]["IN6"] == "met"


def test_the_measurability_reason_names_each_lesion_by_its_declared_id(tmp_path: Path) -> None:
    folder = _renamed_copy(tmp_path)
    p = load_protocol(str(folder))
    (r,) = load_records(
        [folder / "examples" / "eligible.json"],
        questionnaire_url=p.questionnaire_url,
        lesion_group=p.lesion_group,
    )
    result = screen_record(r, p, resolve_parameters(p, {}), as_of=AS_OF)
    in5 = next(c for c in result.criteria if c.id == "IN5")
    # RECIST 1.1: CT with 5 mm slices → 10 mm minimum; a node needs a 15 mm short axis
    assert "3 measurable lesions: L1 (34 mm ≥ 10 mm, CT), L2 (21 mm ≥ 10 mm, CT) and N1" in (
        in5.reason
    )


def test_without_a_declared_group_no_response_group_is_a_lesion() -> None:
    """A CRF read without the protocol's lesion group has no lesions (IN5 unknown, never met)."""
    p = load_protocol(BUNDLED)
    (r,) = load_records(
        [bundled_folder(BUNDLED) / "examples" / "eligible.json"],
        questionnaire_url=p.questionnaire_url,
    )
    assert r.crf.lesions == ()
    result = screen_record(r, p, resolve_parameters(p, {}), as_of=AS_OF)
    assert next(c for c in result.criteria if c.id == "IN5").status.value == "unknown"


# --- every_target_lesion: the per-lesion score of every RECIST target ------------------------


def test_one_target_below_the_bound_fails_and_is_named() -> None:
    lesions = (lesion("L1", 32, krenning=4), lesion("L2", 25, krenning=2))
    result = criterion(screen(record(lesions=lesions)), "IN6")
    assert result.status.value == "not_met"
    assert "L2 (2)" in result.reason
    assert "L1" not in result.reason.split("for ")[-1]


def test_a_non_target_lesion_is_not_read() -> None:
    lesions = (lesion("L1", 32, krenning=4), lesion("L2", 25, krenning=1, target=False))
    assert criterion(screen(record(lesions=lesions)), "IN6").status.value == "met"


def test_a_target_without_a_score_is_unknown_unless_another_fails() -> None:
    missing = (lesion("L1", 32, krenning=4), lesion("L2", 25, krenning=None))
    result = criterion(screen(record(lesions=missing)), "IN6")
    assert result.status.value == "unknown"
    assert any("L2" in m for m in result.missing)
    failing = (lesion("L1", 32, krenning=2), lesion("L2", 25, krenning=None))
    assert criterion(screen(record(lesions=failing)), "IN6").status.value == "not_met"


def test_the_bound_is_the_protocols_parameter() -> None:
    lesions = (lesion("L1", 32, krenning=3),)
    assert criterion(screen(record(lesions=lesions)), "IN6").status.value == "met"
    result = criterion(screen(record(lesions=lesions), sstr_min_krenning="4"), "IN6")
    assert result.status.value == "not_met"


def test_no_target_lesion_is_unknown() -> None:
    lesions = (lesion("L1", 32, target=False),)
    result = criterion(screen(record(lesions=lesions)), "IN6")
    assert result.status.value == "unknown"
    assert "No lesion is marked as a RECIST target" in result.reason


# --- the loader refuses a lesion rule it cannot read -------------------------------------------


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(bundled_folder(BUNDLED), folder)
    path = folder / "protocol.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("\nlesions:\n", "\nlesions_undeclared:\n", "declares no lesions"),
        ("    target: lesion-target\n", "", "target, not bound under lesions.items"),
        ("    slice_mm: lesion-slice-mm\n", "    slice_mm: lesion-slices\n", "not an item"),
        ("    organ: lesion-organ\n", "    size: lesion-organ\n", "unknown lesion role"),
        ("item: lesion-krenning", "item: ecog", "not an item of the lesion group"),
        ("    id: lesion-id\n    organ", "    id: lesion-is-node\n    organ", "is a boolean"),
    ],
)
def test_a_lesion_rule_the_crf_cannot_answer_does_not_load(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    with pytest.raises(ProtocolError) as err:
        load_protocol(str(_copy_with(tmp_path, old, new)))
    assert words in str(err.value)

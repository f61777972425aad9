"""Every loader fed the hostile documents directly: it returns records or raises an
InputError naming the source — never another exception — and what it returns carries no
value the plausibility rules reject as a decided number."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import inputs
from trialkit.errors import InputError

LOADER_EXAMPLES = 40
POPULATION_EXAMPLES = 6


def _loads(load: Any, *args: Any, spec: Any = None, **kwargs: Any) -> Any:
    """``load(...)``, None on an InputError with a message; anything else fails with ``spec``."""
    try:
        return load(*args, **kwargs)
    except InputError as exc:
        message = str(exc).strip()
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc} on input {spec!r}") from exc
    assert message
    return None


@settings(settings.get_profile("hostile"), max_examples=LOADER_EXAMPLES)
@given(inputs.json_document(list(inputs.BUNDLES)))
def test_fhir_bundle_loader(spec: tuple[Any, ...]) -> None:
    from trialkit.fhir import load_records

    with tempfile.TemporaryDirectory() as tmp:
        path = inputs.write_json_doc(Path(tmp), "b.json", inputs.bundle(spec[0]), spec)
        _loads(load_records, [path], spec=spec)


@settings(settings.get_profile("hostile"), max_examples=LOADER_EXAMPLES)
@given(inputs.json_document(lambda: None))
def test_recist_loader(spec: tuple[Any, ...]) -> None:
    from trialkit.recist import evaluate, load_recist

    with tempfile.TemporaryDirectory() as tmp:
        subject = _loads(
            load_recist, inputs.write_json_doc(Path(tmp), "r.json", inputs.RECIST, spec)
        )
    if subject is not None:
        result = evaluate(subject)
        for t in (
            result.timepoints if result is not None else ()
        ):  # RECIST reads only finite, possible diameters
            assert t.sum_mm is None or 0 <= t.sum_mm < 10**5, t


@settings(settings.get_profile("hostile"), max_examples=LOADER_EXAMPLES)
@given(inputs.json_document(lambda: None))
def test_dosing_loader(spec: tuple[Any, ...]) -> None:
    from trialkit.dosing import DosingParameters, check_dose, load_check
    from trialkit.quality import implausible

    with tempfile.TemporaryDirectory() as tmp:
        path = inputs.write_json_doc(Path(tmp), "d.json", inputs.DOSING, spec)
        check = _loads(load_check, path, spec=spec)
    if check is not None:
        decision = _loads(check_dose, check, DosingParameters(), spec=spec)
        if decision is not None and decision.decision in ("proceed", "resume_reduced"):
            for lab in decision.labs:
                assert implausible(lab.canonical) is None, (decision.decision, lab)


@pytest.fixture(scope="module")
def population(study_folder: Path, omop_folder: Path, ndjson_folder: Path) -> dict[str, Path]:
    return {"study": study_folder, "omop": omop_folder, "ndjson": ndjson_folder}


def test_study_csv_loader(population: dict[str, Path]) -> None:
    from trialkit.study import load_study

    @settings(settings.get_profile("hostile"), max_examples=LOADER_EXAMPLES)
    @given(st.lists(inputs.study_change, min_size=1, max_size=3))
    def check(changes: list[Any]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = inputs.write_study_copy(population["study"], Path(tmp) / "s", changes)
            _loads(load_study, folder, spec=changes)

    check()


def test_ndjson_loader(population: dict[str, Path]) -> None:
    from trialkit.fhir import load_records

    @settings(settings.get_profile("hostile"), max_examples=LOADER_EXAMPLES)
    @given(st.lists(inputs.ndjson_change, min_size=1, max_size=2))
    def check(changes: list[Any]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = inputs.write_ndjson_copy(population["ndjson"], Path(tmp) / "n", changes)
            _loads(load_records, [folder], spec=changes)

    check()


@pytest.mark.parametrize("kind", ["omop", "ndjson"])
def test_population_loaders_through_the_cohort(kind: str, population: dict[str, Path]) -> None:
    from trialkit.services.cohort import run_cohort

    change = inputs.omop_change if kind == "omop" else inputs.ndjson_change
    write = inputs.write_omop_copy if kind == "omop" else inputs.write_ndjson_copy

    @settings(settings.get_profile("hostile"), max_examples=POPULATION_EXAMPLES)
    @given(st.lists(change, min_size=1, max_size=3))
    def check(changes: list[Any]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write(population[kind], Path(tmp) / kind, changes)
            run = _loads(run_cohort, [folder], as_of=date(2026, 11, 24), spec=changes)
        if run is not None:
            assert run.funnel.screened >= 0

    check()


# Found by this suite (a traceback each before): a value of the wrong JSON type.
WRONG_TYPES: dict[str, tuple[str, tuple[Any, ...], Any, str]] = {
    "dosing unit a number": ("dosing", ("labs", 0, "unit"), 5.0, "labs[0].unit"),
    "RECIST lesions a number": ("recist", ("assessments", 0, "lesions"), 1.5, "lesions"),
    "FHIR coding null": ("fhir", (), None, ""),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_value_of_the_wrong_json_type_is_an_input_error(case: str, tmp_path: Path) -> None:
    import json

    from tests.hostile.checks import assert_clean_exit, run_cli

    kind, where, value, field = WRONG_TYPES[case]
    if kind == "fhir":
        doc = inputs.bundle(0)
        condition = next(e for e in doc["entry"] if e["resource"]["resourceType"] == "Condition")
        condition["resource"]["code"]["coding"] = None
        argv = ["screen", "--as-of", "2026-11-24"]
    else:
        doc = json.loads(json.dumps(inputs.DOSING if kind == "dosing" else inputs.RECIST))
        target = doc
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value
        argv = ["dosing", "check"] if kind == "dosing" else ["recist", "evaluate"]
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    code, out, err = run_cli([*argv, str(path)], command=case)
    assert_clean_exit([*argv, str(path)], code, out, err)
    if kind != "fhir":  # the FHIR case: a Condition without codes, screened as such
        assert code == 2
        assert field in err

"""Conditional thresholds (``if`` / ``always``, issue 15 point 3) on SINET's criteria, known
answers from the record's words, through the evaluator and the DuckDB population path alike.
An unknown condition decides only where both branches agree."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from trialkit.eligibility.screening import screen_record
from trialkit.fhir import load_records
from trialkit.model.codes import ICD10CM
from trialkit.model.record import Crf, CrfAnswer, PatientRecord
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import bundled_folder, resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

SINET = load_protocol("nct04065165")
AS_OF = date(2026, 12, 1)
BASE = load_records(
    [bundled_folder("nct04065165") / "examples/eligible.json"],
    questionnaire_url=SINET.questionnaire_url,
)[0]
QR = BASE.crf.answers["consent-date"]
LIVER_METS = {"C7B.02", "C78.7"}
HB, ALT, BILI, ALP = "718-7", "1742-6", "1975-2", "6768-6"


def patient(
    *,
    sex: str | None = "female",
    labs: dict[str, float | None] | None = None,
    liver_mets: bool | None = True,
    gilbert: bool | None = False,
) -> PatientRecord:
    """The eligible SINET example with ``labs`` (LOINC → value in the example's unit, None:
    no result), liver metastases coded and answered (True), ruled out by the CRF (False) or
    neither (None), and the CRF's Gilbert answer (None: unanswered)."""
    measurements = []
    for m in BASE.measurements:
        code = m.codes[0].code
        if labs and code in labs:
            if labs[code] is None:
                continue
            m = dataclasses.replace(m, value=Decimal(str(labs[code])))
        measurements.append(m)
    conditions = tuple(
        c
        for c in BASE.conditions
        if liver_mets or not ({x.code for x in c.codes if x.system == ICD10CM} & LIVER_METS)
    )
    answers = dict(BASE.crf.answers)
    for link, value in (
        ("hepatic-metastases-documented", liver_mets),
        ("gilbert-syndrome", gilbert),
    ):
        answers.pop(link, None)
        if value is not None:
            answers[link] = CrfAnswer(link, value, QR.source, QR.authored, "valueBoolean")
    return dataclasses.replace(
        BASE,
        sex=sex,
        measurements=tuple(measurements),
        conditions=conditions,
        crf=Crf(answers, BASE.crf.lesions),
    )


# (criterion, the patient, the verdict the record's words give)
CASES = [
    # Hb > 9 g/dL for males and > 8 g/dL for females (the example's unit: g/dL)
    ("IN6c", patient(sex="male", labs={HB: 8.6}), "not_met"),
    ("IN6c", patient(sex="female", labs={HB: 8.6}), "met"),
    ("IN6c", patient(sex="male", labs={HB: 9.0}), "not_met"),
    ("IN6c", patient(sex="male", labs={HB: 9.1}), "met"),
    ("IN6c", patient(sex="female", labs={HB: 8.0}), "not_met"),
    ("IN6c", patient(sex=None, labs={HB: 8.6}), "unknown"),  # the branches disagree
    ("IN6c", patient(sex=None, labs={HB: 10.0}), "met"),  # both thresholds passed
    ("IN6c", patient(sex="unknown", labs={HB: 7.5}), "not_met"),  # both failed
    ("IN6c", patient(sex="male", labs={HB: None}), "unknown"),
    # AST/ALT < 2.5 × ULN, or < 5.5 × ULN with documented liver metastases (ULN 40 U/L)
    ("IN6d", patient(labs={ALT: 150}, liver_mets=True), "met"),
    ("IN6d", patient(labs={ALT: 150}, liver_mets=False), "not_met"),
    ("IN6d", patient(labs={ALT: 150}, liver_mets=None), "unknown"),
    ("IN6d", patient(labs={ALT: 80}, liver_mets=None), "met"),
    ("IN6d", patient(labs={ALT: 250}, liver_mets=None), "not_met"),
    ("IN6d", patient(labs={ALT: 220}, liver_mets=True), "not_met"),  # 5.5 × ULN is not below
    # bilirubin ≤ 1.5 × ULN unless Gilbert's syndrome (ULN 21 umol/L)
    ("IN6e", patient(labs={BILI: 40}, gilbert=True), "met"),
    ("IN6e", patient(labs={BILI: 40}, gilbert=False), "not_met"),
    ("IN6e", patient(labs={BILI: 40}, gilbert=None), "unknown"),
    ("IN6e", patient(labs={BILI: 31.5}, gilbert=None), "met"),  # 1.5 × ULN exactly
    ("IN6e", patient(labs={BILI: None}, gilbert=True), "met"),
    # ALP < 5 × ULN if bilirubin > ULN (ALP ULN 130 U/L)
    ("IN6f", patient(labs={BILI: 18, ALP: 1000}), "met"),  # bilirubin within ULN: no test
    ("IN6f", patient(labs={BILI: 30, ALP: 1000}), "not_met"),
    ("IN6f", patient(labs={BILI: 30, ALP: 649}), "met"),
    ("IN6f", patient(labs={BILI: 30, ALP: 650}), "not_met"),
    ("IN6f", patient(labs={BILI: None, ALP: 410}), "met"),  # either way
    ("IN6f", patient(labs={BILI: None, ALP: 1000}), "unknown"),
]


@pytest.mark.parametrize(("cid", "record", "status"), CASES)
def test_the_evaluator_gives_the_records_answer(
    cid: str, record: PatientRecord, status: str
) -> None:
    result = screen_record(record, SINET, resolve_parameters(SINET, {}), as_of=AS_OF)
    verdict = next(c for c in result.criteria if c.id == cid)
    assert verdict.status.value == status, verdict.reason


def test_the_population_path_gives_the_same_answers() -> None:
    records = [dataclasses.replace(r, patient_id=f"p{i}") for i, (_, r, _) in enumerate(CASES)]
    con = connect("duckdb")
    rows = screen_population(
        con,
        load_tables(con, records_to_tables(records)),
        SINET,
        resolve_parameters(SINET, {}),
        as_of=AS_OF,
    ).statuses()
    got = [(cid, rows[f"p{i}"][cid]) for i, (cid, _, _) in enumerate(CASES)]
    assert got == [(cid, status) for cid, _, status in CASES]


def test_an_unknown_condition_names_what_would_decide() -> None:
    record = patient(labs={ALT: 150}, liver_mets=None)
    result = screen_record(record, SINET, resolve_parameters(SINET, {}), as_of=AS_OF)
    verdict = next(c for c in result.criteria if c.id == "IN6d")
    assert any("hepatic-metastases-documented" in m for m in verdict.missing)
    assert "Observation/o-alt" in {e.source for e in verdict.evidence}

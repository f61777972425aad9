"""Issue 12 readings on the population path: the compiled queries agree with the
single-patient evaluator on each changed reading (the same hand-built records)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tests.eligibility.builders import AS_OF, choice, qualitative, record
from tests.eligibility.test_issue12_readings import (
    _condition,
    _consent,
    _interferon,
    _with_consents,
)
from tests.relational.test_differential import _differences, spark  # noqa: F401 (fixture)
from trialkit.fhir.extract import RESEARCH_STUDY_CONTEXT
from trialkit.model.record import PatientRecord
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import data_quality, load_tables, screen_population
from trialkit.sources.ndjson import stage_ndjson
from trialkit.sources.staging import records_to_tables

PROTOCOL = load_protocol("nct05894486")


def _variants() -> list[PatientRecord]:
    return [
        replace(record(), patient_id="baseline"),
        replace(record(birth=date(2030, 3, 10)), patient_id="born-2030"),
        replace(record(birth=date(2026, 11, 25)), patient_id="born-after-as-of"),
        replace(
            record(drop={"gep_net"}, conditions=(_condition("C7A.00", "unspecified site"),)),
            patient_id="c7a00",
        ),
        replace(
            record(drop={"gep_net"}, conditions=(_condition("C7A.1", "poorly differentiated"),)),
            patient_id="c7a1-crf-well",
        ),
        replace(
            record(
                drop={"gep_net"},
                conditions=(_condition("C7A.1", "poorly differentiated"),),
                crf={"differentiation": choice("poor")},
            ),
            patient_id="c7a1-crf-poor",
        ),
        replace(
            record(
                medications=(_interferon(65, 40),), drop={"prior-systemic-therapy-current-stage"}
            ),
            patient_id="interferon-in4",
        ),
        replace(
            record(medications=(_interferon(20, 10),), drop={"prior-systemic-therapy"}),
            patient_id="interferon-ex10",
        ),
        replace(record(crf={"childbearing-potential": True}, drop={"hcg"}), patient_id="wocbp"),
        replace(record(drop={"childbearing-potential", "hcg"}), patient_id="cbp-unanswered"),
        replace(
            record(sex="male", labs={"hcg": qualitative("2118-8", True)}), patient_id="male-hcg"
        ),
        replace(record(sex="male", drop={"hcg"}), patient_id="male-no-hcg"),
        replace(_with_consents(_consent(None, days_ago=700)), patient_id="biobank"),
        replace(_with_consents(_consent("NCT01578239")), patient_id="other-study"),
        replace(_with_consents(_consent("NCT05894486", days_ago=4)), patient_id="this-study"),
    ]


def test_readings_agree_on_duckdb() -> None:
    assert _differences(_variants(), AS_OF) == []


def test_readings_agree_on_spark(spark: Any) -> None:  # noqa: F811 (the fixture)
    assert _differences(_variants(), AS_OF, con=connect("spark", spark)) == []


def test_future_birth_dates_are_counted_as_data_quality_warnings() -> None:
    con = connect("duckdb")
    tables = load_tables(con, records_to_tables(_variants()))
    counts = data_quality(con, tables, AS_OF)
    assert counts[f"birthDate: after the as-of date {AS_OF}; the age is unknown"] == 2
    params = resolve_parameters(PROTOCOL, {})
    statuses = screen_population(con, tables, PROTOCOL, params, as_of=AS_OF).statuses()
    assert statuses["born-2030"]["IN2"] == "unknown"
    assert statuses["born-2030"]["status"] != "eligible"
    assert statuses["baseline"]["status"] == "eligible"
    expected = {
        ("c7a00", "IN3"): "unknown",
        ("c7a1-crf-well", "IN3"): "unknown",
        ("c7a1-crf-poor", "IN3"): "not_met",
        ("interferon-in4", "IN4"): "not_met",
        ("interferon-ex10", "EX10"): "met",
        ("wocbp", "EX7"): "unknown",
        ("cbp-unanswered", "EX7"): "unknown",
        ("male-hcg", "EX7"): "unknown",
        ("male-no-hcg", "EX7"): "not_met",
        ("biobank", "IN1"): "unknown",
        ("other-study", "IN1"): "unknown",
        ("this-study", "IN1"): "met",
    }
    assert {key: statuses[key[0]][key[1]] for key in expected} == expected


def test_ndjson_staging_reads_the_study_a_consent_is_to(tmp_path: Path) -> None:
    """The NDJSON SQL reads consent-ResearchStudyContext as fhir.extract does."""
    ext = {
        "url": RESEARCH_STUDY_CONTEXT,
        "valueReference": {
            "identifier": {"system": "https://clinicaltrials.gov", "value": "NCT05894486"}
        },
    }
    scope = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
        ]
    }
    resources = [
        {"resourceType": "Patient", "id": "p1", "birthDate": "1971-03-10", "gender": "female"},
        {
            "resourceType": "Consent",
            "id": "mine",
            "status": "active",
            "patient": {"reference": "Patient/p1"},
            "dateTime": "2026-11-20",
            "scope": scope,
            "provision": {"extension": [ext]},
        },
        {
            "resourceType": "Consent",
            "id": "biobank",
            "status": "active",
            "patient": {"reference": "Patient/p1"},
            "dateTime": "2024-01-10",
            "scope": scope,
        },
    ]
    folder = tmp_path / "ndjson"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(json.dumps(resources[0]) + "\n")
    (folder / "Consent.ndjson").write_text("".join(json.dumps(r) + "\n" for r in resources[1:]))
    staged = stage_ndjson(
        [folder],
        tmp_path / "staged",
        timezone="UTC",
        questionnaire_url=PROTOCOL.questionnaire_url,
        lesion_group=PROTOCOL.lesion_group,
    )
    rows = pq.read_table(staged.folder / "consent.parquet").to_pylist()
    studies = {
        (r["source"], r["code_key"]) for r in rows if r["system"] == "https://clinicaltrials.gov"
    }
    assert studies == {("Consent/mine", "NCT05894486")}

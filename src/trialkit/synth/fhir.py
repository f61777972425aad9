"""Write a synthetic population as Bulk FHIR R4 NDJSON (one file per resource type).

The JSON is built by DuckDB from the Arrow tables and streamed to disk, so a
million patients never pass through Python objects. Absent elements are left
out (``json_merge_patch`` onto ``{}`` drops NULL members), as FHIR requires.
A share of observation times carry a clock time and a UTC offset, so the site
time zone matters (data dictionary §4 Windows).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from trialkit.fhir.record import default_questionnaire_url
from trialkit.model.codes import ATC, ICD10CM, LOINC, RXNORM, SNOMED, UCUM, V2_INTERPRETATION
from trialkit.synth.population import Synthetic

_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"


def _strip(expr: str) -> str:
    return f"json_merge_patch('{{}}', {expr})"


def _coding(system: str, code: str, display: str = "NULL") -> str:
    return _strip(f"json_object('system', '{system}', 'code', {code}, 'display', {display})")


def _concept(system: str, code: str, display: str = "NULL", text: str = "NULL") -> str:
    return f"""CASE WHEN {code} IS NULL THEN NULL ELSE
        {_strip(f"json_object('coding', json_array({_coding(system, code, display)}), 'text', {text})")}
        END"""


def _subject(field: str = "subject") -> str:
    return f"'{field}', json_object('reference', 'Patient/p' || person)"


_PATIENT = f"""SELECT {
    _strip('''json_object('resourceType', 'Patient', 'id', 'p' || person,
    'gender', sex, 'birthDate',
    CASE WHEN birth_year_only THEN strftime(birth, '%Y') ELSE strftime(birth, '%Y-%m-%d') END)''')
}
    FROM person"""

_QUANTITY = f"""CASE WHEN value IS NULL THEN NULL
    WHEN unit IS NULL THEN json_object('value', value)
    ELSE json_object('value', value, 'unit', unit, 'system', '{UCUM}', 'code', unit) END"""
_WHEN = """CASE WHEN partial THEN strftime(day, '%Y-%m')
    WHEN hash(person, day, loinc) % 5 = 0
        THEN strftime(day, '%Y-%m-%d') || 'T' || lpad(CAST(hash(person, loinc) % 24 AS VARCHAR), 2, '0')
             || ':30:00+05:00'
    ELSE strftime(day, '%Y-%m-%d') END"""
_OBSERVATION = f"""SELECT {
    _strip(f'''json_object('resourceType', 'Observation',
    'id', 'lab-' || row_number() OVER (), 'status', status,
    'code', json_object('coding', json_array({_coding(LOINC, "loinc", "name")})),
    {_subject()}, 'effectiveDateTime', {_WHEN},
    -- ECOG as a whole number is a valueInteger; a same-day repeat drawn beside it (1.1) is
    -- not a score and goes as a valueQuantity, as OMOP's value_as_number carries it
    'valueQuantity', CASE WHEN absent OR loinc = '$score_loinc' AND value = round(value) THEN NULL
        ELSE {_QUANTITY} END,
    'valueInteger', CASE WHEN loinc = '$score_loinc' AND NOT absent AND value = round(value)
        THEN CAST(value AS INTEGER) END,
    'valueCodeableConcept', CASE WHEN answer_kind = 'snomed' THEN {_concept(SNOMED, "answer")}
        WHEN answer_kind = 'loinc' THEN {_concept(LOINC, "answer")} END,
    'interpretation', CASE WHEN answer_kind = 'interpretation'
        THEN json_array({_concept(V2_INTERPRETATION, "answer")}) END,
    'referenceRange', CASE WHEN ref_high IS NOT NULL THEN json_array(json_object('high',
        {_strip(f"json_object('value', ref_high, 'unit', unit, 'system', CASE WHEN unit IS NOT NULL THEN '{UCUM}' END, 'code', unit)")})) END,
    'dataAbsentReason', CASE WHEN absent THEN {_concept(_ABSENT, "'not-performed'")} END)''')
}
    FROM lab"""

_CONDITION = f"""SELECT {
    _strip(f'''json_object('resourceType', 'Condition',
    'id', 'cond-' || row_number() OVER (), {_subject()},
    'code', {_concept(ICD10CM, "icd", "name", "name")},
    'clinicalStatus', {_concept(_CLINICAL, "clinical")},
    'verificationStatus', {_concept(_VERIFICATION, "verification")},
    'onsetDateTime', strftime(onset, '%Y-%m-%d'), 'abatementDateTime', strftime(abatement, '%Y-%m-%d'))''')
}
    FROM condition"""

_DOSAGE = f"""CASE WHEN route IS NULL AND per_day IS NULL AND every_days IS NULL THEN NULL ELSE
    json_array({
    _strip(f'''json_object('route', {_concept(SNOMED, "route")},
        'timing', CASE WHEN per_day IS NOT NULL
            THEN json_object('repeat', json_object('frequency', per_day, 'period', 1, 'periodUnit', 'd'))
            WHEN every_days IS NOT NULL
            THEN json_object('repeat', json_object('frequency', 1, 'period', every_days, 'periodUnit', 'd'))
            END)''')
}) END"""
_PERIOD = _strip(
    """json_object('start', strftime(start, '%Y-%m-%d'), 'end', strftime("end", '%Y-%m-%d'))"""
)
_MEDICATION = f"""SELECT {
    _strip(f'''json_object('resourceType', 'MedicationStatement',
    'id', 'med-' || row_number() OVER (), 'status', status, {_subject()},
    'medicationCodeableConcept', json_object('coding', json_array({_coding(ATC, "atc")},
        {_coding(RXNORM, "rxnorm", "name")}), 'text', name),
    'effectivePeriod', {_PERIOD},
    'dosage', {_DOSAGE})''')
}
    FROM drug"""

_PROCEDURE = f"""SELECT json_object('resourceType', 'Procedure', 'id', 'proc-' || row_number() OVER (),
    'status', status, {_subject()}, 'code', {_concept(SNOMED, "snomed", "name", "name")},
    'performedDateTime', strftime(day, '%Y-%m-%d'))
    FROM procedure"""

_ALLERGY = f"""SELECT {
    _strip(f'''json_object('resourceType', 'AllergyIntolerance',
    'id', 'alg-' || row_number() OVER (), {_subject("patient")},
    'clinicalStatus', {_concept(_ALLERGY_CLINICAL, "clinical")},
    'code', CASE WHEN snomed IS NULL THEN json_object('text', text)
        ELSE {_concept(SNOMED, "snomed", "text", "text")} END)''')
}
    FROM allergy"""

_CONSENT = f"""SELECT json_object('resourceType', 'Consent', 'id', 'consent-' || row_number() OVER (),
    'status', status, {_subject("patient")}, 'dateTime', strftime(day, '%Y-%m-%d'),
    'scope', {_concept(_SCOPE, "'research'")},
    'category', json_array({_concept(LOINC, "'59284-0'")}),
    'policyRule', {_concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "'OPTIN'")})
    FROM consent"""

_ANSWER = """CASE vtype
    WHEN 'boolean' THEN json_object('valueBoolean', v_bool)
    WHEN 'integer' THEN json_object('valueInteger', CAST(v_num AS INTEGER))
    WHEN 'decimal' THEN json_object('valueDecimal', v_num)
    WHEN 'date' THEN json_object('valueDate', strftime(v_date, '%Y-%m-%d'))
    WHEN 'choice' THEN json_object('valueCoding', json_object('code', v_str))
    ELSE json_object('valueString', v_str) END"""
_QUESTIONNAIRE = "$questionnaire"  # the generated protocol's CRF (write_fhir fills it in)
_SCORE_LOINC = "$score_loinc"  # the profile's performance-status LOINC (write_fhir fills it in)
_RESPONSE = f"""WITH items AS (
        SELECT person, response, lesion, link,
            json_object('linkId', link, 'answer', json_array({_ANSWER})) AS item FROM crf),
    groups AS (
        SELECT person, response, lesion,
            json_object('linkId', 'lesion', 'item', to_json(list(item ORDER BY link))) AS item
        FROM items WHERE lesion IS NOT NULL GROUP BY person, response, lesion),
    everything AS (
        SELECT person, response, 1 AS kind, NULL AS lesion, link, item FROM items
            WHERE lesion IS NULL
        UNION ALL SELECT person, response, 0, lesion, NULL, item FROM groups)
    SELECT json_object('resourceType', 'QuestionnaireResponse',
        'id', 'qr-' || e.person || '-' || e.response, 'questionnaire', '{_QUESTIONNAIRE}',
        'status', 'completed', {_subject().replace("person", "e.person")},
        'authored', strftime(any_value(a.authored), '%Y-%m-%d'),
        'item', to_json(list(e.item ORDER BY e.kind, e.lesion, e.link)))
    FROM everything e JOIN (SELECT DISTINCT person, response, authored FROM crf) a
        ON a.person = e.person AND a.response = e.response
    GROUP BY e.person, e.response
    ORDER BY e.person, e.response"""

RESOURCES = {
    "Patient": _PATIENT,
    "Observation": _OBSERVATION,
    "Condition": _CONDITION,
    "MedicationStatement": _MEDICATION,
    "Procedure": _PROCEDURE,
    "AllergyIntolerance": _ALLERGY,
    "Consent": _CONSENT,
    "QuestionnaireResponse": _RESPONSE,
}


def write_fhir(population: Synthetic, out: Path) -> list[Path]:
    """``<ResourceType>.ndjson`` files in ``out``; returns them."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    written = []
    questionnaire = default_questionnaire_url()
    score = population.profile.performance.loinc
    try:
        for name, table in population.tables.items():
            con.register(name, table)
        for resource, query in RESOURCES.items():
            path = out / f"{resource}.ndjson"
            sql = query.replace(_QUESTIONNAIRE, questionnaire).replace(_SCORE_LOINC, score)
            con.execute(
                f"COPY ({sql}) TO '{path}' "
                "(FORMAT csv, HEADER false, DELIMITER '\x01', QUOTE '', ESCAPE '')"
            ).fetchall()
            written.append(path)
    finally:
        con.close()
    return written

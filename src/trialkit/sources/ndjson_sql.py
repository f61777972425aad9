"""The DuckDB SQL of the Bulk FHIR NDJSON → staging mapping (see ``sources.ndjson``).

Each query reproduces what ``trialkit.fhir.extract.Extractor`` reads from one
resource type: the same fields, in the same order of preference, with FHIR
dates parsed as ``model.time.parse_fhir_time`` does (a partial date is the span
of days it may mean; a date-time with an offset is a calendar day in the site's
time zone) and codes normalised as ``model.codes.normalise_code``.
"""

from __future__ import annotations

from trialkit.model.codes import ICD10, ICD10CM

_CODING = "STRUCT(system VARCHAR, code VARCHAR, display VARCHAR)"
_CC = f"STRUCT(coding {_CODING}[], text VARCHAR)"
_QUANTITY = "STRUCT(value JSON, unit VARCHAR, system VARCHAR, code VARCHAR)"
_REF = "STRUCT(reference VARCHAR)"
_PERIOD = 'STRUCT(start VARCHAR, "end" VARCHAR)'
# consent-ResearchStudyContext extensions (fhir.extract.consent_studies)
_STUDY_EXT = (
    "STRUCT(url VARCHAR, valueReference STRUCT(identifier STRUCT(system VARCHAR, value VARCHAR)))"
)
_REPEAT = f"STRUCT(frequency JSON, period JSON, periodUnit VARCHAR, boundsPeriod {_PERIOD})"
_DOSAGE = f"STRUCT(text VARCHAR, route {_CC}, timing STRUCT(repeat {_REPEAT}))"
_COMMON = {"resourceType": "VARCHAR", "id": "VARCHAR", "subject": _REF, "patient": _REF}

COLUMNS: dict[str, dict[str, str]] = {
    "Patient": {
        "resourceType": "VARCHAR",
        "id": "VARCHAR",
        "gender": "VARCHAR",
        "birthDate": "VARCHAR",
    },
    "Observation": _COMMON
    | {
        "status": "VARCHAR",
        "code": _CC,
        "effectiveDateTime": "VARCHAR",
        "effectiveInstant": "VARCHAR",
        "effectivePeriod": _PERIOD,
        "issued": "VARCHAR",
        "valueQuantity": _QUANTITY,
        "valueInteger": "JSON",
        "valueCodeableConcept": _CC,
        "interpretation": f"{_CC}[]",
        "referenceRange": f"STRUCT(low {_QUANTITY}, high {_QUANTITY})[]",
        "dataAbsentReason": "JSON",
    },
    "Condition": _COMMON
    | {
        "code": _CC,
        "clinicalStatus": _CC,
        "verificationStatus": _CC,
        "onsetDateTime": "VARCHAR",
        "onsetPeriod": _PERIOD,
        "abatementDateTime": "VARCHAR",
        "abatementPeriod": _PERIOD,
    },
    "Medication": {"resourceType": "VARCHAR", "id": "VARCHAR", "code": _CC, "form": _CC},
    "Procedure": _COMMON
    | {
        "status": "VARCHAR",
        "code": _CC,
        "category": _CC,
        "performedDateTime": "VARCHAR",
        "performedPeriod": _PERIOD,
    },
    "AllergyIntolerance": _COMMON
    | {
        "code": _CC,
        "reaction": f"STRUCT(substance {_CC})[]",
        "clinicalStatus": _CC,
        "verificationStatus": _CC,
    },
    "Consent": _COMMON
    | {
        "status": "VARCHAR",
        "scope": _CC,
        "category": f"{_CC}[]",
        "dateTime": "VARCHAR",
        "extension": f"{_STUDY_EXT}[]",
        "provision": f"STRUCT(extension {_STUDY_EXT}[])",
    },
    "QuestionnaireResponse": _COMMON
    | {
        "questionnaire": "VARCHAR",
        "status": "VARCHAR",
        "authored": "JSON",
        "item": "JSON",
    },
}
MEDICATION_TYPES = (
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "MedicationDispense",
)
for _t in MEDICATION_TYPES:
    COLUMNS[_t] = _COMMON | {
        "status": "VARCHAR",
        "medicationCodeableConcept": _CC,
        "medicationReference": _REF,
        "effectiveDateTime": "VARCHAR",
        "effectivePeriod": _PERIOD,
        "authoredOn": "VARCHAR",
        "whenHandedOver": "VARCHAR",
        "dosageInstruction": f"{_DOSAGE}[]",
        "dosage": "JSON",  # a list on MedicationStatement, one object on MedicationAdministration
    }


def time_span(text: str, tz: str) -> str:
    """``STRUCT(low DATE, high DATE, ok BOOLEAN)`` of a FHIR date/dateTime (parse_fhir_time)."""
    s = f"trim({text})"
    return f"""CASE
        WHEN {text} IS NULL THEN NULL
        WHEN regexp_full_match({s}, '[0-9]{{4}}') THEN {{'low': make_date(CAST({s} AS INTEGER), 1, 1),
            'high': make_date(CAST({s} AS INTEGER), 12, 31), 'ok': true}}
        WHEN regexp_full_match({s}, '[0-9]{{4}}-[0-9]{{2}}')
             AND TRY_CAST({s} || '-01' AS DATE) IS NOT NULL
            THEN {{'low': CAST({s} || '-01' AS DATE), 'high': last_day(CAST({s} || '-01' AS DATE)),
                   'ok': true}}
        WHEN regexp_full_match({s}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') AND TRY_CAST({s} AS DATE) IS NOT NULL
            THEN {{'low': CAST({s} AS DATE), 'high': CAST({s} AS DATE), 'ok': true}}
        WHEN contains({s}, 'T') AND regexp_matches({s}, '(Z|[+-][0-9]{{2}}:[0-9]{{2}})$')
             AND TRY_CAST({s} AS TIMESTAMPTZ) IS NOT NULL
            THEN {{'low': CAST(timezone('{tz}', CAST({s} AS TIMESTAMPTZ)) AS DATE),
                   'high': CAST(timezone('{tz}', CAST({s} AS TIMESTAMPTZ)) AS DATE), 'ok': true}}
        WHEN contains({s}, 'T') AND TRY_CAST({s} AS TIMESTAMP) IS NOT NULL
            THEN {{'low': CAST(CAST({s} AS TIMESTAMP) AS DATE),
                   'high': CAST(CAST({s} AS TIMESTAMP) AS DATE), 'ok': true}}
        ELSE {{'low': NULL, 'high': NULL, 'ok': false}} END"""


def code_key(system: str, code: str) -> str:
    """normalise_code: ICD-10 without dots, upper case; every code stripped."""
    stripped = f"trim({code}, ' \t\n\r')"
    return f"""CASE WHEN {system} IN ('{ICD10}', '{ICD10CM}')
        THEN upper(replace({stripped}, '.', '')) ELSE {stripped} END"""


def codings(expr: str) -> str:
    """The codings with a code of a CodeableConcept (extract.codings), or ``[('', '')]``."""
    kept = f"list_filter(coalesce({expr}.coding, []), lambda c: c.code IS NOT NULL)"
    return f"""CASE WHEN len({kept}) = 0
        THEN [{{'system': '', 'code': '', 'display': NULL}}::{_CODING}] ELSE {kept} END"""


def texts(expr: str) -> str:
    """extract.concept_texts: the text, then each coding's display."""
    return f"""list_filter(list_concat([{expr}.text],
        list_transform(coalesce({expr}.coding, []), lambda c: c.display)), lambda x: x IS NOT NULL)"""


def reference(table: str) -> str:
    """The patient reference, normalised to ``Patient/<id>`` (references.normalise_reference)."""
    raw = f"trim(coalesce({table}.subject.reference, {table}.patient.reference))"
    parts = f"list_filter(string_split({raw}, '/'), lambda p: p <> '')"
    cut = f"""CASE WHEN list_position({parts}, '_history') IS NULL THEN {parts}
        ELSE {parts}[1:list_position({parts}, '_history') - 1] END"""
    return f"""CASE WHEN {raw} IS NULL OR {raw} = '' OR starts_with({raw}, '#')
            OR starts_with({raw}, 'urn:') OR len({cut}) < 2
            OR NOT regexp_matches(({cut})[-2], '^[A-Z]') THEN NULL
        ELSE ({cut})[-2] || '/' || ({cut})[-1] END"""

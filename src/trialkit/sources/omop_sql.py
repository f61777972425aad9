"""The DuckDB SQL of the OMOP CDM v5.4 → staging mapping (see ``sources.omop``).

Every code join is an equi-join (a fact's standard concept and, when it differs,
its source concept are two ``UNION ALL`` branches): ``JOIN … ON id IN (a, b)``
would be a nested-loop join on tens of millions of rows.
"""

from __future__ import annotations

from trialkit.fhir.extract import NO_VALUE
from trialkit.model.codes import ATC, ICD10, ICD10CM, ICDO3, LOINC, RXNORM, SNOMED, UCUM

SYSTEMS = {
    "LOINC": LOINC,
    "SNOMED": SNOMED,
    "ICD10CM": ICD10CM,
    "ICD10": ICD10,
    "ICDO3": ICDO3,
    "ATC": ATC,
    "RxNorm": RXNORM,
    "RxNorm Extension": RXNORM,
    "UCUM": UCUM,
}
CRF_PREFIX = "trialkit-crf:"

_SYSTEM_CASE = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SYSTEMS.items())
CODES = f"""CREATE TABLE code AS SELECT CAST(concept_id AS BIGINT) AS concept_id,
    CASE vocabulary_id {_SYSTEM_CASE} ELSE vocabulary_id END AS system,
    trim(CAST(concept_code AS VARCHAR)) AS code,
    CASE WHEN vocabulary_id IN ('ICD10CM', 'ICD10')
         THEN upper(replace(trim(CAST(concept_code AS VARCHAR)), '.', ''))
         ELSE trim(CAST(concept_code AS VARCHAR)) END AS code_key,
    vocabulary_id, CAST(concept_name AS VARCHAR) AS name
    FROM concept"""


def drug_codes(with_ancestors: bool) -> str:
    """``drug_code(id, system, code_key)``: the drug's concepts and its ATC ancestors."""
    own = """SELECT drug_exposure_id AS id, drug_concept_id AS cid FROM drug_exposure
        UNION SELECT drug_exposure_id, drug_source_concept_id FROM drug_exposure
        WHERE drug_source_concept_id IS NOT NULL AND drug_source_concept_id <> 0"""
    ancestors = """UNION SELECT d.drug_exposure_id, a.ancestor_concept_id FROM drug_exposure d
        JOIN concept_ancestor a ON a.descendant_concept_id = d.drug_concept_id
        JOIN code c ON c.concept_id = a.ancestor_concept_id AND c.vocabulary_id = 'ATC'"""
    ids = own + (" " + ancestors if with_ancestors else "")
    return f"""CREATE TABLE drug_code AS SELECT i.id, c.system, c.code_key
        FROM ({ids}) i JOIN code c ON c.concept_id = i.cid"""


def _two_concepts(table: str, standard: str, source: str, select: str, alias: str) -> str:
    """``select`` over ``table`` joined to ``code c`` on the standard concept, and on the
    source concept where it is another one."""
    return f"""SELECT {select} FROM {table} {alias} JOIN code c ON c.concept_id = {alias}.{standard}
        UNION ALL SELECT {select} FROM {table} {alias} JOIN code c ON c.concept_id = {alias}.{source}
        WHERE {alias}.{source} IS DISTINCT FROM {alias}.{standard}"""


_MEASUREMENT = """m.person_id AS pid,
    'Measurement/' || CAST(m.measurement_id AS VARCHAR) AS source, c.system, c.code_key,
    m.measurement_date AS t_low, m.measurement_date AS t_high, 'final' AS status,
    CASE WHEN isfinite(TRY_CAST(m.value_as_number AS DOUBLE))
        THEN TRY_CAST(m.value_as_number AS DOUBLE) END AS value,
    coalesce(u.code, m.unit_source_value) AS unit,
    CASE WHEN isfinite(TRY_CAST(m.range_high AS DOUBLE)) THEN TRY_CAST(m.range_high AS DOUBLE)
    END AS ref_high, NULL AS ref_unit,
    false AS data_absent"""
_UNIT = "LEFT JOIN code u ON u.concept_id = m.unit_concept_id AND u.vocabulary_id = 'UCUM'"

_CRF_ANSWERS = f"""SELECT person_id AS pid,
        'Observation/' || CAST(observation_id AS VARCHAR) AS source,
        substr(observation_source_value, {len(CRF_PREFIX) + 1}) AS link,
        TRY_CAST(qualifier_source_value AS INTEGER) AS lesion,
        CASE WHEN isfinite(TRY_CAST(value_as_number AS DOUBLE))
            THEN TRY_CAST(value_as_number AS DOUBLE) END AS num,
        CAST(value_as_string AS VARCHAR) AS str
    FROM observation WHERE observation_source_value LIKE '{CRF_PREFIX}%'
    QUALIFY row_number() OVER (
        PARTITION BY person_id, observation_source_value, qualifier_source_value
        ORDER BY observation_date DESC, observation_id DESC) = 1"""
_CRF_TYPED = """SELECT *, CASE
        WHEN num IS NOT NULL THEN 'number'
        WHEN lower(str) IN ('true', 'false') THEN 'bool'
        WHEN regexp_full_match(str, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
             AND TRY_CAST(str AS DATE) IS NOT NULL THEN 'date'
        WHEN str IS NOT NULL THEN 'choice' END AS vtype FROM answers"""

STAGING: dict[str, str] = {
    "patient": """SELECT person_id AS pid,
        CASE WHEN month_of_birth IS NOT NULL AND day_of_birth IS NOT NULL
             THEN make_date(year_of_birth, month_of_birth, day_of_birth)
             WHEN birth_datetime IS NOT NULL THEN CAST(birth_datetime AS DATE)
             ELSE make_date(year_of_birth, coalesce(month_of_birth, 1), 1) END AS birth_low,
        CASE WHEN month_of_birth IS NOT NULL AND day_of_birth IS NOT NULL
             THEN make_date(year_of_birth, month_of_birth, day_of_birth)
             WHEN birth_datetime IS NOT NULL THEN CAST(birth_datetime AS DATE)
             WHEN month_of_birth IS NULL THEN make_date(year_of_birth, 12, 31)
             ELSE last_day(make_date(year_of_birth, month_of_birth, 1)) END AS birth_high,
        CASE gender_concept_id WHEN 8507 THEN 'male' WHEN 8532 THEN 'female'
             ELSE 'unknown' END AS sex
        FROM person""",
    "measurement": f"""SELECT {_MEASUREMENT} FROM measurement m
            JOIN code c ON c.concept_id = m.measurement_concept_id {_UNIT}
        UNION ALL SELECT {_MEASUREMENT} FROM measurement m
            JOIN code c ON c.concept_id = m.measurement_source_concept_id {_UNIT}
            WHERE m.measurement_source_concept_id IS DISTINCT FROM m.measurement_concept_id""",
    "measurement_value": """SELECT m.person_id AS pid,
        'Measurement/' || CAST(m.measurement_id AS VARCHAR) AS source, 'value' AS kind, 0 AS pos,
        c.system, c.code FROM measurement m JOIN code c ON c.concept_id = m.value_as_concept_id
        WHERE m.value_as_concept_id <> 0""",
    "condition": _two_concepts(
        "condition_occurrence",
        "condition_concept_id",
        "condition_source_concept_id",
        """o.person_id AS pid,
        'Condition/' || CAST(o.condition_occurrence_id AS VARCHAR) AS source, c.system, c.code_key,
        CASE WHEN o.condition_end_date IS NULL THEN 'active' ELSE 'resolved' END AS clinical,
        'confirmed' AS verification, o.condition_start_date AS onset_low,
        o.condition_start_date AS onset_high, o.condition_end_date AS abate_low,
        o.condition_end_date AS abate_high""",
        "o",
    ),
    "medication": """SELECT d.person_id AS pid,
        'DrugExposure/' || CAST(d.drug_exposure_id AS VARCHAR) AS source, c.system, c.code_key,
        CASE WHEN d.drug_exposure_end_date IS NULL THEN 'completed' ELSE 'active' END AS status,
        d.drug_exposure_start_date AS start_low, d.drug_exposure_start_date AS start_high,
        d.drug_exposure_end_date AS end_high,
        concat_ws('; ', dc.name, CAST(d.drug_source_value AS VARCHAR)) AS med_text,
        coalesce('http://snomed.info/sct|' || rc.code, '') AS route,
        CAST(NULL AS DOUBLE) AS interval_days, CAST(NULL AS DOUBLE) AS doses_per_day
        FROM drug_exposure d JOIN drug_code c ON c.id = d.drug_exposure_id
        LEFT JOIN code dc ON dc.concept_id = d.drug_concept_id
        LEFT JOIN code rc ON rc.concept_id = d.route_concept_id AND rc.vocabulary_id = 'SNOMED'""",
    "procedure": """WITH biopsy AS (
            SELECT p.procedure_occurrence_id AS id, bool_or(contains(lower(concat_ws(' ',
                c.name, s.name, CAST(p.procedure_source_value AS VARCHAR))), 'biopsy')) AS biopsy
            FROM procedure_occurrence p LEFT JOIN code c ON c.concept_id = p.procedure_concept_id
            LEFT JOIN code s ON s.concept_id = p.procedure_source_concept_id GROUP BY 1)
        SELECT x.*, b.biopsy FROM ("""
    + _two_concepts(
        "procedure_occurrence",
        "procedure_concept_id",
        "procedure_source_concept_id",
        """p.person_id AS pid, p.procedure_occurrence_id AS id,
        'Procedure/' || CAST(p.procedure_occurrence_id AS VARCHAR) AS source, c.system,
        c.code_key, 'completed' AS status, p.procedure_date AS t_low, p.procedure_date AS t_high""",
        "p",
    )
    + ") x JOIN biopsy b ON b.id = x.id",
    "allergy": f"""WITH a AS (
            SELECT o.*, lower(concat_ws(' ', oc.name, v.name, CAST(o.value_as_string AS VARCHAR)))
                AS text
            FROM observation o JOIN code oc ON oc.concept_id = o.observation_concept_id
            LEFT JOIN code v ON v.concept_id = o.value_as_concept_id
            WHERE contains(lower(oc.name), 'allerg')
              AND coalesce(o.observation_source_value, '') NOT LIKE '{CRF_PREFIX}%')
        """
    + _two_concepts(
        "a",
        "observation_concept_id",
        "value_as_concept_id",
        """x.person_id AS pid,
            'Observation/' || CAST(x.observation_id AS VARCHAR) AS source, c.system, c.code_key,
            x.text, 'active' AS clinical, 'confirmed' AS verification""",
        "x",
    ),
    "consent": """SELECT NULL AS pid, NULL AS source, NULL AS status, NULL AS system,
        NULL AS code_key, NULL AS t_low, NULL AS t_high WHERE false""",
    "crf": f"""WITH answers AS ({_CRF_ANSWERS}), typed AS ({_CRF_TYPED})
        SELECT pid, source, link, lesion,
            CASE WHEN vtype = 'bool' THEN lower(str) = 'true' END AS v_bool,
            CASE WHEN vtype = 'number' THEN num END AS v_num,
            CASE WHEN vtype = 'date' THEN TRY_CAST(str AS DATE) END AS v_date,
            CASE WHEN vtype = 'choice' THEN str END AS v_str, vtype
        FROM typed WHERE vtype IS NOT NULL
        UNION ALL SELECT pid, max(source), 'lesion', lesion, NULL, NULL, NULL, NULL, 'group'
        FROM answers WHERE lesion IS NOT NULL GROUP BY pid, lesion""",
    "warning": f"""SELECT m.person_id AS pid,
            'Measurement/' || CAST(m.measurement_id AS VARCHAR) AS source,
            'measurement.unit_concept_id' AS field,
            CASE WHEN coalesce(m.unit_concept_id, 0) = 0
                 THEN 'unit_concept_id 0: unit_source_value used'
                 ELSE 'unit concept not a UCUM concept of the vocabulary: unit_source_value used'
            END AS message
        FROM measurement m {_UNIT}
        WHERE isfinite(TRY_CAST(m.value_as_number AS DOUBLE)) AND u.code IS NULL
        UNION ALL SELECT person_id, 'Measurement/' || CAST(measurement_id AS VARCHAR),
            'measurement.value_as_number', '{NO_VALUE}'
        FROM measurement WHERE NOT isfinite(TRY_CAST(value_as_number AS DOUBLE))
        UNION ALL SELECT person_id, 'Measurement/' || CAST(measurement_id AS VARCHAR),
            'measurement.range_high', '{NO_VALUE}'
        FROM measurement WHERE NOT isfinite(TRY_CAST(range_high AS DOUBLE))
        UNION ALL SELECT person_id, 'Observation/' || CAST(observation_id AS VARCHAR),
            'observation.value_as_number', '{NO_VALUE}'
        FROM observation WHERE observation_source_value LIKE '{CRF_PREFIX}%'
            AND NOT isfinite(TRY_CAST(value_as_number AS DOUBLE))
        UNION ALL SELECT person_id, 'Observation/' || CAST(observation_id AS VARCHAR),
            'observation.value_as_number/value_as_string', 'CRF answer without a value'
        FROM observation WHERE observation_source_value LIKE '{CRF_PREFIX}%'
            AND NOT coalesce(isfinite(TRY_CAST(value_as_number AS DOUBLE)), false)
            AND value_as_string IS NULL""",
}

"""OMOP CDM v5.4 → staging tables (DuckDB SQL over CSV or Parquet files).

Codes are resolved through ``concept`` (``vocabulary_id`` + ``concept_code``), for
the standard concept and, where present, the source concept (an ICD-10-CM
diagnosis whose standard concept is SNOMED keeps its ICD-10-CM code too). Units:
``unit_concept_id`` → its UCUM ``concept_code``; ``unit_concept_id`` 0 falls back
to ``unit_source_value`` and is counted as a data-quality warning. OMOP has no
result status: every measurement is ``final``.

CRF answers travel in ``observation`` rows (a trialkit convention):
``observation_source_value`` = ``trialkit-crf:<linkId>``; the value in
``value_as_number``, or ``value_as_string`` (``true``/``false``, an ISO date, or a
choice code); lesion-group answers carry the group's number in
``qualifier_source_value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from trialkit.errors import InputError
from trialkit.population.staging import SCHEMAS

TABLES = (
    "person",
    "measurement",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "observation",
    "concept",
)
SYSTEMS = {
    "LOINC": "http://loinc.org",
    "SNOMED": "http://snomed.info/sct",
    "ICD10CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "ICD10": "http://hl7.org/fhir/sid/icd-10",
    "ATC": "http://www.whocc.no/atc",
    "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
}


@dataclass(frozen=True)
class OmopSource:
    tables: dict[str, pa.Table]
    warnings: dict[str, int]


def _find(folder: Path, name: str) -> str:
    for candidate in (
        f"{name}.parquet",
        f"{name.upper()}.parquet",
        f"{name}.csv",
        f"{name.upper()}.csv",
    ):
        if (folder / candidate).exists():
            path = str(folder / candidate)
            reader = "read_parquet" if candidate.endswith(".parquet") else "read_csv_auto"
            extra = ", all_varchar=false, header=true" if reader == "read_csv_auto" else ""
            return f"{reader}('{path}'{extra})"
    raise InputError(f"OMOP table {name} not found (CSV or Parquet)", source=str(folder))


def load_omop(folder: Path) -> OmopSource:
    if not folder.is_dir():
        raise InputError("not a folder of OMOP tables", source=str(folder))
    con = duckdb.connect()
    try:
        for name in TABLES:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {_find(folder, name)}").fetchall()
        systems = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SYSTEMS.items())
        con.execute(f"""CREATE TABLE code AS SELECT CAST(concept_id AS BIGINT) AS concept_id,
            CASE vocabulary_id {systems} ELSE vocabulary_id END AS system,
            CAST(concept_code AS VARCHAR) AS code,
            CASE WHEN vocabulary_id IN ('ICD10CM', 'ICD10')
                 THEN upper(replace(CAST(concept_code AS VARCHAR), '.', '')) ELSE CAST(concept_code AS VARCHAR)
            END AS code_key, vocabulary_id FROM concept""").fetchall()
        duplicates = _count(con, "SELECT count(*) - count(DISTINCT person_id) FROM person")
        if duplicates:
            raise InputError(
                f"{duplicates} duplicate person_id value(s)", source=str(folder), field="person"
            )
        tables = {
            name: con.sql(sql).to_arrow_table().cast(SCHEMAS[name])
            for name, sql in _queries().items()
        }
        no_unit = _count(
            con,
            """SELECT count(*) FROM measurement
            WHERE value_as_number IS NOT NULL AND coalesce(unit_concept_id, 0) = 0""",
        )
        unknown_unit = _count(
            con,
            """SELECT count(*) FROM measurement m LEFT JOIN code u
            ON u.concept_id = m.unit_concept_id
            WHERE coalesce(m.unit_concept_id, 0) <> 0 AND u.code IS NULL""",
        )
    except duckdb.Error as exc:
        raise InputError(
            f"OMOP tables unreadable: {exc}".splitlines()[0], source=str(folder)
        ) from exc
    finally:
        con.close()
    warnings = {
        "measurement unit_concept_id 0 (unit_source_value used)": no_unit,
        "measurement unit concept not in concept table": unknown_unit,
    }
    return OmopSource(tables, {k: v for k, v in warnings.items() if v})


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    # DuckDB 2.0: read a result to the end before the next statement (stack-notes trap)
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _queries() -> dict[str, str]:
    return {
        "patient": """SELECT CAST(person_id AS VARCHAR) AS pid,
            make_date(year_of_birth, coalesce(month_of_birth, 1), coalesce(day_of_birth, 1)) AS birth_low,
            CASE WHEN month_of_birth IS NULL THEN make_date(year_of_birth, 12, 31)
                 WHEN day_of_birth IS NULL THEN last_day(make_date(year_of_birth, month_of_birth, 1))
                 ELSE make_date(year_of_birth, month_of_birth, day_of_birth) END AS birth_high,
            CASE gender_concept_id WHEN 8507 THEN 'male' WHEN 8532 THEN 'female' ELSE 'unknown' END AS sex
            FROM person""",
        "measurement": """SELECT CAST(m.person_id AS VARCHAR) AS pid,
            'Measurement/' || CAST(m.measurement_id AS VARCHAR) AS source,
            CAST(m.measurement_date AS DATE) AS t_low, CAST(m.measurement_date AS DATE) AS t_high,
            'final' AS status, CAST(m.value_as_number AS DOUBLE) AS value,
            CASE WHEN coalesce(m.unit_concept_id, 0) = 0 THEN CAST(m.unit_source_value AS VARCHAR) ELSE u.code END
                AS unit,
            CAST(m.range_high AS DOUBLE) AS ref_high, NULL::VARCHAR AS ref_unit, false AS data_absent
            FROM measurement m LEFT JOIN code u ON u.concept_id = m.unit_concept_id""",
        "measurement_code": """SELECT CAST(m.person_id AS VARCHAR) AS pid,
            'Measurement/' || CAST(m.measurement_id AS VARCHAR) AS source, k.kind, c.system, c.code, c.code_key
            FROM measurement m,
            (SELECT 'code' AS kind UNION ALL SELECT 'value') k
            JOIN code c ON c.concept_id = CASE k.kind WHEN 'code' THEN m.measurement_concept_id
                                                      ELSE m.value_as_concept_id END""",
        "condition": """SELECT CAST(o.person_id AS VARCHAR) AS pid,
            'Condition/' || CAST(o.condition_occurrence_id AS VARCHAR) AS source, c.system, c.code_key,
            CASE WHEN o.condition_end_date IS NULL THEN 'active' ELSE 'resolved' END AS clinical,
            'confirmed' AS verification,
            CAST(o.condition_start_date AS DATE) AS onset_low, CAST(o.condition_start_date AS DATE) AS onset_high,
            CAST(o.condition_end_date AS DATE) AS abate_low, CAST(o.condition_end_date AS DATE) AS abate_high
            FROM condition_occurrence o JOIN code c
              ON c.concept_id IN (o.condition_concept_id, o.condition_source_concept_id)""",
        "medication": """SELECT CAST(d.person_id AS VARCHAR) AS pid,
            'DrugExposure/' || CAST(d.drug_exposure_id AS VARCHAR) AS source, c.system, c.code_key,
            'completed' AS status,
            CAST(d.drug_exposure_start_date AS DATE) AS start_low, CAST(d.drug_exposure_start_date AS DATE)
                AS start_high,
            CAST(d.drug_exposure_end_date AS DATE) AS end_high, NULL::VARCHAR AS form
            FROM drug_exposure d JOIN code c ON c.concept_id IN (d.drug_concept_id, d.drug_source_concept_id)""",
        "procedure": """SELECT CAST(p.person_id AS VARCHAR) AS pid,
            'Procedure/' || CAST(p.procedure_occurrence_id AS VARCHAR) AS source, c.system, c.code_key,
            'completed' AS status, CAST(p.procedure_date AS DATE) AS t_low, CAST(p.procedure_date AS DATE) AS t_high,
            false AS biopsy
            FROM procedure_occurrence p JOIN code c ON c.concept_id = p.procedure_concept_id""",
        "allergy": """SELECT NULL::VARCHAR AS pid, NULL::VARCHAR AS source, NULL::VARCHAR AS system,
            NULL::VARCHAR AS code_key, NULL::VARCHAR AS text, NULL::VARCHAR AS clinical,
            NULL::VARCHAR AS verification WHERE false""",
        "consent": """SELECT NULL::VARCHAR AS pid, NULL::VARCHAR AS source, NULL::VARCHAR AS status,
            NULL::VARCHAR AS system, NULL::VARCHAR AS code_key, NULL::DATE AS t_low, NULL::DATE AS t_high
            WHERE false""",
        "crf": """SELECT CAST(person_id AS VARCHAR) AS pid,
            substr(CAST(observation_source_value AS VARCHAR), 14) AS link,
            TRY_CAST(qualifier_source_value AS INTEGER) AS lesion,
            CASE lower(CAST(value_as_string AS VARCHAR)) WHEN 'true' THEN true WHEN 'false' THEN false END AS v_bool,
            CAST(value_as_number AS DOUBLE) AS v_num,
            TRY_CAST(value_as_string AS DATE) AS v_date,
            CAST(value_as_string AS VARCHAR) AS v_str,
            CASE WHEN value_as_number IS NOT NULL THEN 'number'
                 WHEN lower(CAST(value_as_string AS VARCHAR)) IN ('true', 'false') THEN 'bool'
                 WHEN TRY_CAST(value_as_string AS DATE) IS NOT NULL THEN 'date'
                 ELSE 'choice' END AS vtype
            FROM observation WHERE CAST(observation_source_value AS VARCHAR) LIKE 'trialkit-crf:%'""",
    }

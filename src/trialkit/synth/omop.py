"""Write a synthetic population as an OMOP CDM v5.4 instance (Parquet, one file per table).

It is written the way an ETL would load the same facts: OMOP keeps no result or
record status, so entered-in-error, cancelled and preliminary results, refuted
diagnoses, procedures not done and resolved allergies are not loaded;
diagnoses keep their ICD-10-CM code as the source concept (no standard SNOMED
mapping: ``condition_concept_id`` 0); drugs are RxNorm with their ATC class in
``concept_ancestor``; an ongoing drug gets an end date 30 days after the
reference date (as ETLs derive one from the days' supply); units outside UCUM
and a share of the others get ``unit_concept_id`` 0 with the unit in
``unit_source_value`` (as the Eunomia data do); the CRF follows trialkit's
``observation`` convention (``sources.omop``). Concept ids are synthetic
(2,000,000,000 and up): the vocabulary subset is written with the data.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from trialkit.sources.omop_sql import CRF_PREFIX
from trialkit.synth.population import Synthetic
from trialkit.synth.profile import NEGATIVE, POSITIVE, ROUTES, WarehouseProfile

_BASE = 2_000_000_000
_NOT_UCUM = ("K/uL", "IU/L")  # written by sites, not UCUM codes: no unit concept


def _units(profile: WarehouseProfile) -> list[str]:
    codes = {u.code for lab in profile.labs for u in lab.units if u.code}
    codes.add(profile.cohort.marker.unit)
    for q in profile.qualitative:
        if q.viral_load is not None:
            codes |= {q.viral_load.unit, q.viral_load.alternative_unit}
    return sorted(codes)


def concepts(profile: WarehouseProfile) -> pa.Table:
    """The vocabulary subset: (concept_id, concept_name, domain_id, vocabulary_id, concept_code)."""
    ps, marker = profile.performance, profile.cohort.marker
    loads = [q.viral_load for q in profile.qualitative if q.viral_load is not None]
    rows: list[tuple[str, str, str, str]] = []  # (name, domain, vocabulary, code)
    rows += [(lab.name, "Measurement", "LOINC", lab.loinc) for lab in profile.labs]
    rows += [(ps.name, "Measurement", "LOINC", ps.loinc)]
    rows += [(marker.concept_name, "Measurement", "LOINC", marker.loinc)]
    rows += [(q.name, "Measurement", "LOINC", q.loinc) for q in profile.qualitative]
    rows += [(v.name, "Measurement", "LOINC", v.loinc) for v in loads]
    rows += [(f"ECOG {i}", "Meas Value", "LOINC", code) for i, code in enumerate(ps.answers)]
    rows += [("Positive", "Meas Value", "SNOMED", POSITIVE)]
    rows += [("Negative", "Meas Value", "SNOMED", NEGATIVE)]
    rows += [(u, "Unit", "UCUM", u) for u in _units(profile) if u not in _NOT_UCUM]
    rows += [(c.name, "Condition", "ICD10CM", c.code) for c in profile.conditions.all()]
    drugs = profile.drugs.all()
    rows += [(d.name, "Drug", "RxNorm", d.rxnorm) for d in drugs]
    rows += [(f"ATC {atc}", "Drug", "ATC", atc) for atc in sorted({d.atc for d in drugs})]
    rows += [(name, "Route", "SNOMED", code) for code, name in ROUTES.values()]
    rows += [(p.name, "Procedure", "SNOMED", p.code) for p in profile.procedures.all()]
    rows += [
        (f"Allergy to {a.text.lower()}", "Observation", "SNOMED", a.code or f"trialkit-allergy-{i}")
        for i, a in enumerate(profile.allergies)
    ]
    return pa.table(
        {
            "concept_id": pa.array([_BASE + i for i in range(len(rows))], pa.int64()),
            "concept_name": [r[0] for r in rows],
            "domain_id": [r[1] for r in rows],
            "vocabulary_id": [r[2] for r in rows],
            "concept_code": [r[3] for r in rows],
            "standard_concept": ["S" if r[2] != "ICD10CM" else None for r in rows],
        }
    )


_ONGOING_END = ":reference + INTERVAL 30 DAY"
_QUERIES = {
    "person": """SELECT person AS person_id,
        CASE sex WHEN 'male' THEN 8507 WHEN 'female' THEN 8532 ELSE 0 END AS gender_concept_id,
        year(birth) AS year_of_birth,
        CASE WHEN NOT birth_year_only THEN month(birth) END AS month_of_birth,
        CASE WHEN NOT birth_year_only THEN day(birth) END AS day_of_birth,
        CASE WHEN NOT birth_year_only THEN CAST(birth AS TIMESTAMP) END AS birth_datetime,
        0 AS race_concept_id, 0 AS ethnicity_concept_id, 'p' || person AS person_source_value
        FROM person""",
    "measurement": f"""SELECT row_number() OVER () AS measurement_id, l.person AS person_id,
        m.concept_id AS measurement_concept_id, l.day AS measurement_date,
        32817 AS measurement_type_concept_id, CASE WHEN l.absent THEN NULL ELSE l.value END AS value_as_number,
        -- a result not performed has no value of any kind (the FHIR rendering keeps only
        -- its interpretation, beside the dataAbsentReason that makes it unusable)
        CASE WHEN l.absent THEN 0 ELSE coalesce(a.concept_id, 0) END AS value_as_concept_id,
        CASE WHEN hash(l.person, l.day, l.loinc) % 12 = 0 THEN 0 ELSE coalesce(u.concept_id, 0) END
            AS unit_concept_id,
        l.ref_high AS range_high, l.loinc AS measurement_source_value,
        0 AS measurement_source_concept_id, l.unit AS unit_source_value
        FROM lab l JOIN concept m ON m.vocabulary_id = 'LOINC' AND m.concept_code = l.loinc
        LEFT JOIN concept u ON u.vocabulary_id = 'UCUM' AND u.concept_code = l.unit
        LEFT JOIN concept a ON a.concept_code = CASE l.answer WHEN 'POS' THEN '{POSITIVE}'
            WHEN 'NEG' THEN '{NEGATIVE}' ELSE l.answer END AND a.domain_id = 'Meas Value'
        WHERE l.status IN ('final', 'amended', 'corrected')""",
    "condition_occurrence": """SELECT row_number() OVER () AS condition_occurrence_id,
        c.person AS person_id, 0 AS condition_concept_id, c.onset AS condition_start_date,
        c.abatement AS condition_end_date,
        32817 AS condition_type_concept_id, c.icd AS condition_source_value,
        s.concept_id AS condition_source_concept_id
        FROM condition c JOIN concept s ON s.vocabulary_id = 'ICD10CM' AND s.concept_code = c.icd
        WHERE coalesce(c.verification, '') NOT IN ('refuted', 'entered-in-error')""",
    "drug_exposure": f"""SELECT row_number() OVER () AS drug_exposure_id, d.person AS person_id,
        x.concept_id AS drug_concept_id, d.start AS drug_exposure_start_date,
        CASE WHEN d."end" IS NULL THEN {_ONGOING_END} ELSE d."end" END AS drug_exposure_end_date,
        32817 AS drug_type_concept_id, coalesce(r.concept_id, 0) AS route_concept_id,
        d.name AS drug_source_value, 0 AS drug_source_concept_id
        FROM drug d JOIN concept x ON x.vocabulary_id = 'RxNorm' AND x.concept_name = d.name
        LEFT JOIN concept r ON r.domain_id = 'Route' AND r.concept_code = d.route
        WHERE d.status <> 'entered-in-error'""",
    "procedure_occurrence": """SELECT row_number() OVER () AS procedure_occurrence_id,
        p.person AS person_id, x.concept_id AS procedure_concept_id, p.day AS procedure_date,
        32817 AS procedure_type_concept_id, p.name AS procedure_source_value,
        0 AS procedure_source_concept_id
        FROM procedure p JOIN concept x ON x.domain_id = 'Procedure' AND x.concept_code = p.snomed
        WHERE p.status = 'completed'""",
    "observation": f"""SELECT row_number() OVER () AS observation_id, * FROM (
        SELECT person AS person_id, 0 AS observation_concept_id, authored AS observation_date,
            32862 AS observation_type_concept_id,
            CASE WHEN vtype IN ('integer', 'decimal') THEN v_num END AS value_as_number,
            CASE vtype WHEN 'boolean' THEN CAST(v_bool AS VARCHAR)
                WHEN 'date' THEN strftime(v_date, '%Y-%m-%d')
                WHEN 'choice' THEN v_str WHEN 'string' THEN v_str END AS value_as_string,
            0 AS value_as_concept_id, '{CRF_PREFIX}' || link AS observation_source_value,
            CAST(lesion + 1 AS VARCHAR) AS qualifier_source_value
        FROM crf
        UNION ALL SELECT a.person, c.concept_id, :reference - INTERVAL 200 DAY, 32817, NULL,
            a.text, 0, NULL, NULL
        FROM allergy a JOIN concept c ON c.domain_id = 'Observation'
            AND c.concept_name = 'Allergy to ' || lower(a.text)
        WHERE a.clinical = 'active')""",
    "concept_ancestor": """SELECT a.concept_id AS ancestor_concept_id,
        d.concept_id AS descendant_concept_id, 1 AS min_levels_of_separation,
        1 AS max_levels_of_separation
        FROM drug_atc m JOIN concept d ON d.vocabulary_id = 'RxNorm' AND d.concept_name = m.name
        JOIN concept a ON a.vocabulary_id = 'ATC' AND a.concept_code = m.atc""",
}


def write_omop(population: Synthetic, out: Path) -> list[Path]:
    """``<table>.parquet`` for every OMOP table the screening reads (and ``concept_ancestor``)."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    written = []
    try:
        for name, table in population.tables.items():
            con.register(name, table)
        con.register("concept", concepts(population.profile))
        drugs = population.profile.drugs.all()
        con.register(
            "drug_atc", pa.table({"name": [d.name for d in drugs], "atc": [d.atc for d in drugs]})
        )
        reference = f"DATE '{population.reference_date.isoformat()}'"
        for name, query in {**_QUERIES, "concept": "SELECT * FROM concept"}.items():
            path = out / f"{name}.parquet"
            sql = query.replace(":reference", reference)
            con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)").fetchall()
            written.append(path)
    finally:
        con.close()
    return written

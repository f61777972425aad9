-- The floor of bench/population.py: NCT05894486's age, diagnosis and laboratory checks
-- (IN2, EX1–EX6, and IN3's GEP-NET diagnosis) written by hand as one DuckDB query over
-- OMOP CDM Parquet. One row per person: pid, IN2, EX1…EX6 (1 met, 0 not met, NULL
-- unknown, with trialkit's three-valued semantics) and gep_net. The bench compares
-- these columns with trialkit's result, patient by patient.
--
-- Placeholders, replaced as text: {folder}, the OMOP Parquet folder; {as_of}, an ISO
-- date. Everything else is protocol.yaml written out: the LOINC codes of the value
-- sets, each element's unit, the thresholds, the 28-day lab lookback
-- (lab_lookback_days) and the site-default ULNs (uln_bilirubin_umol_per_l 21,
-- uln_alt_u_per_l and uln_ast_u_per_l 40, uln_aptt_s 40).
WITH
code AS (
  SELECT concept_id, vocabulary_id, trim(concept_code) AS code
  FROM read_parquet('{folder}/concept.parquet')),
-- the LOINC codes of the value sets of the elements the checks read
lab_code (code, element) AS (VALUES
  ('2160-0', 'creatinine'), ('14682-9', 'creatinine'), ('38483-4', 'creatinine'),
  ('718-7', 'hemoglobin'), ('6690-2', 'wbc'), ('777-3', 'platelets'), ('26515-7', 'platelets'),
  ('1975-2', 'bilirubin'), ('1751-7', 'albumin'), ('1742-6', 'alt'), ('1920-8', 'ast'),
  ('6301-6', 'inr'), ('3173-2', 'aptt'), ('29463-7', 'weight')),
-- (an ENUM: the element is grouped and compared on every row below)
lab_concept AS (
  SELECT c.concept_id, CAST(l.element AS ENUM('creatinine', 'hemoglobin', 'wbc', 'platelets',
    'bilirubin', 'albumin', 'alt', 'ast', 'inr', 'aptt', 'weight')) AS element
  FROM code c JOIN lab_code l ON c.vocabulary_id = 'LOINC' AND c.code = l.code),
-- results dated within the lab lookback (28 days before as-of to as-of, inclusive), by
-- their standard concept and, where it is another one, by their source concept. Only the
-- latest usable day counts and must lie in the lookback, so an older result never
-- decides: leaving it out gives the same unknown as a latest day outside the lookback
result AS (
  SELECT m.person_id, l.element, m.measurement_date AS day, m.value_as_number AS value,
         m.range_high, m.unit_concept_id, m.unit_source_value
  FROM read_parquet('{folder}/measurement.parquet') m
  JOIN lab_concept l ON l.concept_id = m.measurement_concept_id
  WHERE m.measurement_date BETWEEN DATE '{as_of}' - 28 AND DATE '{as_of}'
  UNION ALL
  SELECT m.person_id, l.element, m.measurement_date, m.value_as_number,
         m.range_high, m.unit_concept_id, m.unit_source_value
  FROM read_parquet('{folder}/measurement.parquet') m
  JOIN lab_concept l ON l.concept_id = m.measurement_source_concept_id
  WHERE m.measurement_date BETWEEN DATE '{as_of}' - 28 AND DATE '{as_of}'
    AND m.measurement_source_concept_id IS DISTINCT FROM m.measurement_concept_id),
-- the unit: the UCUM concept's code, else (unit_concept_id 0 or not UCUM) unit_source_value
with_unit AS (
  SELECT r.*, coalesce(u.code, trim(r.unit_source_value)) AS unit
  FROM result r
  LEFT JOIN code u ON u.concept_id = r.unit_concept_id AND u.vocabulary_id = 'UCUM'),
-- the factor to the element's unit, for the units the synthetic data use; any other unit
-- (K/uL, haemoglobin in mmol/L, a creatinine without a unit, …) has none: it never decides
with_factor AS (
  SELECT person_id, element, day, value, range_high, CAST(CASE
    WHEN element IN ('creatinine', 'bilirubin') AND unit = 'umol/L' THEN 1
    WHEN element = 'creatinine' AND unit = 'mg/dL' THEN 88.4    -- umol/L per mg/dL
    WHEN element = 'bilirubin' AND unit = 'mg/dL' THEN 17.1     -- umol/L per mg/dL
    WHEN element IN ('hemoglobin', 'albumin') AND unit = 'g/L' THEN 1
    WHEN element IN ('hemoglobin', 'albumin') AND unit = 'g/dL' THEN 10
    WHEN element IN ('wbc', 'platelets') AND unit IN ('10*9/L', '10*3/uL') THEN 1
    WHEN element IN ('wbc', 'platelets') AND unit = '/mm3' THEN 0.001
    WHEN element IN ('alt', 'ast') AND unit IN ('U/L', '[IU]/L', 'IU/L') THEN 1
    WHEN element = 'inr' AND coalesce(unit, '') IN ('', '1', '{INR}') THEN 1
    WHEN element = 'aptt' AND unit = 's' THEN 1
    WHEN element = 'weight' AND unit = 'kg' THEN 1
    WHEN element = 'weight' AND unit = '[lb_av]' THEN 0.45359237  -- kg per lb
  END AS DOUBLE) AS factor
  FROM with_unit),
-- value and ULN in the element's unit (rounded to 9 decimals, as trialkit's conversions
-- are); the ULN is the result's range_high, else the element's site default, else none
lab AS (
  SELECT person_id, element, day, round(value * factor, 9) AS v,
    CASE WHEN range_high IS NOT NULL THEN round(range_high * factor, 9)
         ELSE CASE element WHEN 'bilirubin' THEN 21 WHEN 'alt' THEN 40
                           WHEN 'ast' THEN 40 WHEN 'aptt' THEN 40 END
    END AS uln
  FROM with_factor),
-- each result judged against its element's threshold: NULL when it cannot be read
judged AS (
  SELECT person_id, element, day, v, CASE element
    WHEN 'creatinine' THEN v > 150
    WHEN 'hemoglobin' THEN v < 80
    WHEN 'wbc' THEN v < 2.0
    WHEN 'platelets' THEN v < 75
    WHEN 'bilirubin' THEN v > round(3 * uln, 9)
    WHEN 'albumin' THEN v < 30
    WHEN 'alt' THEN v > round(2.5 * uln, 9)
    WHEN 'ast' THEN v > round(2.5 * uln, 9)
    WHEN 'inr' THEN v > 1.5
    WHEN 'aptt' THEN v > round(1.5 * uln, 9)
  END AS met  -- weight has no threshold of its own: only Cockcroft-Gault reads it
  FROM lab),
-- only the latest day counts: its verdict when every result of the day is readable and
-- they agree (same-day disagreement or an unreadable result: unknown; an older result
-- never stands in), and its value when every result has one and they agree
latest_day AS (
  SELECT * FROM judged
  QUALIFY day = max(day) OVER (PARTITION BY person_id, element)),
latest AS (
  SELECT person_id, element,
    CASE WHEN count(*) = count(met) AND bool_and(met) = bool_or(met) THEN bool_and(met) END
      AS met,
    CASE WHEN count(*) = count(v) AND min(v) = max(v) THEN min(v) END AS v
  FROM latest_day GROUP BY person_id, element),
-- one row per person: each element's verdict, and the creatinine and weight values that
-- Cockcroft-Gault reads
labs AS (
  SELECT person_id,
    bool_or(met) FILTER (WHERE element = 'creatinine') AS creatinine_high,
    max(v) FILTER (WHERE element = 'creatinine') AS creatinine,
    max(v) FILTER (WHERE element = 'weight') AS weight,
    bool_or(met) FILTER (WHERE element = 'hemoglobin') AS hemoglobin_low,
    bool_or(met) FILTER (WHERE element = 'wbc') AS wbc_low,
    bool_or(met) FILTER (WHERE element = 'platelets') AS platelets_low,
    bool_or(met) FILTER (WHERE element = 'bilirubin') AS bilirubin_high,
    bool_or(met) FILTER (WHERE element = 'albumin') AS albumin_low,
    bool_or(met) FILTER (WHERE element = 'alt') AS alt_high,
    bool_or(met) FILTER (WHERE element = 'ast') AS ast_high,
    bool_or(met) FILTER (WHERE element = 'inr') AS inr_high,
    bool_or(met) FILTER (WHERE element = 'aptt') AS aptt_high
  FROM latest GROUP BY person_id),
-- the earliest and latest birth date the record allows
born AS (
  SELECT person_id, gender_concept_id,
    CASE WHEN month_of_birth IS NOT NULL AND day_of_birth IS NOT NULL
           THEN make_date(year_of_birth, month_of_birth, day_of_birth)
         WHEN birth_datetime IS NOT NULL THEN CAST(birth_datetime AS DATE)
         ELSE make_date(year_of_birth, coalesce(month_of_birth, 1), 1) END AS birth_low,
    CASE WHEN month_of_birth IS NOT NULL AND day_of_birth IS NOT NULL
           THEN make_date(year_of_birth, month_of_birth, day_of_birth)
         WHEN birth_datetime IS NOT NULL THEN CAST(birth_datetime AS DATE)
         WHEN month_of_birth IS NULL THEN make_date(year_of_birth, 12, 31)
         ELSE last_day(make_date(year_of_birth, month_of_birth, 1)) END AS birth_high
  FROM read_parquet('{folder}/person.parquet')),
-- age in completed years at as-of; unknown when the two birth dates give two ages
aged AS (
  SELECT person_id, gender_concept_id,
    CASE WHEN oldest = youngest THEN oldest END AS age
  FROM (
    SELECT person_id, gender_concept_id,
      year(DATE '{as_of}') - year(birth_low)
        - CASE WHEN month(birth_low) > month(DATE '{as_of}')
                 OR (month(birth_low) = month(DATE '{as_of}')
                     AND day(birth_low) > day(DATE '{as_of}')) THEN 1 ELSE 0 END AS oldest,
      year(DATE '{as_of}') - year(birth_high)
        - CASE WHEN month(birth_high) > month(DATE '{as_of}')
                 OR (month(birth_high) = month(DATE '{as_of}')
                     AND day(birth_high) > day(DATE '{as_of}')) THEN 1 ELSE 0 END AS youngest
    FROM born)),
-- IN3's first leaf: an ICD-10(-CM) GEP-NET diagnosis (C7A.0*, C7A.1*, C7A.8*, C25.4*, not
-- C7A.090 bronchus, .091 thymus, .093 kidney) with onset unknown or on or before as-of
gep_concept AS (
  SELECT concept_id FROM (
    SELECT concept_id, upper(replace(code, '.', '')) AS k FROM code
    WHERE vocabulary_id IN ('ICD10CM', 'ICD10'))
  WHERE (k LIKE 'C7A0%' OR k LIKE 'C7A1%' OR k LIKE 'C7A8%' OR k LIKE 'C254%')
    AND k NOT IN ('C7A090', 'C7A091', 'C7A093')),
gep AS (
  SELECT DISTINCT person_id
  FROM read_parquet('{folder}/condition_occurrence.parquet')
  WHERE (condition_concept_id IN (SELECT concept_id FROM gep_concept)
         OR condition_source_concept_id IN (SELECT concept_id FROM gep_concept))
    AND (condition_start_date IS NULL OR condition_start_date <= DATE '{as_of}')),
checks AS (
  SELECT a.person_id, a.age BETWEEN 18 AND 75 AS in2,
    -- Cockcroft-Gault (clinical-facts §7), creatinine in mg/dL = umol/L / 88.4; sex
    -- 8507 male, 8532 female, else unknown. trialkit compares round(CrCl, 2) < 50 as
    -- Python rounds (the exact binary value, half to even): that is exactly
    -- CrCl <= 49.995, the double just below the decimal 49.995
    CASE WHEN a.gender_concept_id IN (8507, 8532) THEN
      (140 - a.age) * l.weight / (72 * (l.creatinine / 88.4))
        * CASE a.gender_concept_id WHEN 8532 THEN 0.85 ELSE 1.0 END <= 49.995
    END AS crcl_low,
    l.creatinine_high, l.hemoglobin_low, l.wbc_low, l.platelets_low, l.bilirubin_high,
    l.albumin_low, l.alt_high, l.ast_high, l.inr_high, l.aptt_high,
    g.person_id IS NOT NULL AS gep_net
  FROM aged a
  LEFT JOIN labs l ON l.person_id = a.person_id
  LEFT JOIN gep g ON g.person_id = a.person_id)
-- the criteria: any(…) is Kleene OR, as SQL's OR on NULL is
SELECT CAST(person_id AS VARCHAR) AS pid,
  CAST(in2 AS TINYINT) AS IN2,
  CAST(creatinine_high OR crcl_low AS TINYINT) AS EX1,
  CAST(hemoglobin_low OR wbc_low OR platelets_low AS TINYINT) AS EX2,
  CAST(bilirubin_high AS TINYINT) AS EX3,
  CAST(albumin_low AS TINYINT) AS EX4,
  CAST(alt_high OR ast_high AS TINYINT) AS EX5,
  CAST(inr_high OR aptt_high AS TINYINT) AS EX6,
  gep_net
FROM checks

"""Bulk FHIR NDJSON → staging tables, read natively by DuckDB (no resource goes through
pydantic: millions of resources load in minutes, not hours).

Each resource type is read with ``read_json`` and explicit ``columns`` (inferring
a schema over many files is slow and memory-hungry: stack-notes), mapped by the
SQL of ``sources.ndjson_sql`` and written as Parquet. The CRF goes through
the FHIR adapter's own pure helpers (``fhir.crf.merge_responses``: latest
``authored`` wins item by item, lesion groups whole), as do the dosing rhythm
the features a declared medication form is recognised by (``fhir.extract.dosing_rhythm``,
``protocol.forms.route_key``), computed once per distinct combination. A tests shows both loaders give the same staging rows.

Problems the adapter would report become rows of the ``warning`` table: a
date that is not a FHIR date, a value that is not a number, a resource whose
patient is not in the export, CRF answers of the wrong kind.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from trialkit.errors import InputError
from trialkit.fhir.crf import merge_responses
from trialkit.fhir.extract import NO_VALUE, RESEARCH_STUDY_CONTEXT, dosing_rhythm
from trialkit.model.codes import Code
from trialkit.protocol.forms import route_key
from trialkit.sources import ndjson_sql as q
from trialkit.sources.staging import LESION_MARKER, SCHEMAS, crf_row

_TYPED_NAME = re.compile(r"^([A-Z][A-Za-z]+)")


def _type_of(path: Path) -> str | None:
    """The resource type a Bulk FHIR file is named after (``Observation.ndjson``,
    ``Observation_2.ndjson``), ``""`` for a type this loader does not read, None: unnamed."""
    match = _TYPED_NAME.match(path.name)
    if match is None:
        return None
    return match.group(1) if match.group(1) in q.COLUMNS else ""


@dataclass(frozen=True)
class NdjsonStaging:
    folder: Path
    patients: int


def ndjson_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.name.endswith((".ndjson", ".ndjson.gz")))
        elif path.name.endswith((".ndjson", ".ndjson.gz")):
            files.append(path)
    return files


def stage_ndjson(
    paths: Sequence[Path],
    out: Path,
    *,
    timezone: str,
    questionnaire_url: str,
    lesion_group: str | None = None,
) -> NdjsonStaging:
    files = ndjson_files(paths)
    if not files:
        raise InputError("no .ndjson files", source=", ".join(map(str, paths)))
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        loader = _Loader(con, files, timezone)
        patients = loader.patients()
        for name, sql in loader.staging().items():
            loader.write(sql, out / f"{name}.parquet", SCHEMAS[name])
        crf, crf_warnings = loader.crf(questionnaire_url, lesion_group)
        pq.write_table(crf, out / "crf.parquet")
        loader.write(
            loader.warnings(), out / "warning.parquet", SCHEMAS["warning"], extra=crf_warnings
        )
    except duckdb.Error as exc:
        raise InputError(f"NDJSON unreadable: {exc}".splitlines()[0], source=str(paths[0])) from exc
    finally:
        con.close()
    return NdjsonStaging(out, patients)


class _Loader:
    def __init__(self, con: duckdb.DuckDBPyConnection, files: list[Path], tz: str) -> None:
        self.con, self.files, self.tz = con, files, tz
        self.problems: list[str] = []  # SQL selects of (pid, source, field, message)

    # --- reading -------------------------------------------------------------------------

    def read(self, rtype: str, alias: str) -> str:
        """The resources of ``rtype``: files named after it (Bulk FHIR names each file by
        its type) read with typed columns; files with no type in their name parsed line by
        line and filtered. An element of the wrong JSON shape reads as absent, as the
        adapter drops an invalid element and keeps the resource."""
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in q.COLUMNS[rtype].items()) + "}"
        typed = [f for f in self.files if _type_of(f) == rtype]
        mixed = [f for f in self.files if _type_of(f) is None]
        parts = []
        if typed:
            names = "[" + ", ".join(f"'{f}'" for f in typed) + "]"
            parts.append(f"""SELECT * FROM read_json({names}, format = 'newline_delimited',
                columns = {columns}, ignore_errors = true) WHERE resourceType = '{rtype}'""")
        if mixed:
            names = "[" + ", ".join(f"'{f}'" for f in mixed) + "]"
            parts.append(f"""SELECT unnest(json_transform(json, '{json.dumps(q.COLUMNS[rtype])}'))
                FROM read_ndjson_objects({names})
                WHERE json_extract_string(json, '$.resourceType') = '{rtype}'""")
        if not parts:
            empty = ", ".join(f'CAST(NULL AS {t}) AS "{k}"' for k, t in q.COLUMNS[rtype].items())
            parts.append(f"SELECT {empty} WHERE false")
        return f"({' UNION ALL BY NAME '.join(parts)}) {alias}"

    def patients(self) -> int:
        self.con.execute(f"""CREATE TABLE patient_raw AS SELECT id, gender,
            {q.time_span("birthDate", self.tz)} AS birth, birthDate FROM {self.read("Patient", "p")}""").fetchall()
        rows = self.con.execute(
            "SELECT count(*), count(id), count(DISTINCT id) FROM patient_raw"
        ).fetchall()[0]
        total, with_id, distinct = (int(x) for x in rows)
        if total == 0:
            raise InputError("no Patient resources (Patient.ndjson missing or empty)")
        if with_id < total:
            raise InputError(f"{total - with_id} Patient resource(s) without id")
        if distinct < total:
            raise InputError(
                f"duplicate patient ids: {total - distinct} Patient resources repeat an id"
            )
        self.problem("patient_raw", "id", "'Patient/' || id", "'birthDate'", "birth")
        return total

    def problem(self, table: str, pid: str, source: str, field: str, span: str) -> None:
        self.problems.append(
            f"SELECT {pid} AS pid, {source} AS source, {field} AS field, "
            f"'not a FHIR date; ignored' AS message FROM {table} WHERE NOT {span}.ok"
        )

    def write(
        self, sql: str, path: Path, schema: pa.Schema, extra: list[dict[str, Any]] | None = None
    ) -> None:
        columns = ", ".join(f"CAST({f.name} AS {_SQL[str(f.type)]}) AS {f.name}" for f in schema)
        if not extra:
            self.con.execute(
                f"COPY (SELECT {columns} FROM ({sql})) TO '{path}' (FORMAT parquet)"
            ).fetchall()
            return
        table = self.con.execute(f"SELECT {columns} FROM ({sql})").to_arrow_table()
        assert table is not None
        pq.write_table(
            pa.concat_tables([table.cast(schema), pa.Table.from_pylist(extra, schema=schema)]), path
        )

    # --- facts ---------------------------------------------------------------------------

    def _facts(self, rtype: str, name: str, fields: str, times: dict[str, str]) -> None:
        """``name``: the resources of ``rtype`` with their patient (NULL: not in the export)
        and their parsed times; bad times and orphans become warnings."""
        spans = ", ".join(f"{q.time_span(raw, self.tz)} AS {alias}" for alias, raw in times.items())
        self.con.execute(f"""CREATE TABLE {name} AS SELECT r.id, '{rtype}/' || r.id AS source,
            p.id AS pid, {fields}{", " + spans if spans else ""}
            FROM {self.read(rtype, "r")}
            LEFT JOIN patient_raw p ON 'Patient/' || p.id = {q.reference("r")}""").fetchall()
        for alias in times:
            self.problem(name, "pid", "source", f"'{alias}'", alias)
        self.problems.append(
            f"SELECT NULL, source, 'subject', 'refers to no Patient in the export; ignored' "
            f"FROM {name} WHERE pid IS NULL"
        )

    def staging(self) -> dict[str, str]:
        out = {
            "patient": """SELECT id AS pid, birth.low AS birth_low, birth.high AS birth_high,
            gender AS sex FROM patient_raw"""
        }
        out |= self._observations()
        out["condition"] = self._conditions()
        out["medication"] = self._medications()
        out["procedure"] = self._procedures()
        out["allergy"] = self._allergies()
        out["consent"] = self._consents()
        return out

    def _observations(self) -> dict[str, str]:
        ref = "coalesce(r.referenceRange[1], {'low': NULL, 'high': NULL})"
        self._facts(
            "Observation",
            "obs",
            f"""r.status, r.code, r.valueCodeableConcept,
            r.interpretation, r.dataAbsentReason IS NOT NULL AS data_absent,
            CASE WHEN r.valueQuantity IS NOT NULL THEN r.valueQuantity.value ELSE r.valueInteger END AS raw,
            CASE WHEN r.valueQuantity IS NOT NULL THEN {_unit("r.valueQuantity")} END AS unit,
            {ref}.high.value AS ref_raw,
            coalesce({_unit(ref + ".high")}, {_unit(ref + ".low")}) AS ref_unit""",
            {
                "t": "coalesce(r.effectiveDateTime, r.effectiveInstant, r.effectivePeriod.start, r.issued)"
            },
        )
        for column, field in (("raw", "value"), ("ref_raw", "referenceRange.high")):
            self.problems.append(
                f"SELECT pid, source, '{field}', 'not a number; ignored' FROM obs "
                f"WHERE pid IS NOT NULL AND {column} IS NOT NULL AND json_type({column}) = 'VARCHAR' "
                f"AND TRY_CAST({column} ->> '$' AS DOUBLE) IS NULL"
            )
            self.problems.append(  # extract.decimal: NaN / ±Infinity are no value
                f"SELECT pid, source, '{field}', '{NO_VALUE}' FROM obs "
                f"WHERE pid IS NOT NULL AND NOT isfinite({_double(column)})"
            )
        measurement = f"""SELECT pid, source, c.system, {q.code_key("c.system", "c.code")} AS code_key,
            t.low AS t_low, t.high AS t_high, status, {_number("raw")} AS value, unit,
            {_number("ref_raw")} AS ref_high, ref_unit, data_absent
            FROM (SELECT *, unnest({q.codings("code")}) AS c FROM obs WHERE pid IS NOT NULL)"""
        values = """SELECT pid, source, kind, CAST(pos - 1 AS INTEGER) AS pos, c.system, c.code FROM (
            SELECT pid, source, 'value' AS kind, unnest(list_filter(coalesce(valueCodeableConcept.coding, []),
                lambda c: c.code IS NOT NULL)) AS c, generate_subscripts(list_filter(
                coalesce(valueCodeableConcept.coding, []), lambda c: c.code IS NOT NULL), 1) AS pos
            FROM obs WHERE pid IS NOT NULL
            UNION ALL SELECT pid, source, 'interpretation', unnest(codes), generate_subscripts(codes, 1)
            FROM (SELECT pid, source, flatten(list_transform(coalesce(interpretation, []),
                lambda cc: list_filter(coalesce(cc.coding, []), lambda c: c.code IS NOT NULL))) AS codes
                FROM obs WHERE pid IS NOT NULL))"""
        return {"measurement": measurement, "measurement_value": values}

    def _conditions(self) -> str:
        self._facts(
            "Condition",
            "cond",
            "r.code, r.clinicalStatus, r.verificationStatus",
            {
                "onset": "coalesce(r.onsetDateTime, r.onsetPeriod.start)",
                "abate": 'coalesce(r.abatementDateTime, r.abatementPeriod."end", r.abatementPeriod.start)',
            },
        )
        return f"""SELECT pid, source, c.system, {q.code_key("c.system", "c.code")} AS code_key,
            {_first_code("clinicalStatus")} AS clinical, {_first_code("verificationStatus")} AS verification,
            onset.low AS onset_low, onset.high AS onset_high, abate.low AS abate_low,
            abate.high AS abate_high
            FROM (SELECT *, unnest({q.codings("code")}) AS c FROM cond WHERE pid IS NOT NULL)"""

    def _procedures(self) -> str:
        self._facts(
            "Procedure",
            "proc",
            "r.status, r.code, r.category",
            {
                "t": "coalesce(r.performedDateTime, r.performedPeriod.start)",
            },
        )
        described = f"""lower(concat_ws(' ', coalesce(array_to_string({q.texts("code")}, '; '), ''),
            array_to_string(list_transform(coalesce(code.coding, []), lambda c: coalesce(c.display, '')), ' ')))"""
        return f"""SELECT pid, source, c.system, {q.code_key("c.system", "c.code")} AS code_key, status,
            t.low AS t_low, t.high AS t_high, contains({described}, 'biopsy') AS biopsy
            FROM (SELECT *, unnest(CASE WHEN len(list_concat({_kept("code")}, {_kept("category")})) = 0
                THEN [{{'system': '', 'code': '', 'display': NULL}}]
                ELSE list_concat({_kept("code")}, {_kept("category")}) END) AS c
            FROM proc WHERE pid IS NOT NULL)"""

    def _allergies(self) -> str:
        self._facts(
            "AllergyIntolerance",
            "alg",
            "r.code, r.reaction, r.clinicalStatus, r.verificationStatus",
            {},
        )
        substances = (
            "flatten(list_transform(coalesce(reaction, []), lambda x: "
            + _kept("x.substance")
            + "))"
        )
        substance_texts = (
            "flatten(list_transform(coalesce(reaction, []), lambda x: "
            + q.texts("x.substance")
            + "))"
        )
        codes = f"list_concat({_kept('code')}, {substances})"
        joined = f"array_to_string(list_concat({q.texts('code')}, {substance_texts}), '; ')"
        displays = f"list_transform({codes}, lambda c: coalesce(c.display, ''))"
        text = f"lower(array_to_string(list_concat([coalesce(nullif({joined}, ''), '')], {displays}), ' '))"
        return f"""SELECT pid, source, c.system, {q.code_key("c.system", "c.code")} AS code_key,
            {text} AS text, {_first_code("clinicalStatus")} AS clinical,
            {_first_code("verificationStatus")} AS verification
            FROM (SELECT *, unnest(CASE WHEN len({codes}) = 0
                THEN [{{'system': '', 'code': '', 'display': NULL}}] ELSE {codes} END) AS c
            FROM alg WHERE pid IS NOT NULL)"""

    def _consents(self) -> str:
        self._facts(
            "Consent",
            "cons",
            "r.status, r.scope, r.category, r.extension, r.provision",
            {"t": "r.dateTime"},
        )
        cats = f"flatten(list_transform(coalesce(category, []), lambda cc: {_kept('cc')}))"
        # the studies consented to, as codes of the consent (fhir.extract.consent_studies)
        exts = "list_concat(coalesce(extension, []), coalesce(provision.extension, []))"
        studies = f"""list_transform(list_filter({exts}, lambda e: e.url = '{RESEARCH_STUDY_CONTEXT}'
            AND e.valueReference.identifier.value IS NOT NULL), lambda e: {{'system':
            coalesce(e.valueReference.identifier.system, ''), 'code': e.valueReference.identifier.value,
            'display': CAST(NULL AS VARCHAR)}})"""
        codes = f"list_concat(list_concat({_kept('scope')}, {cats}), {studies})"
        return f"""SELECT pid, source, status, c.system, {q.code_key("c.system", "c.code")} AS code_key,
            t.low AS t_low, t.high AS t_high
            FROM (SELECT *, unnest(CASE WHEN len({codes}) = 0
                THEN [{{'system': '', 'code': '', 'display': NULL}}] ELSE {codes} END) AS c
            FROM cons WHERE pid IS NOT NULL)"""

    def _medications(self) -> str:
        parts = []
        for rtype in q.MEDICATION_TYPES:
            name = f"med_{rtype.lower()}"
            admin = "true" if rtype == "MedicationAdministration" else "false"
            self._facts(
                rtype,
                name,
                f"""'{rtype}' AS rtype, r.status, r.medicationCodeableConcept AS mcc,
                r.medicationReference.reference AS mref,
                CASE WHEN len(coalesce(r.dosageInstruction, [])) > 0 THEN to_json(r.dosageInstruction)
                     WHEN json_type(r.dosage) = 'ARRAY' THEN r.dosage
                     WHEN r.dosage IS NOT NULL THEN json_array(r.dosage) END AS dosages,
                {admin} AND r.effectiveDateTime IS NOT NULL AS end_is_start""",
                {
                    "s": "coalesce(r.effectiveDateTime, r.effectivePeriod.start, r.authoredOn, r.whenHandedOver)",
                    "e": 'r.effectivePeriod."end"',
                },
            )
            parts.append(f"SELECT * FROM {name}")
        self.con.execute(f"CREATE TABLE med AS {' UNION ALL BY NAME '.join(parts)}").fetchall()
        self.con.execute(f"""CREATE TABLE medication_resource AS SELECT 'Medication/' || id AS key,
            code, form FROM {self.read("Medication", "m")}""").fetchall()
        self.con.execute(f"""CREATE TABLE med2 AS SELECT m.*, x.code AS ref_code, x.form AS ref_form,
            dosages -> '$[0]' AS dose,
            {q.time_span("dosages ->> '$[0].timing.repeat.boundsPeriod.start'", self.tz)} AS bs,
            {q.time_span("dosages ->> '$[0].timing.repeat.boundsPeriod.end'", self.tz)} AS be
            FROM med m LEFT JOIN medication_resource x ON x.key = m.mref""").fetchall()
        self._forms()
        codes = f"list_concat({_kept('mcc')}, {_kept('ref_code')})"
        return f"""SELECT pid, x.source, c.system, {q.code_key("c.system", "c.code")} AS code_key, status,
            start.low AS start_low, start.high AS start_high,
            CASE WHEN end_is_start THEN start.high ELSE finish.high END AS end_high,
            f.med_text, f.route, f.interval_days, f.doses_per_day
            FROM (SELECT *, coalesce(s, bs) AS start, coalesce(e, be) AS finish,
                unnest(CASE WHEN len({codes}) = 0 THEN [{{'system': '', 'code': '', 'display': NULL}}]
                    ELSE {codes} END) AS c FROM med2 m WHERE pid IS NOT NULL) x
            LEFT JOIN med_form f ON f.source = x.source"""

    def _forms(self) -> None:
        """``med_form(source, med_text, route, interval_days, doses_per_day)``: what a declared
        form is recognised by (protocol.forms.FormFeatures), once per distinct product and dosing."""
        texts = f"""list_concat({q.texts("mcc")}, {q.texts("ref_code")}, {q.texts("ref_form")},
            list_filter(CAST(json_extract_string(dosages, '$[*].text') AS VARCHAR[]), lambda x: x IS NOT NULL))"""
        self.con.execute(f"""CREATE TABLE med_dose AS SELECT source,
            array_to_string(list_filter(t, lambda x, i: list_position(t, x) = i), '; ') AS text,
            CAST(dose -> '$.route.coding' AS JSON) AS route, dose -> '$.timing.repeat' AS rep
            FROM (SELECT *, {texts} AS t FROM med2)""").fetchall()
        combos = self.con.execute(
            "SELECT DISTINCT text, CAST(route AS VARCHAR), CAST(rep AS VARCHAR) FROM med_dose"
        ).fetchall()
        forms = []
        for text, route, rep in combos:
            codes = tuple(
                Code(str(c.get("system", "")), str(c["code"]))
                for c in (json.loads(route) if route else None) or []
                if isinstance(c, dict) and c.get("code") is not None
            )
            repeat = json.loads(rep) if rep else {}
            interval, per_day = dosing_rhythm(repeat if isinstance(repeat, dict) else {})
            forms.append(
                (
                    text,
                    route,
                    rep,
                    route_key(codes),
                    None if interval is None else float(interval),
                    None if per_day is None else float(per_day),
                )
            )
        self.con.execute("""CREATE TABLE form_of (text VARCHAR, route VARCHAR, rep VARCHAR,
            route_key VARCHAR, interval_days DOUBLE, doses_per_day DOUBLE)""")
        if forms:
            self.con.executemany("INSERT INTO form_of VALUES (?, ?, ?, ?, ?, ?)", forms)
        self.con.execute("""CREATE TABLE med_form AS SELECT d.source, coalesce(d.text, '') AS med_text,
            f.route_key AS route, f.interval_days, f.doses_per_day FROM med_dose d
            JOIN form_of f ON f.text IS NOT DISTINCT FROM d.text
            AND f.route IS NOT DISTINCT FROM CAST(d.route AS VARCHAR)
            AND f.rep IS NOT DISTINCT FROM CAST(d.rep AS VARCHAR)""").fetchall()

    # --- the CRF ---------------------------------------------------------------------------

    def crf(
        self, questionnaire_url: str, lesion_group: str | None
    ) -> tuple[pa.Table, list[dict[str, Any]]]:
        """Screening QuestionnaireResponses merged per patient by fhir.crf.merge_responses."""
        rows = self.con.execute(f"""SELECT p.id, r.id, r.status, CAST(r.authored AS VARCHAR),
            CAST(r.item AS VARCHAR) FROM {self.read("QuestionnaireResponse", "r")}
            JOIN patient_raw p ON 'Patient/' || p.id = {q.reference("r")}
            WHERE split_part(r.questionnaire, '|', 1) = '{questionnaire_url}'""").fetchall()
        per_patient: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for pid, rid, status, authored, item in rows:
            resource = {
                "status": status,
                "authored": json.loads(authored) if authored else None,
                "item": json.loads(item) if item else [],
            }
            per_patient[pid].append((f"QuestionnaireResponse/{rid}", resource))
        out: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        for pid, responses in per_patient.items():
            crf, problems = merge_responses(
                responses, timezone=self.tz, source_file="", lesion_group=lesion_group
            )
            out += [crf_row(pid, a, None) for a in crf.answers.values()]
            for i, group in enumerate(crf.lesions):
                source = next((a.source for a in group.values()), None)
                out.append(
                    {
                        "pid": pid,
                        "source": source,
                        "link": LESION_MARKER,
                        "lesion": i,
                        "vtype": "group",
                    }
                )
                out += [crf_row(pid, a, i) for a in group.values()]
            warnings += [
                {"pid": pid, "source": w.source.strip(), "field": w.field, "message": w.message}
                for w in problems
            ]
        return pa.Table.from_pylist(out, schema=SCHEMAS["crf"]), warnings

    def warnings(self) -> str:
        return " UNION ALL ".join(self.problems)


_SQL = {
    "string": "VARCHAR",
    "date32[day]": "DATE",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "int32": "INTEGER",
}


def _unit(q_expr: str) -> str:
    """extract.quantity_unit: the UCUM code when coded in UCUM, else the unit as written."""
    return f"""CASE WHEN {q_expr}.system = 'http://unitsofmeasure.org' AND {q_expr}.code IS NOT NULL
        THEN {q_expr}.code ELSE coalesce(nullif({q_expr}.unit, ''), {q_expr}.code) END"""


def _double(raw: str) -> str:
    return f"""CASE WHEN json_type({raw}) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT')
        THEN CAST({raw} AS DOUBLE)
        WHEN json_type({raw}) = 'VARCHAR' THEN TRY_CAST({raw} ->> '$' AS DOUBLE) END"""


def _number(raw: str) -> str:
    """extract.decimal: a JSON number (or numeric string); booleans, non-numbers, NaN and
    ±Infinity (DuckDB reads the NaN / Infinity literals) are NULL."""
    return f"""CASE WHEN isfinite({_double(raw)}) THEN {_double(raw)} END"""


def _kept(expr: str) -> str:
    return f"list_filter(coalesce({expr}.coding, []), lambda c: c.code IS NOT NULL)"


def _first_code(expr: str) -> str:
    return f"({_kept(expr)})[1].code"


_ = Decimal

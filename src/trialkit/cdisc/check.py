"""``trialkit export check DIR``: conformance rules over a package as written on disk.

The CDISC CORE engine (``cdisc-rules-engine``) needs the CDISC Library's rule cache, which is
licensed content fetched from the CDISC Library API and cannot be shipped with the project or
reached offline here; so the checks that matter for these datasets are implemented as named
rules. A rule's id is the FDA/Pinnacle 21 validator id where one is published for the check
(SD…, CT…, AD…); ``TK…`` ids are trialkit's own where none is known. Each finding names the
rule, the dataset, the variable and the record (1-based row), so a broken dataset is reported
by name.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyreadstat

from trialkit.cdisc.ct import CODELISTS
from trialkit.cdisc.model import Spec
from trialkit.cdisc.registry import SPECS
from trialkit.cdisc.xpt import MAX_LABEL, MAX_NAME
from trialkit.errors import InputError

# ISO 8601 calendar dates and date-times, complete or right-truncated (SDTMIG 3.4 §4.4.2)
ISO_8601 = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
RULES = {
    "SD1020": "DM dataset is missing",
    "SD1115": "TS dataset is missing",
    "AD0001": "ADSL dataset is missing",
    "SD0056": "SDTM/ADaM Required variable not found",
    "SD0057": "SDTM/ADaM Expected variable not found",
    "SD0002": "NULL value in a variable marked as Required",
    "SD0003": "Invalid ISO 8601 value for a --DTC variable",
    "SD0004": "Inconsistent value for DOMAIN",
    "SD0005": "Duplicate value for --SEQ within a subject",
    "SD0064": "Subject (USUBJID) not found in DM",
    "CT2001": "Value not in a non-extensible codelist",
    "CT2002": "Value not in an extensible codelist",
    "AD0005": "Flag variable (*FL) not Y, N or null",
    "TK0001": "Duplicate record for the dataset's key variables",
    "TK0002": "Variable name longer than 8 or label longer than 40 characters",
    "TK0003": "Dataset not described by the package's specifications",
}
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    dataset: str
    variable: str
    row: int | None  # 1-based record number; None for the dataset as a whole
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "description": RULES[self.rule],
            "severity": self.severity,
            "dataset": self.dataset,
            "variable": self.variable,
            "record": self.row,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"{self.dataset}.{self.variable}" if self.variable else self.dataset
        record = f" record {self.row}" if self.row else ""
        return f"{self.severity} {self.rule} {where}{record}: {self.message}"


@dataclass(frozen=True)
class Table:
    name: str
    path: Path
    columns: tuple[str, ...]
    labels: dict[str, str]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Report:
    folder: Path
    datasets: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def to_json(self) -> dict[str, Any]:
        return {
            "package": str(self.folder),
            "datasets": list(self.datasets),
            "errors": self.errors,
            "warnings": self.warnings,
            "rules": RULES,
            "findings": [f.to_json() for f in self.findings],
        }


def _null(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def read_tables(folder: Path) -> list[Table]:
    """Every dataset of the package: its transport file, else its Dataset-JSON file."""
    if not folder.is_dir():
        raise InputError("not a CDISC package folder", source=str(folder))
    tables: dict[str, Table] = {}
    for path in sorted(folder.glob("*/*.json")):
        if path.stem.upper() in SPECS:
            tables[path.stem.upper()] = _read_json(path)
    for path in sorted(folder.glob("*/*.xpt")):
        tables[path.stem.upper()] = _read_xpt(path)
    if not tables:
        raise InputError("no .xpt or Dataset-JSON file under sdtm/ or adam/", source=str(folder))
    return list(tables.values())


def _read_xpt(path: Path) -> Table:
    try:
        frame, meta = pyreadstat.read_xport(str(path))
    except Exception as exc:  # ReadStat raises its own error types for unreadable files
        raise InputError(f"not a readable SAS transport file ({exc})", source=str(path)) from exc
    labels = {
        n: label or "" for n, label in zip(meta.column_names, meta.column_labels, strict=True)
    }
    rows = [{k: (None if _null(v) else v) for k, v in r.items()} for r in frame.to_dict("records")]
    for r in rows:  # ADaM numeric dates (DATE9.) come back as dates: ISO text, as in Dataset-JSON
        for k, v in r.items():
            if isinstance(v, date | datetime):
                r[k] = v.isoformat()[:10]
    return Table(path.stem.upper(), path, tuple(meta.column_names), labels, rows)


def _read_json(path: Path) -> Table:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        columns = tuple(str(c["name"]) for c in doc["columns"])
        labels = {str(c["name"]): str(c.get("label", "")) for c in doc["columns"]}
        rows = [dict(zip(columns, r, strict=True)) for r in doc["rows"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a Dataset-JSON 1.1 document ({exc})", source=str(path)) from exc
    return Table(path.stem.upper(), path, columns, labels, rows)


def check_package(folder: Path) -> Report:
    tables = read_tables(folder)
    by_name = {t.name: t for t in tables}
    findings: list[Finding] = []
    for name, rule in (("DM", "SD1020"), ("TS", "SD1115"), ("ADSL", "AD0001")):
        if name not in by_name:
            findings.append(
                Finding(rule, ERROR, name, "", None, f"no {name} dataset in the package")
            )
    subjects = {r.get("USUBJID") for r in by_name["DM"].rows} if "DM" in by_name else set()
    for t in tables:
        spec = SPECS.get(t.name)
        if spec is None:
            findings.append(
                Finding(
                    "TK0003",
                    WARNING,
                    t.name,
                    "",
                    None,
                    f"{t.path.name} is not a dataset of this package's specifications",
                )
            )
            continue
        findings += _check_table(t, spec, subjects if "DM" in by_name else None)
    return Report(folder, tuple(t.name for t in tables), tuple(findings))


def _check_table(t: Table, spec: Spec, subjects: set[Any] | None) -> Iterator[Finding]:
    present = set(t.columns)
    for v in spec.variables:
        if v.name not in present and v.core == "Req":
            yield Finding(
                "SD0056",
                ERROR,
                t.name,
                v.name,
                None,
                f"required variable {v.name} ({v.label}) is missing",
            )
        elif v.name not in present and v.core == "Exp":
            yield Finding(
                "SD0057", WARNING, t.name, v.name, None, f"expected variable {v.name} is missing"
            )
    for name in t.columns:
        if len(name) > MAX_NAME or len(t.labels.get(name, "")) > MAX_LABEL:
            yield Finding(
                "TK0002",
                ERROR,
                t.name,
                name,
                None,
                f"name {name!r} / label {t.labels.get(name, '')!r} exceeds 8 / 40 characters",
            )
    declared = {v.name: v for v in spec.variables if v.name in present}
    for i, row in enumerate(t.rows, start=1):
        for name, v in declared.items():
            value = row.get(name)
            if v.core == "Req" and _null(value):
                yield Finding("SD0002", ERROR, t.name, name, i, f"required {name} is empty")
                continue
            if _null(value):
                continue
            if v.type == "date" and not ISO_8601.match(str(value)):
                yield Finding(
                    "SD0003", ERROR, t.name, name, i, f"{value!r} is not an ISO 8601 date"
                )
            if v.codelist is not None:
                cl = CODELISTS[v.codelist]
                if str(value) not in cl.terms:
                    rule, severity = ("CT2002", WARNING) if cl.extensible else ("CT2001", ERROR)
                    yield Finding(
                        rule,
                        severity,
                        t.name,
                        name,
                        i,
                        f"{value!r} is not in codelist {cl.name} ({cl.label})",
                    )
            if spec.is_adam and name.endswith("FL") and str(value) not in ("Y", "N"):
                yield Finding(
                    "AD0005", ERROR, t.name, name, i, f"flag value {value!r} is not Y or N"
                )
        if "DOMAIN" in declared and row.get("DOMAIN") != spec.name:
            yield Finding(
                "SD0004",
                ERROR,
                t.name,
                "DOMAIN",
                i,
                f"DOMAIN is {row.get('DOMAIN')!r}, not {spec.name!r}",
            )
        if (
            subjects is not None
            and "USUBJID" in present
            and spec.name != "DM"
            and not _null(row.get("USUBJID"))
            and row.get("USUBJID") not in subjects
        ):
            yield Finding(
                "SD0064",
                ERROR,
                t.name,
                "USUBJID",
                i,
                f"{row.get('USUBJID')} is not a subject of DM",
            )
    seq = f"{spec.name}SEQ"
    if seq in present and "USUBJID" in present:
        counts = Counter((r.get("USUBJID"), r.get(seq)) for r in t.rows)
        for i, r in enumerate(t.rows, start=1):
            if counts[(r.get("USUBJID"), r.get(seq))] > 1:
                yield Finding(
                    "SD0005",
                    ERROR,
                    t.name,
                    seq,
                    i,
                    f"{seq} {r.get(seq)} repeats for {r.get('USUBJID')}",
                )
    keys = [k for k in spec.keys if k in present]
    if keys:
        seen: dict[tuple[Any, ...], int] = {}
        for i, r in enumerate(t.rows, start=1):
            key = tuple(r.get(k) for k in keys)
            if key in seen:
                shown = ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))
                yield Finding(
                    "TK0001",
                    ERROR,
                    t.name,
                    "/".join(keys),
                    i,
                    f"duplicate key ({shown}) of record {seen[key]}",
                )
            else:
                seen[key] = i

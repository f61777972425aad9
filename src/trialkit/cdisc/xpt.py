"""SAS transport v5 files through pyreadstat (ReadStat), the writer FDA and PMDA accept.

Version 5 limits (FDA Study Data Technical Conformance Guide §3.3.1): dataset and variable
names ≤ 8 characters, labels ≤ 40, text values ≤ 200 bytes; text is written as ASCII-safe
UTF-8 (the datasets carry no character outside ASCII unless the source data does). A
specification that breaks a limit is refused before anything is written.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat

from trialkit.cdisc.model import Dataset, Spec

MAX_NAME, MAX_LABEL, MAX_TEXT = 8, 40, 200
SAS_EPOCH = date(1960, 1, 1)
NUMERIC = ("integer", "float", "adate")


def sas_date(value: object) -> float:
    """An ISO 8601 date as SAS counts it (days since 1 January 1960); NaN when missing."""
    if value is None:
        return math.nan
    return float((date.fromisoformat(str(value)) - SAS_EPOCH).days)


def check_limits(spec: Spec) -> list[str]:
    """Every way the specification breaks the v5 limits (empty: it fits)."""
    out = []
    if len(spec.name) > MAX_NAME:
        out.append(f"dataset name {spec.name} is longer than {MAX_NAME}")
    if len(spec.label) > MAX_LABEL:
        out.append(f"{spec.name} label is longer than {MAX_LABEL}")
    for v in spec.variables:
        if len(v.name) > MAX_NAME or not v.name.isalnum() or v.name != v.name.upper():
            out.append(f"{spec.name}.{v.name}: name longer than {MAX_NAME} or not upper case")
        if len(v.label) > MAX_LABEL:
            out.append(f"{spec.name}.{v.name}: label longer than {MAX_LABEL} ({len(v.label)})")
    return out


def frame(dataset: Dataset) -> pd.DataFrame:
    """The dataset as a DataFrame: text columns as str ("" for missing), numbers as float."""
    data: dict[str, list[object]] = {}
    for v in dataset.spec.variables:
        values = dataset.column(v.name)
        if v.type == "adate":
            data[v.name] = [sas_date(x) for x in values]
        elif v.type in ("integer", "float"):
            data[v.name] = [math.nan if x is None else float(x) for x in values]
        else:
            data[v.name] = ["" if x is None else str(x) for x in values]
    return pd.DataFrame(data, columns=list(dataset.spec.names))


def lengths(dataset: Dataset) -> dict[str, int]:
    """Declared length of each variable: the longest value's UTF-8 bytes for text (at least 1),
    8 for numbers (the transport file's double)."""
    out = {}
    for v in dataset.spec.variables:
        if v.type in NUMERIC:
            out[v.name] = 8
        else:
            out[v.name] = max(
                [1, *(len(str(x).encode("utf-8")) for x in dataset.column(v.name) if x is not None)]
            )
    return out


def write_xpt(dataset: Dataset, path: Path) -> Path:
    problems = check_limits(dataset.spec)
    long = [n for n, size in lengths(dataset).items() if size > MAX_TEXT]
    problems += [f"{dataset.name}.{n}: a value longer than {MAX_TEXT} bytes" for n in long]
    if problems:
        raise ValueError("; ".join(problems))
    pyreadstat.write_xport(
        frame(dataset),
        str(path),
        file_label=dataset.spec.label,
        column_labels={v.name: v.label for v in dataset.spec.variables},
        table_name=dataset.name,
        file_format_version=5,
        variable_format={v.name: "DATE9" for v in dataset.spec.variables if v.type == "adate"},
    )
    return path

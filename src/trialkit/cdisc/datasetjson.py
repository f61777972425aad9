"""CDISC Dataset-JSON 1.1: one JSON document per dataset, columns described as in define.xml.

The creation time is passed in (no clock in the core); the item OIDs are those of define.xml
(``IT.<dataset>.<variable>``) so a reader can join the two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trialkit import __version__
from trialkit.cdisc.model import Dataset
from trialkit.cdisc.xpt import lengths

DATA_TYPES = {
    "text": "string",
    "integer": "integer",
    "float": "double",
    "date": "date",
    "adate": "date",
}


def item_oid(dataset: str, variable: str) -> str:
    return f"IT.{dataset}.{variable}"


def document(dataset: Dataset, *, studyid: str, created: str, define: str) -> dict[str, Any]:
    spec = dataset.spec
    size = lengths(dataset)
    columns: list[dict[str, Any]] = []
    for v in spec.variables:
        column: dict[str, Any] = {
            "itemOID": item_oid(spec.name, v.name),
            "name": v.name,
            "label": v.label,
            "dataType": DATA_TYPES[v.type],
        }
        if v.type in ("text", "date"):
            column["length"] = size[v.name]
        if v.type == "adate":
            column["targetDataType"] = "integer"  # a SAS numeric date; the value is ISO 8601
            column["displayFormat"] = "DATE9."
        if v.name in spec.keys:
            column["keySequence"] = spec.keys.index(v.name) + 1
        columns.append(column)
    return {
        "datasetJSONCreationDateTime": created,
        "datasetJSONVersion": "1.1.0",
        "fileOID": f"{studyid}.{spec.name}",
        "originator": "trialkit",
        "sourceSystem": {"name": "trialkit", "version": __version__},
        "studyOID": studyid,
        "metaDataVersionOID": f"MDV.{studyid}.{'ADAM' if spec.is_adam else 'SDTM'}",
        "metaDataRef": define,
        "itemGroupOID": f"IG.{spec.name}",
        "records": len(dataset.rows),
        "name": spec.name,
        "label": spec.label,
        "columns": columns,
        "rows": [[row[v.name] for v in spec.variables] for row in dataset.rows],
    }


def write_dataset_json(
    dataset: Dataset, path: Path, *, studyid: str, created: str, define: str = "define.xml"
) -> Path:
    body = document(dataset, studyid=studyid, created=created, define=define)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return path

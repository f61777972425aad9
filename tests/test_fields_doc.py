"""docs/fields.md lists every field of every output, and nothing else (issue 14, item 3).

Each ``### name`` table of the page is compared, in both directions, with what the output
really holds: the screen JSON of the examples, the cohort's Parquet files and funnel.json,
the REST API's openapi.json (every schema and every path/query parameter) and the study
CSV folder. A field added, renamed or dropped anywhere fails here until the page says so.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from trialkit.cli.main import main
from trialkit.eligibility.verdict import Evidence
from trialkit.services.cohort import run_cohort
from trialkit.study.model import Study
from trialkit.study.write import write_study
from trialkit.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "fields.md"
EXAMPLES = ROOT / "src/trialkit/protocols/nct05894486/examples"
AS_OF = "2026-11-24"
# FastAPI's own validation-error schemas: not trialkit's (its 4xx body is ErrorBody)
FRAMEWORK_SCHEMAS = {"HTTPValidationError", "ValidationError"}
CSV_TABLES = (
    "subjects.csv",
    "doses.csv",
    "lesions.csv",
    "assessments.csv",
    "adverse_events.csv",
    "labs.csv",
    "therapies.csv",
    "screening.csv",
    "deviations.csv",
)


def documented() -> dict[str, list[str]]:
    """``### name`` → the backticked names of the first column of its table."""
    tables: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            current = tables.setdefault(line[4:].strip(), [])
        elif line.startswith("## "):
            current = None
        elif current is not None:
            cell = re.match(r"\|\s*`([^`]+)`\s*\|", line)
            if cell:
                current.append(cell[1])
    return tables


@pytest.fixture(scope="module")
def doc() -> dict[str, list[str]]:
    tables = documented()
    for name, names in tables.items():
        assert len(names) == len(set(names)), f"{name}: a field listed twice"
    return tables


def _screen_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    examples = sorted(EXAMPLES.glob("*.json"))
    code = main(["screen", *map(str, examples), "--as-of", AS_OF, "--format", "json"])
    assert code in (0, 1), capsys.readouterr().err
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_the_screen_json_fields_are_the_documented_ones(
    doc: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    out = _screen_json(capsys)
    assert list(out) == doc["screen"]
    results = out["results"]
    assert results
    for r in results:
        assert list(r) == doc["screen result"]
        for c in r["criteria"]:
            assert list(c) == doc["screen criterion"]
    seen = {k for r in results for c in r["criteria"] for e in c["evidence"] for k in e}
    # every key the evidence can carry (the optional ones only when set) and none other
    possible = set(Evidence.__dataclass_fields__)
    assert set(doc["screen evidence"]) == possible
    assert seen <= possible


def test_the_cohort_files_have_the_documented_columns(
    doc: dict[str, list[str]], tmp_path: Path
) -> None:
    run_cohort([EXAMPLES / "eligible.json"], as_of=date.fromisoformat(AS_OF), out=tmp_path)
    for name in ("patients.parquet", "verdicts.parquet", "near_misses.parquet"):
        assert pq.read_schema(tmp_path / name).names == doc[name], name
    funnel = json.loads((tmp_path / "funnel.json").read_text(encoding="utf-8"))
    assert list(funnel) == doc["funnel.json"]


def _openapi(tmp_path: Path) -> dict[str, Any]:
    app = create_app(f"sqlite:///{tmp_path / 'fields.db'}", secret_key="k" * 40)
    spec: dict[str, Any] = app.openapi()
    return spec


def test_every_api_schema_and_parameter_is_documented_and_nothing_else(
    doc: dict[str, list[str]], tmp_path: Path
) -> None:
    spec = _openapi(tmp_path)
    schemas = {
        name: list(schema.get("properties", {}))
        for name, schema in spec["components"]["schemas"].items()
        if name not in FRAMEWORK_SCHEMAS
    }
    for name, fields in schemas.items():
        assert name in doc, f"API schema {name} is not in docs/fields.md"
        assert sorted(doc[name]) == sorted(fields), name
    parameters = {
        p["name"]
        for ops in spec["paths"].values()
        for op in ops.values()
        for p in op.get("parameters", [])
    }
    assert sorted(doc["parameters"]) == sorted(parameters)
    other = {"screen", "screen result", "screen criterion", "screen evidence", "funnel.json"}
    other |= {"patients.parquet", "verdicts.parquet", "near_misses.parquet", "parameters"}
    stale = set(doc) - set(schemas) - other - set(CSV_TABLES)
    assert not stale, f"docs/fields.md documents outputs that do not exist: {sorted(stale)}"


def test_the_study_csv_headers_are_the_documented_ones(
    doc: dict[str, list[str]], tmp_path: Path
) -> None:
    write_study(Study(protocol_id="nct05894486", subjects=()), tmp_path)
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(CSV_TABLES)
    for name in CSV_TABLES:
        with (tmp_path / name).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == doc[name], name


def test_the_page_is_linked_from_the_readme_and_the_docs() -> None:
    assert "docs/fields.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    linking = [p.name for p in (ROOT / "docs").glob("*.md") if "fields.md" in p.read_text()]
    assert {"population.md", "study-app.md", "analysis.md"} <= set(linking)

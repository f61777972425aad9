"""Hostile inputs: real documents of every kind trialkit reads, with adversarial changes.

Each strategy draws a *spec* (plain data, so hypothesis can shrink and print it) that
:func:`materialise` writes into a folder. The starting documents are real: the
protocol's example FHIR Bundles, a RECIST subject, a dose check, a simulated study
folder, and a synthetic OMOP / Bulk FHIR population (written once per session).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from tests.dosing.test_check import NORMAL

EXAMPLES = Path(__file__).parents[2] / "src/trialkit/protocols/nct05894486/examples"
BUNDLES = sorted(EXAMPLES.glob("*.json"))

RECIST: dict[str, Any] = {
    "subject": "S1",
    "first_dose": "2026-01-05",
    "baseline": {
        "date": "2026-01-02",
        "lesions": [
            {"id": "L1", "organ": "liver", "is_node": False, "diameter_mm": 32, "target": True},
            {"id": "N1", "organ": "lymph node", "is_node": True, "diameter_mm": 18, "target": True},
            {"id": "B1", "organ": "bone", "is_node": False, "target": False},
        ],
    },
    "assessments": [
        {
            "date": "2026-03-01",
            "lesions": [
                {"id": "L1", "diameter_mm": 20},
                {"id": "N1", "diameter_mm": 9},
                {"id": "B1", "status": "present"},
            ],
            "new_lesions": "none",
        },
        {
            "date": "2026-04-01",
            "lesions": [
                {"id": "L1", "diameter_mm": 19},
                {"id": "N1", "diameter_mm": 8},
                {"id": "B1", "status": "present"},
            ],
            "new_lesions": "none",
        },
    ],
}

_LABS = NORMAL  # the normal panel of the dose-check tests
DOSING: dict[str, Any] = {
    "subject": "S1",
    "first_dose": "2026-01-05",
    "cycle_due": 2,
    "check_date": "2026-03-02",
    "sex": "female",
    "age": 58,
    "weight_kg": 62,
    "baseline": {"creatinine_umol_l": 70, "crcl_ml_min": 80},
    "labs": [
        {"lab": k, "value": v, "unit": u, "date": "2026-02-28", "source": f"Observation/{k}"}
        for k, (v, u) in _LABS.items()
    ],
}

# Values real exports contain where a number, a date or a code should be.
NASTY: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    -5,
    -0.0,
    0,
    1e-300,
    10**25,
    10**40,  # beyond the integer-digit bound: an input error
    "nan",
    "Infinity",
    "-5",
    "",
    None,
    [],
    {},
    True,
    "2090-01-01",
    "1800-01-01",
    "2026-02-30",
    "2026-03-01T25:00:00Z",
    "\x00",
    "é\u202e",
]
nasty_value = st.one_of(
    st.sampled_from(NASTY),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=6),
)


def paths_of(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (containers and leaves), in document order."""
    out: list[tuple[Any, ...]] = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths_of(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


# A mutation: (kind, index of the place, value). Kinds: set a value, duplicate a list item
# (duplicates and same-day ties), drop a key, nest 5,000 levels deep.
mutation = st.tuples(
    st.sampled_from(["set", "set", "set", "duplicate", "drop", "deep"]),
    st.integers(min_value=0, max_value=10**6),
    nasty_value,
)


def mutate(doc: Any, changes: list[tuple[str, int, Any]]) -> Any:
    doc = json.loads(json.dumps(doc))
    for kind, index, value in changes:
        places = paths_of(doc)[1:] or [()]
        path = places[index % len(places)]
        if not path:
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if kind == "set":
            parent[key] = value
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif kind == "drop":
            del parent[key]
        elif kind == "deep":
            parent[key] = DEEP  # written as 5,000 nested arrays by serialise()
    return doc


# How the document is written: plain JSON (with NaN/Infinity literals, as real exporters
# write them), Latin-1 bytes, a stray 0xff byte, or cut short.
encoding = st.sampled_from(["json"] * 7 + ["latin-1", "bad-byte", "truncated"])


DEEP = "<5000 levels>"


def serialise(doc: Any, how: str) -> bytes:
    text = json.dumps(doc, ensure_ascii=False, allow_nan=True)
    text = text.replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000)
    if how == "latin-1":
        return (text + ' "Fran\u00e7ois"').encode("latin-1", errors="replace")
    if how == "bad-byte":
        raw = text.encode()
        return raw[: len(raw) // 2] + b"\xff" + raw[len(raw) // 2 :]
    if how == "truncated":
        return text[: len(text) // 2].encode()
    return text.encode()


def json_document(base: Callable[[], Any] | list[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    """(base index, mutations, encoding) over one or several base documents."""
    count = len(base) if isinstance(base, list) else 1
    return st.tuples(
        st.integers(min_value=0, max_value=count - 1),
        # one in three unchanged (so runs reach a decision), else one to three changes
        st.one_of(st.just([]), st.lists(mutation, min_size=1, max_size=3), st.just([])),
        encoding,
    )


def bundle(index: int) -> Any:
    return json.loads(BUNDLES[index % len(BUNDLES)].read_text())


def write_json_doc(folder: Path, name: str, doc: Any, spec: tuple[Any, ...]) -> Path:
    _, changes, how = spec
    path = folder / name
    path.write_bytes(serialise(mutate(doc, changes), how))
    return path


# --- study CSV folder ----------------------------------------------------------------------

CELLS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-5",
    "0",
    "",
    "x",
    "2090-01-01",
    "1800-01-01",
    "2026-02-30",
    "99999999999999999999999999999999999999",
]
# (file index, row index, column index, cell value or one of DUPLICATE/DROP/BYTES)
study_change = st.tuples(
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=10**4),
    st.integers(min_value=0, max_value=100),
    st.sampled_from([*CELLS, "<duplicate-row>", "<drop-column>", "<latin-1>"]),
)


def write_study_copy(source: Path, target: Path, changes: list[tuple[int, int, int, str]]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(source.iterdir())
    contents = {f.name: f.read_bytes() for f in files}
    csvs = sorted(n for n in contents if n.endswith(".csv"))
    latin: set[str] = set()
    for file_i, row_i, col_i, cell in changes:
        name = csvs[file_i % len(csvs)]
        text = contents[name].decode("latin-1" if name in latin else "utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        if len(rows) < 2:
            continue
        r, c = 1 + row_i % (len(rows) - 1), col_i % len(rows[0])
        if cell == "<duplicate-row>":
            rows.insert(r, list(rows[r]))
        elif cell == "<drop-column>":
            rows = [row[:c] + row[c + 1 :] for row in rows]
        elif cell == "<latin-1>":
            rows[r][c] = "Fran\u00e7ois"
        else:
            rows[r][c] = cell
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        if cell == "<latin-1>":
            latin.add(name)
        contents[name] = buffer.getvalue().encode(
            "latin-1" if name in latin else "utf-8", errors="replace"
        )
    for name, data in contents.items():
        (target / name).write_bytes(data)
    return target


# --- OMOP Parquet folder -------------------------------------------------------------------

# (table, row index, column, value) over the numeric/date columns a screening reads
omop_change = st.tuples(
    st.sampled_from(["measurement", "person", "condition_occurrence", "drug_exposure"]),
    st.integers(min_value=0, max_value=10**5),
    st.integers(min_value=0, max_value=100),
    st.sampled_from(
        [math.nan, math.inf, -math.inf, 1e308, -5.0, 0.0, "<duplicate>", "<future>", "<null>"]
    ),
)


def write_omop_copy(source: Path, target: Path, changes: list[tuple[str, int, int, Any]]) -> Path:
    import datetime as dt

    target.mkdir(parents=True, exist_ok=True)
    tables = {p.stem: pq.read_table(p) for p in sorted(source.glob("*.parquet"))}
    for name, row_i, col_i, value in changes:
        table = tables.get(name)
        if table is None or table.num_rows == 0:
            continue
        rows = table.to_pylist()
        r = row_i % len(rows)
        if value == "<duplicate>":
            rows.insert(r, dict(rows[r]))
        else:
            kinds = {
                "number": [c for c in rows[r] if isinstance(rows[r][c], float | int)],
                "date": [c for c in rows[r] if isinstance(rows[r][c], dt.date)],
            }
            if value == "<future>":
                columns = kinds["date"]
                new: Any = dt.date(2090, 1, 1)
            elif value == "<null>":
                columns = list(rows[r])
                new = None
            else:
                columns = [c for c in kinds["number"] if table.schema.field(c).type == pa.float64()]
                new = value
            if not columns:
                continue
            column = columns[col_i % len(columns)]
            if isinstance(rows[r][column], dt.datetime) and isinstance(new, dt.date):
                new = dt.datetime(2090, 1, 1)
            rows[r][column] = new
        tables[name] = pa.Table.from_pylist(rows, schema=table.schema)
    for name, table in tables.items():
        pq.write_table(table, target / f"{name}.parquet")
    return target


# --- Bulk FHIR NDJSON folder ---------------------------------------------------------------

ndjson_change = st.tuples(
    st.integers(min_value=0, max_value=100),  # file
    st.integers(min_value=0, max_value=10**5),  # line
    st.lists(mutation, min_size=1, max_size=2),
    st.sampled_from(["json", "json", "json", "bad-byte", "truncated", "duplicate-line"]),
)


def write_ndjson_copy(
    source: Path, target: Path, changes: list[tuple[int, int, list[Any], str]]
) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(source.glob("*.ndjson"))
    contents = {f.name: f.read_bytes().splitlines() for f in files}
    names = sorted(contents)
    for file_i, line_i, muts, how in changes:
        lines = contents[names[file_i % len(names)]]
        if not lines:
            continue
        i = line_i % len(lines)
        if how == "duplicate-line":
            lines.insert(i, lines[i])
            continue
        try:
            doc = mutate(json.loads(lines[i]), muts)
        except ValueError:  # a line an earlier change already broke: leave it broken
            continue
        lines[i] = serialise(doc, how).replace(b"\n", b" ")
    for name, lines in contents.items():
        (target / name).write_bytes(b"\n".join(lines) + b"\n")
    return target

"""No engine module names a trial (issue 15, point 1).

Every shipped protocol is read for the names it declares — its id, criterion ids, elements,
value sets, parameters, anchors, derived values, scores, qualitative facts and its
Questionnaire's linkIds — and the package's code outside ``protocols/`` is scanned for them:
every Python string literal (docstrings included, via the AST), every template, script and
style sheet. A hit fails the test, naming file, line and the protocol that declares the name.

Some declared names are also ordinary clinical or engine vocabulary ("lesion", "weight",
"positive"): a protocol may call its element ``weight`` and the engine must still be able to
say "weight" in a sentence or read FHIR's ``valueBoolean``. Those words are listed in
:data:`GENERIC` with the reason each is generic; a name there is skipped only where it is the
whole word of an English phrase or a FHIR/CTCAE/UCUM term, never because code needs it.
The one mention of the bundled protocol's id is :data:`trialkit.settings.DEFAULT_PROTOCOL`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

import trialkit
from trialkit.protocol import available_protocols
from trialkit.protocol.loader import bundled_folder

PACKAGE = Path(trialkit.__file__).resolve().parent
SECTIONS = ("elements", "value_sets", "parameters", "anchors", "derived", "scores", "qualitative")
TEXT_SUFFIXES = {".html", ".j2", ".jinja", ".js", ".css", ".txt", ".md", ".sql"}
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")

# Words a protocol may use as a key that are also the engine's own vocabulary: each with why.
GENERIC: dict[str, str] = {
    "lesion": "RECIST 1.1 term (the engine's response assessment speaks of lesions)",
    "investigator": "a user role of the study application (21 CFR 11 signatures)",
    "consent": "informed consent, an ICH E6 concept every trial has",
    "weight": "body weight, a FHIR vital sign and dosing input (LOINC 29463-7)",
    "positive": "a qualitative result (FHIR interpretation, SNOMED 10828004)",
    "negative": "a qualitative result (FHIR interpretation, SNOMED 260385009)",
    "history": "medical history, a FHIR/OMOP/SDTM domain (MH)",
    "dates": "English word",
    "disease": "English word (progressive disease, RECIST)",
    "general": "English word",
    "performance": "performance status (ECOG/Karnofsky), a CDISC QRS concept",
    "first_dose": "the engine's anchor role for the planned first dose (docs/protocols.md)",
    "creatinine": "analyte name of the engine's calculators (Cockcroft-Gault, MDRD, CKD-EPI)",
    "bilirubin": "analyte in CTCAE v5 and the UCUM molar-mass table",
    "albumin": "analyte in CTCAE v5",
    "hemoglobin": "analyte in CTCAE v5 and the UCUM molar-mass table",
    "platelets": "analyte in CTCAE v5 (platelet count decreased)",
    "neutrophils": "analyte in CTCAE v5 (neutrophil count decreased)",
    "lymphocytes": "analyte in CTCAE v5 (lymphocyte count decreased)",
    "wbc": "analyte in CTCAE v5 (white blood cell decreased)",
    "alt": "analyte in CTCAE v5 (alanine aminotransferase increased)",
    "ast": "analyte in CTCAE v5 (aspartate aminotransferase increased)",
    "inr": "analyte in CTCAE v5 (INR increased)",
    "ecog": "ECOG performance status scale (Oken 1982)",
    "karnofsky": "Karnofsky performance status scale",
    "run-in": "a trial design period (ICH E9: run-in), English word",
}

# Modules that still name the bundled protocol's items, each with what is left to do (issue 15
# stays open while this is not empty). The test fails when a file outside this list gains a hit,
# and when a listed file is clean — so the list can only shrink.
NOT_YET_DATA: dict[str, str] = {
    "synth/crf.py": "the bundled protocol's vectorised warehouse generator writes its CRF items",
    "study/simulate.py": "the demo study simulation answers the bundled protocol's CRF",
}


def declared_names() -> dict[str, str]:
    """Every name a shipped protocol declares → the protocol (and section) declaring it."""
    names: dict[str, str] = {}
    for pid in available_protocols():
        folder = bundled_folder(pid)
        data = yaml.safe_load((folder / "protocol.yaml").read_text("utf-8"))
        names[str(data["id"])] = f"{pid} id"
        for section in SECTIONS:
            for key in data.get(section) or {}:
                names.setdefault(str(key), f"{pid} {section}")
        for cid in _criterion_ids(data.get("criteria")):
            names.setdefault(cid, f"{pid} criteria")
        questionnaire = json.loads((folder / data["questionnaire"]).read_text("utf-8"))
        for link_id in _link_ids(questionnaire.get("item", [])):
            names.setdefault(link_id, f"{pid} questionnaire")
    return names


def _criterion_ids(criteria: object) -> Iterator[str]:
    if isinstance(criteria, dict):
        for key, value in criteria.items():
            if isinstance(value, list):
                yield from _criterion_ids(value)
            elif isinstance(value, dict) and re.fullmatch(r"[A-Z]+\d+[a-z]?", str(key)):
                yield str(key)
    elif isinstance(criteria, list):
        for item in criteria:
            if isinstance(item, dict) and "id" in item:
                yield str(item["id"])


def _link_ids(items: list[dict[str, object]]) -> Iterator[str]:
    for item in items:
        yield str(item["linkId"])
        children = item.get("item")
        if isinstance(children, list):
            yield from _link_ids(children)


def engine_strings() -> Iterator[tuple[Path, int, str]]:
    """Every string literal and template line of the package outside ``protocols/``."""
    for path in sorted(PACKAGE.rglob("*")):
        if "protocols" in path.relative_to(PACKAGE).parts or not path.is_file():
            continue
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    yield path, node.lineno, node.value
        elif path.suffix in TEXT_SUFFIXES:
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                yield path, number, line


def hits() -> list[tuple[str, str]]:
    """(module path relative to the package, "line: name (declared by)") per hit."""
    names = {name: where for name, where in declared_names().items() if name not in GENERIC}
    found = []
    for path, line, text in engine_strings():
        words = set(TOKEN.findall(text)) | {text}
        for name in sorted(words & names.keys()):
            if path.name == "settings.py" and name == _default_protocol_literal():
                continue
            module = path.relative_to(PACKAGE).as_posix()
            found.append((module, f"{module}:{line}: {name!r} ({names[name]})"))
    return found


def _default_protocol_literal() -> str:
    from trialkit import settings

    return settings.DEFAULT_PROTOCOL


def test_the_scan_reads_every_shipped_protocol() -> None:
    names = declared_names()
    # each protocol's id, a criterion of each, and linkIds of each reach the scan
    for pid in available_protocols():
        assert names[pid] == f"{pid} id"
        sections = {where.split(" ", 1)[1] for where in names.values() if where.startswith(pid)}
        assert {"criteria", "questionnaire", "elements"} <= sections, (pid, sections)


def test_the_scan_finds_a_planted_name(tmp_path: Path) -> None:
    """The scanner is not vacuous: a criterion id and a linkId in a literal are found."""
    names = declared_names()
    link_id = next(n for n, w in names.items() if w.endswith("questionnaire") and "-" in n)
    source = f'RULE = {{"{link_id}": 1}}\n'
    tree = ast.parse(source)
    literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert link_id in {w for text in literals for w in TOKEN.findall(str(text))}


def test_no_engine_module_names_a_shipped_protocol() -> None:
    found = [text for module, text in hits() if module not in NOT_YET_DATA]
    assert not found, f"{len(found)} engine strings name a protocol item:\n" + "\n".join(found)


def test_the_list_of_modules_not_yet_data_only_shrinks() -> None:
    still = {module for module, _ in hits()}
    clean = sorted(set(NOT_YET_DATA) - still)
    assert not clean, f"no longer naming a protocol item — remove from NOT_YET_DATA: {clean}"


def test_default_protocol_is_the_only_mention_of_the_bundled_id() -> None:
    from trialkit import settings

    assert settings.DEFAULT_PROTOCOL in available_protocols()
    mentions = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path, line, text in engine_strings()
        if settings.DEFAULT_PROTOCOL in text
    ]
    assert len(mentions) == 1, mentions
    assert mentions[0].startswith("settings.py:"), mentions

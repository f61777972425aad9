"""The packages' dependencies point one way (docs/architecture.md, issue 15 point 10).

Read from the import statements of the source (AST, lazy imports inside functions included),
so a cycle cannot hide behind a function-level import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trialkit

SRC = Path(trialkit.__file__).resolve().parent  # the package under test, wherever it is


def _imports(package: str) -> set[tuple[str, str]]:
    """(module file, imported trialkit module) for every import in ``package``."""
    found: set[tuple[str, str]] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.startswith("trialkit."):
                    found.add((str(path.relative_to(SRC)), name))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # the criteria nodes live beside the rule parser: protocol needs no evaluator
        ("protocol", ("trialkit.eligibility",)),
        # sources fill the staging tables and know nothing of what reads them
        ("sources", ("trialkit.relational", "trialkit.synth", "trialkit.services")),
        # the compiler is not a use case and never draws synthetic patients
        ("relational", ("trialkit.synth", "trialkit.services", "trialkit.web", "trialkit.cli")),
        ("eligibility", ("trialkit.relational", "trialkit.services", "trialkit.web")),
    ],
)
def test_a_package_does_not_import_what_depends_on_it(
    package: str, forbidden: tuple[str, ...]
) -> None:
    wrong = sorted(
        (module, name)
        for module, name in _imports(package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    assert wrong == []


def test_the_compiler_reads_only_the_staging_schema_of_the_sources() -> None:
    used = {name for _, name in _imports("relational") if name.startswith("trialkit.sources")}
    assert used <= {"trialkit.sources.staging"} | {
        n for n in used if n.startswith("trialkit.sources.staging.")
    }

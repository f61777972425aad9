"""CTCAE v5.0 terms as people write them, and the grade definitions to pick a grade against.

A term is found by its display name ("Platelet count decreased") in any case and spacing,
by trialkit's key (``platelet_count_decreased``, the older stored form) or by the British
spelling sites use ("anaemia"). The grade definitions of a lab term are its bands
(:mod:`trialkit.ctcae.table_v5`, one source); the general definitions of grades 1–5 are
the CTCAE v5.0 text (NCI, 27 Nov 2017, "Grades").
"""

from __future__ import annotations

from trialkit.ctcae.table_v5 import TERMS, Term
from trialkit.quality.plausible import reader_unit

# CTCAE v5.0, "Grades": the general meaning of each grade (for terms graded by judgement).
GENERAL_GRADES: dict[int, str] = {
    1: "Mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; "
    "intervention not indicated.",
    2: "Moderate; minimal, local or noninvasive intervention indicated; limiting "
    "age-appropriate instrumental ADL.",
    3: "Severe or medically significant but not immediately life-threatening; "
    "hospitalization or prolongation of hospitalization indicated; disabling; limiting "
    "self care ADL.",
    4: "Life-threatening consequences; urgent intervention indicated.",
    5: "Death related to AE.",
}
# The one-word name of each grade, as the grade choices show it.
GRADE_NAMES = {1: "Mild", 2: "Moderate", 3: "Severe", 4: "Life-threatening", 5: "Death"}
# British spellings of the same CTCAE terms.
_SYNONYMS = {
    "anaemia": "anemia",
    "hypoalbuminaemia": "hypoalbuminemia",
    "hypoglycaemia": "hypoglycemia",
}


def normalise(text: str) -> str:
    """Lower case, underscores as spaces, single spaces: how terms are compared."""
    key = " ".join(text.replace("_", " ").lower().split())
    return _SYNONYMS.get(key, key)


_BY_NAME = {normalise(t.label): t for t in TERMS.values()} | {
    normalise(t.name): t for t in TERMS.values()
}


def find_term(text: str) -> Term | None:
    """The CTCAE v5.0 lab term ``text`` names (display name, key or synonym), else None."""
    return _BY_NAME.get(normalise(text))


def grade_definitions(t: Term) -> list[tuple[int, str]]:
    """(grade, definition) of a lab term, from its bands: e.g. (2, "≥ 50 and < 75 ×10⁹/L")."""
    unit = reader_unit(t.unit) or "1"
    out: list[tuple[int, str]] = []
    for band in t.bands:
        if band.grade == 0:
            continue
        text = band.describe(unit)
        out.append((band.grade, text.split(": ", 1)[1]))
    return out

"""MedDRA coding of the adverse-event terms that CTCAE v5.0 names.

CTCAE v5.0 terms are MedDRA 20.1 lowest level terms; the codes below are those printed in the
CTCAE v5.0 term list (NCI, 27 Nov 2017) with the term's system organ class. A verbatim term
not in this table is left uncoded (AEDECOD empty, a named warning in the conformance check):
coding it by guess would be worse than saying it is not coded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Coding:
    term: str  # CTCAE term = MedDRA LLT (= PT for these terms)
    code: int
    soc: str
    soc_code: int


GI = ("Gastrointestinal disorders", 10017947)
GENERAL = ("General disorders and administration site conditions", 10018065)
SKIN = ("Skin and subcutaneous tissue disorders", 10040785)
BLOOD = ("Blood and lymphatic system disorders", 10005329)
INVESTIGATIONS = ("Investigations", 10022891)

_TERMS = (
    ("Nausea", 10028813, GI),
    ("Vomiting", 10047700, GI),
    ("Diarrhea", 10012735, GI),
    ("Abdominal pain", 10000081, GI),
    ("Fatigue", 10016256, GENERAL),
    ("Alopecia", 10001760, SKIN),
    ("Anemia", 10002272, BLOOD),
    ("Lymphocyte count decreased", 10025256, INVESTIGATIONS),
    ("Neutrophil count decreased", 10029366, INVESTIGATIONS),
    ("Platelet count decreased", 10035528, INVESTIGATIONS),
    ("White blood cell decreased", 10049182, INVESTIGATIONS),
)
TERMS: dict[str, Coding] = {t.lower(): Coding(t, c, s[0], s[1]) for t, c, s in _TERMS}
# British spellings the sites write for the same CTCAE term.
SYNONYMS = {"diarrhoea": "diarrhea", "anaemia": "anemia"}


def code(verbatim: str) -> Coding | None:
    key = " ".join(verbatim.replace("_", " ").lower().split())  # trialkit's CTCAE keys too
    return TERMS.get(SYNONYMS.get(key, key))

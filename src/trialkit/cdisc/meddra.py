"""MedDRA coding of the adverse-event terms that CTCAE v5.0 names.

CTCAE v5.0 terms are MedDRA lowest level terms (LLT); ``code`` is the LLT code the CTCAE term
list prints (NCI, 27 Nov 2017), ``pt``/``pt_code`` the preferred term it sits under (SDTM AEDECOD,
AEPTCD). For most of these terms LLT and PT are the same term and code; the US spellings are not:
LLT "Diarrhea" 10012727 → PT "Diarrhoea" 10012735, LLT "Anemia" 10002272 → PT "Anaemia" 10002034.

Checked on 2026-12-03 against public copies, not against a MedDRA licence (the MSSO browser):
- NCI PRO-CTCAE / ACCRU adverse-event forms (CTCAE term with its MedDRA code): Platelet count
  decreased 10035528, White blood cell decreased 10049182, Neutrophil count decreased 10029366,
  Diarrhea 10012727, Nausea 10028813, Vomiting 10047700, Fatigue 10016256;
- the CTCAE v5.0 term table as republished at mycsg.in/ctcae.php: Anemia 10002272;
- MedDRA coding tables in public code: Alopecia 10001760, Abdominal pain 10000081, PT Diarrhoea
  10012735, PT Anaemia 10002034.
"Lymphocyte count decreased" 10025256 was found in no public copy: it stays in the table as the
CTCAE's code but is marked ``verified=False`` (docs/cdisc.md says so). A verbatim term
not in this table is left uncoded (AEDECOD empty, a named warning in the conformance check):
coding it by guess would be worse than saying it is not coded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Coding:
    term: str  # CTCAE term = MedDRA LLT
    code: int  # LLT code
    pt: str  # the preferred term (SDTM AEDECOD)
    pt_code: int
    soc: str
    soc_code: int
    verified: bool = True  # code seen in a public copy of CTCAE v5.0 / MedDRA (module docstring)


GI = ("Gastrointestinal disorders", 10017947)
GENERAL = ("General disorders and administration site conditions", 10018065)
SKIN = ("Skin and subcutaneous tissue disorders", 10040785)
BLOOD = ("Blood and lymphatic system disorders", 10005329)
INVESTIGATIONS = ("Investigations", 10022891)

_TERMS: tuple[tuple[str, int, tuple[str, int], tuple[str, int] | None], ...] = (
    ("Nausea", 10028813, GI, None),
    ("Vomiting", 10047700, GI, None),
    ("Diarrhea", 10012727, GI, ("Diarrhoea", 10012735)),
    ("Abdominal pain", 10000081, GI, None),
    ("Fatigue", 10016256, GENERAL, None),
    ("Alopecia", 10001760, SKIN, None),
    ("Anemia", 10002272, BLOOD, ("Anaemia", 10002034)),
    ("Lymphocyte count decreased", 10025256, INVESTIGATIONS, None),
    ("Neutrophil count decreased", 10029366, INVESTIGATIONS, None),
    ("Platelet count decreased", 10035528, INVESTIGATIONS, None),
    ("White blood cell decreased", 10049182, INVESTIGATIONS, None),
)
_UNVERIFIED = frozenset({"Lymphocyte count decreased"})


def _coding(term: str, llt_code: int, soc: tuple[str, int], pt: tuple[str, int] | None) -> Coding:
    pt_term, pt_code = pt or (term, llt_code)  # an LLT that is its own PT has the PT's code
    return Coding(term, llt_code, pt_term, pt_code, soc[0], soc[1], term not in _UNVERIFIED)


TERMS: dict[str, Coding] = {
    term.lower(): _coding(term, llt_code, soc, pt) for term, llt_code, soc, pt in _TERMS
}
# British spellings the sites write for the same CTCAE term.
SYNONYMS = {"diarrhoea": "diarrhea", "anaemia": "anemia"}


def code(verbatim: str) -> Coding | None:
    key = " ".join(verbatim.replace("_", " ").lower().split())  # trialkit's CTCAE keys too
    return TERMS.get(SYNONYMS.get(key, key))

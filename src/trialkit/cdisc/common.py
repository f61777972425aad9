"""Variables every SDTM domain starts with, and small shared helpers."""

from __future__ import annotations

from trialkit.cdisc.model import Var


def identifiers(domain: str) -> tuple[Var, ...]:
    return (
        Var(
            "STUDYID",
            "Study Identifier",
            core="Req",
            origin="Assigned",
            derivation="The protocol's registry identifier (cdisc.yaml studyid).",
        ),
        Var(
            "DOMAIN",
            "Domain Abbreviation",
            core="Req",
            origin="Assigned",
            codelist="DOMAIN",
            derivation=f'"{domain}"',
        ),
        Var(
            "USUBJID",
            "Unique Subject Identifier",
            core="Req",
            origin="Derived",
            derivation="STUDYID and SUBJID joined by a hyphen.",
        ),
    )


def seq(domain: str) -> Var:
    return Var(
        f"{domain}SEQ",
        "Sequence Number",
        "integer",
        core="Req",
        derivation="1, 2, … within USUBJID in the order of the dataset's sort keys.",
    )


def study_day(name: str, label: str, of: str) -> Var:
    return Var(
        name,
        label,
        "integer",
        core="Perm",
        derivation=f"Study day of {of} relative to RFSTDTC (first dose = day 1; no day 0).",
    )


EPOCH = Var(
    "EPOCH",
    "Epoch",
    core="Perm",
    codelist="EPOCH",
    derivation="SCREENING before the first dose; TREATMENT until one cycle length after "
    "the last dose; FOLLOW-UP after.",
)


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


# Symbols of the protocol's text written the way SAS transport v5 readers expect (ASCII).
_ASCII = {
    "≥": ">=",
    "≤": "<=",
    "μ": "u",
    "µ": "u",
    "×": "x",
    "–": "-",
    "—": "-",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "…": "...",
}


def ascii_text(text: str, limit: int = 200) -> str:
    """``text`` with the symbols above spelled in ASCII and cut at a word to ``limit``
    characters ("..." marks the cut; the verbatim text is the protocol's)."""
    out = " ".join("".join(_ASCII.get(ch, ch) for ch in text).split())
    if len(out) <= limit:
        return out
    cut = out[: limit - 3].rsplit(" ", 1)[0]
    return cut + "..."

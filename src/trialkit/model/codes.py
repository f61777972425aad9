"""Coded concepts: identity is (system, code); display text never takes part in equality."""

from __future__ import annotations

from dataclasses import dataclass, field

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
V2_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

# Short names used in protocol files, each standing for the URIs that mean that system.
SYSTEM_ALIASES: dict[str, tuple[str, ...]] = {
    "loinc": (LOINC,),
    "snomed": (SNOMED,),
    "icd10": (ICD10, ICD10CM),
    "atc": (ATC,),
    "icdo3": (ICDO3,),
    "rxnorm": (RXNORM,),
    "interpretation": (V2_INTERPRETATION,),
}

_DOTLESS_SYSTEMS = frozenset({ICD10, ICD10CM})


def normalise_code(system: str, code: str) -> str:
    """Canonical spelling of a code for comparison (ICD-10 without dots, upper case)."""
    code = code.strip()
    if system in _DOTLESS_SYSTEMS:
        return code.replace(".", "").upper()
    return code


@dataclass(frozen=True)
class Code:
    """A coded concept, e.g. ``Code(LOINC, "718-7")``."""

    system: str
    code: str
    display: str | None = field(default=None, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.system}|{self.code}"

    @property
    def key(self) -> str:
        return normalise_code(self.system, self.code)

"""Whether a study laboratory value can be real: the protocol's plausibility ranges.

A study lab row names a CTCAE term; the protocol element whose value set holds one of
the term's LOINC codes declares the physiologically possible range in its canonical
unit (``elements.<name>.plausible``, issue 12 point 10). The value, converted to that
unit, must lie inside it (quality.plausible, the rule every other path uses) — else the
row is a problem naming its file, row and field, never a value to grade.
"""

from __future__ import annotations

from trialkit.ctcae import TERMS, grade
from trialkit.errors import TrialkitError, UnitError
from trialkit.model.codes import LOINC, Code
from trialkit.protocol.model import Protocol
from trialkit.quality import PlausibleRange, implausible
from trialkit.study.model import LabRow
from trialkit.units import convert


def plausible_range(protocol: Protocol, term_name: str) -> PlausibleRange | None:
    """The possible range of a CTCAE laboratory term's analyte, from the protocol."""
    term = TERMS.get(term_name)
    if term is None:
        return None
    codes = [Code(LOINC, c) for c in term.loinc]
    for element in protocol.elements.values():
        if element.plausible is None:
            continue
        if protocol.value_sets[element.value_set].matches_any(codes) is not None:
            return element.plausible
    return None


def lab_value_problem(
    protocol: Protocol, term_name: str, value: float, unit: str | None
) -> str | None:
    """Why ``value`` (in ``unit``) of ``term_name`` cannot be a real result; None if it can."""
    why = implausible(value)
    if why:
        return why
    rng = plausible_range(protocol, term_name)
    if rng is None:
        return None
    term = TERMS[term_name]
    try:
        canonical = convert(value, unit, rng.unit, analyte=term.analyte)
    except UnitError as exc:
        return f"unit {unit!r} cannot be read for {term_name} ({exc})"
    return implausible(canonical, rng)


def lab_grade(lab: LabRow) -> int | None:
    """The CTCAE v5.0 grade of one study result on its own (no baseline: the report's safety
    table and the ``ctcae_grade`` column of labs.csv); None when undeterminable."""
    try:
        return grade(lab.ctcae_term, lab.value, lab.unit, uln=lab.uln, lln=lab.lln).grade
    except TrialkitError:  # e.g. a unit the term cannot be converted from: no grade, no guess
        return None

"""What no user-facing text may contain (issue 14 item 1): the one list every output test uses."""

from __future__ import annotations

import re

FORBIDDEN = {
    # "None known" is an answer display; None alone (or before punctuation) is Python
    "a Python value": re.compile(r"\b(True|False)\b|\bNone\b(?!\s+[a-z])"),
    "a Python tuple": re.compile(r"\(\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*\)"),
    "a raw UCUM power of ten": re.compile(r"10\*"),
    "a raw UCUM annotation": re.compile(r"\{[^}\s]*\}"),
    # an annotation with its braces dropped but its UCUM spelling kept: "mL/min/1.73_m2"
    "a UCUM annotation's underscore": re.compile(r"\d_[A-Za-z]"),
    "a UCUM exponent as a digit": re.compile(r"(?<![\w.])[cdkm]?m[23]\b"),
    "an unrounded number": re.compile(r"\d\.\d{5,}"),
    "a dimensionless '1' unit": re.compile(r"\d 1(?![\d.,:×%/ a-zA-Z])|\d \b1\b(?= —|,)"),
    "'a' before a vowel sound": re.compile(r"\ba (?:[AEIOU]|[FHLMNRSX][A-Z]{1,2}\b|h[A-Z])"),
    "'(s)' plurals": re.compile(r"\w\(s\)"),
    # (a unit quoted in an error message is shown as it was written)
    "'u' for micro": re.compile(r"(?<!')\bu(mol|g|L)\b"),
    "a UCUM year": re.compile(r"\d a\b"),
}


def problems_in(text: str) -> list[str]:
    """Each forbidden thing found, with the line it is on."""
    found = []
    for line in text.splitlines():
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(line)
            if match:
                found.append(f"{what} {match.group(0)!r} in: {line.strip()[:200]}")
    return found

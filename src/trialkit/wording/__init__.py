"""What users read: numbers, units, dates, yes/no and grammar in clinical wording.

One implementation, used by the engine's reasons, the CLI, the web pages and the report
(issue 14 item 1). Nothing here knows a trial: labels come from the protocol.

* numbers at the precision they were reported (:func:`significant_digits` of the text as
  entered), never more than :data:`MAX_SIGNIFICANT` significant digits, never a Python float
  repr (``13.473847022404218``);
* UCUM units in their conventional spelling (``10*9/L`` → ``×10⁹/L``, ``umol/L`` → ``µmol/L``,
  ``a`` → ``years``, ``kg/m2`` → ``kg/m²``, ``mL/min/{1.73_m2}`` → ``mL/min/1.73 m²``,
  annotations alone ``{INR}`` and the dimensionless ``1`` → nothing);
* dates as ``19 Nov 2026``; booleans as ``yes``/``no``; never ``True``/``False``/``None``;
* ``a``/``an`` before a word or an abbreviation (``an ALT``), counts with the right plural.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MAX_SIGNIFICANT = 4
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_WORD_UNITS = {
    "a": "years",
    "mo": "months",
    "wk": "weeks",
    "d": "days",
    "/d": "per day",
    "h": "hours",
    "min": "minutes",
}


def significant_digits(text: str | None) -> int | None:
    """How many significant digits the first number in ``text`` was written with."""
    if not text:
        return None
    match = _NUMBER.search(text)
    if match is None:
        return None
    return max(1, len(match.group(1).replace(".", "").lstrip("0")))


def number(value: float | int | Decimal | str | None, digits: int | None = None) -> str:
    """``value`` for a reader: ``digits`` significant digits (kept, trailing zeros included)
    when known, else at most :data:`MAX_SIGNIFICANT` with trailing zeros dropped; integer
    digits are never rounded away."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return str(value)
    x = float(value)
    if not math.isfinite(x):
        return "not a number"
    if x == 0:
        return "0"
    keep = min(digits, MAX_SIGNIFICANT) if digits else MAX_SIGNIFICANT
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(0, keep - 1 - magnitude)
    text = f"{round(x, decimals):.{decimals}f}"
    if digits is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if abs(x) >= 1e7 or (abs(x) < 1e-4):
        text = f"{x:.{keep - 1}e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
        mantissa, exponent = text.split("e")
        if digits is None and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} × 10{exponent.translate(_SUPERSCRIPT)}"
    return "0" if text in ("-0", "") else text


def number_against(value: float, thresholds: Iterable[float], digits: int | None = None) -> str:
    """``value`` rounded as :func:`number` does, with more digits where the rounding would make
    it read equal to a threshold it is not equal to (``150.3``, not ``150``, against ``> 150``)."""
    limits = [float(t) for t in thresholds]
    keep = min(digits, MAX_SIGNIFICANT) if digits else None
    text = number(value, keep)
    for more in range((keep or MAX_SIGNIFICANT) + 1, 10):
        try:
            read = float(text)
        except ValueError:
            return text
        if not any(read == t and float(value) != t for t in limits):
            return text
        text = _digits(float(value), more, strip=keep is None)
    return text


def _digits(x: float, keep: int, *, strip: bool) -> str:
    magnitude = math.floor(math.log10(abs(x))) if x else 0
    decimals = max(0, keep - 1 - magnitude)
    text = f"{round(x, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if strip and "." in text else text


def unit(ucum: str | None) -> str:
    """A UCUM unit in the spelling clinicians use ("" for a dimensionless one)."""
    if ucum is None:
        return ""
    u = ucum.strip()
    if u in ("", "1") or re.fullmatch(r"\{[^}]*\}", u):
        return ""
    if u in _WORD_UNITS:
        return _WORD_UNITS[u]
    u = re.sub(r"10[*^](-?\d+)", lambda m: "×10" + m.group(1).translate(_SUPERSCRIPT), u)
    # an annotation is words: {1.73_m2} reads "1.73 m²" (UCUM has no space, so it writes _)
    u = re.sub(r"\{([^}]*)\}", lambda m: m.group(1).replace("_", " "), u)
    # UCUM writes a unit's exponent as digits after its symbol: m2 → m², cm3 → cm³, s-1 → s⁻¹
    u = re.sub(
        r"(?<![\d.])([A-Za-z]+)(-?[1-9])\b",
        lambda m: m.group(1) + m.group(2).translate(_SUPERSCRIPT),
        u,
    )
    u = u.replace("[IU]", "IU").replace("[iU]", "IU").replace("mm[Hg]", "mmHg")
    return re.sub(r"(?<![A-Za-z])u(?=(mol|g|L|l|m|U)\b)", "µ", u)


def units_in_text(text: str | None) -> str:
    """Stored rule text (a CTCAE grading rule, a dose-check finding) with its UCUM powers of ten
    and ``u`` prefixes in the clinicians' spelling: "< 75 10*9/L" → "< 75 ×10⁹/L"."""
    if not text:
        return ""
    t = re.sub(r"10[*^](-?\d+)", lambda m: "×10" + m.group(1).translate(_SUPERSCRIPT), text)
    return re.sub(r"(?<![A-Za-z])u(?=(mol|g)/)", "µ", t)


def quantity(
    value: float | int | Decimal | str | None, ucum: str | None = None, *, digits: int | None = None
) -> str:
    """``121 g/L``, ``5.4 ×10⁹/L``, ``18 %``, ``1.0`` (an INR)."""
    shown = unit(ucum)
    text = number(value, digits)
    if not shown:
        return text
    return f"{text} {shown}"


def entered(original: str | None) -> str:
    """A value as it was recorded (``12.1 g/dL``), its number and unit in reader's form."""
    if not original:
        return ""
    match = _NUMBER.match(original.strip())
    if match is None:
        return original
    rest = original.strip()[match.end() :].strip()
    digits = significant_digits(match.group(0))
    if rest.startswith("(") or " " in rest:
        first, _, tail = rest.partition(" ")
        spelled = first if first.startswith("(") else unit(first) or first
        return " ".join(p for p in (number(match.group(0), digits), spelled, tail) if p)
    return quantity(match.group(0), rest or None, digits=digits)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date | str | None) -> str:
    """``19 Nov 2026`` (a date-time keeps its time of day; a year or month stays partial)."""
    if value is None:
        return "date not recorded"
    if isinstance(value, datetime):
        return f"{day(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    text = str(value).strip()
    if ".." in text:
        start, _, end = text.partition("..")
        return f"{day(start) if start not in ('', '?') else 'unknown start'} to " + (
            end if end == "ongoing" else day(end) if end not in ("", "?") else "unknown end"
        )
    try:
        if "T" in text and len(text) > 10:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return day(parsed) if (parsed.hour, parsed.minute) != (0, 0) else day(parsed.date())
        if len(text) == 10:
            return day(date.fromisoformat(text))
        if len(text) == 7:
            year, month = text.split("-")
            return f"{_MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return text
    return text


def yes_no(value: bool | None) -> str:
    if value is None:
        return "not answered"
    return "yes" if value else "no"


def shown(item: object) -> str:
    """Any recorded value for a reader: never ``True``/``None``/a tuple."""
    if item is None:
        return "not recorded"
    if isinstance(item, bool):
        return yes_no(item)
    if isinstance(item, int | float | Decimal):
        return number(item)
    if isinstance(item, date):
        return day(item)
    if isinstance(item, tuple | list | set | frozenset):
        return names([shown(v) for v in item])
    return str(item)


_AN_LETTERS = frozenset("AEFHILMNORSX")


def a_or_an(phrase: str) -> str:
    """``an ALT``, ``an HBsAg``, ``a haemoglobin``, ``an INR``, ``a Ki-67 index``."""
    word = phrase.split(" ", 1)[0]
    if not word:
        return phrase
    mixed = word[0].islower() and word[1:2].isupper()  # hCG
    spoken = len(word) >= 4 and word.isupper() and word[1] in "AEIOU"  # RECIST, NASA
    initialism = len(word) > 1 and (mixed or (word[:2].isupper() and not spoken))
    if initialism:
        article = "an" if word[0].upper() in _AN_LETTERS else "a"
    elif word.lower().startswith(("uni", "use", "eu", "one")):
        article = "a"
    else:
        article = "an" if word[0].lower() in "aeiou" else "a"
    return f"{article} {phrase}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 measurable lesion``, ``3 measurable lesions``."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def names(items: Iterable[str], conjunction: str = "and") -> str:
    """``L1``, ``L1 and L2``, ``L1, L2 and L3``: every item named."""
    listed = [str(i) for i in items]
    if len(listed) <= 1:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} {conjunction} {listed[-1]}"


_RELATIONS = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above"}


def relation(op: str, holds: bool = True) -> str:
    """``>`` → ``above`` / ``not above``."""
    word = _RELATIONS.get(op, op)
    return word if holds else f"not {word}"


def coded(text: str) -> str:
    """``icd-10-cm C7A.012 Malignant …`` → ``Malignant … (ICD-10-CM C7A.012)``."""
    parts = text.split(" ", 2)
    if len(parts) == 3 and any(ch.isdigit() for ch in parts[1]):
        return f"{parts[2]} ({parts[0].upper()} {parts[1]})"
    return text


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]

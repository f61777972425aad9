"""Dates that cannot be true: a clinical event after today, an AE resolved before its onset.

"Today" is the site's calendar day (protocol parameter ``timezone``, data dictionary §4
Windows): a lab drawn this morning in the site's zone is today even where UTC is already
tomorrow, and an entry dated tomorrow is refused wherever the server runs. The caller passes
today; there is no clock here.
"""

from __future__ import annotations

from datetime import date

from trialkit.errors import ProtocolRefusal


def not_future(value: date, field: str, today: date, what: str = "") -> date:
    """``value`` itself, unless it is after ``today`` (:class:`ProtocolRefusal` at ``field``)."""
    if value > today:
        label = what or field.replace("_", " ")
        raise ProtocolRefusal(
            f"{label} {value} is in the future (today is {today} at the site): "
            "a clinical event is recorded on or after the day it happened",
            rule="date_in_future",
            field=field,
        )
    return value


def resolved_after_onset(onset: date, resolved: date | None, field: str = "resolved") -> None:
    if resolved is not None and resolved < onset:
        raise ProtocolRefusal(
            f"resolved {resolved} is before the onset {onset}",
            rule="resolved_before_onset",
            field=field,
        )

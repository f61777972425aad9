"""How a response reads beside the time points: an unconfirmed CR/PR is said, never hidden.

RECIST 1.1 §4.3/§5 (single-arm trials, confirmation required): a CR or PR at one time point
is the best overall response only when a later assessment ≥ ``confirmation_min_days``
confirms it; otherwise the best response falls back (typically to SD). A page that shows
"PR" at the scan and "SD" as best response must say why: the PR is unconfirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialkit.recist.model import RecistResult

_RANK = {"CR": 2, "PR": 1}


def unconfirmed(result: RecistResult | Mapping[str, Any]) -> str | None:
    """The best time-point CR/PR before the first PD when the best overall response is not
    that response confirmed (``"PR"``, ``"CR"``), else None."""
    data = result.to_json() if isinstance(result, RecistResult) else result
    best: str | None = None
    for t in data.get("timepoints", []):
        overall = str(t.get("overall"))
        if overall == "PD":
            break
        if overall in _RANK and (best is None or _RANK[overall] > _RANK[best]):
            best = overall
    bor = str(data.get("best_overall_response"))
    if best is None:
        return None
    if bor in _RANK and data.get("confirmed") and _RANK[bor] >= _RANK[best]:
        return None
    return best


def response_label(result: RecistResult | Mapping[str, Any]) -> str:
    """The best overall response as a clinician reads it: ``"PR (confirmed)"``,
    ``"SD — PR not confirmed"``."""
    data = result.to_json() if isinstance(result, RecistResult) else result
    bor = str(data.get("best_overall_response"))
    pending = unconfirmed(data)
    if pending is not None:
        return f"{bor} — {pending} not confirmed"
    if bor in _RANK and data.get("confirmed"):
        return f"{bor} (confirmed)"
    return bor

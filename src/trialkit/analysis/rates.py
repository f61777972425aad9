"""Objective response rate and disease control rate from RECIST 1.1 best overall
responses (Eisenhauer et al., Eur J Cancer 2009;45:228; clinical-facts §4).

Each subject contributes one best overall response (BOR) with the flag saying
whether a CR or PR was confirmed. Single-arm trials need confirmation
(clinical-facts §4), so:

- ORR = subjects whose BOR is a confirmed CR or PR;
- DCR = confirmed CR + PR, SD, and non-CR/non-PD (the SD equivalent of a
  subject with non-target disease only — RECIST 1.1 §4.3.2 — so it counts as
  disease control);
- the denominator is every subject given, NE included: a subject who could
  not be assessed is not a responder.

An unconfirmed CR or PR is refused rather than guessed at: RECIST 1.1 reads it
as SD when the SD minimum duration was met and as NE otherwise, which only the
BOR derivation (``trialkit.recist``) can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialkit.analysis.binomial import Proportion, response_rate
from trialkit.errors import InputError
from trialkit.recist.model import CR, NE, NON_CR_NON_PD, PD, PR, SD

BEST_RESPONSES = (CR, PR, SD, NON_CR_NON_PD, PD, NE)
_CANONICAL = {value.casefold(): value for value in BEST_RESPONSES}
RESPONSES = frozenset({CR, PR})
DISEASE_CONTROL = frozenset({CR, PR, SD, NON_CR_NON_PD})


@dataclass(frozen=True)
class BestResponse:
    bor: str
    confirmed: bool  # CR/PR confirmed ≥ 4 weeks later (RECIST 1.1 single-arm rule)


@dataclass(frozen=True)
class ResponseSummary:
    n: int
    counts: dict[str, int]  # subjects per BOR category, every category present
    orr: Proportion
    dcr: Proportion


def best_response(bor: str, confirmed: bool, *, source: str | None = None) -> BestResponse:
    """A checked BOR: one of :data:`BEST_RESPONSES` (case-insensitive), a CR or PR
    confirmed, any other category unconfirmed (confirmation applies to CR/PR only)."""
    value = _CANONICAL.get(bor.strip().casefold())
    if value is None:
        raise InputError(
            f"best overall response {bor!r} is not one of {', '.join(BEST_RESPONSES)}",
            source=source,
            field="bor",
        )
    if value in RESPONSES and not confirmed:
        raise InputError(
            f"unconfirmed {value}: RECIST 1.1 makes it SD if the SD minimum was met, "
            "else NE — give that BOR instead",
            source=source,
            field="confirmed",
        )
    if value not in RESPONSES and confirmed:
        raise InputError(
            f"{value} cannot be confirmed: confirmation applies to CR and PR only",
            source=source,
            field="confirmed",
        )
    return BestResponse(value, confirmed)


def summarise_responses(
    responses: Sequence[BestResponse], confidence: float = 0.95
) -> ResponseSummary:
    """ORR and DCR with Clopper–Pearson intervals over every subject given."""
    if not responses:
        raise InputError("no subjects: ORR and DCR need at least one", field="bor")
    checked = [best_response(r.bor, r.confirmed) for r in responses]
    counts = {value: sum(1 for r in checked if r.bor == value) for value in BEST_RESPONSES}
    n = len(checked)
    responders = sum(counts[value] for value in RESPONSES)
    controlled = sum(counts[value] for value in DISEASE_CONTROL)
    return ResponseSummary(
        n=n,
        counts=counts,
        orr=response_rate(responders, n, confidence),
        dcr=response_rate(controlled, n, confidence),
    )

"""Best overall response with confirmation (RECIST 1.1 §4.4; single-arm trials).

CR and PR need a second CR/PR at least ``confirmation_min_days`` later; SD
needs a time point at least ``sd_min_days`` after the reference date (first
dose when known, else the baseline scan); PD needs no confirmation. Only time
points up to the first PD count. Where the guideline leaves a choice (a CR
followed by a PR) trialkit reads the first CR as a PR (guideline note: small
lesions were likely still present), so the best response is PR if confirmed.
A CR followed by SD without the SD minimum is PD (BOR table, clinical-facts §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialkit.recist.model import CR, NE, NON_CR_NON_PD, PD, PR, SD, TimePoint


@dataclass(frozen=True)
class BestResponse:
    response: str
    confirmed: bool
    response_date: date | None
    progression_date: date | None


def best_overall_response(
    timepoints: list[TimePoint],
    *,
    reference: date,
    confirmation_min_days: int,
    sd_min_days: int,
    has_targets: bool,
) -> BestResponse:
    first_pd = next((t for t in timepoints if t.overall == PD), None)
    before = [t for t in timepoints if first_pd is None or t.date < first_pd.date]
    progression = first_pd.date if first_pd else None

    def confirmed(kinds: tuple[str, ...], later: tuple[str, ...]) -> date | None:
        for i, t in enumerate(before):
            if t.overall not in kinds:
                continue
            if any(
                u.overall in later and (u.date - t.date).days >= confirmation_min_days
                for u in before[i + 1 :]
            ):
                return t.date
        return None

    when = confirmed((CR,), (CR,))
    if when is not None:
        return BestResponse(CR, True, when, progression)
    when = confirmed((CR, PR), (CR, PR))
    if when is not None:
        return BestResponse(PR, True, when, progression)
    stable = (CR, PR, SD, NON_CR_NON_PD)
    if any(t.overall in stable and (t.date - reference).days >= sd_min_days for t in before):
        return BestResponse(SD if has_targets else NON_CR_NON_PD, False, None, progression)
    if first_pd is not None:
        return BestResponse(PD, False, None, progression)
    # BOR table "CR then SD": disease came back after a complete response; without the SD
    # minimum that is progression, dated at the SD time point.
    after_cr = next(
        (
            u
            for i, t in enumerate(before)
            if t.overall == CR
            for u in before[i + 1 :]
            if u.overall == SD
        ),
        None,
    )
    if after_cr is not None:
        return BestResponse(PD, False, None, after_cr.date)
    return BestResponse(NE, False, None, progression)

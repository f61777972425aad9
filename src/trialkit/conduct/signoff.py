"""The investigator's eligibility sign-off and enrolment: only on an established verdict.

An investigator may sign "I confirm the patient is eligible" only when the engine's
verdict is eligible — every criterion decided, the judgement criteria answered
(ICH E6(R3) §2.3/§3.6: the investigator confirms eligibility before treatment; a
trialkit verdict that is ``incomplete`` has an ``unknown`` criterion, which is never
"not met"). The only other way is an explicit waiver of the named open criteria
with a reason: each waived criterion becomes an eligibility deviation (SDTM IE-style:
criterion, reason, who, when) that the monitor sees. Judgement criteria are the
investigator's own to answer and cannot be waived.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from trialkit.conduct.deviations import Breach
from trialkit.errors import InputError, ProtocolRefusal

ELIGIBLE_MEANING = "I confirm the patient is eligible"


def confirms_eligibility(meaning: str) -> bool:
    """Whether a signature's meaning is the sign-off that allows enrolment (the fixed text;
    a free-text meaning is a signature of that text, never a sign-off of eligibility)."""
    return " ".join(meaning.split()).casefold() == ELIGIBLE_MEANING.casefold()


def open_criteria(blocking: Sequence[str], unknown: Sequence[str]) -> list[str]:
    """Criteria that keep the verdict from being eligible, blocking ones first."""
    return [*blocking, *(c for c in unknown if c not in blocking)]


def _described(blocking: Sequence[str], unknown: Sequence[str], ids: Collection[str]) -> str:
    parts = []
    shown = [c for c in blocking if c in ids]
    if shown:
        parts.append(f"{', '.join(shown)} not satisfied")
    shown = [c for c in unknown if c in ids and c not in blocking]
    if shown:
        parts.append(f"{', '.join(shown)} unknown")
    return "; ".join(parts)


def check_sign_off(
    *,
    meaning: str,
    status: str,
    blocking: Sequence[str],
    unknown: Sequence[str],
    judgement: Collection[str],
    waive: Sequence[str],
    reason: str,
) -> list[Breach]:
    """The eligibility deviations a sign-off creates (empty: a clean sign-off).

    Raises :class:`ProtocolRefusal` when ``meaning`` confirms eligibility but the verdict
    (``status``, its ``blocking`` and ``unknown`` criterion ids) is not eligible and the open
    criteria are not all in ``waive`` with a ``reason``; :class:`InputError` for a waiver
    that makes no sense (a decided criterion, a judgement criterion, no eligible meaning).
    """
    waived = list(dict.fromkeys(c.strip().upper() for c in waive if c and c.strip()))
    pending = open_criteria(blocking, unknown)
    if waived and not confirms_eligibility(meaning):
        raise InputError(f"a waiver goes with the sign-off “{ELIGIBLE_MEANING}”", field="waive")
    decided = [c for c in waived if c not in pending]
    if decided:
        raise InputError(
            f"{', '.join(decided)}: not open in this verdict, nothing to waive", field="waive"
        )
    if not confirms_eligibility(meaning):
        return []
    judged = [c for c in pending if c in judgement and c in unknown and c not in blocking]
    if judged:
        raise ProtocolRefusal(
            f"sign-off refused: the judgement criteria {', '.join(judged)} are not answered "
            "(the investigator answers them, they cannot be waived)",
            rule="judgement_unanswered",
            field="meaning",
        )
    missing = [c for c in pending if c not in waived]
    if missing:
        raise ProtocolRefusal(
            f"eligibility sign-off refused: the verdict is {status} "
            f"({_described(blocking, unknown, missing)}). Complete or correct the data and "
            "re-screen, or waive the named criteria with a reason (recorded as a protocol "
            "deviation)",
            rule="eligibility_not_established",
            field="meaning",
        )
    if waived and not reason.strip():
        raise ProtocolRefusal(
            "a waiver of eligibility criteria needs the investigator's reason",
            rule="waiver_reason_required",
            field="waiver_reason",
        )
    return [
        Breach(
            category="eligibility",
            rule="eligibility_waiver",
            message=f"{c} {'not satisfied' if c in blocking else 'unknown'} at sign-off "
            f"(verdict {status}); waived by the investigator",
            criterion=c,
        )
        for c in waived
    ]


def check_enrolment(
    *,
    status: str,
    blocking: Sequence[str],
    unknown: Sequence[str],
    signed: bool,
    confirms: bool,
    current: bool,
    waived: Collection[str],
) -> None:
    """Enrolment needs a valid sign-off of this very verdict: a signature (``signed``) whose
    meaning confirms eligibility (``confirms``), made over the data as they are now
    (``current``: the signed hash still matches), and a verdict that is eligible or whose open
    criteria were all waived at that sign-off."""
    if not signed or not confirms:
        raise ProtocolRefusal(
            f"enrolment refused: an investigator must sign “{ELIGIBLE_MEANING}” first",
            rule="sign_off_required",
        )
    if not current:
        raise ProtocolRefusal(
            "enrolment refused: the data changed after the sign-off; the investigator signs again",
            rule="sign_off_stale",
        )
    missing = [c for c in open_criteria(blocking, unknown) if c not in waived]
    if missing:
        raise ProtocolRefusal(
            f"enrolment refused: the verdict is {status} "
            f"({_described(blocking, unknown, missing)}) and these were not waived at sign-off",
            rule="eligibility_not_established",
        )

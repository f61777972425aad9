"""The reasons a subject's treatment or study participation ends: one controlled list.

The terms follow CDISC Controlled Terminology "Completion/Reason for Non-Completion"
(NCOMPLT, C66727), written as clinicians say them. The subject page offers this list; the
stored reason is the term's words (``other: …`` with the investigator's text), so the SDTM
disposition records (DSDECOD) map it back through :func:`standard_term`. Reasons typed
through the API before the list existed ("progression", "withdrawal") map to their term;
anything else is OTHER, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialkit.errors import InputError


@dataclass(frozen=True)
class Reason:
    key: str  # the form's value
    words: str  # what is stored and shown
    ncomplt: str  # the CDISC CT NCOMPLT submission value
    ends_treatment: bool = True  # offered when treatment ends early (not "completed")


REASONS: tuple[Reason, ...] = (
    Reason("completed", "completed", "COMPLETED", ends_treatment=False),
    Reason("adverse_event", "adverse event", "ADVERSE EVENT"),
    Reason("progressive_disease", "progressive disease", "PROGRESSIVE DISEASE"),
    Reason("withdrawal_by_subject", "withdrawal by subject", "WITHDRAWAL BY SUBJECT"),
    Reason("physician_decision", "physician decision", "PHYSICIAN DECISION"),
    Reason("death", "death", "DEATH"),
    Reason("lost_to_follow_up", "lost to follow-up", "LOST TO FOLLOW-UP"),
    Reason("other", "other", "OTHER"),
)
BY_KEY = {r.key: r for r in REASONS}
# Free-text reasons of older records and API calls that name a term in other words.
SYNONYMS = {"progression": "PROGRESSIVE DISEASE", "withdrawal": "WITHDRAWAL BY SUBJECT"}
OFF_STUDY_PREFIX = "off study: "  # the treatment end reason when off study ends it


def reason_text(key: str, other: str = "", field: str = "reason") -> str:
    """The stored reason for the list's ``key`` (``other`` needs the text saying what)."""
    reason = BY_KEY.get(key.strip())
    if reason is None:
        raise InputError("choose the reason from the list", field=field)
    if reason.key == "other":
        if not other.strip():
            raise InputError("say what the other reason is", field=f"{field}_other")
        return f"other: {other.strip()}"
    return reason.words


def standard_term(text: str) -> str:
    """The NCOMPLT term of a stored reason: the list's words, a known synonym, else OTHER."""
    words = text.strip().lower().removeprefix(OFF_STUDY_PREFIX).strip()
    for reason in REASONS:
        if words == reason.words:
            return reason.ncomplt
    return SYNONYMS.get(words, "OTHER")

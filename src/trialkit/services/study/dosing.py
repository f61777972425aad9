"""The dose check over a subject's stored data, as of a date: the one place pages, API and CLI
get it from, and the one the dose entry itself runs before writing.

Which labs it sees is decided here (the decision is :func:`trialkit.dosing.check_dose`'s):
only labs dated after the previous cycle's dose — the labs before a dose were that dose's
pre-dose labs and never speak for the next one — and up to the check date; the dose
check then keeps those within its lookback (``lab_lookback_days``). The subject's own history
is derived here too, from the stored doses, labs and adverse events (:func:`history`): the
toxicities earlier reduced doses were reduced for (recurrence → discontinue, else
re-escalation where the parameter allows it) and a toxicity that already withheld the cycle
(resume reduced). A reduced dose is read from the activity actually given
(:func:`trialkit.conduct.dosing.is_reduced`), whatever its cause: a lab toxicity, a related
adverse event (the label's "other related grade 3–4"), or the investigator's decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.conduct.dosing import is_reduced
from trialkit.ctcae.lookup import find_term
from trialkit.dosing import CheckInput, Decision, DosingParameters, check_dose
from trialkit.dosing import Lab as DosingLab
from trialkit.dosing.regimen import Regimen
from trialkit.errors import InputError, UnitError
from trialkit.protocol import load_protocol
from trialkit.services.study.views import RELATED, DoseCheckView
from trialkit.store import models as m
from trialkit.units import convert


def live_doses(session: Session, subject: m.Subject) -> list[m.Dose]:
    return list(
        session.scalars(
            select(m.Dose)
            .where(m.Dose.subject_id == subject.id, m.Dose.deleted_at.is_(None))
            .order_by(m.Dose.cycle)
        )
    )


def _labs(session: Session, subject: m.Subject) -> list[m.Lab]:
    return list(
        session.scalars(
            select(m.Lab)
            .where(m.Lab.subject_id == subject.id, m.Lab.deleted_at.is_(None))
            .order_by(m.Lab.on, m.Lab.id)
        )
    )


def _other_aes(session: Session, subject: m.Subject, regimen: Regimen) -> list[m.AdverseEvent]:
    """The subject's adverse events of grade ≥ 3 that no pre-dose lab grades (the label's
    "other related grade 3–4"), unless an investigator judged them unrelated. An adverse
    event of a CTCAE term a pre-dose lab of the regimen grades is the labs' to decide."""
    lab_terms = {x.ctcae for x in regimen.labs.values() if x.ctcae is not None}
    rows = session.scalars(
        select(m.AdverseEvent)
        .where(m.AdverseEvent.subject_id == subject.id, m.AdverseEvent.deleted_at.is_(None))
        .order_by(m.AdverseEvent.onset, m.AdverseEvent.id)
    )
    out = []
    for ae in rows:
        term = find_term(ae.term)
        if term is not None and term.name in lab_terms:
            continue
        if ae.grade is None or ae.grade < 3:
            continue
        if ae.causality is None or ae.causality in RELATED:
            out.append(ae)
    return out


def default_check_date(
    subject: m.Subject, cycle: int, today: date, params: DosingParameters
) -> date:
    """The planned date of the cycle, or today once it has passed (a delayed dose is checked
    on the day it is to be given)."""
    if subject.first_dose is None:
        return today
    nominal = subject.first_dose + timedelta(days=params.interval_days * (cycle - 1))
    return max(nominal, today) if cycle > 1 else subject.first_dose


def dose_check_at(
    session: Session,
    subject: m.Subject,
    cycle: int,
    when: date,
    params: DosingParameters,
    *,
    doses: Sequence[m.Dose] | None = None,
) -> DoseCheckView:
    """The dose check of ``cycle`` as of ``when`` over the subject's stored labs and doses.

    The subject's history speaks too (:func:`history`): the toxicities that led to an
    earlier reduced dose (a recurrence of one → discontinue; otherwise re-escalation where
    ``reescalate_after_reduced_dose`` allows it), and a toxicity that withheld this cycle on
    an earlier lab day (once resolved the cycle resumes at the reduced activity)."""
    if not 1 <= cycle <= params.cycles:
        raise InputError(f"cycle must be 1–{params.cycles}, got {cycle}", field="cycle")
    # cycle 1 is the first dose: its calendar starts on the day it is given
    first = subject.first_dose if cycle > 1 else when
    if first is None:
        raise InputError("the subject has no first-dose date yet", field="first_dose")
    doses = live_doses(session, subject) if doses is None else doses
    previous = max((d for d in doses if d.cycle < cycle), key=lambda d: d.cycle, default=None)
    after = previous.given_on if previous is not None else None
    stored = _labs(session, subject)
    course = _Course(subject, first, stored, params, _other_aes(session, subject, params.regimen))
    prior, cycles, on_hold = history(course, doses, cycle, when, params)
    decision = course.decide(cycle, when, after, prior, on_hold, cycles)
    lookback = when - timedelta(days=params.lab_lookback_days)
    labs_from = max(lookback, after + timedelta(days=1)) if after is not None else lookback
    ignored = sum(1 for x in stored if after is not None and x.on <= after)
    return DoseCheckView(
        subject.id,
        cycle,
        when.isoformat(),
        decision.to_json(),
        labs_from_date=labs_from.isoformat(),
        previous_dose_date=after.isoformat() if after is not None else None,
        labs_ignored=ignored,
    )


class _Course:
    """One subject's stored labs, asked the dose check as of any day."""

    def __init__(
        self,
        subject: m.Subject,
        first: date,
        stored: Sequence[m.Lab],
        params: DosingParameters,
        aes: Sequence[m.AdverseEvent] = (),
    ) -> None:
        self.subject, self.first, self.stored, self.params = subject, first, stored, params
        self.aes = aes
        # the baseline of each pre-dose lab the table reads "from baseline": its first result
        self.baselines: dict[str, float] = {}
        for key, spec in params.regimen.labs.items():
            first_result = next((x for x in stored if x.key == key), None)
            value = _canonical(first_result, spec.unit, spec.analyte) if first_result else None
            if value is not None:
                self.baselines[key] = value
        self.plausible = load_protocol(params.regimen.ref).plausible_ranges()

    def lab_days(self, after: date | None, before: date) -> list[date]:
        """The days with a lab after ``after`` (the previous dose) and before ``before``."""
        return sorted(
            {x.on for x in self.stored if (after is None or x.on > after) and x.on < before}
        )

    def ongoing(self, day: date) -> list[m.AdverseEvent]:
        """The other grade ≥ 3 adverse events ongoing on ``day`` (resolved on it: over)."""
        return [
            ae for ae in self.aes if ae.onset <= day and (ae.resolved is None or ae.resolved > day)
        ]

    def caused(self, after: date | None, day: date) -> bool:
        """Whether a related other grade ≥ 3 adverse event was ongoing after the previous
        dose (``after``) and before or on ``day`` — the label withholds the dose for it and
        then resumes at the reduced activity (no treatment toxicity before the first dose)."""
        return after is not None and any(
            ae.causality in RELATED
            and ae.onset <= day
            and (ae.resolved is None or ae.resolved > after)
            for ae in self.aes
        )

    def decide(
        self,
        cycle: int,
        when: date,
        after: date | None,
        prior: tuple[str, ...],
        on_hold: str | None,
        cycles: tuple[int, ...] = (),
    ) -> Decision:
        ongoing = self.ongoing(when) if cycle > 1 else []
        related = [ae.grade for ae in ongoing if ae.causality in RELATED and ae.grade]
        pending = tuple(
            f"the causality of {ae.term} grade {ae.grade} (adverse event {ae.id}, onset "
            f"{ae.onset}) — an investigator's assessment is needed before dosing"
            for ae in ongoing
            if ae.causality is None
        )
        usable = [x for x in self.stored if (after is None or x.on > after) and x.on <= when]
        labs = tuple(
            DosingLab(x.key, x.value, x.unit, x.on, x.uln, x.lln, f"lab {x.id}") for x in usable
        )
        s = self.subject
        return check_dose(
            CheckInput(
                subject=s.subject_number,
                first_dose=self.first,
                cycle_due=cycle,
                check_date=when,
                labs=labs,
                sex=s.sex,
                age=s.age,
                weight_kg=s.weight_kg,
                baselines=self.baselines,
                prior_reductions=prior,
                on_hold=on_hold,
                other_related_toxicity_grade=max(related, default=None),
                prior_reduced_cycles=cycles,
                pending=pending,
            ),
            self.params,
            self.plausible,
        )

    def held(
        self, cycle: int, after: date | None, before: date, prior: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The toxicities for which the check withheld ``cycle`` on a lab day after the
        previous dose and before ``before`` (cycle 1: none — there is no treatment toxicity
        before the first dose)."""
        if cycle == 1:
            return ()
        found: list[str] = []
        for day in self.lab_days(after, before):
            hold = ", ".join(found) or None
            decision = self.decide(cycle, day, after, prior, hold)
            found += [f.toxicity for f in decision.findings if f.toxicity not in found]
        return tuple(found)


def history(
    course: _Course, doses: Sequence[m.Dose], cycle: int, when: date, params: DosingParameters
) -> tuple[tuple[str, ...], tuple[int, ...], str | None]:
    """(prior reductions, cycles reduced without a recorded cause, on hold) for the check of
    ``cycle`` as of ``when``, from the stored doses, labs and adverse events.

    A dose given below the full activity (:func:`is_reduced`) is a reduction whatever its
    cause. It was reduced for the toxicities that withheld its cycle before it was given
    (clinical-facts §3: withhold, then resume at the reduced activity) — a lab toxicity, or
    a related grade ≥ 3 adverse event no lab grades ("other") ongoing after the previous
    dose; with neither, the investigator reduced it for a reason the data do not name, and
    it still counts as a reduction (no silent return to the full dose). The current cycle is
    on hold for the toxicities that withheld it on an earlier day.
    """
    prior: list[str] = []
    unexplained: list[int] = []
    after: date | None = None
    # the table's row for a related adverse event no lab grades (None: the regimen has none)
    other = params.regimen.related_ae_toxicity()
    for d in sorted((d for d in doses if d.cycle < cycle), key=lambda d: d.cycle):
        if is_reduced(d.activity_gbq, params):
            held = list(course.held(d.cycle, after, d.given_on + timedelta(days=1), tuple(prior)))
            if other is not None and other not in held and course.caused(after, d.given_on):
                held.append(other)
            prior += [t for t in held if t not in prior]
            if not held:
                unexplained.append(d.cycle)
        after = d.given_on
    on_hold = list(course.held(cycle, after, when, tuple(prior)))
    if (
        other is not None
        and other not in on_hold
        and course.caused(after, when - timedelta(days=1))
    ):
        on_hold.append(other)
    return tuple(prior), tuple(unexplained), ", ".join(on_hold) or None


def _canonical(lab: m.Lab, unit: str, analyte: str | None) -> float | None:
    try:
        return float(convert(lab.value, lab.unit, unit, analyte=analyte))
    except UnitError:
        return None

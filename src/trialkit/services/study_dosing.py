"""The dose check over a subject's stored data, as of a date: the one place pages, API and CLI
get it from, and the one the dose entry itself runs before writing.

Which labs it sees is decided here (the decision is :func:`trialkit.dosing.check_dose`'s):
only labs dated after the previous cycle's dose — the labs before a dose were that dose's
pre-dose labs and never speak for the next one — and up to the check date; the dose
check then keeps those within its lookback (``lab_lookback_days``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.dosing import CheckInput, DosingParameters, check_dose
from trialkit.dosing import Lab as DosingLab
from trialkit.errors import InputError, UnitError
from trialkit.protocol import load_protocol
from trialkit.services.study_views import DoseCheckView
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
    """The dose check of ``cycle`` as of ``when`` over the subject's stored labs."""
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
    usable = [x for x in stored if (after is None or x.on > after) and x.on <= when]
    labs = tuple(
        DosingLab(x.key, x.value, x.unit, x.on, x.uln, x.lln, f"lab {x.id}") for x in usable
    )
    creatinine = [x for x in stored if x.key == "creatinine"]
    decision = check_dose(
        CheckInput(
            subject=subject.subject_number,
            first_dose=first,
            cycle_due=cycle,
            check_date=when,
            labs=labs,
            sex=subject.sex,
            age=subject.age,
            weight_kg=subject.weight_kg,
            baseline_creatinine_umol_l=_umol(creatinine[0]) if creatinine else None,
            prior_reductions=(),
        ),
        params,
        load_protocol().plausible_ranges(),
    )
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


def _umol(lab: m.Lab) -> float | None:
    try:
        return float(convert(lab.value, lab.unit, "umol/L", analyte="creatinine"))
    except UnitError:
        return None

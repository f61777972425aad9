"""Rules over coded history in the EHR: conditions, medications, procedures, allergies, consent.

All of them find positive evidence only. With no qualifying record the verdict
follows data dictionary §4 "Absence is not evidence" (:meth:`EvalContext.absent`).
Records that do not qualify (wrong time, resolved, refuted) are listed as context.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from trialkit.eligibility.context import EvalContext, Placement
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.codes import Code
from trialkit.model.record import ConditionFact, MedicationFact
from trialkit.model.time import add_years
from trialkit.protocol import nodes as n
from trialkit.protocol.forms import features_of, form_of
from trialkit.wording import coded, day

_IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_ACTIVE_CONDITION = frozenset({"active", "recurrence", "relapse"})
_IGNORED_MED_STATUS = frozenset({"entered-in-error", "cancelled", "not-taken", "draft"})
_ONGOING_MED_STATUS = frozenset({"active", "intended", "on-hold", "in-progress"})
_IGNORED_PROCEDURE_STATUS = frozenset({"entered-in-error", "not-done", "preparation"})


def _code_text(codes: tuple[Code, ...], match: Code | None) -> str:
    chosen = match or (codes[0] if codes else None)
    if chosen is None:
        return "(no code)"
    return f"{chosen.system.rsplit('/', 1)[-1]} {chosen.code}" + (
        f" {chosen.display}" if chosen.display else ""
    )


# --- conditions ---------------------------------------------------------------------------------


def evaluate_condition(node: n.ConditionPresent, ctx: EvalContext) -> Verdict:
    value_set = ctx.protocol.value_sets[node.value_set]
    positive: list[Evidence] = []
    uncertain: list[Evidence] = []
    context: list[Evidence] = []
    for c in ctx.record.conditions:
        match = value_set.matches_any(c.codes)
        if match is None:
            continue
        ev = Evidence(
            c.source,
            node.value_set,
            _code_text(c.codes, match),
            time=str(c.onset) if c.onset else None,
            note=f"clinical status {c.clinical_status or 'not recorded'}",
        )
        if c.verification_status in _IGNORED_VERIFICATION:
            context.append(
                replace(ev, role="excluded", note=f"verification {c.verification_status}")
            )
            continue
        if c.onset is not None and c.onset.low > ctx.as_of:
            context.append(replace(ev, role="excluded", note="onset after as-of"))
            continue
        placement = _condition_counts(node, ctx, c)
        if placement is Placement.INSIDE:
            positive.append(ev)
        elif placement is Placement.UNDETERMINED:
            uncertain.append(
                replace(ev, role="context", note="resolution date too imprecise to place")
            )
        else:
            context.append(replace(ev, role="context", note=_why_not(node, c)))
    if positive:
        return Verdict(
            Status.MET,
            f"EHR records {node.label}: {coded(str(positive[0].value))}.",
            tuple(positive + uncertain),
        )
    if uncertain:
        return Verdict(
            Status.UNKNOWN,
            f"EHR records {node.label} whose resolution date cannot be placed.",
            tuple(uncertain + context),
            (f"when {node.label} resolved",),
        )
    return ctx.absent(node.label, *context)


def _condition_counts(node: n.ConditionPresent, ctx: EvalContext, c: ConditionFact) -> Placement:
    active = c.clinical_status in _ACTIVE_CONDITION or (
        c.clinical_status is None and c.abatement is None
    )
    if node.status == "any" or active:
        return Placement.INSIDE
    if node.status == "active" or c.abatement is None:
        return Placement.OUTSIDE
    assert node.years is not None
    cutoff = add_years(ctx.as_of, -int(ctx.number(node.years)))
    if c.abatement.low > cutoff:
        return Placement.INSIDE
    if c.abatement.high <= cutoff:
        return Placement.OUTSIDE
    return Placement.UNDETERMINED


def _why_not(node: n.ConditionPresent, c: ConditionFact) -> str:
    if node.status == "active":
        return f"not active ({c.clinical_status})"
    return f"resolved {day(str(c.abatement))}, more than the disease-free period before as-of"


# --- medications --------------------------------------------------------------------------------


def _exposure_end(m: MedicationFact, as_of: date) -> date:
    """The last day of exposure: recorded end; else as-of while ongoing; else the start."""
    if m.end is not None:
        return m.end.high
    if m.status in _ONGOING_MED_STATUS or m.start is None:
        return as_of
    return m.start.high


def evaluate_medication(node: n.MedicationExposure, ctx: EvalContext) -> Verdict:
    value_set = ctx.protocol.value_sets[node.value_set]
    positive: list[Evidence] = []
    uncertain: list[Evidence] = []
    context: list[Evidence] = []
    for m in ctx.record.medications:
        match = value_set.matches_any(m.codes)
        if match is None:
            continue
        start = m.start
        end = _exposure_end(m, ctx.as_of)
        ev = Evidence(
            m.source,
            node.value_set,
            _code_text(m.codes, match),
            time=f"{start or '?'}..{m.end or ('ongoing' if end == ctx.as_of else start or '?')}",
            original=m.text or None,
            note=f"status {m.status or 'not recorded'}",
        )
        if m.status in _IGNORED_MED_STATUS:
            context.append(replace(ev, role="excluded", note=f"status {m.status}"))
            continue
        if start is not None and start.low > ctx.as_of:
            context.append(replace(ev, role="excluded", note="starts after as-of"))
            continue
        placement = _medication_placement(node, ctx, m, end)
        if placement is Placement.INSIDE and node.forms is not None:
            group = ctx.protocol.medication_forms[node.forms]
            form = form_of(group, features_of(m), ctx.protocol.value_sets)
            if form is None:
                placement = Placement.UNDETERMINED
                named = " or ".join(f.label for f in group.forms)
                ev = replace(ev, note=f"form not recorded (is it {named}?)")
            elif form != node.form:
                placement = Placement.OUTSIDE
                ev = replace(ev, note=f"another form: {group.form(form).label}")
            else:
                ev = replace(ev, note=f"{ev.note}; form {group.form(form).label}")
        {Placement.INSIDE: positive, Placement.UNDETERMINED: uncertain}.get(
            placement, context
        ).append(ev if placement is not Placement.OUTSIDE else replace(ev, role="context"))
    when = _medication_when(node, ctx)
    if positive:
        return Verdict(
            Status.MET,
            f"EHR records {node.label} {when}: {coded(str(positive[0].value))}.",
            tuple(positive),
        )
    if uncertain:
        return Verdict(
            Status.UNKNOWN,
            f"EHR records {node.label} that may or may not fall {when}.",
            tuple(uncertain + context),
            (f"dates (and form) of {node.label}",),
        )
    return ctx.absent(f"{node.label} {when}", *context)


def _medication_when(node: n.MedicationExposure, ctx: EvalContext) -> str:
    if node.within is not None:
        return ctx.window_text(node.within)
    if node.since is not None:
        span = ctx.anchor(node.since)
        if span is not None:
            return f"since {span.label}"
        declared = ctx.protocol.anchors.get(node.since)
        return f"since {declared.label if declared else node.since} (date unknown)"
    return f"active on {day(ctx.as_of)}" if node.active else f"before {day(ctx.as_of)}"


def _medication_placement(
    node: n.MedicationExposure, ctx: EvalContext, m: MedicationFact, end: date
) -> Placement:
    if node.within is not None:
        return ctx.overlap(m.start, end, node.within)
    if node.since is not None:
        span = ctx.anchor(node.since)
        if span is None:
            return Placement.UNDETERMINED
        if end >= span.low:
            return Placement.INSIDE
        return Placement.OUTSIDE
    if node.active:
        ongoing = m.status in _ONGOING_MED_STATUS and (m.end is None or m.end.high >= ctx.as_of)
        return Placement.INSIDE if ongoing else Placement.OUTSIDE
    return Placement.INSIDE


# --- procedures, allergies, consent -------------------------------------------------------------


def evaluate_procedure(node: n.ProcedureDone, ctx: EvalContext) -> Verdict:
    value_set = ctx.protocol.value_sets[node.value_set]
    positive: list[Evidence] = []
    uncertain: list[Evidence] = []
    context: list[Evidence] = []
    for p in ctx.record.procedures:
        match = value_set.matches_any(p.codes + p.category_codes)
        if match is None:
            continue
        described = " ".join([p.text or ""] + [c.display or "" for c in p.codes]).lower()
        if "biopsy" in described:
            continue  # EX9: surgery except biopsy (a biopsy is never local therapy here)
        ev = Evidence(
            p.source,
            node.value_set,
            _code_text(p.codes, match),
            time=str(p.time) if p.time else None,
            original=p.text,
        )
        if p.status in _IGNORED_PROCEDURE_STATUS:
            context.append(replace(ev, role="excluded", note=f"status {p.status}"))
            continue
        if p.time is None:
            uncertain.append(replace(ev, role="context", note="no date"))
            continue
        if p.time.low > ctx.as_of:
            context.append(replace(ev, role="excluded", note="dated after as-of"))
            continue
        placement = ctx.place(p.time, node.within) if node.within is not None else Placement.INSIDE
        {Placement.INSIDE: positive, Placement.UNDETERMINED: uncertain}.get(
            placement, context
        ).append(ev if placement is Placement.INSIDE else replace(ev, role="context"))
    when = ctx.window_text(node.within) if node.within is not None else f"before {day(ctx.as_of)}"
    if positive:
        return Verdict(
            Status.MET,
            f"EHR records {node.label} {when}: {coded(str(positive[0].value))}, "
            f"{day(positive[0].time)}.",
            tuple(positive),
        )
    if uncertain:
        return Verdict(
            Status.UNKNOWN,
            f"EHR records {node.label} that may fall {when}.",
            tuple(uncertain + context),
            (f"the date of {node.label} relative to the first dose",),
        )
    return ctx.absent(f"{node.label} {when}", *context)


def evaluate_allergy(node: n.AllergyRecorded, ctx: EvalContext) -> Verdict:
    value_set = ctx.protocol.value_sets[node.value_set]
    found: list[Evidence] = []
    context: list[Evidence] = []
    for a in ctx.record.allergies:
        match = value_set.matches_any(a.codes)
        pattern = value_set.matches_text(
            " ".join([a.text or ""] + [c.display or "" for c in a.codes])
        )
        if match is None and pattern is None:
            continue
        ev = Evidence(
            a.source,
            node.value_set,
            _code_text(a.codes, match) if match else a.text,
            note=f"matched {'code' if match else f'text {pattern!r}'}",
        )
        if a.verification_status in _IGNORED_VERIFICATION or a.clinical_status in {
            "inactive",
            "resolved",
        }:
            context.append(
                replace(ev, role="excluded", note=f"{a.verification_status or a.clinical_status}")
            )
            continue
        found.append(ev)
    if found:
        return Verdict(
            Status.MET, f"EHR records {node.label}: {coded(str(found[0].value))}.", tuple(found)
        )
    return ctx.absent(node.label, *context)


def evaluate_consent(node: n.ConsentSigned, ctx: EvalContext) -> Verdict:
    scope = ctx.protocol.value_sets[node.scope_value_set]
    study = ctx.protocol.value_sets[node.study_value_set] if node.study_value_set else None
    context: list[Evidence] = []
    for c in ctx.record.consents:
        ev = Evidence(c.source, "consent", c.status, time=str(c.time) if c.time else None)
        if study is None and scope.matches_any(c.scope_codes + c.category_codes) is None:
            context.append(replace(ev, role="context", note="not a research consent"))
            continue
        # With a study to match, the reference to it decides (the consent-ResearchStudyContext
        # extension exists only on research consents); any other consent is context.
        if study is not None and study.matches_any(c.study_codes) is None:
            # A biobank or another trial's consent is not consent to this protocol.
            named = ", ".join(x.code for x in c.study_codes)
            note = f"a consent to {named}, not to this study" if named else "names no study"
            context.append(replace(ev, role="context", note=note))
            continue
        if c.status != "active" or c.time is None or c.time.high > ctx.as_of:
            context.append(
                replace(ev, role="context", note="not active, undated or dated after as-of")
            )
            continue
        what = "Consent to this study" if study is not None else "Research consent"
        return Verdict(Status.MET, f"{what} signed {day(str(c.time))} (EHR).", (ev,))
    return Verdict(
        Status.UNKNOWN,
        "No active consent to this study dated on or before as-of in the EHR."
        if study is not None
        else "No active research consent dated on or before as-of in the EHR.",
        tuple(context),
        ("signed informed consent (a Consent resource dated on or before as-of)",),
    )

"""The in-memory evaluator: walks a criterion's node tree for one patient.

One function per node type, dispatched by type. Combinators follow Kleene's
three-valued logic; :class:`~trialkit.protocol.nodes.Reconcile` applies
the CRF/EHR conflict policy of data dictionary §4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from trialkit.eligibility import crf, daily, demographics, history, labs, lesions
from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.verdict import (
    Evidence,
    Status,
    Verdict,
    all_of,
    any_of,
    merged,
    negate,
    unique,
)
from trialkit.protocol import nodes as n


def evaluate(node: n.Node, ctx: EvalContext) -> Verdict:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"no evaluator for rule node {type(node).__name__}")
    return handler(node, ctx)


def _all(node: n.AllOf, ctx: EvalContext) -> Verdict:
    return all_of([evaluate(child, ctx) for child in node.children])


def _any(node: n.AnyOf, ctx: EvalContext) -> Verdict:
    return any_of([evaluate(child, ctx) for child in node.children])


def _not(node: n.Not, ctx: EvalContext) -> Verdict:
    return negate(evaluate(node.child, ctx))


def _reconcile(node: n.Reconcile, ctx: EvalContext) -> Verdict:
    ehr = evaluate(node.ehr, ctx)
    form = evaluate(node.crf, ctx)
    if ehr.status.decided and form.status.decided and ehr.status is not form.status:
        policy = str(ctx.params.get("conflict_policy", "unknown"))
        conflict = tuple(replace(e, role="conflict") for e in ehr.evidence + form.evidence)
        said = f"the CRF and the EHR disagree on {node.fact} (CRF: {form.reason} EHR: {ehr.reason})"
        if policy == "crf":
            return Verdict(form.status, f"CRF wins by conflict_policy: {said}.", conflict)
        if policy == "ehr":
            return Verdict(ehr.status, f"EHR wins by conflict_policy: {said}.", conflict)
        return Verdict(
            Status.UNKNOWN,
            f"Conflict: {said}.",
            conflict,
            (f"resolution of the CRF/EHR conflict on {node.fact}",),
        )
    if ehr.status.decided and form.status.decided:
        return Verdict(
            ehr.status, f"{form.reason} {ehr.reason}", merged(form.evidence, ehr.evidence)
        )
    if form.status.decided:
        return Verdict(form.status, form.reason, merged(form.evidence, _as_context(ehr)))
    if ehr.status.decided:
        return Verdict(ehr.status, ehr.reason, merged(ehr.evidence, _as_context(form)))
    return Verdict(
        Status.UNKNOWN,
        f"{form.reason} {ehr.reason}",
        merged(form.evidence, ehr.evidence),
        unique(list(form.missing) + list(ehr.missing)),
    )


def _as_context(verdict: Verdict) -> tuple[Evidence, ...]:
    return tuple(replace(e, role="context") if e.role == "decided" else e for e in verdict.evidence)


def _ask(node: n.Ask, ctx: EvalContext) -> Verdict:
    answer = evaluate(node.crf, ctx)
    if answer.status.decided:
        return answer
    relevant = evaluate(node.relevant_if, ctx)
    if relevant.status is Status.NOT_MET:
        return Verdict(Status.NOT_MET, relevant.reason, relevant.evidence)
    if relevant.status is Status.MET:
        return Verdict(
            Status.UNKNOWN,
            f"{relevant.reason} {answer.reason}",
            merged(relevant.evidence, answer.evidence),
            answer.missing,
        )
    return Verdict(
        Status.UNKNOWN,
        answer.reason,
        merged(answer.evidence, relevant.evidence),
        unique(list(answer.missing)),
    )


def _guard(node: n.Guard, ctx: EvalContext) -> Verdict:
    verdict = evaluate(node.rule, ctx)
    conflict = evaluate(node.conflict, ctx)
    if conflict.status is not Status.MET:
        return verdict
    shown = tuple(replace(e, role="conflict") for e in conflict.evidence)
    return Verdict(
        Status.UNKNOWN,
        f"Data-quality conflict: {node.fact} ({conflict.reason}).",
        merged(shown, _as_context(verdict)),
        (f"resolution of the data conflict: {node.fact}",),
    )


def _if(node: n.If, ctx: EvalContext) -> Verdict:
    condition = evaluate(node.condition, ctx)
    if condition.status.decided:
        branch = evaluate(node.then if condition.status is Status.MET else node.otherwise, ctx)
        return Verdict(
            branch.status,
            f"{condition.reason} {branch.reason}",
            merged(condition.evidence, branch.evidence),
            branch.missing,
        )
    then, otherwise = evaluate(node.then, ctx), evaluate(node.otherwise, ctx)
    if then.status.decided and then.status is otherwise.status:
        return Verdict(
            then.status,
            f"{condition.reason} Either way: {then.reason} {otherwise.reason}",
            merged(then.evidence, otherwise.evidence, _as_context(condition)),
        )
    undecided = [v for v in (then, otherwise) if not v.status.decided]
    return Verdict(
        Status.UNKNOWN,
        " ".join([condition.reason, *(v.reason for v in (then, otherwise))]),
        merged(condition.evidence, then.evidence, otherwise.evidence),
        unique([*condition.missing, *(m for v in undecided for m in v.missing)]),
    )


def _always(node: n.Always, ctx: EvalContext) -> Verdict:
    if node.met:
        return Verdict(Status.MET, "Nothing further is required.")
    return Verdict(Status.NOT_MET, "It does not apply.")


_HANDLERS: dict[type, Callable[[Any, EvalContext], Verdict]] = {
    n.Lab: labs.evaluate_lab,
    n.Qualitative: labs.evaluate_qualitative,
    n.Derived: labs.evaluate_derived,
    n.Daily: daily.evaluate_daily,
    n.Age: demographics.evaluate_age,
    n.Sex: demographics.evaluate_sex,
    n.ConditionPresent: history.evaluate_condition,
    n.MedicationExposure: history.evaluate_medication,
    n.ProcedureDone: history.evaluate_procedure,
    n.AllergyRecorded: history.evaluate_allergy,
    n.ConsentSigned: history.evaluate_consent,
    n.CrfAnswer: crf.evaluate_crf,
    n.CrfHistory: crf.evaluate_crf_history,
    n.Attestation: crf.evaluate_attestation,
    n.MeasurableLesion: lesions.evaluate_measurable,
    n.EveryTargetLesion: lesions.evaluate_every_target,
    n.AllOf: _all,
    n.AnyOf: _any,
    n.Not: _not,
    n.Reconcile: _reconcile,
    n.Ask: _ask,
    n.Guard: _guard,
    n.If: _if,
    n.Always: _always,
}

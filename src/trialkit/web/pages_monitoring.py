"""Records by their names, for monitors: what a query is raised on, without typing an id.

A monitor raises a query from the record's own row on the subject page ("raise query"
beside the dose, lab, scan or adverse event); the form then names the record in words,
and the query list says what each query is on the same way. Only a record of the subject
on the page can be queried from it.
"""

from __future__ import annotations

from trialkit.services.study.service import SubjectView

# record kinds a query can be raised on from the subject page, as the form names them
QUERY_KINDS = ("subject", "dose", "lab", "assessment", "adverse_event")


def record_label(subject: SubjectView, kind: str, record_id: int) -> str | None:
    """A record of ``subject`` in words ("adverse event Platelet count decreased, onset
    2027-01-20"); None when it is not one of this subject's (live) records."""
    if kind == "subject":
        return f"subject {subject.subject_id}" if record_id == subject.id else None
    if kind == "dose":
        for d in subject.doses:
            if d.id == record_id:
                return f"cycle {d.cycle} dose of {d.dose_date}"
    elif kind == "lab":
        for x in subject.labs:
            if x.id == record_id:
                return f"lab {x.analyte_name} of {x.lab_date}"
    elif kind == "assessment":
        for a in subject.assessments:
            if a.id == record_id:
                return f"scan of {a.assessment_date}"
    elif kind == "adverse_event":
        for e in subject.adverse_events:
            if e.id == record_id:
                return f"adverse event {e.term}, onset {e.onset_date}"
    return None


def query_target(subject: SubjectView, raw: str | None) -> tuple[str, int, str]:
    """(kind, record id, label) of ``?query=kind-id``; the subject itself when absent or not
    one of this subject's records."""
    if raw and "-" in raw:
        kind, _, number = raw.rpartition("-")
        if kind in QUERY_KINDS and number.isdigit():
            label = record_label(subject, kind, int(number))
            if label is not None:
                return kind, int(number), label
    return "subject", subject.id, f"subject {subject.subject_id}"


def record_names(subject: SubjectView) -> dict[str, str]:
    """``kind-id`` → label of every record on the subject page (links and the query list)."""
    keys = [("subject", subject.id)]
    keys += [("dose", d.id) for d in subject.doses] + [("lab", x.id) for x in subject.labs]
    keys += [("assessment", a.id) for a in subject.assessments]
    keys += [("adverse_event", e.id) for e in subject.adverse_events]
    return {f"{k}-{i}": record_label(subject, k, i) or f"{k} {i}" for k, i in keys}

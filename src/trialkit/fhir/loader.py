"""Read FHIR R4 from files: one Bundle per patient, or Bulk FHIR NDJSON for many.

Unusable input raises :class:`InputError` naming the file (and line, resource
or field): not JSON, not FHIR, not a Bundle, a Bundle with no Patient or with
two. Problems inside a usable record are warnings on that record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trialkit.errors import InputError
from trialkit.fhir.record import RELEVANT_TYPES, assemble, crf_form
from trialkit.fhir.references import normalise_reference, resource_key, subject_reference
from trialkit.model.record import DataWarning, PatientRecord
from trialkit.safe_io import parse_json, read_json, read_text


def load_records(
    paths: Sequence[Path],
    *,
    timezone: str = "UTC",
    questionnaire_url: str | None = None,
    lesion_group: str | None = None,
) -> list[PatientRecord]:
    """Every patient in ``paths`` (Bundle JSON files, NDJSON files or Bulk FHIR folders)."""
    records: list[PatientRecord] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.name.endswith((".ndjson", ".ndjson.gz")))
            bundles = sorted(p for p in path.iterdir() if p.suffix == ".json")
            if files:
                records += load_ndjson(
                    files,
                    timezone=timezone,
                    questionnaire_url=questionnaire_url,
                    lesion_group=lesion_group,
                    source=str(path),
                )
            elif bundles:  # a folder of one-patient Bundles
                records += load_records(
                    bundles,
                    timezone=timezone,
                    questionnaire_url=questionnaire_url,
                    lesion_group=lesion_group,
                )
            else:
                raise InputError(
                    "folder holds no .ndjson files and no .json Bundles", source=str(path)
                )
        elif path.name.endswith((".ndjson", ".ndjson.gz")):
            records += load_ndjson(
                [path],
                timezone=timezone,
                questionnaire_url=questionnaire_url,
                lesion_group=lesion_group,
                source=str(path),
            )
        else:
            data = _read_json(path)
            records.append(
                load_bundle(
                    data,
                    source=str(path),
                    timezone=timezone,
                    questionnaire_url=questionnaire_url,
                    lesion_group=lesion_group,
                )
            )
    return records


def _read_text(path: Path) -> str:
    return read_text(path)


def _read_json(path: Path) -> Any:
    return read_json(path)


def load_bundle(
    data: Any,
    *,
    source: str,
    timezone: str = "UTC",
    questionnaire_url: str | None = None,
    lesion_group: str | None = None,
) -> PatientRecord:
    """One patient from a Bundle (any type) — or from a bare Patient resource."""
    if not isinstance(data, Mapping) or not isinstance(data.get("resourceType"), str):
        raise InputError("not a FHIR resource (no resourceType)", source=source)
    rtype = data["resourceType"]
    if rtype == "Patient":
        entries: list[Mapping[str, Any]] = [{"resource": data}]
    elif rtype == "Bundle":
        raw_entries = data.get("entry", [])
        if not isinstance(raw_entries, list):
            raise InputError("Bundle.entry is not a list", source=source, field="entry")
        entries = [e for e in raw_entries if isinstance(e, Mapping)]
    else:
        raise InputError(f"expected a Bundle (or an NDJSON folder), got a {rtype}", source=source)
    resources = [e["resource"] for e in entries if isinstance(e.get("resource"), Mapping)]
    full_urls = {
        str(e["fullUrl"]): key
        for e in entries
        if isinstance(e.get("fullUrl"), str)
        and isinstance(e.get("resource"), Mapping)
        and (key := resource_key(e["resource"])) is not None
    }
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if not patients:
        raise InputError(
            "Bundle has no Patient resource (one Bundle is one patient)", source=source
        )
    if len(patients) > 1:
        ids = ", ".join(str(p.get("id")) for p in patients)
        raise InputError(
            f"Bundle has {len(patients)} Patient resources ({ids}); one Bundle is one patient",
            source=source,
        )
    patient = patients[0]
    if not patient.get("id"):
        raise InputError("the Patient has no id", source=source, field="Patient.id")
    index = {key: r for r in resources if (key := resource_key(r)) is not None}
    own = f"Patient/{patient['id']}"
    kept: list[Mapping[str, Any]] = []
    warnings: list[DataWarning] = []
    for r in resources:
        ref = subject_reference(r)
        target = normalise_reference(ref, full_urls) if ref else None
        if target is not None and target.startswith("Patient/") and target != own:
            warnings.append(
                DataWarning(
                    f"{source} {resource_key(r)}",
                    "subject",
                    f"refers to {target}, not {own}; ignored",
                )
            )
            continue
        kept.append(r)

    def resolve(reference: str) -> Mapping[str, Any] | None:
        key = normalise_reference(reference, full_urls)
        return index.get(key) if key else None

    url, group = crf_form(questionnaire_url, lesion_group)
    return assemble(
        patient,
        kept,
        source_file=source,
        timezone=timezone,
        questionnaire_url=url,
        lesion_group=group,
        resolve=resolve,
        warnings=warnings,
    )


def load_ndjson(
    files: Sequence[Path],
    *,
    timezone: str = "UTC",
    questionnaire_url: str | None = None,
    lesion_group: str | None = None,
    source: str,
) -> list[PatientRecord]:
    """Bulk FHIR: resources of many patients, grouped by their subject/patient reference."""
    patients: dict[str, Mapping[str, Any]] = {}
    others: list[tuple[Mapping[str, Any], str]] = []
    for path in files:
        for number, line in enumerate(_read_text(path).splitlines(), start=1):
            if not line.strip():
                continue
            resource = parse_json(line, source=str(path), line=number)
            if not isinstance(resource, Mapping) or not isinstance(
                resource.get("resourceType"), str
            ):
                raise InputError(
                    f"line {number} is not a FHIR resource (no resourceType)", source=str(path)
                )
            if resource["resourceType"] == "Patient":
                if not resource.get("id"):
                    raise InputError(f"line {number}: Patient without id", source=str(path))
                patients[f"Patient/{resource['id']}"] = resource
            elif resource["resourceType"] in RELEVANT_TYPES:
                others.append((resource, f"{path.name}:{number}"))
    if not patients:
        raise InputError("no Patient resources (Patient.ndjson missing or empty)", source=source)
    index = {key: r for r, _ in others if (key := resource_key(r)) is not None}
    by_patient: dict[str, list[Mapping[str, Any]]] = {key: [] for key in patients}
    orphans: list[DataWarning] = []
    for resource, where in others:
        ref = subject_reference(resource)
        target = normalise_reference(ref, {}) if ref else None
        if target in by_patient:
            by_patient[target].append(resource)
        elif resource.get("resourceType") != "Medication":
            orphans.append(
                DataWarning(
                    f"{source} {where}",
                    "subject",
                    f"refers to {ref or 'no patient'}, not a Patient in the export; ignored",
                )
            )

    def resolve(reference: str) -> Mapping[str, Any] | None:
        key = normalise_reference(reference, {})
        return index.get(key) if key else None

    url, group = crf_form(questionnaire_url, lesion_group)
    return [
        assemble(
            patient,
            by_patient[key],
            source_file=source,
            timezone=timezone,
            questionnaire_url=url,
            lesion_group=group,
            resolve=resolve,
            warnings=orphans if i == 0 else (),
        )
        for i, (key, patient) in enumerate(sorted(patients.items()))
    ]

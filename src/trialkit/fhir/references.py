"""Resolve FHIR references: ``Patient/x``, ``urn:uuid:…`` full URLs, absolute URLs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resource_key(resource: Mapping[str, Any]) -> str | None:
    rtype, rid = resource.get("resourceType"), resource.get("id")
    return f"{rtype}/{rid}" if rtype and rid else None


def normalise_reference(reference: str, full_urls: Mapping[str, str]) -> str | None:
    """``Type/id`` for a literal reference, or None when it cannot be resolved.

    ``full_urls`` maps each Bundle entry's ``fullUrl`` to its ``Type/id``.
    """
    ref = reference.strip()
    if not ref or ref.startswith("#"):
        return None
    if ref in full_urls:
        return full_urls[ref]
    if ref.startswith("urn:"):
        return None
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return f"{parts[-2]}/{parts[-1]}"
    return None


def subject_reference(resource: Mapping[str, Any]) -> str | None:
    """The raw reference to the patient a resource is about (subject, patient or beneficiary)."""
    for field in ("subject", "patient", "beneficiary"):
        value = resource.get(field)
        if isinstance(value, Mapping) and isinstance(value.get("reference"), str):
            return str(value["reference"])
    return None

"""FHIR R4 in: Bundles and Bulk FHIR NDJSON → ``PatientRecord`` (the engine never sees JSON)."""

from trialkit.fhir.loader import load_bundle, load_ndjson, load_records

__all__ = ["load_bundle", "load_ndjson", "load_records"]

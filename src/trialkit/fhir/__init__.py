"""fhir (being written)."""

"""Synthetic screening populations: drawn with numpy, written as OMOP CDM or Bulk FHIR NDJSON."""

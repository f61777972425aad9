"""Population sources at the edge: OMOP CDM and Bulk FHIR NDJSON (also zipped) → staging tables."""

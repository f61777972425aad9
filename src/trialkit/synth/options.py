"""The synthetic population's user-facing choices and defaults, importable without numpy.

The command line shows these in ``--help``; keeping them here lets ``trialkit --help``
load no numpy (issue 14). ``synth.population`` imports them from here.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class SynthFormat(StrEnum):
    """What ``trialkit synth`` writes."""

    omop = "omop"  # OMOP CDM v5.4 Parquet
    fhir_ndjson = "fhir-ndjson"  # Bulk FHIR NDJSON
    fhir_bundles = "fhir-bundles"  # one FHIR Bundle per patient (with ``--protocol``)


# the synthetic population's records lead up to this date (the demo's screening date)
REFERENCE_DATE = date(2026, 11, 24)
SYNTH_FORMATS = tuple(f.value for f in SynthFormat)

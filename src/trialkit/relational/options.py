"""Population screening's user-facing choices and defaults, importable without ibis or numpy.

The command line shows these in ``--help``; keeping them here lets ``trialkit --help``
load no query engine (issue 14). ``backend`` imports them from here.
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    """Where population screening runs."""

    duckdb = "duckdb"  # embedded
    spark = "spark"  # a Spark master (local mode in the tests)


ENGINES = tuple(e.value for e in Engine)
# DuckDB's own default is 80 % of the machine's memory; a bounded default leaves room for
# the rest of the process (the result table, the funnel) and makes DuckDB spill to disk
DEFAULT_MEMORY_LIMIT = "6GB"

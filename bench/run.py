"""``make bench``: trialkit timings as ratios against a baseline measured in the same run.

Single-patient screening (issue 2): one FHIR R4 record of ~1,000 resources
(the bundled eligible example padded with lab history), end to end through
``trialkit.services.screening.screen_paths``. Baseline: ``json.loads`` of the
same file — the least any reader of that file must do. The target is well
under one second on this 2-core machine; nothing here asserts a wall time.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trialkit.services.screening import screen_paths

EXAMPLE = (
    Path(__file__).resolve().parents[1]
    / "src/trialkit/protocols/nct05894486/examples/eligible.json"
)
AS_OF = date(2026, 11, 24)
LABS = [
    ("718-7", "g/dL", 12.0),
    ("6690-2", "10*3/uL", 5.0),
    ("777-3", "10*3/uL", 220.0),
    ("1742-6", "U/L", 30.0),
    ("1920-8", "U/L", 30.0),
    ("2160-0", "mg/dL", 0.9),
    ("1975-2", "umol/L", 12.0),
    ("1751-7", "g/dL", 4.0),
    ("29463-7", "kg", 62.0),
    ("8302-2", "cm", 165.0),
]


def padded_bundle(total: int) -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    template = next(e for e in bundle["entry"] if e["resource"]["id"] == "o-hb")
    i = 0
    while len(bundle["entry"]) < total:
        loinc, unit, value = LABS[i % len(LABS)]
        entry = copy.deepcopy(template)
        resource = entry["resource"]
        resource["id"] = f"hist-{i}"
        entry["fullUrl"] = f"urn:uuid:hist-{i}"
        resource["code"]["coding"][0]["code"] = loinc
        resource["effectiveDateTime"] = (AS_OF - timedelta(days=30 + i // len(LABS))).isoformat()
        resource["valueQuantity"] = {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        }
        bundle["entry"].append(entry)
        i += 1
    return bundle


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, UCUM registry, protocol cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_single_patient(repeat: int = 7) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "patient-1000.json"
        bundle = padded_bundle(1000)
        path.write_text(json.dumps(bundle), encoding="utf-8")
        baseline = median_seconds(lambda: json.loads(path.read_text(encoding="utf-8")), repeat)
        screened = median_seconds(lambda: screen_paths([path], as_of=AS_OF), repeat)
    print("single-patient screening, 1 record of", len(bundle["entry"]), "resources")
    print(f"  baseline json.loads      {baseline * 1000:8.1f} ms")
    print(
        f"  trialkit screen (34 cr.) {screened * 1000:8.1f} ms   ratio {screened / baseline:6.1f}x"
    )
    verdict = "met" if screened < 1.0 else "NOT met"
    print(f"  target: < 1000 ms end to end -> {verdict}")


def _process_seconds(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_help(repeat: int = 9) -> None:
    """``trialkit --help`` and ``trialkit cohort --help`` against ``python -c pass``."""
    script = Path(sys.executable).with_name("trialkit")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "trialkit.cli.main"]
    _process_seconds([*cli, "--help"], 1)  # warm-up: byte-code caches, page cache
    baseline = _process_seconds([sys.executable, "-c", "pass"], repeat)
    print(f"command-line help, median of {repeat} fresh processes")
    print(f"  baseline python -c pass  {baseline * 1000:8.1f} ms")
    for args in (["--help"], ["cohort", "--help"]):
        took = _process_seconds([*cli, *args], repeat)
        shown = "trialkit " + " ".join(args)
        print(f"  {shown:<24} {took * 1000:8.1f} ms   ratio {took / baseline:6.1f}x")


def bench_study_app_load() -> None:
    """Study application (issue 6): 50 concurrent clients on the screening page for 30 s."""
    import load  # bench/load.py (this folder is on sys.path when run as a script)

    result = load.run(clients=50, seconds=30, screenings=60)
    load.report(result, screenings=60)


def bench_population_screening() -> None:
    """Population screening (issue 4): BENCH_PATIENTS synthetic patients (default 1,000,000)."""
    import os

    import population  # bench/population.py

    population.bench_population(
        int(os.environ.get("BENCH_PATIENTS", "1000000")),
        int(os.environ.get("BENCH_SAMPLE", "10000")),
    )


def main() -> int:
    bench_help()
    bench_single_patient()
    bench_study_app_load()
    bench_population_screening()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The hostile-input suite's fixed hypothesis profile and its real starting documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

# Fixed and deterministic: the same inputs on every run (derandomize), bounded so the suite
# stays a few minutes on two cores; no deadline (DuckDB and matplotlib start slowly); no
# shrinking (a failing example is reported as drawn: shrinking a DuckDB run takes minutes).
settings.register_profile(
    "hostile",
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="session")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from trialkit.protocol import load_protocol
    from trialkit.study.simulate import simulate_study
    from trialkit.study.write import write_study

    study = simulate_study(load_protocol(), seed=5, screened=30).study
    return write_study(study, tmp_path_factory.mktemp("hostile-study"))


@pytest.fixture(scope="session")
def omop_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from trialkit.synth.population import write_population

    folder = tmp_path_factory.mktemp("hostile-omop")
    write_population(12, 3, folder, "omop")
    return folder


@pytest.fixture(scope="session")
def ndjson_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from trialkit.synth.population import write_population

    folder = tmp_path_factory.mktemp("hostile-ndjson")
    write_population(12, 3, folder, "fhir-ndjson")
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.hostile.checks import TRIED

    if TRIED:
        terminalreporter.section("hostile inputs tried per command (exit code: count)")
        for command, codes in sorted(TRIED.items()):
            shown = ", ".join(f"{code}: {n}" for code, n in sorted(codes.items()))
            terminalreporter.write_line(f"{command}: {sum(codes.values())} ({shown})")

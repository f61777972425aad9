"""The demo study (seed 2026) written as a study folder and exported once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from trialkit.cli.main import main
from trialkit.eligibility.screening import PatientResult
from trialkit.protocol import load_protocol
from trialkit.study.model import Study
from trialkit.study.simulate import simulate_study
from trialkit.study.write import write_study


@dataclass(frozen=True)
class Exported:
    study: Study
    screened: tuple[PatientResult, ...]  # the eligibility engine's verdicts, with evidence
    folder: Path  # the study folder (CSV)
    package: Path  # the CDISC package written by the CLI


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("cdisc")
    simulated = simulate_study(load_protocol(), seed=2026)
    study = simulated.study
    folder = write_study(study, root / "study")
    assert main(["export", "cdisc", str(folder), "--out", str(root / "package")]) == 0
    return Exported(study, simulated.screened, folder, root / "package")


def read_xpt(path: Path) -> pd.DataFrame:
    """pandas' transport reader; its IBM-float parser turns an exact 0 (eight zero bytes,
    the IBM zero) into 16**-65 ≈ 5.4e-79, so magnitudes below 1e-70 are read as the 0 they
    are (no real value of these datasets is that small)."""
    frame = pd.read_sas(path, format="xport", encoding="utf-8")
    for name in frame.select_dtypes("number").columns:
        frame[name] = frame[name].mask(frame[name].abs() < 1e-70, 0.0)
    return frame

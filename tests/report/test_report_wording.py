"""The report in clinical wording (issue 14 item 1): parameters and dosing values without
Python values (True/False, tuples like (16, 24)), units as clinicians write them ('years',
µmol/L), grammar right ('8 deviations')."""

from __future__ import annotations

import html
import re

import pytest

from tests.wording.reader_text import problems_in
from trialkit.protocol import load_protocol
from trialkit.report import build_report
from trialkit.study.simulate import simulate_study


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> str:
    study = simulate_study(load_protocol(), seed=11, screened=60).study
    page = build_report(study, tmp_path_factory.mktemp("report") / "report.html").html
    body = re.sub(r"<img[^>]*>|<style.*?</style>", "", page.read_text("utf-8"), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def test_the_report_reads_in_clinical_wording(text: str) -> None:
    assert problems_in(text) == []


def test_parameters_in_words(text: str) -> None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    after = {lines[i]: lines[i + 1] for i in range(len(lines) - 1)}
    assert after["other_malignancy_disease_free_years"] == "5 years"
    assert after["ehr_absence_is_negative"] == "no"
    assert after["dosing: imaging_weeks"] == "16 and 24"

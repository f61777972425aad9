"""Derived values are declared by the protocol (``derived:``), bound to its own elements.

Issue 15 reproduction: a protocol whose elements are not called ``creatinine`` and
``weight`` passed the loader and then failed with ``KeyError 'creatinine'`` when a
patient was screened (the engine hard-coded the Cockcroft-Gault inputs).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.eligibility.builders import lab, record
from trialkit.eligibility.screening import screen_record
from trialkit.errors import ProtocolError
from trialkit.protocol import load_protocol

BUNDLED = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486"
AS_OF = date(2026, 11, 24)


def _folder(tmp_path: Path, edit: dict[str, str], *, regex: bool = False) -> Path:
    folder = tmp_path / "proto"
    shutil.copytree(BUNDLED, folder)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    for old, new in edit.items():
        if regex:
            text, count = re.subn(old, new, text)
            assert count, old
        else:
            assert old in text, old
            text = text.replace(old, new)
    (folder / "protocol.yaml").write_text(text.replace("id: nct05894486", "id: other"), "utf-8")
    return folder


def _ex1(protocol_folder: str | Path, **kw: object) -> object:
    p = load_protocol(str(protocol_folder))
    result = screen_record(record(**kw), p, p.defaults(), as_of=AS_OF)  # type: ignore[arg-type]
    return next(c for c in result.criteria if c.id == "EX1")


def test_a_protocol_with_its_own_element_names_screens_creatinine_clearance(
    tmp_path: Path,
) -> None:
    # the other trial calls its elements scr and body_mass: nothing in the engine names them
    folder = _folder(
        tmp_path,
        {
            r"\bcreatinine: \{value_set": "scr: {value_set",
            r"\bweight: \{value_set": "body_mass: {value_set",
            r"inputs: \{creatinine: creatinine, weight: weight\}": (
                "inputs: {creatinine: scr, weight: body_mass}"
            ),
            r"element: creatinine,": "element: scr,",
        },
        regex=True,
    )
    ours, theirs = _ex1("nct05894486"), _ex1(folder)
    assert theirs.status == ours.status  # type: ignore[attr-defined]
    assert theirs.reason == ours.reason  # type: ignore[attr-defined]
    derived = next(e for e in theirs.evidence if e.source.startswith("derived:"))  # type: ignore[attr-defined]
    # the formula with the values in the evidence: (140 − age) × kg / (72 × mg/dL)
    assert derived.note.startswith("(140 − 55) × ")
    assert "× 0.85 (female)" in derived.note


def test_a_protocol_may_bind_another_calculator(tmp_path: Path) -> None:
    # CKD-EPI 2021 instead of Cockcroft-Gault: 55-year-old woman, creatinine 70 µmol/L
    # (0.792 mg/dL): 142 × (0.792/0.7)^−1.2 × 0.9938^55 × 1.012 = 142 × 0.8622 × 0.7102 × 1.012
    # = 88.0 mL/min/1.73 m² (Inker 2021): not below 50
    folder = _folder(
        tmp_path,
        {
            "calculator: cockcroft_gault\n    inputs: {creatinine: creatinine, weight: weight}": (
                "calculator: ckd_epi_2021\n    inputs: {creatinine: creatinine}"
            ),
        },
    )
    ex1 = _ex1(folder, birth=date(1971, 3, 10), labs={"creatinine": lab("2160-0", 70, "umol/L")})
    derived = next(e for e in ex1.evidence if e.source == "derived:ckd-epi-2021")  # type: ignore[attr-defined]
    assert round(derived.value) == 88
    assert ex1.status.value == "not_met"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("calculator: cockcroft_gault", "calculator: schwartz", "unknown calculator 'schwartz'"),
        (
            "inputs: {creatinine: creatinine, weight: weight}",
            "inputs: {creatinine: creatinine}",
            "cockcroft_gault reads creatinine, weight",
        ),
        (
            "inputs: {creatinine: creatinine, weight: weight}",
            "inputs: {creatinine: creatinine, weight: weigth}",
            "unknown element 'weigth'",
        ),
        (
            "inputs: {creatinine: creatinine, weight: weight}",
            "inputs: {creatinine: albumin, weight: weight}",
            "no unit convertible to umol/L",
        ),
        (
            "derived: {name: creatinine_clearance,",
            "derived: {name: crcl,",
            "unknown derived value 'crcl'",
        ),
    ],
)
def test_a_broken_declaration_fails_at_load_with_the_place(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    folder = _folder(tmp_path, {old: new})
    with pytest.raises(ProtocolError, match=message) as info:
        load_protocol(str(folder))
    assert "protocol.yaml" in str(info.value)

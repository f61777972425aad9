"""The protocol as data: the bundled protocol loads whole; a broken one fails at load time;
a second protocol is just another folder."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.eligibility.builders import record
from trialkit.eligibility.screening import screen_record
from trialkit.errors import ProtocolError
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import questionnaire_items, resolve_parameters

BUNDLED = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486"
RECORD_TEXT = Path(__file__).resolve().parents[3] / "shared/protocol/trial-record.txt"


def test_bundled_protocol_has_34_criteria_verbatim_from_the_record() -> None:
    p = load_protocol("nct05894486")
    assert [c.kind for c in p.criteria].count("inclusion") == 8
    assert [c.kind for c in p.criteria].count("exclusion") == 26
    # the registry record lives in ../shared beside the repository (as in CI)
    record_text = " ".join(RECORD_TEXT.read_text(encoding="utf-8").split())
    for c in p.criteria:
        assert c.text in record_text, c.id


def test_parameters_have_defaults_and_sources() -> None:
    p = load_protocol("nct05894486")
    assert p.parameters["lab_lookback_days"].default == 28
    assert p.parameters["sstr_min_krenning"].default == 3
    assert p.parameters["hbv_copies_per_iu"].default == 5.4
    assert p.parameters["crcl_weight"].default == "actual"
    assert all(param.source for param in p.parameters.values())


def test_questionnaire_has_exactly_the_contract_link_ids() -> None:
    q = load_protocol("nct05894486").questionnaire
    assert q["url"] == "urn:trialkit:questionnaire:nct05894486-screening"
    links = set(questionnaire_items(q))
    # the linkIds of data dictionary §2 and §4, typed in from the contract
    contract = {
        "consent-date",
        "disease-extent",
        "differentiation",
        "ki67-percent",
        "central-pathology-confirmed",
        "advanced-disease-date",
        "prior-systemic-therapy-current-stage",
        "lesion",
        "lesion-id",
        "lesion-organ",
        "lesion-is-node",
        "lesion-diameter-mm",
        "lesion-method",
        "lesion-slice-mm",
        "lesion-previously-irradiated",
        "lesion-target",
        "lesion-krenning",
        "ecog",
        "childbearing-potential",
        "contraception-agreed",
        "pregnant",
        "lactating",
        "prior-prrt",
        "prior-local-therapy",
        "last-local-therapy-date",
        "prior-systemic-therapy",
        "last-systemic-therapy-date",
        "prior-toxicity-above-grade-1",
        "prior-bone-ebrt",
        "last-bone-ebrt-date",
        "marrow-irradiated-percent",
        "brain-metastases",
        "brain-metastases-stable-since",
        "chf-uncontrolled",
        "diabetes-uncontrolled",
        "octreotide-short-interruptible",
        "octreotide-lar-interruptible",
        "other-malignancy",
        "hypersensitivity-study-drug",
        "contrast-contraindicated",
        "active-infection",
        "hbv-dna-positive-site",
        "prior-investigational-drug",
        "last-investigational-drug-date",
        "investigator-ex24",
        "investigator-ex25",
        "investigator-ex26",
        "planned-first-dose-date",
    }
    group_ids = {"consent", "dates", "disease", "performance", "history", "investigator"}
    assert links - group_ids == contract


def test_override_types_are_checked() -> None:
    p = load_protocol("nct05894486")
    assert resolve_parameters(p, {"lab_lookback_days": "14"})["lab_lookback_days"] == 14
    with pytest.raises(ProtocolError, match="lab_lookback_days"):
        resolve_parameters(p, {"lab_lookback_days": "two weeks"})
    with pytest.raises(ProtocolError, match="unknown parameter"):
        resolve_parameters(p, {"nonsense": "1"})
    with pytest.raises(ProtocolError, match="not one of"):
        resolve_parameters(p, {"conflict_policy": "coin-toss"})


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "proto"
    shutil.copytree(BUNDLED, folder)
    return folder


def test_a_second_protocol_is_another_folder_no_engine_change(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    text = text.replace("id: nct05894486", "id: other-trial").replace(
        "rule: {age: {min: 18, max: 75}}", "rule: {age: {min: 18, max: 80}}"
    )
    (folder / "protocol.yaml").write_text(text, encoding="utf-8")
    other = load_protocol(str(folder))
    assert other.id == "other-trial"
    old = record(birth=date(1949, 1, 1))  # 77 at as-of
    as_of = date(2026, 11, 24)
    by_other = screen_record(old, other, other.defaults(), as_of=as_of)
    ours = load_protocol("nct05894486")
    by_ours = screen_record(old, ours, ours.defaults(), as_of=as_of)
    assert next(c for c in by_other.criteria if c.id == "IN2").status.value == "met"
    assert next(c for c in by_ours.criteria if c.id == "IN2").status.value == "not_met"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "element: hemoglobin, op:",
            "element: haemoglobinx, op:",
            "unknown element 'haemoglobinx'",
        ),
        ("link: pregnant,", "link: pregnantx,", "unknown CRF linkId 'pregnantx'"),
        ("{param: sstr_min_krenning}", "{param: nope}", "unknown parameter 'nope'"),
        ("rule: {age: {min: 18, max: 75}}", "rule: {ages: {min: 18}}", "unknown rule node 'ages'"),
        ('op: "<", value: 80}', 'op: "=<", value: 80}', "op must be one of"),
    ],
)
def test_broken_protocols_fail_at_load_with_the_place(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    folder = _copy(tmp_path)
    text = (folder / "protocol.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "protocol.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProtocolError, match=message) as info:
        load_protocol(str(folder))
    assert "protocol.yaml" in str(info.value)


def test_unknown_protocol_name() -> None:
    with pytest.raises(ProtocolError, match="no protocol"):
        load_protocol("nct00000000")


def test_questionnaire_json_is_valid_fhir_r4() -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire

    q = Questionnaire.model_validate(json.loads((BUNDLED / "questionnaire.json").read_text()))
    assert q.url == "urn:trialkit:questionnaire:nct05894486-screening"

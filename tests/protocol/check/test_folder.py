"""``trialkit protocol check``: every shipped protocol passes; each broken copy of a real one
(one defect each) is reported with its file, key path and a fix, exit 2, never a traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialkit.cli.main import main
from trialkit.protocol.check.folder import check_protocol
from trialkit.protocol.check.report import Problem
from trialkit.protocol.loader import available_protocols, bundled_folder

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


@pytest.mark.parametrize("name", available_protocols())
def test_every_shipped_protocol_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_protocol(bundled_folder(name)) == []
    assert main(["protocol", "check", str(bundled_folder(name))]) == 0
    assert "declares everything" in capsys.readouterr().out


def _copy(tmp_path: Path, edit: Edit, name: str = "nct05894486") -> Path:
    folder = tmp_path / name
    shutil.copytree(bundled_folder(name), folder)
    raw = yaml.safe_load((folder / "protocol.yaml").read_text("utf-8"))
    q = json.loads((folder / "questionnaire.json").read_text("utf-8"))
    edit(raw, q)
    (folder / "protocol.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    (folder / "questionnaire.json").write_text(json.dumps(q), "utf-8")
    return folder


def _criterion(raw: dict[str, Any], cid: str) -> dict[str, Any]:
    found = next(c for c in raw["criteria"] if c["id"] == cid)
    assert isinstance(found, dict)
    return found


def _item(q: dict[str, Any], link: str) -> dict[str, Any]:
    def visit(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        for item in items:
            if item["linkId"] == link:
                return item
            if (inner := visit(item.get("item", []))) is not None:
                return inner
        return None

    found = visit(q["item"])
    assert found is not None
    return found


def _drop_item(q: dict[str, Any], link: str) -> None:
    def visit(items: list[dict[str, Any]]) -> None:
        items[:] = [i for i in items if i["linkId"] != link]
        for i in items:
            visit(i.get("item", []))

    visit(q["item"])


def _set_rule(cid: str, rule: dict[str, Any]) -> Edit:
    return lambda raw, q: _criterion(raw, cid).__setitem__("rule", rule)


# (defect, the edit, the key path the problem names, words of the message, words of the fix)
BROKEN: list[tuple[str, Edit, str, str, str]] = [
    (
        "unknown element",
        _set_rule("EX4", {"lab": {"element": "serum_albumin", "op": "<", "value": 30}}),
        "criteria.EX4.rule",
        "unknown element 'serum_albumin'",
        "declare serum_albumin under elements:",
    ),
    (
        "unknown value set",
        lambda raw, q: raw["value_sets"].pop("heart_failure"),
        "criteria.EX15.rule",
        "unknown value set 'heart_failure'",
        "declare heart_failure under value_sets:",
    ),
    (
        "unknown parameter",
        lambda raw, q: raw["parameters"].pop("sstr_min_krenning"),
        "criteria.IN6.rule",
        "unknown parameter 'sstr_min_krenning'",
        "declare sstr_min_krenning under parameters:",
    ),
    (
        "a threshold parameter of the wrong type",
        lambda raw, q: raw["parameters"]["pregnancy_test_lookback_days"].update(
            type="str", default="fourteen"
        ),
        "criteria.EX7.rule",
        "parameter 'pregnancy_test_lookback_days' is a str",
        "type int or float",
    ),
    (
        "an engine setting not of its type",
        lambda raw, q: raw["settings"]["lab_lookback_days"].update(default="four weeks"),
        "settings.lab_lookback_days",
        "'four weeks' is not a valid int",
        "give lab_lookback_days a int value",
    ),
    (
        "an unknown engine setting",
        lambda raw, q: raw["settings"].update(lab_lookbak_days=14),
        "settings.lab_lookbak_days",
        "unknown engine setting 'lab_lookbak_days'",
        "declare it under parameters:",
    ),
    (
        "a parameter default not of its type",
        lambda raw, q: raw["parameters"]["sstr_min_krenning"].update(default="four weeks"),
        "parameters.sstr_min_krenning.default",
        "'four weeks' is not a valid int",
        "give a int default",
    ),
    (
        "an unknown window anchor",
        _set_rule(
            "EX23",
            {
                "crf_history": {
                    "ever": "prior-investigational-drug",
                    "date": "last-investigational-drug-date",
                    "within": {"anchor": "randomisation", "days": 28},
                }
            },
        ),
        "criteria.EX23.rule.crf_history.within.anchor",
        "unknown anchor 'randomisation'",
        "declare randomisation under anchors:",
    ),
    (
        "an anchor whose CRF item is missing",
        lambda raw, q: _drop_item(q, "planned-first-dose-date"),
        "anchors.first_dose.crf",
        "unknown CRF linkId 'planned-first-dose-date'",
        "add an item with linkId 'planned-first-dose-date' to the Questionnaire",
    ),
    (
        "a criterion's CRF item missing from the Questionnaire",
        lambda raw, q: _drop_item(q, "chf-uncontrolled"),
        "criteria.EX15.rule",
        "unknown CRF linkId 'chf-uncontrolled'",
        "add an item with linkId 'chf-uncontrolled'",
    ),
    (
        "a CRF item of the wrong answer type",
        lambda raw, q: _item(q, "ecog").update(type="string"),
        "criteria.IN7.rule",
        "CRF item 'ecog' is of type 'string'; this test reads decimal or integer",
        "make 'ecog' a decimal item",
    ),
    (
        "a choice value the CRF item does not offer",
        _set_rule("EX14", {"crf": {"link": "brain-metastases", "in": ["untreated", "treatd"]}}),
        "criteria.EX14.rule",
        "['treatd'] are not answer options of 'brain-metastases'",
        "add them to its answerOption",
    ),
    (
        "a calculator input not declared",
        lambda raw, q: raw["elements"].pop("weight"),
        "derived.creatinine_clearance.inputs.weight",
        "unknown element 'weight'",
        "declare weight under elements:",
    ),
    (
        "a ULN multiple of an element without a ULN",
        lambda raw, q: raw["elements"]["bilirubin"].pop("uln_param"),
        "criteria.EX3.rule",
        "a multiple of the ULN of 'bilirubin', which declares no ULN",
        "give elements.bilirubin a uln_param",
    ),
    (
        "an element's value set missing",
        lambda raw, q: raw["elements"]["inr"].update(value_set="international_ratio"),
        "elements.inr.value_set",
        "unknown value set 'international_ratio'",
        "declare it under value_sets:",
    ),
    (
        "a ULN parameter that is not a number",
        lambda raw, q: raw["parameters"]["uln_alt_u_per_l"].update(type="str"),
        "elements.alt.uln_param",
        "parameter 'uln_alt_u_per_l' is a str, not a number",
        "declare uln_alt_u_per_l with type float",
    ),
    (
        "an unknown node type",
        _set_rule("EX4", {"laboratory": {"element": "albumin", "op": "<", "value": 30}}),
        "criteria.EX4.rule",
        "unknown rule node 'laboratory'",
        "docs/protocols.md",
    ),
    (
        "a duplicate criterion id",
        lambda raw, q: _criterion(raw, "EX26").update(id="EX25"),
        "criteria.EX25",
        "criterion id 'EX25' appears twice",
        "give each criterion its own id",
    ),
    (
        "a wrong criterion kind",
        lambda raw, q: _criterion(raw, "EX4").update(kind="exclusions"),
        "criteria.EX4.kind",
        "kind 'exclusions'",
        "inclusion or exclusion",
    ),
    (
        "a duplicate linkId in the Questionnaire",
        lambda raw, q: _item(q, "lactating").update(linkId="pregnant"),
        "item[5] (history).item[1] (pregnant)",
        "linkId 'pregnant' appears twice",
        "rename one",
    ),
    (
        "a lesion rule in a protocol that declares no lesions",
        lambda raw, q: raw.pop("lesions"),
        "criteria.IN5.rule",
        "the protocol declares no lesions",
        "declare lesions: {group",
    ),
    (
        "a lesion role bound to an item outside the group",
        lambda raw, q: raw["lesions"]["items"].update(slice_mm="slice-thickness-mm"),
        "lesions.items.slice_mm",
        "'slice-thickness-mm' is not an item of the group 'lesion'",
        "add the item to the group",
    ),
    (
        "a lesion role bound to an item of the wrong type",
        lambda raw, q: _item(q, "lesion-is-node").update(type="string"),
        "lesions.items.is_node",
        "the role is_node reads boolean",
        "bind is_node to a boolean item",
    ),
    (
        "a lesion method RECIST 1.1 gives no measurable size for",
        lambda raw, q: _item(q, "lesion-method")["answerOption"].append(
            {"valueCoding": {"code": "ultrasound", "display": "Ultrasound"}}
        ),
        "lesions.items.method",
        "offers ultrasound, which RECIST 1.1 gives no measurable size for",
        "offer only the codes CT, MRI, X-ray, caliper",
    ),
    (
        "a lesion group that does not repeat",
        lambda raw, q: _item(q, "lesion").pop("repeats"),
        "lesions.group",
        "the group 'lesion' does not repeat",
        '"repeats": true',
    ),
    (
        "a lesion rule reading a role the protocol does not bind",
        lambda raw, q: raw["lesions"]["items"].pop("target"),
        "criteria.IN6.rule",
        "reads the role(s) target, not bound",
        "bind target to items of the group 'lesion'",
    ),
    (
        "a per-target-lesion test of an item outside the lesion group",
        lambda raw, q: _criterion(raw, "IN6")["rule"]["every_target_lesion"].update(item="ecog"),
        "criteria.IN6.rule",
        "'ecog' is not an item of the lesion group 'lesion'",
        "add 'ecog' to the group 'lesion'",
    ),
    (
        "an element without its plausible range",
        lambda raw, q: raw["elements"]["albumin"].pop("plausible"),
        "elements.albumin",
        "physiologically possible range",
        "plausible: {low, high, source}",
    ),
    (
        "a baseline row naming an undeclared column",
        lambda raw, q: raw["baseline"]["report"].append(
            {"label": "Stage IV", "column": "stage", "equals": "IV"}
        ),
        "baseline.report[7].column",
        "unknown column 'stage'",
        "declare stage under baseline.columns",
    ),
    (
        "a baseline choice without choices",
        lambda raw, q: raw["baseline"]["columns"]["grade"].pop("choices"),
        "baseline.columns.grade.choices",
        "a choice column needs its choices",
        "add choices:",
    ),
    (
        "a summary naming an unknown parameter",
        lambda raw, q: _criterion(raw, "IN6").update(summary="Krenning < {sstr_min_krening}"),
        "criteria.IN6.summary",
        "unknown parameter {sstr_min_krening} in the summary",
        "declare sstr_min_krening under parameters:",
    ),
]


@pytest.mark.parametrize(
    ("defect", "edit", "path", "message", "fix"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_a_broken_protocol_is_reported_with_file_path_and_fix(
    tmp_path: Path, defect: str, edit: Edit, path: str, message: str, fix: str
) -> None:
    folder = _copy(tmp_path, edit)
    problems = check_protocol(folder)
    assert problems, defect
    matching = [p for p in problems if p.path.startswith(path) and message in p.message]
    assert matching, [str(p) for p in problems]
    assert fix in matching[0].fix
    assert matching[0].file.startswith(str(folder))


def test_the_command_prints_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def two_defects(raw: dict[str, Any], q: dict[str, Any]) -> None:
        raw["value_sets"].pop("heart_failure")
        _drop_item(q, "chf-uncontrolled")

    folder = _copy(tmp_path, two_defects)
    assert main(["protocol", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "unknown value set 'heart_failure'" in err
    assert "unknown CRF linkId 'chf-uncontrolled'" in err
    assert f"{folder}/protocol.yaml: criteria.EX15.rule:" in err
    assert "Fix:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("id: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "not a mapping"),
    ],
)
def test_unreadable_files_are_problems_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    (tmp_path / "protocol.yaml").write_text(content, "utf-8")
    assert main(["protocol", "check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_a_missing_folder_and_a_broken_questionnaire(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["protocol", "check", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
    folder = _copy(tmp_path, lambda raw, q: None)
    (folder / "questionnaire.json").write_text("{not json", "utf-8")
    problems = check_protocol(folder)
    assert [p.file for p in problems] == [str(folder / "questionnaire.json")]
    assert "not valid JSON" in problems[0].message


def test_a_problem_reads_as_one_line_with_its_fix() -> None:
    problem = Problem("p/protocol.yaml", "criteria.EX1.rule", "unknown element 'x'", "declare x")
    assert str(problem) == "p/protocol.yaml: criteria.EX1.rule: unknown element 'x'. Fix: declare x"

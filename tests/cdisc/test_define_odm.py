"""define.xml 2.1 and the ODM 1.3.2 CRF: valid against the CDISC schemas shipped in odmlib
(xmlschema), loadable by odmlib's own Define-XML / ODM loaders, and complete — every dataset
file and variable described, every Questionnaire item on the CRF."""

from __future__ import annotations

from pathlib import Path

import odmlib.define_loader as define_loader
import odmlib.loader as odm_loader_base
import odmlib.odm_loader as odm_loader
import pytest
import xmlschema
from odmlib.schema_manager import get_schema_path

from tests.cdisc.conftest import Exported, read_xpt
from trialkit.cli.main import main
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import questionnaire_items


def _schema(standard: str, version: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(get_schema_path(standard, version))


def _define(path: Path) -> object:
    loader = odm_loader_base.ODMLoader(
        define_loader.XMLDefineLoader(
            model_package="define_2_1", ns_uri="http://www.cdisc.org/ns/def/v2.1"
        )
    )
    loader.open_odm_document(str(path))
    return loader.MetaDataVersion()


@pytest.mark.parametrize("part", ["sdtm", "adam"])
def test_define_is_schema_valid_and_describes_every_file(exported: Exported, part: str) -> None:
    path = exported.package / part / "define.xml"
    _schema("define", "2.1").validate(str(path))
    mdv = _define(path)
    groups = {g.Name: g for g in mdv.ItemGroupDef}  # type: ignore[attr-defined]
    items = {i.OID: i for i in mdv.ItemDef}  # type: ignore[attr-defined]
    codelists = {c.OID for c in mdv.CodeList}  # type: ignore[attr-defined]
    methods = {m.OID for m in mdv.MethodDef}  # type: ignore[attr-defined]
    files = sorted((exported.package / part).glob("*.xpt"))
    assert sorted(groups) == sorted(f.stem.upper() for f in files)
    for f in files:
        frame = read_xpt(f)
        group = groups[f.stem.upper()]
        refs = {r.ItemOID: r for r in group.ItemRef}
        assert [items[oid].Name for oid in refs] == list(frame.columns)
        for oid, ref in refs.items():
            item = items[oid]
            assert item.Origin, f"{item.Name} has no origin"
            if item.DataType == "text":
                longest = frame[item.Name].astype(str).str.len().max()
                assert int(item.Length) >= longest, f"{f.stem}.{item.Name} longer than declared"
            if item.CodeListRef is not None:
                assert item.CodeListRef.CodeListOID in codelists
            if ref.MethodOID:
                assert ref.MethodOID in methods


def test_odm_crf_is_schema_valid_and_holds_every_questionnaire_item(
    exported: Exported, tmp_path: Path
) -> None:
    path = exported.package / "crf" / "screening-odm.xml"
    _schema("odm", "1.3.2").validate(str(path))
    loader = odm_loader_base.ODMLoader(
        odm_loader.XMLODMLoader(
            model_package="odm_1_3_2", ns_uri="http://www.cdisc.org/ns/odm/v1.3"
        )
    )
    loader.open_odm_document(str(path))
    mdv = loader.MetaDataVersion()
    protocol = load_protocol()
    questions = {
        k: v
        for k, v in questionnaire_items(protocol.questionnaire).items()
        if v.get("type") != "group"
    }
    by_alias = {i.Alias[0].Name: i for i in mdv.ItemDef}
    assert set(by_alias) == set(questions)
    assert by_alias["ecog"].DataType == "integer"
    assert [(r.Comparator, r.CheckValue[0]._content) for r in by_alias["ecog"].RangeCheck] == [
        ("GE", "0"),
        ("LE", "5"),
    ]
    lesion = next(g for g in mdv.ItemGroupDef if g.OID == "IG.lesion")
    assert lesion.Repeating == "Yes"
    codes = {c.OID: [i.CodedValue for i in c.CodeListItem] for c in mdv.CodeList}
    assert codes["CL.brain-metastases"] == ["none", "untreated", "treated"]
    # the CLI writes the same CRF
    out = tmp_path / "odm.xml"
    assert main(["protocol", "odm", "--out", str(out)]) == 0
    _schema("odm", "1.3.2").validate(str(out))

"""The screening CRF as CDISC ODM 1.3.2, generated from the protocol's FHIR Questionnaire (one
source for both), for import into EDC systems (REDCap, OpenClinica).

Mapping: the Questionnaire is one StudyEventDef ("Screening") with one FormDef; each top-level
group is an ItemGroupDef (Repeating="Yes" for a repeating group, e.g. one per lesion); each
question an ItemDef whose OID is ``IT.<linkId>`` and whose Alias (Context "FHIR linkId") keeps
the linkId, so data exported from the EDC map back to the Questionnaire. Types: date → date,
decimal → float, integer → integer, string → text, boolean → text with the codelist
true/false (ODM 1.3.2 code lists cannot be boolean), choice → text with a codelist of the
answer options. minValue/maxValue extensions become hard RangeChecks; ``required`` becomes
Mandatory="Yes". The file is validated against the ODM 1.3.2 schema shipped in odmlib.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trialkit import __version__
from trialkit.cdisc.xml import description, el, validate, write
from trialkit.errors import ProtocolError
from trialkit.protocol import Protocol

TYPES = {
    "date": "date",
    "dateTime": "datetime",
    "decimal": "float",
    "integer": "integer",
    "string": "text",
    "text": "text",
    "boolean": "text",
    "choice": "text",
}
FHIR_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
FHIR_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"


def _oid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def build_odm(protocol: Protocol, *, created: str) -> ET.Element:
    q = protocol.questionnaire
    study_oid = f"ST.{_oid(protocol.id.upper())}"
    root = el(
        None,
        "ODM",
        ODMVersion="1.3.2",
        FileType="Snapshot",
        FileOID=f"ODM.{_oid(str(q.get('id', protocol.id)))}",
        CreationDateTime=created,
        Description=str(q.get("description", "")) or None,
        Originator="trialkit",
        SourceSystem="trialkit",
        SourceSystemVersion=__version__,
    )
    study = el(root, "Study", OID=study_oid)
    g = el(study, "GlobalVariables")
    el(g, "StudyName", protocol.id.upper())
    el(g, "StudyDescription", protocol.title)
    el(g, "ProtocolName", protocol.id.upper())
    mdv = el(
        study,
        "MetaDataVersion",
        OID=f"MDV.{_oid(protocol.version)}",
        Name=str(q.get("title", "Screening CRF")),
        Description=f"Questionnaire {q.get('url', '')} version {q.get('version', '')}",
    )
    el(
        el(mdv, "Protocol"),
        "StudyEventRef",
        StudyEventOID="SE.SCREENING",
        OrderNumber="1",
        Mandatory="Yes",
    )
    event = el(
        mdv, "StudyEventDef", OID="SE.SCREENING", Name="Screening", Repeating="No", Type="Scheduled"
    )
    el(event, "FormRef", FormOID="F.SCREENING", OrderNumber="1", Mandatory="Yes")
    form = el(
        mdv, "FormDef", OID="F.SCREENING", Name=str(q.get("title", "Screening")), Repeating="No"
    )
    groups: list[ET.Element] = []
    items: list[ET.Element] = []
    codelists: dict[str, ET.Element] = {}
    for n, group in enumerate(q.get("item", []), start=1):
        if group.get("type") != "group":
            raise ProtocolError(
                f"top-level item {group.get('linkId')!r} is not a group",
                source="questionnaire.json",
                field="item",
            )
        gid = f"IG.{_oid(group['linkId'])}"
        el(
            form,
            "ItemGroupRef",
            ItemGroupOID=gid,
            OrderNumber=str(n),
            Mandatory="Yes" if group.get("required") else "No",
        )
        node = el(
            None,
            "ItemGroupDef",
            OID=gid,
            Name=str(group.get("text", group["linkId"])),
            Repeating="Yes" if group.get("repeats") else "No",
        )
        groups.append(node)
        for m, item in enumerate(_questions(group), start=1):
            oid = f"IT.{_oid(item['linkId'])}"
            el(
                node,
                "ItemRef",
                ItemOID=oid,
                OrderNumber=str(m),
                Mandatory="Yes" if item.get("required") else "No",
            )
            items.append(_item(item, oid, codelists))
    mdv.extend(groups)
    mdv.extend(items)
    mdv.extend(codelists.values())
    return root


def _questions(group: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for item in group.get("item", []):
        if item.get("type") == "group":
            out += _questions(item)
        elif item.get("type") != "display":
            out.append(item)
    return out


def _item(item: Mapping[str, Any], oid: str, codelists: dict[str, ET.Element]) -> ET.Element:
    kind = str(item.get("type"))
    if kind not in TYPES:
        raise ProtocolError(
            f"item type {kind!r} has no ODM data type",
            source="questionnaire.json",
            field=f"item {item.get('linkId')}",
        )
    data_type = TYPES[kind]
    node = el(
        None,
        "ItemDef",
        OID=oid,
        Name=str(item["linkId"]),
        DataType=data_type,
        Length="200"
        if data_type == "text"
        else "20"
        if data_type == "float"
        else "3"
        if data_type == "integer"
        else None,
        SignificantDigits="6" if data_type == "float" else None,
    )
    description(node, str(item.get("text", item["linkId"])), tag="Question")
    for ext in item.get("extension", []):
        comparator = {FHIR_MIN: "GE", FHIR_MAX: "LE"}.get(ext.get("url"))
        value = next((v for k, v in ext.items() if k.startswith("value")), None)
        if comparator and value is not None:
            check = el(node, "RangeCheck", Comparator=comparator, SoftHard="Hard")
            el(check, "CheckValue", str(value))
            description(
                check,
                f"{item['linkId']} must be {'≥' if comparator == 'GE' else '≤'} {value}",
                tag="ErrorMessage",
            )
    if kind in ("boolean", "choice"):
        cl_oid = "CL.TRUEFALSE" if kind == "boolean" else f"CL.{_oid(item['linkId'])}"
        el(node, "CodeListRef", CodeListOID=cl_oid)
        if cl_oid not in codelists:
            codelists[cl_oid] = _codelist(cl_oid, item, kind)
    el(node, "Alias", Context="FHIR linkId", Name=str(item["linkId"]))
    return node


def _codelist(oid: str, item: Mapping[str, Any], kind: str) -> ET.Element:
    if kind == "boolean":
        options = [("true", "Yes"), ("false", "No")]
        name = "Yes/No"
    else:
        options = []
        for o in item.get("answerOption", []):
            coding = o.get("valueCoding") or {}
            code = coding.get("code") or o.get("valueString")
            options.append((str(code), str(coding.get("display", code))))
        name = str(item.get("text", item["linkId"]))
    node = el(None, "CodeList", OID=oid, Name=name, DataType="text")
    for code, display in options:
        description(el(node, "CodeListItem", CodedValue=code), display, tag="Decode")
    return node


def write_odm(protocol: Protocol, path: Path, *, created: str) -> Path:
    write(build_odm(protocol, created=created), path)
    problems = validate(path, "odm", "1.3.2")
    if problems:  # a programming error: the CRF must never leave as invalid ODM
        raise ValueError(f"{path.name} is not valid ODM 1.3.2: " + "; ".join(problems[:5]))
    return path

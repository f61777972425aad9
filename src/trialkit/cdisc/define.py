"""define.xml 2.1 for each part of the package (sdtm/define.xml, adam/define.xml): every
dataset and variable with its label, type, length, origin (Collected, Derived, Assigned,
Protocol, Predecessor), codelists with their NCI codes, and derivations in words.

Written from the same specifications (:mod:`trialkit.cdisc.model`) the datasets are, and
validated against the Define-XML 2.1 schema shipped in odmlib before it is kept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from trialkit import __version__
from trialkit.cdisc.ct import CODELISTS
from trialkit.cdisc.datasetjson import item_oid
from trialkit.cdisc.model import Dataset, Var
from trialkit.cdisc.xml import description, el, validate, write
from trialkit.cdisc.xpt import lengths

DATA_TYPES = {
    "text": "text",
    "integer": "integer",
    "float": "float",
    "date": "date",
    "adate": "integer",
}
# The CDISC CT package the NCI codes of ct.py are read from: NCI EVS's quarterly SDTM release of
# 29 Mar 2024 (its Excel workbook's sheet is "SDTM Terminology 2024-03-29";
# https://evs.nci.nih.gov/ftp1/CDISC/SDTM/Archive/), checked 2026-12-03.
CT_VERSION = "2024-03-29"
ORIGIN_SOURCE = {"Collected": "Investigator", "Assigned": "Sponsor", "Protocol": "Sponsor"}


def build_define(
    datasets: Sequence[Dataset], *, studyid: str, title: str, created: str, adam: bool
) -> ET.Element:
    part = "ADaM" if adam else "SDTM"
    root = el(
        None,
        "ODM",
        ODMVersion="1.3.2",
        FileType="Snapshot",
        FileOID=f"DEF.{studyid}.{part}",
        CreationDateTime=created,
        Originator="trialkit",
        SourceSystem="trialkit",
        SourceSystemVersion=__version__,
        def__Context="Submission",
    )
    study = el(root, "Study", OID=f"STUDY.{studyid}")
    g = el(study, "GlobalVariables")
    el(g, "StudyName", studyid)
    el(g, "StudyDescription", title)
    el(g, "ProtocolName", studyid)
    mdv = el(
        study,
        "MetaDataVersion",
        OID=f"MDV.{studyid}.{part.upper()}",
        Name=f"{studyid} {part}",
        def__DefineVersion="2.1.0",
        Description=f"{part} datasets of {studyid} written by trialkit {__version__}",
    )
    standards = el(mdv, "def:Standards")
    ig = "STD.ADAMIG" if adam else "STD.SDTMIG"
    el(
        standards,
        "def:Standard",
        OID=ig,
        Name="ADaMIG" if adam else "SDTMIG",
        Type="IG",
        Version="1.3" if adam else "3.4",
        Status="Final",
    )
    el(
        standards,
        "def:Standard",
        OID="STD.CT",
        Name="CDISC/NCI",
        Type="CT",
        PublishingSet="ADaM" if adam else "SDTM",
        Version=CT_VERSION,
        Status="Final",
    )
    items: list[ET.Element] = []
    methods: list[ET.Element] = []
    comments: list[ET.Element] = []
    used: set[str] = set()
    for d in datasets:
        spec, size = d.spec, lengths(d)
        group = el(
            mdv,
            "ItemGroupDef",
            OID=f"IG.{spec.name}",
            Name=spec.name,
            SASDatasetName=spec.name,
            Domain=None if adam or spec.name.startswith("SUPP") else spec.name,
            Repeating="No" if spec.name in ("DM", "ADSL") else "Yes",
            IsReferenceData="Yes" if spec.klass == "TRIAL DESIGN" else "No",
            Purpose="Analysis" if adam else "Tabulation",
            def__Structure=spec.structure,
            def__StandardOID=ig,
            def__ArchiveLocationID=f"LF.{spec.name}",
        )
        description(group, spec.label)
        for order, v in enumerate(spec.variables, start=1):
            oid = item_oid(spec.name, v.name)
            method = f"MT.{spec.name}.{v.name}" if v.origin == "Derived" and v.derivation else None
            el(
                group,
                "ItemRef",
                ItemOID=oid,
                OrderNumber=str(order),
                Mandatory="Yes" if v.core == "Req" else "No",
                KeySequence=str(spec.keys.index(v.name) + 1) if v.name in spec.keys else None,
                MethodOID=method,
            )
            items.append(_item(oid, v, size[v.name], comments))
            if method:
                m = el(
                    None,
                    "MethodDef",
                    OID=method,
                    Name=f"Derivation of {spec.name}.{v.name}",
                    Type="Computation",
                )
                description(m, v.derivation)
                methods.append(m)
            if v.codelist:
                used.add(v.codelist)
        el(group, "def:Class", Name=spec.klass)
        leaf = el(group, "def:leaf", ID=f"LF.{spec.name}", xlink__href=f"{spec.name.lower()}.xpt")
        el(leaf, "def:title", f"{spec.name.lower()}.xpt")
    mdv.extend(items)
    for name in sorted(used):
        cl = CODELISTS[name]
        node = el(
            mdv,
            "CodeList",
            OID=f"CL.{cl.name}",
            Name=cl.label,
            DataType="text",
            def__StandardOID="STD.CT" if cl.nci else None,
            def__IsNonStandard=None if cl.nci else "Yes",
        )
        for term in cl.terms:
            el(node, "EnumeratedItem", CodedValue=term)
        if cl.nci:
            el(node, "Alias", Context="nci:ExtCodeID", Name=cl.nci)
    mdv.extend(methods)
    mdv.extend(comments)
    return root


def _item(oid: str, v: Var, length: int, comments: list[ET.Element]) -> ET.Element:
    data_type = DATA_TYPES[v.type]
    comment = None
    if v.derivation and v.origin != "Derived":
        comment = f"COM.{oid.removeprefix('IT.')}"
        c = el(None, "def:CommentDef", OID=comment)
        description(c, v.derivation)
        comments.append(c)
    item = el(
        None,
        "ItemDef",
        OID=oid,
        Name=v.name,
        SASFieldName=v.name,
        DataType=data_type,
        Length=None if data_type == "date" else str(length),
        def__DisplayFormat="DATE9." if v.type == "adate" else None,
        def__CommentOID=comment,
    )
    description(item, v.label)
    if v.codelist:
        el(item, "CodeListRef", CodeListOID=f"CL.{v.codelist}")
    origin = el(item, "def:Origin", Type=v.origin, Source=ORIGIN_SOURCE.get(v.origin))
    if v.source:
        description(origin, f"Study folder: {v.source}")
    return item


def write_define(
    datasets: Sequence[Dataset], path: Path, *, studyid: str, title: str, created: str, adam: bool
) -> Path:
    write(build_define(datasets, studyid=studyid, title=title, created=created, adam=adam), path)
    problems = validate(path, "define", "2.1")
    if problems:  # a programming error: the package must never carry an invalid define.xml
        raise ValueError(f"{path.name} is not valid Define-XML 2.1: " + "; ".join(problems[:5]))
    return path

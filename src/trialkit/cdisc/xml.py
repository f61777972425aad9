"""XML helpers shared by define.xml and the ODM CRF: namespaces, element building, and
validation against the CDISC XSDs that ship with odmlib (read offline with xmlschema)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from importlib import resources
from pathlib import Path

import xmlschema

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", ODM)
ET.register_namespace("def", DEF)
ET.register_namespace("xlink", XLINK)


def q(tag: str) -> str:
    """``"def:leaf"`` → ``"{…def/v2.1}leaf"``; a bare name is in the ODM namespace."""
    prefix, _, name = tag.rpartition(":")
    ns = {"": ODM, "def": DEF, "xlink": XLINK, "xml": XML_NS}[prefix]
    return f"{{{ns}}}{name}"


def el(
    parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str | None
) -> ET.Element:
    """An element (under ``parent`` when given); attribute names use ``__`` for ``:``
    (``def__Structure``) and None values are left out."""
    clean = {
        q(k.replace("__", ":")) if "__" in k else k: v for k, v in attrs.items() if v is not None
    }
    node = ET.Element(q(tag), clean) if parent is None else ET.SubElement(parent, q(tag), clean)
    if text is not None:
        node.text = text
    return node


def description(parent: ET.Element, text: str, tag: str = "Description") -> ET.Element:
    d = el(parent, tag)
    t = el(d, "TranslatedText", text)
    t.set(q("xml:lang"), "en")
    return d


def write(root: ET.Element, path: Path) -> Path:
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


@cache
def schema(standard: str, version: str) -> xmlschema.XMLSchema:
    """The CDISC XSD odmlib ships: ("odm", "1.3.2") or ("define", "2.1")."""
    main = {("odm", "1.3.2"): "ODM1-3-2.xsd", ("define", "2.1"): "define2-1-0.xsd"}[
        (standard, version)
    ]
    folder = resources.files("odmlib.schemas") / standard / version
    return xmlschema.XMLSchema(str(Path(str(folder)) / main))


def validate(path: Path, standard: str, version: str) -> list[str]:
    """Every schema violation of the file (empty: valid)."""
    return [f"{e.path}: {e.reason}" for e in schema(standard, version).iter_errors(str(path))]

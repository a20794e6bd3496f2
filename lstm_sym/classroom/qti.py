"""A QTI 2.1 content package: one assessment item per variant, a text entry per asked value.

Each item (``items/v001.xml``) holds the variant's data, a ``textEntryInteraction`` per
asked value with a float ``responseDeclaration`` whose correct response is the key, and
response processing that adds the answer's weight to ``SCORE`` when the response, rounded
to the places graded (``equalRounded``, ``decimalPlaces``), equals the key. The package
is a zip with ``imsmanifest.xml`` (IMS Content Packaging 1.1), written with fixed
timestamps so that the same class gives the same bytes.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from decimal import Decimal

from .folder import Assigned, ClassRecord
from .question import answer_label, xml_text

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: The date of every file in the package (the zip format's earliest).
STAMP = (1980, 1, 1, 0, 0, 0)


def _identifier(text: str) -> str:
    """A QTI identifier (letters, digits, ``_``, ``-``, ``.``; not starting with a digit)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else "_" + cleaned


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True)) + b"\n"


def _fragment(parent: ET.Element, html_text: str) -> None:
    """Our own question HTML (escaped text in p/table/tr/td/b) as QTI XHTML elements."""
    wrapper = ET.fromstring(f"<div>{html_text}</div>")
    for element in wrapper.iter():
        element.tag = f"{{{QTI}}}{element.tag}"
    parent.append(wrapper)


def item(assigned: Assigned, data: str, title: str) -> bytes:
    """The assessment item of one variant."""
    ET.register_namespace("", QTI)
    ET.register_namespace("xsi", XSI)
    q = f"{{{QTI}}}"
    root = ET.Element(
        q + "assessmentItem",
        {
            f"{{{XSI}}}schemaLocation": f"{QTI} {QTI_XSD}",
            "identifier": _identifier(assigned.variant),
            "title": f"{title} ({assigned.variant})",
            "adaptive": "false",
            "timeDependent": "false",
        },
    )
    responses = [f"RESPONSE_{k}" for k in range(1, len(assigned.key) + 1)]
    for response, entry in zip(responses, assigned.key, strict=True):
        declaration = ET.SubElement(
            root,
            q + "responseDeclaration",
            identifier=response,
            cardinality="single",
            baseType="float",
        )
        correct = ET.SubElement(declaration, q + "correctResponse")
        ET.SubElement(correct, q + "value").text = entry["value"]
    total = sum((Decimal(e["weight"]) for e in assigned.key), Decimal(0))
    for name, default in (("SCORE", "0"), ("MAXSCORE", str(total))):
        outcome = ET.SubElement(
            root, q + "outcomeDeclaration", identifier=name, cardinality="single", baseType="float"
        )
        ET.SubElement(ET.SubElement(outcome, q + "defaultValue"), q + "value").text = default
    body = ET.SubElement(root, q + "itemBody")
    _fragment(body, data)
    for response, entry in zip(responses, assigned.key, strict=True):
        paragraph = ET.SubElement(body, q + "p")
        places = int(entry["places"])
        paragraph.text = f"{answer_label(entry)} (to {places} decimal places) = "
        ET.SubElement(
            paragraph, q + "textEntryInteraction", responseIdentifier=response, expectedLength="12"
        )
    processing = ET.SubElement(root, q + "responseProcessing")
    for response, entry in zip(responses, assigned.key, strict=True):
        condition = ET.SubElement(
            ET.SubElement(processing, q + "responseCondition"), q + "responseIf"
        )
        rounded = ET.SubElement(
            condition,
            q + "equalRounded",
            roundingMode="decimalPlaces",
            figures=str(entry["places"]),
        )
        ET.SubElement(rounded, q + "variable", identifier=response)
        ET.SubElement(rounded, q + "correct", identifier=response)
        setter = ET.SubElement(condition, q + "setOutcomeValue", identifier="SCORE")
        added = ET.SubElement(setter, q + "sum")
        ET.SubElement(added, q + "variable", identifier="SCORE")
        ET.SubElement(added, q + "baseValue", baseType="float").text = str(Decimal(entry["weight"]))
    return _xml(root)


def manifest(record: ClassRecord) -> bytes:
    """``imsmanifest.xml``: one resource per item."""
    ET.register_namespace("", CP)
    ET.register_namespace("xsi", XSI)
    c = f"{{{CP}}}"
    root = ET.Element(
        c + "manifest",
        {"identifier": "MANIFEST-lstm-sym-class", f"{{{XSI}}}schemaLocation": f"{CP} {CP_XSD}"},
    )
    metadata = ET.SubElement(root, c + "metadata")
    ET.SubElement(metadata, c + "schema").text = "QTIv2.1 Package"
    ET.SubElement(metadata, c + "schemaversion").text = "1.0.0"
    ET.SubElement(root, c + "organizations")
    resources = ET.SubElement(root, c + "resources")
    for a in record.assigned:
        href = f"items/{a.variant}.xml"
        resource = ET.SubElement(
            resources,
            c + "resource",
            identifier=_identifier(f"item-{a.variant}"),
            type="imsqti_item_xmlv2p1",
            href=href,
        )
        ET.SubElement(resource, c + "file", href=href)
    return _xml(root)


def qti_package(record: ClassRecord, data: Mapping[str, str]) -> bytes:
    """The zip of the class's items and manifest (``data``: each variant's data as HTML)."""
    files = {"imsmanifest.xml": manifest(record)}
    title = xml_text(record.title) or "lstm-sym class"
    for a in record.assigned:
        files[f"items/{a.variant}.xml"] = item(a, data[a.variant], title)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, content)
    return out.getvalue()

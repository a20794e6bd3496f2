"""Moodle XML: one numerical question per asked value of every variant.

A question accepts the correctly rounded value with a tolerance of half a unit of the
last place graded: exactly the answers that round to it (a student's value is never on a
tie: the fairness rules keep every answer away from one). When truncation earns points,
the truncated value earns that share of the grade. Questions are grouped either per
student (a category per variant: give each student their own) or per asked value (a
category per quantity holding every variant: a quiz's "random question" from it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .config import Points
from .folder import ClassRecord
from .question import answer_label, ask_html, xml_text

#: Grades Moodle accepts for an answer, in percent.
FRACTIONS = (
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40",
    "33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
)  # fmt: skip
GROUPS = ("student", "question")


def _text(parent: ET.Element, tag: str, text: str, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    ET.SubElement(element, "text").text = text
    return element


def _category(quiz: ET.Element, path: str) -> None:
    question = ET.SubElement(quiz, "question", type="category")
    _text(question, "category", path)


def _part(name: str) -> str:
    """A category name as a part of a Moodle category path (``/`` doubled)."""
    return name.replace("/", "//")


def _fraction(share: Decimal) -> str:
    """The largest grade Moodle accepts that is at most ``share`` percent."""
    return next(f for f in FRACTIONS if Decimal(f) <= share)


def _question(
    quiz: ET.Element, name: str, text: str, entry: Mapping[str, Any], points: Points
) -> None:
    question = ET.SubElement(quiz, "question", type="numerical")
    _text(question, "name", name)
    _text(question, "questiontext", text, format="html")
    _text(question, "generalfeedback", "", format="html")
    ET.SubElement(question, "defaultgrade").text = str(Decimal(entry["weight"]))
    ET.SubElement(question, "penalty").text = "0"
    ET.SubElement(question, "hidden").text = "0"
    places = int(entry["places"])
    half = Decimal(5).scaleb(-places - 1)
    answers = [(entry["value"], "100", half, "Correct.")]
    if (
        points.correct
        and points.truncated
        and entry["truncated"]
        and entry["truncated"] != entry["value"]
    ):
        share = _fraction(points.truncated / points.correct * 100)
        if share != "0":
            answers.append((entry["truncated"], share, half / 10, "Truncated, not rounded."))
    for value, fraction, tolerance, feedback in answers:
        answer = _text(question, "answer", value, fraction=fraction, format="moodle_auto_format")
        _text(answer, "feedback", feedback, format="html")
        ET.SubElement(answer, "tolerance").text = format(tolerance, "f")
    ET.SubElement(question, "unitgradingtype").text = "0"
    ET.SubElement(question, "unitpenalty").text = "0.1000000"
    ET.SubElement(question, "showunits").text = "3"
    ET.SubElement(question, "unitsleft").text = "0"


def moodle_xml(record: ClassRecord, data: Mapping[str, str], group: str = "student") -> bytes:
    """The Moodle XML of a class (``data``: each variant's data as HTML, by variant)."""
    quiz = ET.Element("quiz")
    top = "$course$/top/" + _part(xml_text(record.title) or "lstm-sym class")
    points = record.config.points
    if group == "student":
        for a in record.assigned:
            _category(quiz, f"{top}/{_part(xml_text(f'{a.variant} {a.student}'))}")
            for entry in a.key:
                label = answer_label(entry)
                text = data[a.variant] + ask_html(label, entry["places"])
                _question(quiz, f"{a.variant} {label}", text, entry, points)
    else:
        labels: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        for a in record.assigned:
            for entry in a.key:
                labels.setdefault(answer_label(entry), []).append((a.variant, entry))
        for label, entries in labels.items():
            _category(quiz, f"{top}/{_part(label)}")
            for variant, entry in entries:
                text = data[variant] + ask_html(label, entry["places"])
                _question(quiz, f"{label} ({variant})", text, entry, points)
    ET.indent(quiz)
    return bytes(ET.tostring(quiz, encoding="UTF-8", xml_declaration=True)) + b"\n"

"""A variant as a question for a learning-management system: its data and what to compute.

The text is HTML built from the variant's problem: title, cell and loss, every parameter,
input, target and initial state as exact numbers, and the quantity asked with the places
graded. Every piece of text from a file is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import sympy

from ..errors import escape_controls
from ..problem import Problem


def _html(text: str) -> str:
    """Text for HTML and XML: markup escaped, control characters written as escapes."""
    return html.escape(escape_controls(text))


def xml_text(text: str) -> str:
    """Text for an XML attribute or element: control characters written as escapes."""
    return escape_controls(text)


def plain(value: Any) -> str:
    """An exact number or an array of them as plain text (``0.5``, ``1/3``, ``[1, 2]``)."""
    if isinstance(value, tuple | list):
        if len(value) == 1:  # one row, one unit: as a homework writes it
            return plain(value[0])
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if value is None:
        return "none"
    rational = sympy.Rational(value)
    q = int(rational.q)
    rest = q
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        return f"{rational.p}/{rational.q}"
    from .tomlout import number

    return str(number(rational))


def answer_label(entry: Mapping[str, Any]) -> str:
    """How an asked scalar is named to students: as asked when it is one number, else by component."""
    asked, name = str(entry["asked"]), str(entry["name"])
    return asked if asked == name or "[" not in name else name


def data_html(problem: Problem) -> str:
    """The problem's data as HTML: cell, loss, parameters, and each sequence's data."""
    cell = problem.cell
    rows = [
        f"<p>{_html(problem.title)}</p>" if problem.title else "",
        f"<p>Cell: {_html(cell.name)} ({_html(cell.description)}). "
        f"Loss: {_html(problem.loss.name)} ({_html(problem.loss.description)}).</p>",
        "<table>",
        "<tbody>",
    ]
    rows += [
        f"<tr><td>{_html(p.name)}</td><td>{_html(plain(problem.params[p.name]))}</td></tr>"
        for p in cell.params
    ]
    rows += ["</tbody>", "</table>"]
    for b, seq in enumerate(problem.sequences):
        label = f"Sequence {b + 1}: " if problem.batch > 1 else ""
        items = [f"{cell.input}_{t} = {plain(x)}" for t, x in enumerate(seq.x, start=1)]
        items += [
            f"{problem.loss.data}_{t} = {plain(y)}" for t, y in enumerate(seq.targets, start=1)
        ]
        items += [f"{state}_0 = {plain(v)}" for state, v in seq.initial.items()]
        rows.append(f"<p>{_html(label + '; '.join(items))}</p>")
    return "\n".join(row for row in rows if row)


def ask_html(label: str, places: int) -> str:
    """The sentence that asks for one quantity."""
    unit = "place" if places == 1 else "places"
    return f"<p>Compute <b>{_html(label)}</b>, correctly rounded to {places} decimal {unit}.</p>"

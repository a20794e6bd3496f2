"""Grade a class: every submission checked against its own variant, with points.

Each student's rows become an answers mapping and go through the checker
(:func:`lstm_sym.check.check`): verdicts, the first wrong step, follow-through and the
catalogued mistakes that reproduce wrong answers. Each asked scalar then earns the points
of its verdict (:class:`~.config.Points`) times its weight. A row that cannot be graded
(an unknown student or answer name, a value that is not a number, an answer given twice)
is reported with its row number, and the student's other rows are graded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..check import WRONG, CheckReport, check
from ..check.answers import written_decimal
from ..check.quantities import Catalogue
from ..errors import InputError, escape_controls, shorten
from ..problem import Problem
from .config import Points
from .csvfiles import BadRow, Row
from .folder import Assigned

#: What a scalar of the key earned, by category (the keys of :class:`Points`).
LABELS = {
    "correct": "correct",
    "drift": "rounding drift",
    "truncated": "truncated",
    "follow_through": "follow-through",
    "wrong": "wrong",
    "few_places": "too few places",
    "missing": "missing",
}


@dataclass(frozen=True)
class Scored:
    """One asked scalar of a student's variant: what was written, its category, the points."""

    name: str
    places: int
    written: str
    category: str
    points: Decimal
    most: Decimal


@dataclass(frozen=True)
class Graded:
    """One student's grade: the check report, the points per asked scalar, the bad rows."""

    variant: str
    student: str
    name: str
    report: CheckReport | None
    scored: tuple[Scored, ...]
    bad: tuple[BadRow, ...]

    @property
    def score(self) -> Decimal:
        return sum((s.points for s in self.scored), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((s.most for s in self.scored), Decimal(0))


def _answers(problem: Problem, rows: Sequence[Row]) -> tuple[dict[str, Decimal], list[BadRow]]:
    catalogue = Catalogue(problem)
    answers: dict[str, Decimal] = {}
    seen: dict[str, int] = {}
    bad: list[BadRow] = []
    for row in rows:
        student = escape_controls(shorten(row.student, 40))
        shown = repr(escape_controls(shorten(row.answer, 40)))
        try:
            name = catalogue.resolve(row.answer)
        except InputError as error:
            bad.append(BadRow(row.row, student, f"unknown answer name {shown}: {error.expected}"))
            continue
        if catalogue.components(name) != [name]:
            first = catalogue.components(name)[0]
            bad.append(
                BadRow(row.row, student, f"{shown} has several components: answer each, as {first}")
            )
            continue
        try:
            value = written_decimal(row.value, str(name))
        except InputError as error:
            bad.append(BadRow(row.row, student, f"{shown}: not a number: {error.found}"))
            continue
        if str(name) in seen:
            bad.append(
                BadRow(row.row, student, f"{name} answered again (row {seen[str(name)]} is graded)")
            )
            continue
        seen[str(name)] = row.row
        answers[row.answer] = value
    return answers, bad


def grade_student(
    problem: Problem, assigned: Assigned, rows: Sequence[Row], points: Points
) -> Graded:
    """Check one student's rows against their variant and score the asked scalars."""
    variant, student, name = assigned.variant, assigned.student, assigned.name
    answers, bad = _answers(problem, rows)
    report = None
    if answers:
        try:
            report = check(problem, answers)
        except InputError as error:  # a bug's safety net: the student's rows, not the class
            bad += [
                BadRow(r.row, escape_controls(shorten(r.student, 40)), str(error)) for r in rows
            ]
            report = None
    if report is not None:
        title = f"{report.title} — {name} ({student}), variant {variant}".lstrip(" —")
        report = replace(report, title=title)
    judged = {a.name: a for a in report.answers} if report else {}
    scored = []
    for entry in assigned.key:
        weight = Decimal(entry["weight"])
        answer = judged.get(entry["name"])
        category = _category(answer, entry["places"])
        scored.append(
            Scored(
                entry["name"],
                entry["places"],
                answer.written if answer else "",
                category,
                getattr(points, category) * weight,
                points.correct * weight,
            )
        )
    return Graded(variant, student, name, report, tuple(scored), tuple(bad))


def _category(answer: Any, places: int) -> str:
    if answer is None:
        return "missing"
    if answer.decimals < places:
        return "few_places"
    if answer.verdict == WRONG:
        return "follow_through" if answer.follows_from else "wrong"
    return {"correct": "correct", "rounding drift": "drift", "truncated": "truncated"}[
        answer.verdict
    ]

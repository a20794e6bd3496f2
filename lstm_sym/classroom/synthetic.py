"""Synthetic submissions for a drawn class: try grading before any student has answered.

Student k of the class hands in, by k modulo 5: every answer correct; every answer
truncated instead of rounded; correct answers but one off in its last place by rounding
drift (found with the checker, so that it is drift and not a mistake); the answers of
the variant with a bias left out (a catalogued mistake); or half of the answers, with a
value that is not a number and a misspelt name. One row names a student not in the class.
The result is a submissions CSV as ``lstm-sym grade`` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..check import check
from ..problem import Problem, parse_toml, problem_from_dict
from .csvfiles import csv_text
from .fairness import assess
from .folder import Carried, ClassFolder, ClassRecord
from .question import answer_label

KINDS = ("correct", "truncated", "drifted", "wrong", "partial")


def _drifted(problem: Problem, answers: dict[str, str]) -> dict[str, str]:
    """The answers with one, from the last on, off by one unit of its last place as drift."""
    for name in reversed(list(answers)):
        value = Decimal(answers[name])
        unit = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
        for changed in (value + unit, value - unit):
            trial = {**answers, name: str(changed)}
            verdicts = {a.key: a.verdict for a in check(problem, trial).answers}
            if verdicts.get(name) == "rounding drift":
                return trial
    return answers


def _mistaken(carried: Carried, record: ClassRecord) -> list[Mapping[str, Any]]:
    """The key of the variant with its first nonzero bias left out."""
    source = carried.source
    data = parse_toml(carried.text, source=source)
    problem = problem_from_dict(data, source=source)
    for name in data["parameters"]:
        if name.startswith("b_") and any(v != 0 for v in _flat(problem.params[name])):
            data["parameters"][name] = 0
            break
    return [asdict(k) for k in assess(problem_from_dict(data, source=source), record.config).key]


def _flat(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [x for item in value for x in _flat(item)]
    return [value]


def synthetic_submissions(root: str | Path) -> str:
    """A submissions CSV for the class at ``root``: a mix of correct and wrong work."""
    folder = ClassFolder(root)
    record = folder.load()
    rows: list[Sequence[str]] = []
    for k, assigned in enumerate(record.assigned):
        carried = folder.carried(assigned)
        kind = KINDS[k % len(KINDS)]
        key = list(assigned.key)
        names = [answer_label(entry) for entry in key]
        if kind == "truncated":
            values = [entry["truncated"] or entry["value"] for entry in key]
        elif kind == "wrong":
            values = [entry["value"] for entry in _mistaken(carried, record)]
        else:
            values = [entry["value"] for entry in key]
        answers = dict(zip(names, values, strict=True))
        if kind == "drifted":
            answers = _drifted(carried.problem(), answers)
        if kind == "partial":
            answers = dict(list(answers.items())[: len(answers) // 2])
            first = next(iter(answers))
            answers[first] = answers[first].replace(".", ",", 1)  # a decimal comma
            answers[names[-1] + "x"] = key[-1]["value"]  # a misspelt name
        rows += [(assigned.student, name, value) for name, value in answers.items()]
    if record.assigned:
        rows.append(("not-in-class", "h_1", "0.5"))
    return csv_text(("student", "answer", "value"), rows)

"""Answers about the gradient flow (``norm_dL_dc_1``, ``dc_2_dc_1``): correct, truncated or wrong.

Flow quantities are judged against their certified exact values like any other answer,
but only that: a norm or a Jacobian product is computed from the whole backward pass, so
no rounding drift, follow-through or catalogued mistake is searched for them. Names are
those of :mod:`lstm_sym.flow.naming`; the end step T is read from each name
(``dc_2_dc_1``: T = 2), else it is the sequence's last step.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import mpmath

from ..errors import InputError, describe
from ..flow import GradientFlow
from ..flow.naming import describe as latex_name
from ..flow.naming import end_of, parse_value, value_name, with_end
from ..names import Name
from ..numbers import format_decimal
from ..problem import Problem
from .answers import Answer, split_answer
from .report import AnswerCheck
from .verdicts import CORRECT, TRUNCATED, WRONG, Reference, decimals, references


def is_flow_answer(answer: Answer) -> bool:
    """Whether ``answer`` names a flow quantity (no quantity of the program has such a name)."""
    return parse_value(answer.key) is not None


class FlowValues:
    """The flow quantities of one problem under their value names, for the end steps asked."""

    def __init__(self, problem: Problem, ends: set[int | None]):
        self.problem = problem
        self.flow = GradientFlow(problem)
        ordered = sorted(ends, key=lambda end: -1 if end is None else end)
        self.calculations = [self.flow.calculation(end, entries=True) for end in ordered]

    def __call__(self, dps: int) -> dict[Name, Any]:
        """Every value at a working precision of ``dps`` digits."""
        trace = self.flow.trace(dps)
        found: dict[Name, Any] = {}
        with mpmath.workdps(dps):
            for calculation in self.calculations:
                for name, value in calculation.values(trace).items():
                    end = calculation.end_step((name.seq or 1) - 1)
                    found[value_name(name, end)] = +value
        return found

    def last_step(self, seq: int | None) -> int:
        """The last step of sequence ``seq`` (1-based; None for a single sequence)."""
        return self.problem.sequences[(seq or 1) - 1].steps


def _components(name: Name, known: Mapping[Name, Any], key: str) -> list[Name]:
    """The scalars ``name`` stands for among ``known`` (itself, or a matrix's entries)."""
    if name in known:
        return [name]
    entries = [n for n in known if n.index and n.whole() == name]
    if entries:
        return entries
    if name.index and all(i == 1 for i in name.index) and name.whole() in known:
        return [name.whole()]  # dc_2_dc_1[1,1] of a one-unit cell
    texts = [str(n) for n in known]
    close = difflib.get_close_matches(str(name), texts, n=4, cutoff=0.5)
    hint = f"closest: {', '.join(close)}" if close else f"for example {', '.join(texts[:4])}"
    field = key if len(key) <= 40 else key[:37] + "..."
    raise InputError(field, f"the name of a flow quantity of this problem ({hint})", describe(key))


def check_flow(problem: Problem, answers: list[Answer]) -> list[AnswerCheck]:
    """The verdict on every flow answer, in the order written."""
    if not answers:
        return []
    parsed = [(answer, parse_value(answer.key)) for answer in answers]
    steps = max(seq.steps for seq in problem.sequences)
    ends: set[int | None] = set()
    for answer, name in parsed:
        end = end_of(name) if name is not None else None
        if end is not None and end > steps:
            raise InputError(answer.key, f"an end step T from 0 to {steps}", str(end))
        if name is not None and name.seq is not None and not 1 <= name.seq <= problem.batch:
            expected = f"a sequence from 1 to {problem.batch}, as ^(b)"
            raise InputError(answer.key, expected, f"^({name.seq})")
        ends.add(end)
    values = FlowValues(problem, ends)
    known = values(15)
    written: dict[Name, tuple[str, Decimal]] = {}
    for answer, pattern in parsed:
        assert pattern is not None
        name = with_end(pattern, values.last_step)
        components = _components(name, known, answer.key)
        for key, component, number in split_answer(answer, name, components, written):
            written[component] = (key, number)
    refs = references(values, {name: decimals(number) for name, (_, number) in written.items()})
    return [_verdict(name, key, number, refs[name]) for name, (key, number) in written.items()]


def _verdict(name: Name, key: str, written: Decimal, reference: Reference) -> AnswerCheck:
    places = decimals(written)
    if written in reference.correct(places):
        verdict, explanation = CORRECT, "correct to the places written"
    elif written in reference.truncations(places):
        verdict = TRUNCATED
        explanation = (
            f"truncated: correctly rounded to {places} place{'' if places == 1 else 's'} it is "
            f"{format_decimal(reference.rounded)}"
        )
    else:
        verdict = WRONG
        explanation = f"wrong: the exact value is {format_decimal(reference.shown)}"
    return AnswerCheck(
        key=key,
        name=str(name),
        written=format_decimal(written),
        decimals=places,
        verdict=verdict,
        rounded=format_decimal(reference.rounded),
        exact=format_decimal(reference.shown),
        difference=format_decimal(reference.difference(written)),
        explanation=explanation,
        latex=latex_name(name),
    )

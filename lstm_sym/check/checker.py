"""Check a student's answers against a problem: verdicts, follow-through and likely mistakes.

Answers are judged in dependency order. A correct or truncated answer is decided from
certified exact values. Anything else is re-evaluated the way a hand calculation goes:
carrying the student's own earlier values (follow-through, as graders give credit), and
rounding every intermediate value to a range of digits (rounding drift). Answers still
unexplained are wrong; the mistake catalogue then says which known mistakes reproduce
them.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import mpmath

from ..errors import InputError
from ..evaluate import BACKWARD, GRADIENT, Evaluator, Hook
from ..names import Name
from ..numbers import exact_decimal, format_decimal
from ..problem import Problem, load_problem
from .answers import Answer, Value, answers_from_dict, read_answers
from .mistakes import MISTAKES, Variant, variants
from .quantities import Catalogue, Quantity
from .replay import Carry, Rounding, Values, carried_values, evaluate, value_of
from .report import AnswerCheck, CheckReport, MistakeFinding
from .verdicts import (
    CORRECT,
    DRIFT,
    TRUNCATED,
    WRONG,
    Reference,
    decimals,
    references,
    reproduces,
    significant,
)

#: How many of the nearest earlier answers are tried one by one to say which explain a value.
ATTRIBUTION = 6
#: Within how many units of the last place a mistaken value must come before the student's
#: own earlier values are carried through the mistaken program too.
NEAR = 20


@dataclass
class _Entry:
    """One answered scalar while it is being judged."""

    key: str
    quantity: Quantity
    written: Decimal
    verdict: str = ""
    explanation: str = ""
    drift: str | None = None
    follows_from: tuple[str, ...] = ()


def _flatten(value: Value) -> list[Decimal]:
    return [v for item in value for v in _flatten(item)] if isinstance(value, list) else [value]


def _entries(answers: list[Answer], catalogue: Catalogue) -> list[_Entry]:
    entries: dict[Name, _Entry] = {}
    for answer in answers:
        name = catalogue.resolve(answer.key)
        components = catalogue.components(name)
        numbers = _flatten(answer.value)
        if len(numbers) != len(components) or (
            isinstance(answer.value, list) and len(components) == 1 and name == components[0]
        ):
            shape = "one number" if len(components) == 1 else f"{len(components)} numbers"
            given = f"a list of {len(numbers)}" if isinstance(answer.value, list) else "one number"
            raise InputError(answer.key, f"{shape} for {name}", given)
        for component, number in zip(components, numbers, strict=True):
            if component in entries:
                raise InputError(answer.key, f"one answer for {component}", "a second one")
            key = answer.key if len(components) == 1 else f"{answer.key}{_suffix(component)}"
            entries[component] = _Entry(key, catalogue.by_name[component], number)
    return sorted(entries.values(), key=lambda e: e.quantity.position)


def _suffix(name: Name) -> str:
    return "[" + ",".join(map(str, name.index)) + "]"


class _Checker:
    """The state of one check: the problem, the answers, and cached re-evaluations."""

    def __init__(self, problem: Problem, entries: list[_Entry]):
        self.problem = problem
        self.entries = entries
        self.gradients = any(e.quantity.section in (BACKWARD, GRADIENT) for e in entries)
        self.evaluator = Evaluator(problem)
        self.dps = max(30, max(decimals(e.written) for e in entries) + 20)
        self._rounded: dict[Rounding, Values] = {}
        # only the sequences of a batch that answers belong to are evaluated (all of them
        # for the loss and the parameters' gradients)
        owners = {e.quantity.name.seq for e in entries} if problem.batch > 1 else {None}
        self.sequences = None if None in owners else sorted(s - 1 for s in owners if s)

    def values(self, hook: Hook | None = None, evaluator: Evaluator | None = None) -> Values:
        return evaluate(
            evaluator or self.evaluator,
            self.dps,
            gradients=self.gradients,
            hook=hook,
            sequences=self.sequences,
        )

    def value(
        self, entry: _Entry, values: Values, problem: Problem | None = None, dps: int = 0
    ) -> Any:
        return value_of(entry.quantity, values, problem or self.problem, dps or self.dps)

    def carry(
        self, earlier: list[_Entry], problem: Problem | None = None, after: Hook | None = None
    ) -> Carry:
        """A hook carrying the student's values of ``earlier`` (after ``after`` rounds, if given)."""
        problem = problem or self.problem
        chosen = [(e.quantity, e.written) for e in earlier]
        return Carry(problem, carried_values(chosen, problem), after)

    # -- judging -------------------------------------------------------------------------
    def references(self) -> dict[Name, Reference]:
        wanted = {e.quantity.name: decimals(e.written) for e in self.entries}
        by_name = {e.quantity.name: e for e in self.entries}

        def evaluate_at(dps: int) -> dict[Name, Any]:
            values = evaluate(
                self.evaluator, dps, gradients=self.gradients, sequences=self.sequences
            )
            return {name: self.value(entry, values, dps=dps) for name, entry in by_name.items()}

        return references(evaluate_at, wanted)

    def roundings(self, written: Decimal) -> list[Rounding]:
        places, digits = decimals(written), significant(written)
        found = []
        for truncate in (False, True):
            order = sorted(range(max(0, places - 1), places + 4), key=lambda k: abs(k - places))
            found += [Rounding(k, False, truncate) for k in order]
            order = sorted(range(max(1, digits - 1), digits + 4), key=lambda k: abs(k - digits))
            found += [Rounding(k, True, truncate) for k in order]
        return found

    def rounded_values(self, rounding: Rounding) -> Values:
        if rounding not in self._rounded:
            self._rounded[rounding] = self.values(rounding)
        return self._rounded[rounding]

    def judge(self, entry: _Entry, reference: Reference, earlier: list[_Entry]) -> None:
        places = decimals(entry.written)
        if entry.written in reference.correct(places):
            entry.verdict, entry.explanation = CORRECT, "correct to the places written"
            if reference.is_tie(places):
                entry.explanation += " (the exact value is a tie: either neighbour is correct)"
            return
        sound = [e for e in earlier if e.verdict != WRONG]
        wrong = [e for e in earlier if e.verdict == WRONG]
        if sound and reproduces(
            self.value(entry, self.values(self.carry(sound))), entry.written, truncation=False
        ):
            # name the values that explain it on their own, among the nearest earlier ones
            used = [
                e
                for e in sound[-ATTRIBUTION:]
                if reproduces(
                    self.value(entry, self.values(self.carry([e]))),
                    entry.written,
                    truncation=False,
                )
            ] or sound[-3:]
            shown = ", ".join(f"{e.quantity.name} = {format_decimal(e.written)}" for e in used)
            used_places = sorted({decimals(e.written) for e in used})
            at = ", ".join(map(str, used_places))
            entry.verdict = DRIFT
            entry.drift = f"carried your rounded {shown} ({at} decimal places)"
            entry.explanation = (
                f"rounding drift: not the correctly rounded {format_decimal(reference.rounded)}, "
                f"but exactly what your own rounded {shown} gives"
            )
            return
        if entry.written in reference.truncations(places):
            entry.verdict = TRUNCATED
            entry.explanation = (
                f"truncated: correctly rounded to {places} places it is "
                f"{format_decimal(reference.rounded)}"
            )
            return
        for rounding in self.roundings(entry.written):
            value = self.value(entry, self.rounded_values(rounding))
            if reproduces(value, entry.written, truncation=False):
                entry.verdict, entry.drift = DRIFT, rounding.describe()
                entry.explanation = (
                    f"rounding drift: correctly rounded it is "
                    f"{format_decimal(reference.rounded)}; {rounding.describe()} gives yours"
                )
                return
        entry.verdict = WRONG
        exact = format_decimal(reference.plus_two)
        if wrong:
            rounding = Rounding(places)
            for after in (None, rounding):
                if not self._carried_reproduces(entry, earlier, after):
                    continue
                needed = (
                    [  # the wrong values that explain it on their own (else all of them)
                        e
                        for e in wrong[-ATTRIBUTION:]
                        if self._carried_reproduces(entry, [*sound, e], after)
                    ]
                    or wrong
                )
                entry.follows_from = tuple(str(e.quantity.name) for e in needed)
                entry.explanation = (
                    f"wrong (exact {exact}), but consistent with your earlier "
                    f"{', '.join(entry.follows_from)} (follow-through)"
                )
                return
        entry.explanation = f"wrong: the exact value is {exact}"

    def _carried_reproduces(
        self, entry: _Entry, carried: list[_Entry], after: Rounding | None
    ) -> bool:
        values = self.values(self.carry(carried, after=after))
        return reproduces(self.value(entry, values), entry.written)

    # -- mistakes ------------------------------------------------------------------------
    def mistakes(self) -> tuple[list[MistakeFinding], dict[str, list[str]]]:
        wrong = [e for e in self.entries if e.verdict == WRONG]
        roots = {e.key for e in wrong if not e.follows_from}
        findings: list[MistakeFinding] = []
        labels: dict[str, list[str]] = {}
        if not roots:
            return findings, labels
        for variant in variants(self.problem):
            explains = self._explained(variant, wrong)
            if any(e.key in roots for e in explains):
                mistake_description = _describe(variant)
                findings.append(
                    MistakeFinding(
                        variant.mistake,
                        variant.label,
                        mistake_description,
                        tuple(str(e.quantity.name) for e in explains),
                    )
                )
                for e in explains:
                    labels.setdefault(e.key, []).append(variant.label)
        findings.sort(key=lambda f: -len(f.explains))
        return findings, labels

    def _explained(self, variant: Variant, wrong: list[_Entry]) -> list[_Entry]:
        evaluator = _EVALUATORS.get(variant)
        if evaluator is None:
            evaluator = Evaluator(variant.problem, transform=variant.transform)
            _EVALUATORS[variant] = evaluator
        plain = self.values(evaluator=evaluator)
        found = []
        carried_runs = 0
        for entry in wrong:
            if entry.quantity.source not in plain:  # the mistaken program has no such quantity
                continue
            value = self.value(entry, plain, variant.problem)
            if reproduces(value, entry.written):
                found.append(entry)
                continue
            # carrying the student's rounded earlier values moves a value by a few units of
            # the last place: only then is the (bounded number of) carried re-evaluations worth it
            near = Decimal(NEAR).scaleb(-decimals(entry.written))
            if (
                carried_runs >= ATTRIBUTION
                or abs(exact_decimal(mpmath.mpf(value)) - entry.written) > near
            ):
                continue
            earlier = [e for e in self.entries if e.quantity.position < entry.quantity.position]
            if earlier:
                carried_runs += 1
                carried = self.values(self.carry(earlier, variant.problem), evaluator)
                if reproduces(self.value(entry, carried, variant.problem), entry.written):
                    found.append(entry)
        return found


#: Compiled evaluators of mistaken variants (variants are cached per problem).
_EVALUATORS: weakref.WeakKeyDictionary[Variant, Evaluator] = weakref.WeakKeyDictionary()


def _describe(variant: Variant) -> str:
    return MISTAKES[variant.mistake].description


def check(
    problem: Problem | str | Path,
    answers: list[Answer] | Mapping[str, Any] | str | Path,
    *,
    cell: str | None = None,
) -> CheckReport:
    """Check ``answers`` (a file, a mapping like a parsed file, or read answers) against ``problem``."""
    start = time.perf_counter()
    if not isinstance(problem, Problem):
        problem = load_problem(problem, cell=cell)
    answers_source = str(answers) if isinstance(answers, str | Path) else None
    if isinstance(answers, str | Path):
        answers = read_answers(answers)
    elif isinstance(answers, Mapping):
        answers = answers_from_dict(answers)
    try:
        entries = _entries(answers, Catalogue(problem))
    except InputError as error:
        raise error.located(answers_source) if answers_source else error from None
    checker = _Checker(problem, entries)
    refs = checker.references()
    for k, entry in enumerate(entries):
        checker.judge(entry, refs[entry.quantity.name], entries[:k])
    findings, labels = checker.mistakes()
    first = next((e for e in entries if e.verdict == WRONG and not e.follows_from), None)
    checks = tuple(_result(e, refs[e.quantity.name], labels.get(e.key, [])) for e in entries)
    return CheckReport(
        title=problem.title,
        problem_source=problem.source,
        answers_source=answers_source,
        answers=checks,
        first_wrong=str(first.quantity.name) if first else None,
        mistakes=tuple(findings),
        seconds=time.perf_counter() - start,
    )


def _result(entry: _Entry, reference: Reference, mistakes: list[str]) -> AnswerCheck:
    explanation = entry.explanation
    if mistakes and entry.verdict == WRONG:
        explanation += "; reproduced by: " + "; ".join(mistakes)
    difference = entry.written - reference.plus_two
    return AnswerCheck(
        key=entry.key,
        name=str(entry.quantity.name),
        written=format_decimal(entry.written),
        decimals=decimals(entry.written),
        verdict=entry.verdict,
        rounded=format_decimal(reference.rounded),
        exact=format_decimal(reference.plus_two),
        difference=format_decimal(difference),
        explanation=explanation,
        drift=entry.drift,
        follows_from=entry.follows_from,
        mistakes=tuple(mistakes),
    )

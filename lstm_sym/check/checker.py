"""Check a student's answers against a problem: verdicts, follow-through and likely mistakes.

Answers are judged in dependency order. A correct or truncated answer is decided from
certified exact values. Anything else is re-evaluated the way a hand calculation goes:
carrying the student's own earlier values (follow-through, as graders give credit), and
rounding every intermediate value to a range of digits (rounding drift). Answers still
unexplained are wrong; the mistake catalogue then says which known mistakes reproduce
them. Only earlier answers the answer depends on (upstream in the program's data flow)
are carried and named.

Answers of any length get a verdict. Those written to more than ``SEARCH_PLACES``
places (machine printouts, not hand calculations) are judged against the exact values and
the student's own earlier values only: rounding habits and catalogued mistakes are not
searched at that precision.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..derive.naming import BACKWARD, GRADIENT, INTERMEDIATE, UPDATE, delta_of
from ..errors import InputError, LstmSymError
from ..evaluate.evaluator import Evaluator, Hook
from ..latex.names import NameStyle
from ..model import Model
from ..names import Name, name_of
from ..numbers import format_decimal
from ..problem import Problem, load_problem
from .answers import Answer, answers_from_dict, read_answers, split_answer
from .flow import check_flow, is_flow_answer
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
    nearby,
    references,
    reproduces,
    significant,
    subtract,
    unit,
)
from .work import name_latex, work_line

#: How many of the nearest earlier answers are tried one by one to say which explain a value.
ATTRIBUTION = 6
#: Within how many units of the last place a mistaken value must come before the student's
#: own earlier values are carried through the mistaken program too.
NEAR = 20
#: Answers written to more decimal places than this get no search of rounding habits or
#: catalogued mistakes (each would re-evaluate the problem at their precision).
SEARCH_PLACES = 40


#: Sections of values computed from one program value after the evaluation.
DERIVED = (UPDATE, INTERMEDIATE)


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


def searchable(entry: _Entry) -> bool:
    """Whether rounding habits and catalogued mistakes are searched for ``entry``."""
    return decimals(entry.written) <= SEARCH_PLACES


def _entries(answers: list[Answer], catalogue: Catalogue) -> list[_Entry]:
    entries: dict[Name, _Entry] = {}
    for answer in answers:
        name = catalogue.resolve(answer.key)
        for key, component, number in split_answer(
            answer, name, catalogue.components(name), entries
        ):
            entries[component] = _Entry(key, catalogue.by_name[component], number)
    return sorted(entries.values(), key=lambda e: e.quantity.position)


class _Checker:
    """The state of one check: the problem, the answers, and cached re-evaluations."""

    def __init__(self, problem: Problem, entries: list[_Entry]):
        self.problem = problem
        self.entries = entries
        self.gradients = any(
            e.quantity.section in (BACKWARD, GRADIENT, UPDATE)
            or delta_of(e.quantity.source.base) is not None  # a share of δh_t
            for e in entries
        )
        self.evaluator = Evaluator(problem)
        searched = [decimals(e.written) for e in entries if searchable(e)]
        #: working digits of every search (longer answers each use their own)
        self.dps = max(30, max(searched, default=0) + 20)
        self._rounded: dict[Rounding, Values] = {}
        self._flow: DataFlow | None = None
        # only the sequences of a batch that answers belong to are evaluated (all of them
        # for the loss and the parameters' gradients)
        owners = {e.quantity.name.seq for e in entries} if problem.batch > 1 else {None}
        self.sequences = None if None in owners else sorted(s - 1 for s in owners if s)

    def dps_for(self, entry: _Entry) -> int:
        """Working digits that judge ``entry`` (its places and 20 more)."""
        return max(self.dps, decimals(entry.written) + 20)

    def values(
        self, hook: Hook | None = None, evaluator: Evaluator | None = None, dps: int = 0
    ) -> Values:
        return evaluate(
            evaluator or self.evaluator,
            dps or self.dps,
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

    # -- dependencies ----------------------------------------------------------------------
    def ancestors(self, name: Name) -> frozenset[Name] | None:
        """Every quantity ``name`` depends on, through the program's data flow (None: unknown)."""
        if self._flow is None:  # hashing a problem is not free: look it up once
            self._flow = _FLOWS.get(self.problem)
            if self._flow is None:
                self._flow = _FLOWS[self.problem] = DataFlow(self.problem)
        return self._flow.ancestors(name)

    def feeds(self, earlier: _Entry, entry: _Entry) -> bool:
        """Whether ``entry``'s quantity is downstream of ``earlier``'s (carrying it matters)."""
        ancestors = self.ancestors(entry.quantity.source)
        if entry.quantity.section in DERIVED and earlier.quantity.name == entry.quantity.source:
            return True  # W_f_new[1,2] is computed from dL_dW_f[1,2], tanh_c_1 from c_1
        return ancestors is None or earlier.quantity.source in ancestors

    # -- verdicts --------------------------------------------------------------------------
    def judge(self, entry: _Entry, reference: Reference, earlier: list[_Entry]) -> None:
        places = decimals(entry.written)
        if entry.written in reference.correct(places):
            entry.verdict, entry.explanation = CORRECT, "correct to the places written"
            if reference.is_tie(places):
                entry.explanation += " (the exact value is a tie: either neighbour is correct)"
            return
        upstream = [e for e in earlier if self.feeds(e, entry)]
        sound = [e for e in upstream if e.verdict != WRONG]
        wrong = [e for e in upstream if e.verdict == WRONG]
        dps = self.dps_for(entry)

        def carried_gives(carried: list[_Entry]) -> bool:
            value = self.value(entry, self.values(self.carry(carried), dps=dps), dps=dps)
            return reproduces(value, entry.written, truncation=False)

        if sound and carried_gives(sound):
            # name the values that explain it on their own, among the nearest earlier ones
            used = [e for e in sound[-ATTRIBUTION:] if carried_gives([e])] or sound[-3:]
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
                f"truncated: correctly rounded to {places} place{'' if places == 1 else 's'} it is "
                f"{format_decimal(reference.rounded)}"
            )
            return
        for rounding in self.roundings(entry.written) if searchable(entry) else ():
            value = self.value(entry, self.rounded_values(rounding))
            if reproduces(value, entry.written, truncation=False):
                entry.verdict, entry.drift = DRIFT, rounding.describe()
                entry.explanation = (
                    f"rounding drift: correctly rounded it is "
                    f"{format_decimal(reference.rounded)}; {rounding.describe()} gives yours"
                )
                return
        entry.verdict = WRONG
        exact = format_decimal(reference.shown)
        if wrong:
            rounding = Rounding(places)
            for after in (None, rounding):
                if not self._carried_reproduces(entry, upstream, after):
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
        dps = self.dps_for(entry)
        values = self.values(self.carry(carried, after=after), dps=dps)
        return reproduces(self.value(entry, values, dps=dps), entry.written)

    # -- mistakes ------------------------------------------------------------------------
    def mistakes(self) -> tuple[list[MistakeFinding], dict[str, list[str]]]:
        wrong = [e for e in self.entries if e.verdict == WRONG and searchable(e)]
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
            places = decimals(entry.written)
            close = nearby(value, places)
            if (
                carried_runs >= ATTRIBUTION
                or close is None
                or subtract(close, entry.written).copy_abs() > unit(places, NEAR)
            ):
                continue
            earlier = [e for e in self.entries if e.quantity.position < entry.quantity.position]
            if earlier:
                carried_runs += 1
                carried = self.values(self.carry(earlier, variant.problem), evaluator)
                if reproduces(self.value(entry, carried, variant.problem), entry.written):
                    found.append(entry)
        return found


class DataFlow:
    """Which quantities of a problem each quantity is computed from (its scalar program)."""

    def __init__(self, problem: Problem):
        try:
            program = Model(problem).program(view="scalar", gradients=True)
            self.inputs: dict[Name, frozenset[Name]] | None = {
                a.name: frozenset(n for n in map(name_of, a.expr.free_symbols) if n is not None)
                for a in program
            }
        except LstmSymError:  # a program too large to list: every answer may depend
            self.inputs = None
        self._ancestors: dict[Name, frozenset[Name]] = {}

    def ancestors(self, name: Name) -> frozenset[Name] | None:
        """Every quantity ``name`` depends on (None: unknown)."""
        if self.inputs is None or name not in self.inputs:
            return None
        found = self._ancestors.get(name)
        if found is None:
            seen: set[Name] = set()
            stack = [name]
            while stack:
                for parent in self.inputs.get(stack.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            found = self._ancestors[name] = frozenset(seen)
        return found


#: Data flows of checked problems (built once per problem, when an answer needs one).
_FLOWS: weakref.WeakKeyDictionary[Problem, DataFlow] = weakref.WeakKeyDictionary()

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
    catalogue = Catalogue(problem)
    flowing = [a for a in answers if _names_flow(a, catalogue)]  # judged in .flow
    try:
        entries = _entries([a for a in answers if a not in flowing], catalogue)
        flow_checks = check_flow(problem, flowing)
    except InputError as error:
        raise error.located(answers_source) if answers_source else error from None
    checker = _Checker(problem, entries)
    refs = checker.references()
    for k, entry in enumerate(entries):
        checker.judge(entry, refs[entry.quantity.name], entries[:k])
    findings, labels = checker.mistakes()
    first = next((e for e in entries if e.verdict == WRONG and not e.follows_from), None)
    names = NameStyle(problem.cell)
    vector_output = any(n.base == problem.cell.output for n in catalogue.wholes)
    latex = {e.key: name_latex(problem, names, e.quantity.name, vector_output) for e in entries}
    checks = tuple(
        _result(e, refs[e.quantity.name], labels.get(e.key, []), latex[e.key]) for e in entries
    ) + tuple(flow_checks)
    work = None
    if first is not None:
        rounded = refs[first.quantity.name].rounded
        work = work_line(problem, first.quantity, first.written, rounded, latex[first.key])
    return CheckReport(
        title=problem.title,
        problem_source=problem.source,
        answers_source=answers_source,
        answers=checks,
        first_wrong=str(first.quantity.name) if first else _first_wrong(flow_checks),
        mistakes=tuple(findings),
        work=work,
        seconds=time.perf_counter() - start,
    )


def _names_flow(answer: Answer, catalogue: Catalogue) -> bool:
    """Whether ``answer`` names a flow quantity (and no quantity of the program)."""
    if not is_flow_answer(answer):
        return False
    try:
        catalogue.resolve(answer.key)
    except InputError:
        return True
    return False


def _first_wrong(checks: list[AnswerCheck]) -> str | None:
    return next((c.name for c in checks if c.verdict == WRONG), None)


def _result(entry: _Entry, reference: Reference, mistakes: list[str], latex: str) -> AnswerCheck:
    explanation = entry.explanation
    if mistakes and entry.verdict == WRONG:
        explanation += "; reproduced by: " + "; ".join(mistakes)
    return AnswerCheck(
        key=entry.key,
        name=str(entry.quantity.name),
        written=format_decimal(entry.written),
        decimals=decimals(entry.written),
        verdict=entry.verdict,
        rounded=format_decimal(reference.rounded),
        exact=format_decimal(reference.shown),
        difference=format_decimal(reference.difference(entry.written)),
        explanation=explanation,
        drift=entry.drift,
        follows_from=entry.follows_from,
        mistakes=tuple(mistakes),
        latex=latex,
    )

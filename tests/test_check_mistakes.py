"""The mistake catalogue: answers made with each catalogued mistake are diagnosed, for every cell."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cell_strategies import random_case

from lstm_sym import CELLS, Model, Problem, load_problem, problem_from_dict
from lstm_sym.check import CORRECT, MISTAKES, WRONG, check
from lstm_sym.check.mistakes import Variant, variants
from lstm_sym.check.replay import evaluate
from lstm_sym.evaluate.evaluator import Evaluator
from lstm_sym.numbers import exact_decimal, round_decimals

CELL_PROBLEMS = {name: problem_from_dict(random_case(name, 7).to_dict()) for name in CELLS}
#: the homework, and a two-unit LSTM (where matrices can be transposed)
PROBLEMS = {"hw6": load_problem("examples/hw6.toml"), "lstm_n2": CELL_PROBLEMS["lstm"]}


def mistaken_answers(problem: Problem, variant: Variant, limit: int = 3) -> dict[str, Decimal]:
    """The first ``limit`` quantities (in dependency order) the mistake changes, to 6 places."""
    values = evaluate(Evaluator(variant.problem, transform=variant.transform), 40, gradients=True)
    model = Model(problem)
    exact, unrounded = (
        model.solve(6, gradients=True, decimals=True),
        model.numeric(40, gradients=True),
    )
    answers: dict[str, Decimal] = {}
    for name, value in values.items():
        if abs(value - unrounded[name]) < 1e-12:  # unchanged (an exact tie may round either way)
            continue
        written = round_decimals(exact_decimal(value), 6)
        if written != exact[name]:
            answers[str(name)] = written
        if len(answers) == limit:
            break
    return answers


def _cases(problems: dict[str, Problem]) -> list[tuple[str, Variant]]:
    return [(key, v) for key, p in problems.items() for v in variants(p)]


HOMEWORK_CASES = _cases(PROBLEMS)


@pytest.mark.parametrize(
    ("key", "variant"), HOMEWORK_CASES, ids=[f"{k}-{v.label}" for k, v in HOMEWORK_CASES]
)
def test_injected_mistake_is_diagnosed(key: str, variant: Variant) -> None:
    """Answers computed with a catalogued mistake are wrong, and the mistake is named."""
    problem = PROBLEMS[key]
    answers = mistaken_answers(problem, variant)
    assert answers, "the mistake changes some value"
    report = check(problem, answers)
    assert report.answers[0].verdict == WRONG
    assert variant.label in [m.label for m in report.mistakes]
    assert report.first_wrong is not None


def test_every_mistake_is_exercised() -> None:
    """Every catalogued mistake has an instance on the homework problems above."""
    assert {v.mistake for _, v in HOMEWORK_CASES} == set(MISTAKES)


def test_mistakes_named_in_report() -> None:
    """The forgotten ½ is named in the text report and on the wrong answer."""
    report = check(PROBLEMS["hw6"], {"se_1": Decimal("0.07985"), "L": Decimal("1.0597")})
    assert [a.verdict for a in report.answers] == [CORRECT, WRONG]
    assert "the ½ of the loss forgotten" in report.answers[1].mistakes
    assert "Mistakes that reproduce wrong answers:" in report.to_text()


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_every_cell_checks(cell: str) -> None:
    """For every built-in cell: exact answers are correct and injected mistakes are diagnosed.

    Each cell gets two of the mistakes that apply to it (in turn, so that across the cells
    each kind is tried on several of them); the homework tests above try every one.
    """
    problem = CELL_PROBLEMS[cell]
    exact = Model(problem).solve(5, gradients=True, decimals=True)
    chosen = dict(list(exact.items())[::7])
    report = check(problem, chosen)
    assert report.all_correct and len(report.answers) == len(chosen)
    kinds: dict[str, Variant] = {}
    for variant in variants(problem):
        kinds.setdefault(variant.mistake, variant)
    turn = sorted(CELLS).index(cell)
    order = list(kinds.values())
    tried = 0
    for variant in order[turn % len(order) :] + order[: turn % len(order)]:
        answers = mistaken_answers(problem, variant, limit=2)
        if not answers:  # this random problem happens not to show the mistake
            continue
        report = check(problem, answers)
        assert variant.label in [m.label for m in report.mistakes], variant.label
        tried += 1
        if tried == 2:
            break
    assert tried == 2

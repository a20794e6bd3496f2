"""The sheet's optimizer step: ``W_new = W − η ∂L/∂W = numbers = value`` per component."""

from __future__ import annotations

from ..derive.naming import total, updated
from ..names import Name
from ..problem import Problem
from .blocks import BLANK, Block, SheetLine, line
from .display import Numbers, exact_number
from .names import NameStyle

#: The mark of a parameter after the step.
NEW = r"^{\mathrm{new}}"


def _number(text: str) -> str:
    """A number as a factor: parenthesized when negative."""
    return rf"\left({text}\right)" if text.startswith("-") else text


def update_lines(problem: Problem, names: NameStyle, numbers: Numbers) -> tuple[SheetLine, ...]:
    """One line per parameter component: formula, numbers, value (blanks without values)."""
    training = problem.training
    assert training is not None
    rate = exact_number(training.learning_rate)
    adam = training.optimizer == "adam"
    epsilon = exact_number(training.options["epsilon"]) if adam else ""
    lines = []
    for param in problem.cell.params:
        value = problem.params[param.name]
        rows, cols = (len(value), len(value[0])) if param.is_matrix else (len(value), 1)
        single = rows * cols == 1
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                index = () if single else (r, c) if param.is_matrix else (r,)
                old, gradient = Name(param.name, None, index), Name(total(param.name), None, index)
                new = Name(updated(param.name), None, index)
                g = names(gradient)
                step = rf"\frac{{{g}}}{{\left|{g}\right| + \epsilon}}" if adam else g
                formula = (names(old), rf"- \eta \, {step}")
                found = numbers.lookup(old)
                shown = numbers.value(gradient)
                result = numbers.value(new)
                if found is None or shown is None or result is None:
                    lines.append(line(names(old) + NEW, formula, (BLANK,)))
                    continue
                g_text = _number(shown)
                if adam:
                    g_text = rf"\frac{{{shown}}}{{\left|{shown}\right| + {epsilon}}}"
                substituted = (found[0], rf"- {_number(rate)} \cdot {g_text}")
                lines.append(line(names(old) + NEW, formula, substituted, (result,)))
    return tuple(lines)


def update_block(problem: Problem, names: NameStyle, numbers: Numbers) -> Block:
    """The optimizer step's section of a sheet."""
    training = problem.training
    assert training is not None
    rate = exact_number(training.learning_rate)
    if training.optimizer == "adam":
        options = training.options
        note = (
            rf"One Adam step from zero state ($\eta = {rate}$, "
            rf"$\beta_1 = {exact_number(options['beta1'])}$, "
            rf"$\beta_2 = {exact_number(options['beta2'])}$, "
            rf"$\epsilon = {exact_number(options['epsilon'])}$): the bias-corrected moments "
            r"of the first step are $\hat m = g$ and $\hat v = g^2$."
        )
    else:
        note = rf"One step of gradient descent with learning rate $\eta = {rate}$."
    return Block("Gradient-descent step", update_lines(problem, names, numbers), note=note, level=1)


__all__ = ["update_block", "update_lines"]

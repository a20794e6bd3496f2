"""The sheet's named intermediates: tanh(c_t), a batch's L^(b), and the shares of δh_t."""

from __future__ import annotations

from ..derive.naming import INTERMEDIATE, applied, delta, direct
from ..names import Name
from ..problem import Problem
from ..solution import Solution
from ..spec.losses import LOSS_TERM
from .blocks import Block, SheetLine, line
from .display import Numbers
from .names import NameStyle


def _factor(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def intermediate_lines(
    problem: Problem, names: NameStyle, numbers: Numbers, solution: Solution
) -> tuple[SheetLine, ...]:
    """One line per intermediate: what it is, the numbers, the value."""
    from ..evaluate.intermediates import split_state, tanh_state

    tanh, split = tanh_state(problem), split_state(problem)
    lines = []
    for name, section in solution.sections.items():
        if section != INTERMEDIATE:
            continue
        value = numbers.value(name) or ""
        if name.step is None:  # L^(b) = Σ_t ℓ_t^(b)
            seq = problem.sequences[(name.seq or 1) - 1]
            terms = [
                Name(LOSS_TERM, t, (), name.seq)
                for t in range(1, seq.steps + 1)
                if seq.targets[t - 1] is not None
            ]
            formula = [names(terms[0]), *(f"+ {names(term)}" for term in terms[1:])]
            shown = [numbers.value(term) or "" for term in terms]
            substituted = [shown[0], *(f"+ {_factor(text)}" for text in shown[1:])]
            lines.append(line(names(name), formula, substituted, (value,)))
            continue
        at = (name.step, name.index, name.seq)
        if tanh is not None and name.base == applied("tanh", tanh):
            state = Name(tanh, *at)
            lhs = rf"\tanh\left({names(state)}\right)"
            lines.append(line(lhs, (rf"\tanh\left({numbers.value(state)}\right)",), (value,)))
            continue
        assert split is not None
        total = Name(delta(split), *at)
        own = rf"\frac{{\partial \ell_{{{name.step}}}}}{{\partial {names(Name(split, *at))}}}"
        if name.base == direct(split):
            lines.append(line(own, (value,)))
            continue
        own_value = numbers.value(Name(direct(split), *at)) or ""
        formula = [names(total), f"- {own}"]
        substituted = [numbers.value(total) or "", f"- {_factor(own_value)}"]
        lhs = f"{{{names(total)}}}" + r"^{\mathrm{rec}}"  # braced: h^{(2)} of a batch
        lines.append(line(lhs, formula, substituted, (value,)))
    return tuple(lines)


def intermediate_block(
    problem: Problem, names: NameStyle, numbers: Numbers, solution: Solution
) -> Block:
    """The named intermediates' section of a sheet."""
    lines = intermediate_lines(problem, names, numbers, solution)
    return Block("Named intermediates", lines, level=1)


__all__ = ["intermediate_block", "intermediate_lines"]

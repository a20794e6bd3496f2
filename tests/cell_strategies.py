"""Hypothesis strategies: random exact problems for any built-in cell (shapes from its data)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cell_reference import exact_text
from hypothesis import strategies as st

from lstm_sym.errors import LstmSymError
from lstm_sym.spec.cells import get_cell
from lstm_sym.spec.custom.lower import parse_cell

exact = st.builds(Fraction, st.integers(-24, 24), st.sampled_from([4, 5, 8, 10, 16]))


@dataclass
class CellCase:
    """A random problem for one cell: parameters, one sequence, targets and initial states."""

    cell: str
    sizes: dict[str, int]
    params: dict[str, Any]
    xs: list[list[Fraction]]
    ys: list[list[Fraction]]
    initial: dict[str, list[Fraction]]
    activations: dict[str, str] = field(default_factory=dict)

    def to_dict(self, loss: str = "half_sse") -> dict[str, Any]:
        sequence: dict[str, Any] = {"x": exact_text(self.xs), "y": exact_text(self.ys)}
        sequence.update({f"{k}_0": exact_text(v) for k, v in self.initial.items()})
        data: dict[str, Any] = {
            "cell": self.cell,
            "loss": loss,
            "sizes": {"n": self.sizes["n"], "d": self.sizes["d"]},
            "parameters": {k: exact_text(v) for k, v in self.params.items()},
            "sequence": sequence,
        }
        if self.activations:
            data["activations"] = dict(self.activations)
        return data


def _values(draw: st.DrawFn, shape: tuple[int, ...]) -> Any:
    if len(shape) == 2:
        return [[draw(exact) for _ in range(shape[1])] for _ in range(shape[0])]
    return [draw(exact) for _ in range(shape[0])]


@st.composite
def cell_cases(draw: st.DrawFn, cell: str, *, max_size: int = 2, max_steps: int = 3) -> CellCase:
    spec = get_cell(cell)
    sizes = {"n": draw(st.integers(1, max_size)), "d": draw(st.integers(1, max_size)), "1": 1}
    steps = draw(st.integers(1, max_steps))
    params = {p.name: _values(draw, tuple(sizes[d] for d in p.shape)) for p in spec.params}
    xs = [_values(draw, (sizes["d"],)) for _ in range(steps)]
    ys = [_values(draw, (sizes["n"],)) for _ in range(steps)]
    initial = {s.name: _values(draw, (sizes[s.size],)) for s in spec.states}
    return CellCase(cell, sizes, params, xs, ys, initial)


def random_case(cell: str, seed: int, *, n: int = 2, d: int = 2, steps: int = 2) -> CellCase:
    """A deterministic random problem with nonzero values (no hypothesis search involved)."""
    rng = random.Random(seed)

    def value() -> Fraction:
        return Fraction(rng.choice([-1, 1]) * rng.randint(1, 24), rng.choice([4, 5, 8, 10, 16]))

    def values(shape: tuple[int, ...]) -> Any:
        if len(shape) == 2:
            return [[value() for _ in range(shape[1])] for _ in range(shape[0])]
        return [value() for _ in range(shape[0])]

    spec = get_cell(cell)
    sizes = {"n": n, "d": d, "1": 1}
    params = {p.name: values(tuple(sizes[k] for k in p.shape)) for p in spec.params}
    xs = [values((d,)) for _ in range(steps)]
    ys = [values((n,)) for _ in range(steps)]
    initial = {st.name: values((sizes[st.size],)) for st in spec.states}
    return CellCase(cell, sizes, params, xs, ys, initial)


# -- custom cells: random equations that usually make a cell -----------------------------

_ACTIVATIONS = ["sigmoid", "tanh", "relu", "hard_sigmoid", "identity"]
_POWERS = ["2", "3", "0.5", "-1", "-0.5"]


def _pointwise(names: list[str]) -> st.SearchStrategy[str]:
    """A pointwise formula over ``names`` (vectors of one size) and small numbers."""
    leaves = st.sampled_from(names) | st.sampled_from(["1", "0.5", "2/3", "3"])
    return st.recursive(
        leaves,
        lambda e: st.one_of(
            st.tuples(e, st.sampled_from(["+", "-", "*", "/"]), e).map(
                lambda t: f"({' '.join(t)})"
            ),
            st.tuples(st.sampled_from(_ACTIVATIONS), e).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(e, st.sampled_from(_POWERS)).map(lambda t: f"({t[0]}) ** {t[1]}"),
            e.map(lambda a: f"-{a}"),
        ),
        max_leaves=5,
    )


@st.composite
def custom_cell_problems(draw: st.DrawFn) -> dict[str, Any]:
    """A problem file (as a dictionary) with a random custom cell of 1–3 equations.

    Quantities ``q0``, ``q1``, … and the output ``h`` read the input through weight
    matrices, earlier quantities, their own and ``h``'s previous values and bias vectors;
    parameters are filled in from the cell the equations make (or left out when they do
    not make one, so the problem is refused). The output reads every quantity: generated
    code does not handle a quantity nothing reads (a NameError, not yet fixed).
    """
    count = draw(st.integers(0, 2))
    targets = [f"q{k}" for k in range(count)] + ["h"]
    equations = []
    for k, target in enumerate(targets):
        # the output reads the quantities only as added terms, which nothing can cancel
        names = [*(targets[:k] if target != "h" else []), "h_prev", f"b{k}"]
        if draw(st.booleans()):
            names.append(f"{target}_prev")
        formula = draw(_pointwise(names))
        if draw(st.booleans()):
            affine = f"W{k} @ x + U{k} @ h_prev + {formula}"
            formula = f"{draw(st.sampled_from(_ACTIVATIONS))}({affine})"
        if target == "h":  # the output reads every quantity (generated code needs no dead ones)
            formula = " + ".join([formula, *targets[:k]])
        equations.append(f"{target} = {formula}")
    n, d, steps = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    sizes = {"n": n, "d": d, "1": 1}
    data: dict[str, Any] = {
        "cell": {"equations": equations},
        "parameters": {},
        "sequence": {
            "x": exact_text([_values(draw, (d,)) for _ in range(steps)]),
            "y": exact_text([_values(draw, (n,)) for _ in range(steps)]),
        },
    }
    try:
        cell = parse_cell(equations)
    except LstmSymError:  # the reader meets the same error and must refuse it cleanly
        return data
    for param in cell.params:
        shape = tuple(sizes.get(dim, 2) for dim in param.shape)
        data["parameters"][param.name] = exact_text(_values(draw, shape))
    for state in cell.states:
        if draw(st.booleans()):
            data["sequence"][f"{state.name}_0"] = exact_text(
                _values(draw, (sizes.get(state.size, 1),))
            )
    return data

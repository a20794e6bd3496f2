"""A solution's values and gradients as arrays in a framework's layout (:meth:`Solution.arrays`).

Scalar names (``dL_dW_ii[1,2]``; a size-1 quantity has no index) are gathered into the
arrays a framework holds: PyTorch's ``weight_ih_l0`` with its gradient under
``grad["weight_ih_l0"]``, the state histories ``h`` and ``c`` in the framework's time and
batch order, and the gradients of the inputs and initial states. Parameters are exact
(``Fraction``); computed values are the solution's correctly rounded ``Decimal`` s, or
floats of the requested dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .choices import NATIVE, Framework
from .derive.naming import total
from .errors import InputError
from .frameworks.layouts import EQUIVALENT, check_framework, route, to_framework
from .names import Name
from .spec.cells import get_cell

if TYPE_CHECKING:
    from .solution import Solution

Nested = list[Any]

#: Layouts whose arrays are batch-first by default (PyTorch's modules are time-first).
BATCH_FIRST: dict[Framework, bool] = {
    NATIVE: True,
    "pytorch": False,
    "pytorch_cell": False,
    "keras": True,
}


def _index(shape: tuple[int, ...], index: tuple[int, ...]) -> tuple[int, ...]:
    """The 1-based component index of a name (none for a quantity of one number)."""
    size = 1
    for dim in shape:
        size *= dim
    return tuple(i + 1 for i in index) if size > 1 else ()


def _gather(
    solution: Solution, base: str, step: int | None, shape: tuple[int, ...], seq: int | None
) -> Nested:
    def at(*index: int) -> Any:
        return solution.by_name[Name(base, step, _index(shape, index), seq)]

    if len(shape) == 2:
        return [[at(r, c) for c in range(shape[1])] for r in range(shape[0])]
    return [at(k) for k in range(shape[0])]


def _lists(value: Any) -> Nested:
    return [list(row) if isinstance(row, tuple) else row for row in value]


def _shape(value: Any) -> tuple[int, ...]:
    if value and isinstance(value[0], (list, tuple)):
        return (len(value), len(value[0]))
    return (len(value),)


def _gradient_sources(source: str, target: str) -> dict[str, str]:
    """Target parameter -> the source parameter with the same gradient.

    Between equivalent cells a parameter is a sum of the other's (b_f = b_if + b_hf): the
    gradient of each summand is the gradient of the sum, and the other way round.
    """
    if source == target:
        return {}
    found: dict[str, str] = {}
    for name, parts in EQUIVALENT[(source, target)].items():
        if parts:
            found[name] = parts[0]
    for name, parts in EQUIVALENT.get((target, source), {}).items():
        for part in parts:
            found.setdefault(part, name)
    return found


def parameter_arrays(
    solution: Solution, framework: Framework
) -> tuple[dict[str, Nested], dict[str, Nested]]:
    """The parameters (exact rationals) and their gradients as ``framework`` arrays."""
    problem = solution.problem
    nested = {name: _lists(value) for name, value in problem.params.items()}
    grads = (
        {
            name: _gather(solution, total(name), None, _shape(value), None)
            for name, value in nested.items()
        }
        if solution.gradients
        else {}
    )
    if framework == NATIVE:
        return nested, grads
    cell = problem.cell.name
    target, _ = route(cell, framework)
    own = set(_params_of(cell))  # the registered cell's: a head's V and b_y are extra
    extra = [name for name in nested if name not in own]
    _, values = to_framework({k: v for k, v in nested.items() if k in own}, cell, framework)
    values.update({name: nested[name] for name in extra})
    if not grads:
        return values, {}
    sources = _gradient_sources(cell, target)
    converted = {name: grads[sources.get(name, name)] for name in _params_of(target)}
    _, grad_arrays = to_framework(converted, target, framework)
    grad_arrays.update({name: grads[name] for name in extra})
    return values, grad_arrays


def _params_of(cell: str) -> list[str]:
    return [p.name for p in get_cell(cell).params]


def sequence_arrays(
    solution: Solution, batch_first: bool, framework: Framework
) -> tuple[dict[str, Nested], dict[str, Nested]]:
    """State histories (batch × time × size, or time × batch × size) and input/initial gradients."""
    problem = solution.problem
    steps = {seq.steps for seq in problem.sequences}
    if len(steps) > 1:
        raise InputError(
            "sequence",
            "sequences of one length (to stack them into arrays)",
            f"lengths {sorted(steps)}",
        )
    (length,) = steps
    d = problem.sizes["d"]
    states = [state.name for state in problem.cell.states]

    def history(base: str, size: int) -> Nested:
        per_seq = [
            [
                _gather(solution, base, t, (size,), problem.seq_label(b))
                for t in range(1, length + 1)
            ]
            for b in range(problem.batch)
        ]
        return per_seq if batch_first else [list(step) for step in zip(*per_seq, strict=True)]

    sizes = {state: len(problem.sequences[0].initial[state]) for state in states}
    values = {state: history(state, sizes[state]) for state in states}
    grads: dict[str, Nested] = {}
    if solution.gradients:
        grads["input"] = history(total("x"), d)
        for state in states:
            initial = [
                _gather(solution, total(state), 0, (sizes[state],), problem.seq_label(b))
                for b in range(problem.batch)
            ]
            grads[f"{state}0"] = [initial] if framework == "pytorch" else initial
    return values, grads


def solution_arrays(
    solution: Solution,
    layout: str = NATIVE,
    *,
    dtype: Any = None,
    batch_first: bool | None = None,
) -> dict[str, Any]:
    """:meth:`Solution.arrays`: nested lists when ``dtype`` is ``"list"``, else NumPy arrays."""
    framework = check_framework(layout, "layout")
    first = BATCH_FIRST[framework] if batch_first is None else bool(batch_first)
    values, grads = parameter_arrays(solution, framework)
    histories, sequence_grads = sequence_arrays(solution, first, framework)
    out: dict[str, Any] = {**values, **histories, "L": solution.by_name[Name("L")]}
    if solution.gradients:
        out["grad"] = {**grads, **sequence_grads}
    converted: dict[str, Any] = convert(out, dtype)
    return converted


def convert(tree: Any, dtype: Any) -> Any:
    """Nested lists of exact numbers as NumPy arrays of ``dtype`` (``object``: exact values)."""
    if isinstance(tree, Mapping):
        return {key: convert(value, dtype) for key, value in tree.items()}
    if dtype == "list":
        return _map(tree, _exact)
    import numpy

    if dtype is object:
        return numpy.array(_map(tree, _exact), dtype=object)
    return numpy.array(_map(tree, float), dtype=dtype or numpy.float64)


def _exact(value: Any) -> Fraction | Decimal:
    """A Decimal as it is; a SymPy rational as a Fraction."""
    if isinstance(value, Decimal):
        return value
    return Fraction(int(value.p), int(value.q))


def _map(tree: Any, function: Any) -> Any:
    if isinstance(tree, list):
        return [_map(item, function) for item in tree]
    return function(tree)


def json_arrays(
    solution: Solution, layout: str, *, batch_first: bool | None = None
) -> dict[str, Any]:
    """:func:`solution_arrays` as plain data: exact parameters as ``"p/q"``, values as decimal strings."""
    from .numbers import format_decimal

    def text(value: Any) -> str:
        return format_decimal(value) if isinstance(value, Decimal) else str(value)

    def walk(tree: Any) -> Any:
        if isinstance(tree, Mapping):
            return {key: walk(value) for key, value in tree.items()}
        return _map(tree, text)

    return {
        "layout": layout,
        "batch_first": BATCH_FIRST[check_framework(layout, "layout")]
        if batch_first is None
        else batch_first,
        **walk(solution_arrays(solution, layout, dtype="list", batch_first=batch_first)),
    }

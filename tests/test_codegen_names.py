"""Names in custom cells cannot reach the generated code's own names (locals, builtins,
helpers): every valid name, in every role, gives modules that import, run and are right."""

from __future__ import annotations

import ast
import builtins
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstm_sym
from lstm_sym.codegen.source import OWN_NAMES
from lstm_sym.errors import InputError
from lstm_sym.names import Name
from lstm_sym.spec.custom.lower import check_identifier


def _valid(name: str) -> bool:
    try:
        check_identifier(name, "name")
    except InputError:
        return False
    return True


def _identifiers(source: str) -> set[str]:
    """Every name a module's code binds or reads (variables, arguments, functions, attributes)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _own_names() -> set[str]:
    """The names generated modules use themselves (of two cells, in every style and backend)."""
    names: set[str] = set()
    for cell, loss in (("lstm", "half_sse"), ("gru", "cross_entropy")):
        head = "linear" if loss == "cross_entropy" else "none"
        for style, backend in (("vector", "numpy"), ("scalar", "numpy"), ("scalar", "mpmath")):
            functions = lstm_sym.lambdify(
                cell=cell,
                loss=loss,
                head=head,
                style=style,
                backend=backend,
                sizes={"n": 2, "d": 2, "m": 3},
            )
            names |= _identifiers(functions.source)
            names -= set(functions.cell.quantity_dims()) | {p.name for p in functions.cell.params}
    return names


#: Names shaped like the ones generated code derives from quantities (h_seq, h0, init_h).
_SHAPED = {"h_seq", "init_h", "h0", "q0", "dim_n", "dL_dh", "sqrt_x", "mpf", "x0", "a", "e"}
#: The generated code's own names and names shaped like its derived ones (valid in cells).
OWN = sorted(n for n in _own_names() | _SHAPED | OWN_NAMES if _valid(n) and n not in ("x", "h"))
#: Those and every builtin that is a valid name.
POOL = sorted(set(OWN) | {n for n in dir(builtins) if _valid(n) and n not in ("x", "h")})


def _problem(names: list[str], input_name: str) -> dict[str, Any]:
    """A cell reading parameters A (matrix), B (matrix), C (vector), with a quantity Q and a
    second state S, every role named from ``names``."""
    A, B, C, Q, S = names
    u = input_name
    equations = [
        f"{Q} = sigmoid({A} @ {u} + {C})",
        f"{S} = {Q} * {S}_prev + tanh({B} @ h_prev) ** 2 / 2 + ({Q} + 1) ** 0.5 / 4",
        f"h = tanh({S}) * {Q} + (1 - {Q}) * h_prev + ({Q} + 2) ** -0.5 / 8",
    ]
    params = {
        A: [["1/2", "-1"], ["1/4", "3/4"]],
        B: [["1", "1/2"], ["-1/2", "1/4"]],
        C: ["1/8", "-1/4"],
    }
    return {
        "cell": {"equations": equations, "input": u},
        "parameters": params,
        "sequence": [
            {u: [["1", "1/2"], ["-1/2", "1"]], "y": [["1/2", "0"], ["1/4", "-1/2"]]},
            {
                u: [["1/4", "-1"], ["1", "0"]],
                "y": [["0", "1/2"], ["1", "1/4"]],
                f"{S}_0": ["1/2", "1/4"],
            },
        ],
    }


def _check(data: dict[str, Any]) -> None:
    """The three kinds of generated code agree with the certified values (or the problem
    file itself is refused, as a cell that defines the loss's data y is)."""
    try:
        problem = lstm_sym.problem_from_dict(data)
    except InputError as error:
        assert any(
            reason in str(error) for reason in ("the cell does not use", "sequence[1]", "reserved")
        )
        return
    model = lstm_sym.Model(problem)
    exact = model.numeric(30, gradients=True)
    cell = problem.cell
    x = np.array(
        [
            [[float(sympy_value) for sympy_value in row] for row in seq.x]
            for seq in problem.sequences
        ]
    )
    y = np.array([[[float(v) for v in row] for row in seq.targets] for seq in problem.sequences])
    params = {name: np.array(value, dtype=float) for name, value in problem.params.items()}
    initial = {
        f"{s.name}0": np.array(
            [[float(v) for v in seq.initial[s.name]] for seq in problem.sequences]
        )
        for s in cell.states
    }
    expected_loss = float(exact[Name("L")])
    for style, backend in (("vector", "numpy"), ("scalar", "numpy"), ("scalar", "mpmath")):
        functions = lstm_sym.lambdify(problem, style=style, backend=backend)
        states = functions.forward(params, x, **initial)
        h = np.asarray(states["h"], dtype=float)
        assert h[1, 1, 0] == pytest.approx(float(exact[Name("h", 2, (1,), 2)]), rel=1e-12)
        loss, grads = functions.loss_and_grad(params, x, y, **initial)
        assert float(loss) == pytest.approx(expected_loss, rel=1e-12), (style, backend)
        for name in params:
            got = np.asarray(grads[f"dL_d{name}"], dtype=float).reshape(-1)
            want = [
                float(exact[Name(f"dL_d{name}", None, tuple(i + 1 for i in index))])
                for index in np.ndindex(*params[name].shape)
            ]
            np.testing.assert_allclose(
                got, want, rtol=1e-10, atol=1e-12, err_msg=f"{style} {backend} {name}"
            )


@settings(max_examples=10, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=6, max_size=6, unique=True))
def test_any_valid_names_give_working_modules(names: list[str]) -> None:
    """Builtins and the generated code's own names as parameters, quantities, states, input."""
    _check(_problem(names[:5], names[5]))


@pytest.mark.parametrize("chunk", range(0, len(OWN), 6))
def test_every_own_name_in_two_roles(chunk: int) -> None:
    """Each of the generated code's own names is used in two roles (all three backends)."""
    names = (OWN[chunk:] + OWN)[:6]
    for shift in (0, 3):
        rotated = names[shift:] + names[:shift]
        _check(_problem(rotated[:5], rotated[5]))

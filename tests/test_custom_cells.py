"""Custom cells written as equations: parsing (our grammar, no eval), splitting into affine
and pointwise equations, validation errors naming the equation, and results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from cell_reference import sigmoid
from cell_strategies import random_case
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lstm_sym
from lstm_sym.cells import CELLS
from lstm_sym.cellspec import parse_cell
from lstm_sym.cli import main
from lstm_sym.functions import ACTIVATIONS
from lstm_sym.names import template_symbol
from lstm_sym.syntax import format_expr, parse_equation
from lstm_sym.testing import check_gradients


def test_example_minimal_gated_unit_matches_numpy() -> None:
    """examples/custom_cell.toml computes the minimal gated unit's equations."""
    solution = lstm_sym.solve("examples/custom_cell.toml", 18)
    h = 0.0
    for t, x in enumerate(([1.0, 0.0], [0.5, -1.0]), start=1):
        f = sigmoid(np.array(1 * x[0] + 2 * x[1] + 0.5 * h + 0.2))
        h_tilde = np.tanh(x[0] - x[1] + 1.5 * (f * h) + 0.5)
        h = (1 - f) * h + f * h_tilde
        assert float(solution[f"h_{t}"]) == pytest.approx(float(h), rel=1e-14)


def test_affine_parts_are_split_and_named() -> None:
    """Matrix products inside a function become an affine z_<target> equation."""
    cell = parse_cell(
        [
            "r = sigmoid(W_r @ x + U_r @ h_prev + b_r)",
            "h = tanh(W @ x + U @ (r * h_prev) + b)",
        ]
    )
    assert cell.equations_text() == [
        "z_r = W_r @ x + U_r @ h_prev + b_r",
        "r = sigmoid(z_r)",
        "z_h_b = h_prev * r",
        "z_h = W @ x + U @ z_h_b + b",
        "h = tanh(z_h)",
    ]
    assert [s.name for s in cell.states] == ["h"]
    assert {p.name: p.shape for p in cell.params}["U"] == ("n", "n")


def test_equations_may_come_in_any_order() -> None:
    """Equations are ordered by what they read; q_prev does not count as a dependency."""
    cell = parse_cell(
        [
            "h = o * tanh(c)",
            "c = f * c_prev + x2",
            "o = sigmoid(V @ h_prev)",
            "f = sigmoid(F @ x)",
            "x2 = W @ x",
        ]
    )
    order = [eq.target for eq in cell.equations]
    assert order.index("c") < order.index("h") and order.index("o") < order.index("h")
    assert order.index("x2") < order.index("c")
    assert {s.name for s in cell.states} == {"h", "c"}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_every_built_in_cell_as_a_custom_cell(name: str) -> None:
    """Each built-in cell's listed equations, given as a custom cell, give the same numbers."""
    case = random_case(name, 11)
    data = case.to_dict()
    built_in = lstm_sym.solve(lstm_sym.problem_from_dict(data), 25, gradients=True)
    data["cell"] = {"name": f"my_{name}", "equations": CELLS[name].equations_text()}
    custom = lstm_sym.solve(lstm_sym.problem_from_dict(data), 25, gradients=True)
    assert dict(custom.items()) == dict(built_in.items())


def test_custom_cell_gradients() -> None:
    """A custom cell's gradients agree with 50-digit central differences."""
    problem = lstm_sym.load_problem("examples/custom_cell.toml")
    report = check_gradients(problem, dps=50)
    assert report.compared == 13 and report.max_abs_error < mpmath.mpf("1e-25")


def test_scalar_parameter_declared_in_dims() -> None:
    """A size-1 parameter is declared with dims and broadcasts over the vector."""
    data = {
        "cell": {
            "equations": ["h = tanh(W @ x + alpha * h_prev)"],
            "dims": {"alpha": "1"},
        },
        "parameters": {"W": [[1, 0], [0, 1]], "alpha": "0.5"},
        "sequence": {"x": [[1, 2], [0, 1]], "y": [[0, 0], [0, 0]]},
    }
    problem = lstm_sym.problem_from_dict(data)
    assert problem.cell.param("alpha").shape == ("1",)
    solution = lstm_sym.solve(problem, 15, gradients=True)
    expected = np.tanh(np.array([0, 1]) + 0.5 * np.tanh([1, 2]))
    assert float(solution["h_2[2]"]) == pytest.approx(expected[1], rel=1e-14)
    assert "dL_dalpha" in solution


def test_custom_cell_with_head_and_cross_entropy() -> None:
    """Custom cells work with an output head and class labels."""
    data = {
        "cell": {"equations": ["h = relu(W @ x + U @ h_prev)"]},
        "head": "linear",
        "loss": "cross_entropy",
        "parameters": {"W": [[1, 0]], "U": [["1/2"]], "V": [[1], [-1], ["1/2"]], "b_y": [0, 0, 0]},
        "sequence": {"x": [[1, 2], [3, 1]], "labels": [0, 2]},
    }
    problem = lstm_sym.problem_from_dict(data)
    assert problem.cell.output == "y_hat" and problem.sizes["m"] == 3
    report = check_gradients(problem, dps=50)
    assert report.max_abs_error < mpmath.mpf("1e-25"), str(report)


BAD = [
    (["h = tanh(W @ x + U @ h_prv)"], "equations[1]", "unknown name 'h_prv'"),
    (["h = foo(W @ x)"], "equations[1]", "function 'foo'"),
    (["h = a + W @ x", "a = h"], "equations[1]", "cycle h -> a -> h"),
    (["h = W @ x + x"], "equations[1]", "size n"),
    (["h = x @ W"], "equations[1]", "weight-matrix parameter left of @"),
    (["h = tanh(W @ x"], "equations[1]", "')' closing the call"),
    (["h = W @ x", "h = x"], "equations[2]", "defined again"),
    (["h = W @ x + c_prev"], "equations[1]", "no equation defines 'c'"),
    (["h = W @ x", "x = h"], "equations[2]", "other than the input"),
    (["h_prev = W @ x"], "equations[1]", "not defined"),
    (["h = W @ x + W"], "equations[1]", "either as a matrix"),
    (["h = W @ x + x ** U"], "equations[1]", "a number as exponent"),
    (["h = W @ x / 0"], "equations[1]", "division by 0"),
    (["h = W @ x + $"], "equations[1]", "'$' at column 13"),
    (["h = W_2 @ x"], "equations[1]", "'W_2'"),
    (["lambda = W @ x"], "equations[1]", "reserved name 'lambda'"),
    (["h = W @ x", "ell = h"], "equations[2]", "reserved name 'ell'"),
    (["delta_h = W @ x"], "equations[1]", "reserved"),
    (["h = __import__(x)"], "equations[1]", "the function '__import__'"),
    (["h = __import__('os')"], "equations[1]", "at column 16"),
    (["h = W @ x +"], "equations[1]", "the end"),
    (["h W @ x"], "equations[1]", "'='"),
]


@pytest.mark.parametrize(("equations", "field", "message"), BAD)
def test_mistakes_are_input_errors_naming_the_equation(
    equations: list[str], field: str, message: str
) -> None:
    """Each mistake is one InputError naming the equation and what is wrong."""
    params = {"W": [[1, 2], [3, 4]], "U": [[1, 0], [0, 1]]}
    data = {
        "cell": {"equations": equations},
        "parameters": params,
        "sequence": {"x": [[1, 2]], "y": [[0, 0]]},
    }
    with pytest.raises(lstm_sym.InputError) as info:
        lstm_sym.problem_from_dict(data)
    assert f"cell.{field}" in str(info.value)
    assert message in str(info.value)


def test_deep_nesting_and_long_text_are_refused() -> None:
    """Pathological input is refused with an InputError, not a RecursionError."""
    with pytest.raises(lstm_sym.InputError, match="levels of nesting"):
        parse_equation("h = " + "(" * 500 + "x" + ")" * 500, "eq")
    with pytest.raises(lstm_sym.InputError, match="levels of nesting"):
        parse_equation("h = " + "-" * 500 + "x", "eq")
    with pytest.raises(lstm_sym.InputError, match="at most 2000 characters"):
        parse_equation("h = " + " + ".join(["x"] * 1000), "eq")


def test_cell_table_errors() -> None:
    """Unknown keys, a custom cell with a framework layout, or a --cell conflict are errors."""
    base: dict[str, Any] = {"parameters": {"W": 1}, "sequence": {"x": [1], "y": [0]}}
    with pytest.raises(lstm_sym.InputError, match=r"cell\.equation"):
        lstm_sym.problem_from_dict({**base, "cell": {"equation": ["h = W @ x"]}})
    with pytest.raises(lstm_sym.InputError, match=r"parameters\.layout"):
        lstm_sym.problem_from_dict(
            {
                **base,
                "cell": {"equations": ["h = W @ x"]},
                "parameters": {"layout": "keras", "W": 1},
            }
        )
    with pytest.raises(lstm_sym.InputError, match="--cell"):
        lstm_sym.problem_from_dict({**base, "cell": {"equations": ["h = W @ x"]}}, cell="gru")
    with pytest.raises(lstm_sym.InputError, match=r"cell\.dims\.b"):
        lstm_sym.problem_from_dict(
            {**base, "cell": {"equations": ["h = W @ x"], "dims": {"b": "1"}}}
        )
    with pytest.raises(lstm_sym.InputError, match=r"cell\.output"):
        lstm_sym.problem_from_dict({**base, "cell": {"equations": ["h = W @ x"], "output": "y"}})


def test_cli_solves_a_custom_cell(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`lstm-sym solve` takes a problem with a [cell] table; errors are one line."""
    assert main(["solve", "examples/custom_cell.toml", "--digits", "6"]) == 0
    assert "mgu cell" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[cell]\nequations = ["h = tanh(W @ x + V @ h_prev)"]\n[parameters]\nW = 1\n[sequence]\nx = [1]\ny = [0]\n'
    )
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown name 'V'" in err and "cell.equations[1]" in err


# -- printing and parsing agree ------------------------------------------------------------

_SYMBOLS = [template_symbol(name) for name in ("a", "b_c", "u")]
_FUNCTIONS = [f for name, f in ACTIVATIONS.items() if name != "identity"]


def _expressions() -> st.SearchStrategy[sympy.Expr]:
    leaves = st.sampled_from(_SYMBOLS) | st.builds(
        sympy.Rational, st.integers(-9, 9), st.integers(1, 4)
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda a, b: a + b, inner, inner),
            st.builds(lambda a, b: a - b, inner, inner),
            st.builds(lambda a, b: a * b, inner, inner),
            st.builds(lambda a, f: f(a), inner, st.sampled_from(_FUNCTIONS)),
            st.builds(lambda a: a**2, inner),
            st.builds(lambda a, b: a / (b**2 + 1), inner, inner),
        ),
        max_leaves=8,
    )


@settings(max_examples=60)
@given(expr=_expressions())
def test_printed_formulas_parse_back_to_the_same_expression(expr: sympy.Expr) -> None:
    """format_expr and the parser are inverses on pointwise formulas."""
    assume(expr.free_symbols)
    text = format_expr(expr)
    cell = parse_cell([f"q = {text}"], name="roundtrip", output="q")
    (equation,) = cell.equations
    assert sympy.simplify(equation.pointwise - expr) == 0

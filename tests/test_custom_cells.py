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
from lstm_sym.cli import main
from lstm_sym.limits import raised
from lstm_sym.names import template_symbol
from lstm_sym.spec.activations import ACTIVATIONS
from lstm_sym.spec.cells import CELLS
from lstm_sym.spec.custom.lower import parse_cell
from lstm_sym.spec.custom.syntax import format_expr, parse_equation
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


@pytest.mark.parametrize("name", ["x", "u"])
def test_input_size_comes_from_the_input_under_its_own_name(name: str) -> None:
    """The input's size is read from the sequence's entry of the cell's input, whatever its
    name: here only the inputs tell d (W is a flat list, one column of n = 2 rows)."""
    data = {
        "cell": {"equations": [f"h = tanh(W @ {name} + U @ h_prev + b)"], "input": name},
        "parameters": {"W": ["0.1", "0.2"], "U": [[1, 0], [0, 1]], "b": [0, 1]},
        "sequence": {name: ["0.5", "-0.3"], "y": [[1, 0], [0, 1]]},
    }
    problem = lstm_sym.problem_from_dict(data)
    assert problem.sizes == {"d": 1, "n": 2}
    assert problem.params["W"] == ((sympy.Rational(1, 10),), (sympy.Rational(1, 5),))
    data["parameters"]["W"] = [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(lstm_sym.InputError, match=rf"d=1 \(from sequence\[1\]\.{name}\)"):
        lstm_sym.problem_from_dict(data)


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
    (["h = 0 ** -1 * W @ x"], "equations[1]", "division by 0 in 0 ** (-1)"),
    (["h = 2 ** 20000 * W @ x"], "equations[1]", "limit number_exponent=1000"),
    (["h = 3 ** 999999999 * W @ x"], "equations[1]", "about 1e477121254"),
    (["h = 10 ** 10 ** 10 * W @ x"], "equations[1]", "10 ** 10000000000"),
    (["h = 0.5 ** 10 ** 10 * W @ x"], "equations[1]", "about 1e-3010299957"),
    (["h = 1e999 * 1e999 * W @ x"], "equations[1]", "about 1e1998"),
    (["h = (1 + 1e-999) ** 4 * W @ x"], "equations[1]", "limit number_digits=3000"),
    (["h = 2 ** 0.5 * W @ x"], "equations[1]", "a power that is a rational number"),
    (["h = (-8) ** (1/3) * W @ x"], "equations[1]", "(-8) ** (1/3)"),
    (["h = sigmoid(W @ x + sigmoid(1))"], "equations[1]", "the constant sigma(1)"),
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


def test_powers_and_products_count_as_nesting() -> None:
    """``x ^ x ^ …`` and ``W @ W @ …`` nest (right to left): refused past equation_depth."""
    with pytest.raises(lstm_sym.InputError, match="levels of nesting"):
        parse_equation("h = " + "x^" * 700 + "x", "eq")
    with pytest.raises(lstm_sym.InputError, match="levels of nesting"):
        parse_equation("h = " + "W@" * 600 + "x", "eq")
    parse_cell(["h = " + "U @ " * 30 + "W @ x"])  # within the limit: fine


def test_long_sums_and_products_need_no_recursion() -> None:
    """A sum or product of 250 terms (250 deep as a tree) becomes a cell."""
    with raised(equation_nodes=1000):
        cell = parse_cell(["h = W @ x + " + "+".join(["h_prev"] * 250)])
        assert str(cell.equations[0].pointwise) == "250*h_prev"
        cell = parse_cell(["h = W @ x + " + "*".join(["h_prev"] * 250) + "/2"])
    assert str(cell.equations[0].pointwise) == "h_prev**250/2"


def _one_step(equation: str, h0: Any = 0, **parameters: Any) -> dict[str, Any]:
    return {
        "cell": {"equations": [equation]},
        "parameters": {"W": [[1, 2]], **parameters},
        "sequence": {"x": [[1, 0]], "y": ["1/2"], "h_0": h0},
    }


@pytest.mark.parametrize(
    ("equation", "message"),
    [
        ("h = 1 / h_prev + W @ x", "step 1: h: division by zero (h_prev = 0)"),
        ("h = h_prev ** -0.5 + W @ x", "step 1: h: division by zero (h_prev = 0)"),
        ("h = (h_prev - 5) ** 0.5 + W @ x", "step 1: h: a root of a negative number (h_prev = 0)"),
        ("h = h_prev ** 0.5 + W @ x", "step 1: delta_h_prev: division by zero"),
    ],
)
def test_values_undefined_at_the_numbers_are_one_line_errors(
    equation: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1/0 and roots of negatives stop evaluation with an error naming step and quantity."""
    problem = lstm_sym.problem_from_dict(_one_step(equation))
    with pytest.raises(lstm_sym.InputError) as info:
        lstm_sym.solve(problem, 15, gradients=True)
    assert str(info.value).startswith(message)
    path = tmp_path / "p.toml"
    path.write_text(
        f'[cell]\nequations = ["{equation}"]\n[parameters]\nW = [[1, 2]]\n'
        "[sequence]\nx = [[1, 0]]\ny = [0.5]\n"
    )
    assert main(["solve", str(path), "--grad"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"lstm-sym: error: {message}")


def test_roots_of_nonnegative_values_are_real_and_right() -> None:
    """``(h_prev + 4) ** 0.5`` and ``h_prev ** -0.5`` are the real roots, to the last digit."""
    data = _one_step("h = (h_prev + 4) ** 0.5 + h_prev ** -0.5 + W @ x", h0=2)
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(data), 30)
    with mpmath.workdps(40):
        expected = mpmath.sqrt(6) + 1 / mpmath.sqrt(2) + 1
    assert str(solution["h_1"]) == mpmath.nstr(expected, 30)


@pytest.mark.parametrize("engine", ["arb", "mpmath"])
@pytest.mark.parametrize(
    "name", ["mpf", "mpc", "arb", "e", "pi", "x0", "x1", "sqrt_q", "power", "inf"]
)
def test_names_of_the_evaluation_namespace_are_plain_names(name: str, engine: str) -> None:
    """A parameter called mpf (or arb, e, pi, x0) is a number like any other name, in both engines."""
    data = _one_step(f"h = tanh(W @ x + {name} * h_prev + {name} * {name} / 3)", h0=1)
    data["parameters"][name] = "1/2"
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(data), 20, engine=engine)
    with mpmath.workdps(40):
        expected = mpmath.tanh(1 + mpmath.mpf(1) / 2 + mpmath.mpf(1) / 12)
    assert str(solution["h_1"]) == mpmath.nstr(expected, 20)


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
_FUNCTIONS = [a.function for name, a in ACTIVATIONS.items() if name != "identity"]


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

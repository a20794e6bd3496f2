"""The named straight-line program: templates, views, named and closed forms."""

from __future__ import annotations

import random
import time

import mpmath
import pytest
import sympy
from codegen_cases import random_array_case
from sympy.matrices.expressions import MatrixExpr

from lstm_sym import (
    CELLS,
    LOSSES,
    Model,
    Name,
    TooLargeError,
    load_problem,
    loads_problem,
    problem_from_dict,
)
from lstm_sym.derive.program import Program
from lstm_sym.derive.template import loss_template
from lstm_sym.names import symbol
from lstm_sym.spec.activations import mpmath_functions
from reference import mp_value

ONE_STEP = """
[parameters]
W_f = 1
W_i = -1
W_o = 3
W_c = 1
U_f = 0.5
U_i = 2
U_o = -1
U_c = 1.5
b_f = 0.2
b_i = -0.1
b_o = 0.8
b_c = 0.5
[sequence]
x = [1]
y = [0.5]
h_0 = 0.1
c_0 = 0.2
"""


def long_problem(steps: int, size: int = 2) -> str:
    """A problem with `steps` time steps and d = n = `size` (values cycle deterministically)."""
    rng = random.Random(steps * 100 + size)

    def m(rows: int, cols: int) -> str:
        return (
            "["
            + ", ".join(
                "[" + ", ".join(f'"{rng.randint(-9, 9)}/10"' for _ in range(cols)) + "]"
                for _ in range(rows)
            )
            + "]"
        )

    params = "\n".join(
        f"W_{g} = {m(size, size)}\nU_{g} = {m(size, size)}\nb_{g} = {m(1, size)[1:-1]}"
        for g in "fioc"
    )
    xs = m(steps, size)
    ys = m(steps, size)
    return f"[parameters]\n{params}\n[sequence]\nx = {xs}\ny = {ys}\n"


def test_named_forms_are_small_and_over_earlier_names() -> None:
    """Each assignment reads only parameters, data and names defined before it."""
    program = Model.load("examples/hw6.toml").program()
    seen: set[sympy.Basic] = set()
    leaves = {a.symbol for a in program}
    for assignment in program:
        for sym in assignment.expr.free_symbols:
            assert sym in seen or sym not in leaves, (assignment.name, sym)
        seen.add(assignment.symbol)
    assert str(program["c_2"].expr) == "c_1*f_2 + c_tilde_2*i_2"
    assert str(program["delta_c_1"].expr) == "delta_c_2*f_2 + delta_h_1*o_1*(1 - tanh(c_1)**2)"
    assert str(program["delta_z_f_2"].expr) == "delta_f_2*f_2*(1 - f_2)"
    assert str(program["dL_db_f"].expr) == "delta_z_f_1 + delta_z_f_2"


def test_sigmoid_derivative_comes_from_differentiation() -> None:
    """σ' appears as f(1 − f) over the named gate, tanh' as 1 − c̃²: derived, not typed."""
    program = Model.load("examples/hw6.toml").program()
    assert program["delta_z_i_1"].expr == symbol(Name("delta_i", 1)) * symbol(Name("i", 1)) * (
        1 - symbol(Name("i", 1))
    )
    assert "exp" not in str(program["delta_z_o_2"].expr)
    assert str(program["delta_z_c_2"].expr) == "delta_c_tilde_2*(1 - c_tilde_2**2)"


def test_template_is_derived_once_whatever_t() -> None:
    """Problems of any length share one step template; the program grows linearly in T."""
    short = load_problem("examples/hw6.toml")
    long = loads_problem(long_problem(40, 1).replace("[sequence]", "[sequence]"))
    t1 = loss_template(short.cell, short.loss, short.loss_scale)
    t2 = loss_template(long.cell, long.loss, long.loss_scale)
    assert t1 is t2
    lengths = [len(Program(loads_problem(long_problem(steps, 1)))) for steps in (5, 10, 20)]
    assert lengths[1] - lengths[0] == (lengths[2] - lengths[1]) // 2


def test_single_lookup_builds_only_what_it_needs() -> None:
    """Looking up one name of a 1,000-step program does not build the other steps."""
    program = Program(loads_problem(long_problem(1000, 2)))
    start = time.perf_counter()
    assignment = program["h_500[2]"]
    assert time.perf_counter() - start < 0.5
    assert str(assignment.expr) == "o_500[2]*tanh(c_500[2])"
    assert "assignments" not in vars(program)


def test_vector_view() -> None:
    """The vector view uses matrix products, Hadamard products and elementwise functions."""
    program = Program(loads_problem(long_problem(2, 2)), view="vector")
    z = program["z_f_2"]
    assert z.symbol.shape == (2, 1)
    assert str(z.expr) == "U_f*h_1 + W_f*x_2 + b_f"
    assert "HadamardProduct" in sympy.srepr(program["c_2"].expr)
    assert str(program["dL_dh_0"].expr).startswith("U_c.T*delta_z_c_1")
    assert program["dL_dW_f"].symbol.shape == (2, 2)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_vector_view_with_a_head(cell: str, loss: str, batch: int) -> None:
    """Every cell × loss × batch after a linear head has a vector view of well-shaped lines."""
    case = random_array_case(cell, loss, 3, n=2, d=1, m=3, steps=2, batch=batch, head="linear")
    program = Program(problem_from_dict(case.data), view="vector")
    for assignment in program:
        expr, sym = assignment.expr, assignment.symbol
        if isinstance(sym, sympy.MatrixSymbol):
            assert isinstance(expr, MatrixExpr) and expr.shape == sym.shape, assignment.name
        else:  # a scalar, or a sum over components (1ᵀ v, a 1 × 1 product)
            assert not isinstance(expr, MatrixExpr) or expr.shape == (1, 1), assignment.name


def test_vector_view_at_the_last_step_has_no_incoming_term() -> None:
    """At step T nothing flows back from step T+1: δh_T is Vᵀ δŷ_T alone (it failed to build)."""
    program = Program(load_problem("examples/classifier.toml"), view="vector")
    assert str(program["delta_h_3"].expr) == "V.T*delta_y_hat_3"
    assert str(program["delta_h_2"].expr) == "U_h.T*delta_z_h_3 + V.T*delta_y_hat_2"


SCALAR_PARAMETER = """
[cell]
equations = ["h = tanh(W @ x + alpha + alpha * h_prev)"]
dims = { alpha = "1" }
[parameters]
W = [[1, 2]]
alpha = 0.5
[sequence]
x = [[1, 0], [0.5, -1]]
y = [0.5, 0.8]
"""


def test_size_one_parameter_gradient_shares_are_per_step() -> None:
    """A size-1 parameter's gradient sums one named share per step, in both views."""
    problem = loads_problem(SCALAR_PARAMETER)
    for view in ("scalar", "vector"):
        program = Program(problem, view=view)
        total = program["dL_dalpha"]
        assert str(total.expr) == "dL_dalpha__z_h_1 + dL_dalpha__z_h_2", view
        assert "h_0" in str(program["dL_dalpha__z_h_1"].expr), view
    model = Model(problem)
    loss, alpha = model.closed_form("L"), symbol(Name("alpha"))
    difference = sympy.diff(loss, alpha) - model.closed_form("dL_dalpha")
    rng = random.Random(5)
    for _ in range(3):
        point = {s: sympy.Rational(rng.randint(-9, 9), 7) for s in difference.free_symbols}
        assert abs(difference.xreplace(point).evalf(40)) < 1e-35


def test_closed_form_gradients_equal_diff_of_closed_form_loss() -> None:
    """∂L/∂θ in closed form is exactly sympy.diff of the closed-form loss (one step)."""
    model = Model(loads_problem(ONE_STEP))
    loss = model.closed_form("L")
    for grad, var in [
        ("dL_dW_f", Name("W_f")),
        ("dL_dU_c", Name("U_c")),
        ("dL_db_o", Name("b_o")),
        ("dL_dc_0", Name("c", 0)),
        ("dL_dh_0", Name("h", 0)),
    ]:
        assert sympy.expand(sympy.diff(loss, symbol(var)) - model.closed_form(grad)) == 0, grad


def test_closed_form_gradients_of_the_homework_at_random_points() -> None:
    """For T = 2, diff of the closed-form loss and the closed-form gradients agree at random points."""
    model = Model.load("examples/hw6.toml")
    loss = model.closed_form("L")
    leaves = sorted(loss.free_symbols, key=str)
    rng = random.Random(6)
    point = {s: sympy.Rational(rng.randint(-20, 20), 10) for s in leaves}
    with mpmath.workdps(40):
        for name in ["dL_dW_f[1,2]", "dL_dU_i", "dL_db_c", "dL_dh_0", "dL_dx_1[1]"]:
            var = symbol(Name.parse(name.replace("dL_d", "")) or Name(""))
            closed = model.closed_form(name).xreplace(point)
            derivative = sympy.diff(loss, var).xreplace(point)
            assert abs(mp_value(closed) - mp_value(derivative)) < mpmath.mpf("1e-35"), name


def test_closed_form_refused_at_once_when_too_large() -> None:
    """A closed form beyond the limit is refused before it is built, naming its size and the
    limit: this process's CPU time (other processes' load does not count) stays far below
    what building the 30-step expression takes."""
    model = Model(loads_problem(long_problem(30, 2)))
    start = time.process_time()
    with pytest.raises(TooLargeError, match=r"closed form of h_30\[1\].* about .* nodes"):
        model.closed_form("h_30[1]")
    assert time.process_time() - start < 2
    assert model.closed_form("h_1[1]").free_symbols


def test_named_values_equal_their_expressions() -> None:
    """Evaluating each named expression on earlier values reproduces the value of its name."""
    model = Model.load("examples/hw6.toml")
    values = model.numeric(40, gradients=True)
    problem = load_problem("examples/hw6.toml")
    with mpmath.workdps(40):
        env = {symbol(n): v for n, v in values.items()}
        for name, value in problem.params.items():  # the homework: 1×d rows and scalars
            row = value[0]
            entries = row if isinstance(row, tuple) else (row,)
            for j, entry in enumerate(entries):
                key = Name(name, None, (1, j + 1)) if len(entries) > 1 else Name(name)
                env[symbol(key)] = mpmath.mpf(entry.p) / entry.q
        seq = problem.sequences[0]
        for t, (x, y) in enumerate(zip(seq.x, seq.targets, strict=True), start=1):
            env |= {symbol(Name("x", t, (k + 1,))): mpmath.mpf(v.p) / v.q for k, v in enumerate(x)}
            env[symbol(Name("y", t))] = mpmath.mpf(y[0].p) / y[0].q  # type: ignore[index]
        env |= {symbol(Name("h", 0)): mpmath.mpf(0), symbol(Name("c", 0)): mpmath.mpf(0)}
        for assignment in model.program():
            args = sorted(assignment.expr.free_symbols, key=str)
            function = sympy.lambdify(args, assignment.expr, modules=[mpmath_functions(), "mpmath"])
            value = function(*(env[a] for a in args))
            assert abs(value - values[assignment.name]) < mpmath.mpf("1e-35"), assignment.name

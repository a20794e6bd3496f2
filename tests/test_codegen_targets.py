"""Code-generation targets and the runtime code generated modules carry.

A target answers every question of its kind of module; the runtime helpers are real Python,
copied verbatim; and a new scalar target is one :class:`Target` (here: exact rationals).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from codegen_cases import random_array_case

from lstm_sym import Model, problem_from_dict
from lstm_sym.codegen import lambdify
from lstm_sym.codegen.api import load_module, resolve
from lstm_sym.codegen.generate import WRITERS
from lstm_sym.codegen.plan import Plan, sizes_of
from lstm_sym.codegen.printer import print_expr
from lstm_sym.codegen.runtime import copied_source, mpmath_scalar, python_scalar, workspace
from lstm_sym.codegen.targets import (
    BACKENDS,
    MPMATH_SCALAR,
    NUMPY_VECTOR,
    PYTHON_SCALAR,
    STYLES,
    TARGETS,
    Target,
    target_for,
)
from lstm_sym.errors import InputError
from lstm_sym.names import Name

A = sympy.Symbol("a", real=True)


def test_targets_by_style_and_backend() -> None:
    """Styles and backends are read off the targets; a one-style backend ignores the style."""
    assert STYLES == ("vector", "scalar")
    assert BACKENDS == ("numpy", "mpmath")
    assert set(TARGETS) == {"numpy", "python", "mpmath"}
    assert all(t.kernel_code == t.name for t in TARGETS.values())  # each carries its own
    assert target_for("vector", "numpy") is NUMPY_VECTOR
    assert target_for("scalar", "numpy") is PYTHON_SCALAR
    assert target_for("vector", "mpmath") is MPMATH_SCALAR
    with pytest.raises(InputError, match="backend"):
        target_for("scalar", "jax")
    with pytest.raises(InputError, match="style"):
        target_for("diagonal", "numpy")


@pytest.mark.parametrize(
    ("target", "expr", "text"),
    [
        (NUMPY_VECTOR, sympy.Rational(2, 5) * A + 2, "2.0 + 2.0*a/5.0"),
        (MPMATH_SCALAR, sympy.Rational(2, 5) * A + 2, "_mpf(2) + _mpf(2)*a/_mpf(5)"),
        (NUMPY_VECTOR, 3 * sympy.tanh(A) ** 2, "3.0*(np.tanh(a))**2"),
        (PYTHON_SCALAR, A**2 + sympy.exp(A), "(a*a) + _exp(a)"),
        (NUMPY_VECTOR, A**2 + sympy.exp(A), "a**2 + np.exp(a)"),
        (NUMPY_VECTOR, sympy.sqrt(A), "np.sqrt(a)"),
        (PYTHON_SCALAR, A ** sympy.Rational(1, 3), "_pow(a, 0.3333333333333333)"),
        (MPMATH_SCALAR, A ** sympy.Rational(1, 3), "_pow(a, (_mpf(1) / 3))"),
        (MPMATH_SCALAR, sympy.Max(A, 1), "max(_mpf(1), a)"),
    ],
)
def test_printer_asks_the_target(target: Target, expr: sympy.Expr, text: str) -> None:
    """Numbers, elementary functions, roots and Max are written as the target says."""
    assert print_expr(expr, target, {}, set()) == text


def test_inline_and_helper_activations() -> None:
    """σ of a name is inline in Python-float code, a helper call elsewhere."""
    from lstm_sym.spec.functions import sigma
    from lstm_sym.spec.kernels import SIGMA

    helpers: set[str] = set()
    assert print_expr(sigma(A), PYTHON_SCALAR, {}, helpers).startswith("(1.0 / (1.0 + _exp(-a))")
    assert not helpers
    assert print_expr(sigma(A), MPMATH_SCALAR, {}, helpers) == "sigma(a)"
    assert helpers == {"sigma"}
    with pytest.raises(ValueError, match="no numpy code for Max"):
        print_expr(sympy.Max(A, 0), NUMPY_VECTOR, {}, set())
    assert MPMATH_SCALAR.helper_source(helpers) == SIGMA.mpmath_code  # the kernel's code
    with pytest.raises(ValueError, match="no python implementation of nothing"):
        PYTHON_SCALAR.helper_source({"nothing"})


def test_runtime_is_copied_verbatim() -> None:
    """Each target's runtime code appears in its modules exactly as in its file."""
    vector = lambdify(cell="gru", style="vector").source
    scalar = lambdify(cell="gru", style="scalar", sizes={"n": 2, "d": 2}).source
    reference = lambdify(cell="gru", backend="mpmath", sizes={"n": 2, "d": 2}).source
    assert copied_source(workspace) in vector
    assert copied_source(python_scalar) == PYTHON_SCALAR.preamble
    assert PYTHON_SCALAR.preamble in scalar and "_SPARE" not in scalar
    assert MPMATH_SCALAR.preamble in reference and "def _sqrt(a):" in MPMATH_SCALAR.preamble


def test_workspace_runtime() -> None:
    """The work buffers: reused for the same key only, aligned copies, history reshapes."""
    buffers = workspace._take_buffers("key")
    assert buffers == {}
    first = workspace._buffer(buffers, "h", (2, 3), np.float64)
    assert workspace._buffer(buffers, "h", (2, 3), np.float64) is first
    workspace._keep_buffers("key", buffers)
    assert workspace._take_buffers("other") == {}  # a spare set for other sizes is dropped
    workspace._keep_buffers("key", buffers)
    assert workspace._take_buffers("key")["h"] is first
    workspace._keep_buffers("key", buffers)
    workspace.release_buffers()
    assert workspace._take_buffers("key") == {}
    matrix = np.arange(12.0).reshape(3, 4)
    aligned = workspace._aligned(matrix)
    assert aligned.ctypes.data % 64 == 0 and aligned.flags.c_contiguous
    np.testing.assert_array_equal(aligned, matrix)
    history = np.arange(24.0).reshape(2, 3, 4)
    rows = workspace._rows(history)
    assert rows.shape == (6, 4)
    np.testing.assert_array_equal(workspace._steps(rows, 2, 3), history)


def test_mpmath_runtime_roots_are_real() -> None:
    """Roots of negative numbers fail as math.sqrt does, instead of turning complex."""
    assert mpmath_scalar._sqrt(mpmath.mpf(4)) == 2
    assert mpmath_scalar._pow(mpmath.mpf(8), mpmath.mpf(1) / 3) == pytest.approx(2)
    with pytest.raises(ValueError, match="math domain error"):
        mpmath_scalar._sqrt(mpmath.mpf(-1))
    with pytest.raises(ValueError, match="math domain error"):
        python_scalar._pow(-8.0, 1 / 3)


#: A new target in one object: scalar code over exact rationals (fractions.Fraction). It
#: carries the kernels' mpmath code, which writes exact constants as ``_mpf(p) / q``.
FRACTIONS = dataclasses.replace(
    MPMATH_SCALAR,
    name="fractions",
    backend="fractions",
    imports="from fractions import Fraction\n\nimport numpy as np\n",
    preamble="_mpf = Fraction\n",
    number_type="Fraction",
)


def _close(value: Fraction, reference: mpmath.mpf) -> bool:
    """``value`` equals the 60-digit ``reference`` to 50 digits (0 exactly when it is 0)."""
    exact = mpmath.mpf(value.numerator) / value.denominator
    return bool(abs(exact - reference) <= mpmath.mpf(10) ** -50 * abs(reference))


def test_a_new_target_is_one_object() -> None:
    """Piecewise-linear activations keep every value rational: the generated code over
    Fractions gives lstm_sym's loss and gradients to 50 digits (exact rationals)."""
    activations = {"gate": "hard_sigmoid", "candidate": "relu", "output": "relu"}
    case = random_array_case("lstm", "half_sse", 5, n=2, d=2, steps=3, batch=2)
    model = Model(problem_from_dict({**case.data, "activations": activations}))
    cell, loss, _ = resolve(None, "lstm", "half_sse", "none", activations)
    plan = Plan.build(cell, loss)
    source = WRITERS[FRACTIONS.style](plan, FRACTIONS, sizes_of(plan, case.sizes), None)
    assert "Backend: fractions; style: scalar" in source
    assert "(_mpf(1) / 6)" in source  # hard_sigmoid's slope, exactly
    assert "/Fraction(2)" in source  # half_sse's ½, written by the target
    module = load_module(source, "lstm_fractions")
    total, grads = module.loss_and_grad(
        case.params, case.x, case.y, case.initial["h"], case.initial["c"]
    )
    with mpmath.workdps(60):
        reference = model.numeric(60, gradients=True)
        assert isinstance(total, Fraction)
        assert _close(total, reference[Name("L")])
        for (r, c), value in np.ndenumerate(grads["dL_dW_f"]):
            assert _close(value, reference[Name("dL_dW_f", None, (r + 1, c + 1))])
        for (b, k), value in np.ndenumerate(grads["dL_dc_0"]):
            assert _close(value, reference[Name("dL_dc", 0, (k + 1,), b + 1)])

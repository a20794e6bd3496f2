"""Saturated gates (|pre-activation| up to ~400): every certified digit against mpmath references."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath
import pytest
import sympy
from cell_strategies import CellCase, random_case
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mp_reference import (
    Reference,
    assert_correctly_rounded,
    lstm_gradients,
    values_by_label,
)

import lstm_sym
from lstm_sym.derive.template import plain_template
from lstm_sym.evaluate.stable import saturating_names, stable_form
from lstm_sym.model import Model
from lstm_sym.spec.activations import mpmath_functions
from lstm_sym.spec.functions import sigma, sigma_complement, tanh_complement

DIGITS = 20


def with_biases(case: CellCase, bias: int) -> CellCase:
    """``case`` with every bias set to ±``bias`` (signs alternating over parameters)."""
    sign = 1
    for name, value in case.params.items():
        if name.startswith("b_"):
            case.params[name] = [Fraction(sign * bias)] * len(value)
            sign = -sign
    return case


def reference_of(case: CellCase) -> Reference:
    return Reference(case.cell, case.params, case.xs, case.ys, case.initial)


def check_solution(case: CellCase, solution: Any, *, analytic: bool = False) -> None:
    """Every forward value and every gradient of ``solution`` is correctly rounded."""
    largest = max(abs(v) for vs in case.params.values() for v in _flat(vs))
    # a saturated gate cancels against 1 (c = i·c̃ − f loses ~|z|/2.3 digits): the reference
    # needs |z| digits more (up to the biases' ±400 of these tests: W_f = 1e10 saturates
    # past any cancellation); differences need those of the smallest gradient (e^(-2|z|))
    extra = min(int(largest), 500) if analytic else 2 * int(largest)
    with mpmath.workdps(3 * DIGITS + 60 + extra):
        ref = reference_of(case)
        steps, loss = ref.run()
        expected = values_by_label(steps, loss)
        expected.update(lstm_gradients(ref) if analytic else ref.finite_differences(DIGITS))
        for label, value in expected.items():
            assert_correctly_rounded(solution[label], value, DIGITS, label)


def _flat(value: Any) -> list[Fraction]:
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    return [value]


@pytest.mark.parametrize("cell", ["lstm", "lstm_peephole", "lstm_cifg", "gru"])
@pytest.mark.parametrize("bias", [100, 400])
def test_saturated_cells_match_finite_differences(cell: str, bias: int) -> None:
    """Biases of ±100 and ±400 saturate the gates; values and gradients keep every digit."""
    case = with_biases(random_case(cell, bias, n=2, d=1, steps=2), bias)
    problem = lstm_sym.problem_from_dict(case.to_dict())
    check_solution(case, lstm_sym.solve(problem, DIGITS, gradients=True))


def homework(**changes: Any) -> CellCase:
    """The homework (examples/hw6.toml) as exact numbers, with some parameters changed."""
    q = Fraction
    params: dict[str, Any] = {
        "W_f": [[q(1), q(2)]], "W_i": [[q(-1), q(0)]], "W_o": [[q(3), q(0)]], "W_c": [[q(1), q(2)]],
        "U_f": [[q(1, 2)]], "U_i": [[q(2)]], "U_o": [[q(-1)]], "U_c": [[q(3, 2)]],
        "b_f": [q(1, 5)], "b_i": [q(-1, 10)], "b_o": [q(4, 5)], "b_c": [q(1, 2)],
    }  # fmt: skip
    params.update(changes)
    xs = [[q(1), q(0)], [q(1, 2), q(-1)]]
    return CellCase(
        "lstm", {"n": 1, "d": 2}, params, xs, [[q(1, 2)], [q(4, 5)]], {"h": [q(0)], "c": [q(0)]}
    )


def test_forget_bias_400_gradient_is_not_zero() -> None:
    """The homework with b_f = 400: ∂L/∂b_f is about -1.3e-174, not a 'certified' 0."""
    case = homework(b_f=[Fraction(400)])
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), DIGITS, gradients=True)
    assert solution["dL_db_f"] == Decimal("-1.2954154769525387807E-174")
    assert solution["f_1"] == 1  # σ(401) = 1 − 3e-175 rounds to 1 at 20 digits
    check_solution(case, solution, analytic=True)


@settings(max_examples=12)
@given(
    biases=st.lists(st.integers(-400, 400), min_size=4, max_size=4),
    seed=st.integers(0, 1000),
)
@example(biases=[237, 229, 0, 117], seed=216)  # c_1 = i·c̃ − f cancels to 6.8e-102
def test_random_saturation_matches_textbook_bptt(biases: list[int], seed: int) -> None:
    """Random gate biases in [−400, 400]: certified gradients equal textbook BPTT at high precision."""
    case = random_case("lstm", seed, n=1, d=2, steps=3)
    for gate, bias in zip("fioc", biases, strict=True):
        case.params[f"b_{gate}"] = [Fraction(bias)]
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), DIGITS, gradients=True)
    check_solution(case, solution, analytic=True)


def test_named_program_keeps_the_textbook_derivatives() -> None:
    """The derived expressions still read σ(1 − σ) and 1 − tanh²: the rewrite is evaluation-only."""
    model = Model.load("examples/hw6.toml")
    f_2, delta_f_2 = sympy.Symbol("f_2", real=True), sympy.Symbol("delta_f_2", real=True)
    assert model.expr("delta_z_f_2") == delta_f_2 * f_2 * (1 - f_2)
    assert "tanh_complement" not in str(model.expr("delta_c_2"))


def test_stable_form_rewrites_each_complement() -> None:
    """1 − f (f = σ(z_f)), 1 − g² (g = tanh) and 1 − σ(a) become the complement functions."""
    names = saturating_names(plain_template(lstm_sym.spec.cells.get_cell("lstm")).forward)
    f, z_f, g, z_c, a, d = sympy.symbols("f z_f c_tilde z_c a delta", real=True)
    assert stable_form(d * f * (1 - f), names) == d * f * sigma_complement(f, z_f)
    assert stable_form(d * (1 - g**2), names) == d * tanh_complement(g, z_c)
    assert stable_form(1 - sigma(a) + d, names) == sigma_complement(sigma(a), a) + d
    assert stable_form(d * (1 - a), names) == d * (1 - a)  # a is no gate: unchanged


@pytest.mark.parametrize("a", ["0.5", "20", "400", "-400", "1e10"])
def test_complement_implementations_are_exact_in_relative_terms(a: str) -> None:
    """σ(−a) and sech²(a) from the complement functions, to full relative precision."""
    with mpmath.workdps(30):
        x = mpmath.mpf(a)
        functions = mpmath_functions()
        s, t = functions["sigma"](x), mpmath.tanh(x)
        one_minus_s = functions["sigma_complement"](s, x)
        one_minus_t2 = functions["tanh_complement"](t, x)
        with mpmath.workdps(60):
            assert one_minus_s == pytest.approx(1 / (1 + mpmath.exp(x)), rel=1e-28)
            assert one_minus_t2 == pytest.approx(mpmath.sech(x) ** 2, rel=1e-28)

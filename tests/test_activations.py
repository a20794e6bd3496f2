"""The activations' records and the piecewise-linear activations: exact values, derivatives,
mpmath and NumPy backends."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_sym.spec.activations import ACTIVATIONS, kernels, mpmath_functions
from lstm_sym.spec.functions import (
    hard_sigmoid,
    hard_sigmoid_keras2,
    hard_sigmoid_prime,
    relu,
    relu_prime,
    sigma,
)

CLIPPED_LINEAR = (relu, hard_sigmoid, hard_sigmoid_keras2)
MPMATH_FUNCTIONS = mpmath_functions()
NUMPY_SOURCE = {name: kernel.numpy for name, kernel in kernels().items() if kernel.numpy}

R = sympy.Rational
a = sympy.Symbol("a", real=True)


def test_exact_values_and_kinks() -> None:
    """Rational arguments give exact rationals; the kinks are where Keras puts them."""
    assert hard_sigmoid(R(3, 2)) == R(3, 4)
    assert hard_sigmoid(-3) == 0 and hard_sigmoid(3) == 1
    assert hard_sigmoid_keras2(R(5, 2)) == 1 and hard_sigmoid_keras2(1) == R(7, 10)
    assert relu(R(-1, 3)) == 0 and relu(R(1, 3)) == R(1, 3)
    assert relu(sympy.tanh(1) - R(1, 2)) == sympy.tanh(1) - R(1, 2)


def test_derivatives_come_from_differentiation() -> None:
    """d/da of each activation is its prime function: slope inside, 0 outside and at kinks."""
    assert sympy.diff(hard_sigmoid(a), a) == hard_sigmoid_prime(a)
    assert sympy.diff(relu(2 * a), a) == 2 * relu_prime(2 * a)
    assert [hard_sigmoid_prime(v) for v in (-3, R(-29, 10), 0, 3)] == [0, R(1, 6), R(1, 6), 0]
    assert relu_prime(0) == 0 and relu_prime(R(1, 10**9)) == 1


def test_latex() -> None:
    """Sheets print the activations with operator names."""
    assert sympy.latex(relu(a)) == r"\operatorname{relu}\left(a\right)"
    assert sympy.latex(hard_sigmoid_prime(a)) == r"\operatorname{hardsigmoid}'\left(a\right)"


@settings(max_examples=80)
@given(num=st.integers(-40, 40), den=st.sampled_from([1, 3, 7, 10]))
def test_mpmath_agrees_with_exact(num: int, den: int) -> None:
    """The mpmath implementations equal the exact values (function and derivative)."""
    value = R(num, den)
    with mpmath.workdps(40):
        for function in CLIPPED_LINEAR:
            for f in (function, function.prime):
                mp = MPMATH_FUNCTIONS[f.__name__](mpmath.mpf(num) / den)
                assert abs(mp - mpmath.mpf(sympy.N(f(value), 50))) < mpmath.mpf("1e-38")


def _numpy_functions() -> dict[str, object]:
    namespace: dict[str, object] = {"np": np}
    for source in NUMPY_SOURCE.values():
        exec(source, namespace)  # our own generated source, as code generation uses it
    return namespace


@pytest.mark.parametrize("name", sorted(NUMPY_SOURCE))
def test_numpy_sources_are_stable_and_agree(name: str) -> None:
    """Each NumPy implementation is warning-free on extreme inputs and matches mpmath."""
    function = _numpy_functions()[name]
    points = np.array([-1e308, -1e3, -3.5, -3.0, -2.5, -0.1, 0.0, 0.1, 2.5, 3.0, 7.0, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = function(points)  # type: ignore[operator]
    assert np.all(np.isfinite(values)) or name == "relu"
    with mpmath.workdps(30):
        expected = [
            float(MPMATH_FUNCTIONS.get(name, MPMATH_FUNCTIONS["sigma"])(mpmath.mpf(p)))
            for p in points
        ]
    assert values.tolist() == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_slopes_are_derived_from_the_functions() -> None:
    """f' over f's own value comes from differentiation: σ → v(1 − v), tanh → 1 − v²."""
    v = sympy.Symbol("v")
    assert ACTIVATIONS["sigmoid"].slope(v) == v * (1 - v)
    assert ACTIVATIONS["tanh"].slope(v) == 1 - v**2
    assert ACTIVATIONS["relu"].slope(v) is None  # relu' needs the argument, not relu(a)
    assert ACTIVATIONS["identity"].slope(v) is None


def test_records_name_what_they_take() -> None:
    """Each record lists its grammar name, SymPy function and kernels; names stay unique."""
    sigmoid = ACTIVATIONS["sigmoid"]
    assert sigmoid.function is sigma and sigmoid.written == "σ"
    assert sigmoid.reserved == {"sigmoid", "sigma", "sigma_complement"}
    assert ACTIVATIONS["relu"].reserved == {"relu", "relu_prime"}
    names = [kernel.name for a in ACTIVATIONS.values() for kernel in a.kernels]
    assert len(names) == len(set(names))

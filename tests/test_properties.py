"""Property tests over random shapes, exact values, batches and loss kinds."""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import given, settings

from lstm_sym import Model, Name, TooLargeError, problem_from_dict
from lstm_sym.testing import check_gradients
from reference import Case, mp_value, numpy_forward
from strategies import cases

FORWARD_NAMES = ("z_f", "f", "z_i", "i", "z_o", "o", "z_c", "c_tilde", "c", "h")


def _component(value: np.ndarray, index: tuple[int, ...]) -> float:
    return float(value[index[0] - 1]) if index else float(value[0])


@given(cases())
def test_forward_matches_independent_numpy(case: Case) -> None:
    """Every gate, state and the loss agree with a float64 NumPy forward pass."""
    problem = problem_from_dict(case.to_dict())
    values = Model(problem).numeric(30)
    steps, loss = numpy_forward(case)
    for b, seq_steps in enumerate(steps):
        seq = problem.seq_label(b)
        for t, step in enumerate(seq_steps, start=1):
            for base in FORWARD_NAMES:
                for k in range(case.n):
                    index = (k + 1,) if case.n > 1 else ()
                    exact = float(values[Name(base, t, index, seq)])
                    assert np.isclose(exact, step[base][k], rtol=1e-12, atol=1e-12), (base, t, k)
    assert np.isclose(float(values[Name("L")]), loss, rtol=1e-12, atol=1e-12)


@settings(max_examples=15)
@given(cases())
def test_gradients_match_50_digit_central_differences(case: Case) -> None:
    """Symbolic gradients of every input agree with 50-digit central differences to 1e-30."""
    report = check_gradients(problem_from_dict(case.to_dict()), dps=50)
    with mpmath.workdps(50):
        for symbolic, difference in report.values.values():
            assert abs(symbolic - difference) <= mpmath.mpf("1e-30") * max(1, abs(symbolic))


@settings(max_examples=10)
@given(cases(max_size=2, max_steps=2, max_batch=2))
def test_exact_and_numeric_values_agree(case: Case) -> None:
    """Exact values (SymPy rationals, σ and tanh) agree with the mpmath values to 35 digits."""
    model = Model(problem_from_dict(case.to_dict()))
    numeric = model.numeric(40, gradients=True)
    try:
        exact = model.exact(gradients=True)
    except TooLargeError:
        exact = model.exact()
    with mpmath.workdps(45):
        cache: dict[object, object] = {}
        for name, expr in exact.items():
            value = mp_value(expr, cache)
            assert abs(value - numeric[name]) <= mpmath.mpf("1e-35") * max(1, abs(value)), name

"""Generated NumPy functions at extreme weights: warning-free, finite, and still right."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import HW6

import lstm_sym
from lstm_sym.problem import problem_from_dict, read_toml

X = np.array([[[1.0, 0.0], [0.5, -1.0]]])
Y = np.array([[[0.5], [0.8]]])


def _params(scale: float, dtype: type) -> dict[str, np.ndarray]:
    problem = lstm_sym.load_problem(HW6)
    return {k: (np.array(v, dtype=float) * scale).astype(dtype) for k, v in problem.params.items()}


@pytest.mark.parametrize("style", ["scalar", "vector"])
@pytest.mark.parametrize("scale", [1e6, -1e6, 1e-30, -1e-30])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_weights_are_warning_free_and_finite(style: str, scale: float, dtype: type) -> None:
    """Weights of ±1e6 and ±1e-30 give finite values and gradients, with no NumPy warning."""
    functions = lstm_sym.lambdify(HW6, style=style)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = functions.loss_and_grad(
            _params(scale, dtype), X.astype(dtype), Y.astype(dtype)
        )
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())


@pytest.mark.parametrize("style", ["scalar", "vector"])
def test_extreme_weights_agree_with_certified_values(style: str) -> None:
    """At weights ×1e6 the float64 functions agree with the certified values."""
    data = read_toml(HW6)
    data["parameters"] = {
        k: [v * 10**6 for v in value] if isinstance(value, list) else value * 10**6
        for k, value in data["parameters"].items()
    }
    solution = lstm_sym.solve(problem_from_dict(data), 20, gradients=True)
    loss, grads = lstm_sym.lambdify(HW6, style=style).loss_and_grad(_params(1e6, np.float64), X, Y)
    assert float(loss) == pytest.approx(float(solution["L"]), rel=1e-12)
    assert float(grads["dL_db_c"][0]) == pytest.approx(
        float(solution["dL_db_c"]), rel=1e-9, abs=1e-300
    )

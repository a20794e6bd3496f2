"""lstm_sym.gradcheck on live Keras layers (torch backend); skipped without Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from optional import need_keras, need_torch

import lstm_sym
from lstm_sym import InputError

torch = need_torch()
keras = need_keras()

pytestmark = pytest.mark.torch

X = np.random.default_rng(0).standard_normal((2, 4, 2))  # batch 2, T = 4, d = 2
H0 = np.full((2, 3), 0.25)


def _built(layer: Any) -> Any:
    layer.build((None, 4, 2))
    return layer


@pytest.mark.parametrize(
    "layer",
    [
        lambda: keras.layers.LSTM(3, dtype="float64"),
        lambda: keras.layers.GRU(3, dtype="float64"),
    ],
)
def test_float64_layers_pass(layer: Any) -> None:
    """Keras LSTM and GRU (reset_after) in float64: within a few ulps, states included."""
    keras.utils.set_random_seed(1)
    report = lstm_sym.gradcheck(_built(layer()), X, h0=H0)
    assert report.passed, report.to_text()
    assert {"grad kernel", "grad recurrent_kernel", "grad bias", "grad h0"} <= {
        c.name for c in report.checks
    }


@pytest.mark.parametrize(
    "layer",
    [
        lambda: keras.layers.SimpleRNN(3),
        lambda: keras.layers.GRU(3, reset_after=False),
        lambda: keras.layers.LSTM(3, use_bias=False),
    ],
)
def test_float32_layers_pass(layer: Any) -> None:
    keras.utils.set_random_seed(2)
    report = lstm_sym.gradcheck(_built(layer()), X.astype(np.float32))
    assert report.dtype == "float32" and report.passed, report.to_text()


@pytest.mark.parametrize(
    "layer",
    [
        lambda: keras.layers.SimpleRNN(3, dtype="float64"),
        lambda: keras.layers.LSTM(3, recurrent_activation="hard_sigmoid", dtype="float64"),
    ],
)
def test_float64_generic_cells_agree_to_float32_at_least(layer: Any) -> None:
    """Keras' float64 layers off its fused path: checked (Keras 3.15 on torch does their
    matmuls in float32, which the report shows as millions of float64 ulps)."""
    keras.utils.set_random_seed(3)
    report = lstm_sym.gradcheck(_built(layer()), X)
    assert report.dtype == "float64"
    assert max(check.scaled_ulps for check in report.checks) * 2.0**-52 < 1e-5


def test_unsupported_layers_are_refused() -> None:
    with pytest.raises(InputError, match=r"module\.go_backwards"):
        lstm_sym.gradcheck(_built(keras.layers.LSTM(3, go_backwards=True)), X)
    with pytest.raises(InputError, match=r"module\.activation"):
        lstm_sym.gradcheck(_built(keras.layers.SimpleRNN(3, activation="gelu")), X)
    with pytest.raises(InputError, match="built"):
        lstm_sym.gradcheck(keras.layers.LSTM(3), X)
    with pytest.raises(InputError, match="module"):
        lstm_sym.gradcheck(keras.layers.Dense(3), X)

"""A hand-written NumPy LSTM with BPTT, in the style of CS231n's ``lstm_forward``/``lstm_backward``.

The baseline the generated code is measured against: stacked gates (i, f, o, g) in one
``Wx`` (d, 4n), ``Wh`` (n, 4n) and ``b`` (4n), a cache per step, and the loss
``½ Σ_t ‖y_t − h_t‖²``. Not used by the library; ``to_stacked`` converts lstm_sym's
parameters (W_f, U_f, b_f, …) to this layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """A numerically stable sigmoid (CS231n's)."""
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def lstm_step_forward(
    x: np.ndarray,
    prev_h: np.ndarray,
    prev_c: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...]]:
    """One step: a = x Wx + h Wh + b, gates i, f, o, g, then c and h."""
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(
    dnext_h: np.ndarray, dnext_c: np.ndarray, cache: tuple[Any, ...]
) -> tuple[np.ndarray, ...]:
    """The adjoints of one step."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    do = dnext_h * tanh_c
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    df = dc * prev_c
    dprev_c = dc * f
    di = dc * g
    dg = dc * i
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list[Any]]:
    """Every hidden state (N, T, H) and the per-step caches."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    caches = []
    prev_h, prev_c = h0, c0
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache)
    return h, caches


def lstm_backward(dh: np.ndarray, caches: list[Any]) -> tuple[np.ndarray, ...]:
    """dx, dh0, dc0, dWx, dWh, db from the upstream dL/dh_t of every step."""
    N, T, H = dh.shape
    x0, _, _, Wx, Wh, *_ = caches[0]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        step = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, caches[t])
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dprev_c, dWx, dWh, db


def loss_and_grad(
    stacked: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, h0: np.ndarray, c0: np.ndarray
) -> tuple[float, tuple[np.ndarray, ...]]:
    """½ Σ ‖y − h‖² and every gradient (dx, dh0, dc0, dWx, dWh, db)."""
    h, caches = lstm_forward(x, h0, c0, stacked["Wx"], stacked["Wh"], stacked["b"])
    diff = h - y
    loss = 0.5 * float(np.sum(diff * diff))
    return loss, lstm_backward(diff, caches)


def to_stacked(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """lstm_sym's W_g (n, d), U_g (n, n), b_g (n) as Wx (d, 4n), Wh (n, 4n), b (4n), gates i, f, o, c."""
    gates = ("i", "f", "o", "c")
    return {
        "Wx": np.concatenate([params[f"W_{g}"].T for g in gates], axis=1),
        "Wh": np.concatenate([params[f"U_{g}"].T for g in gates], axis=1),
        "b": np.concatenate([params[f"b_{g}"] for g in gates]),
    }

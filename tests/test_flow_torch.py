"""Gradient-flow Jacobians against PyTorch float64 autograd (torch.autograd.functional.jacobian).

Skipped without torch, and failing instead under LSTM_SYM_REQUIRE_TORCH=1.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from optional import need_torch

from lstm_sym import problem_from_dict
from lstm_sym.flow import GradientFlow


def _torch() -> Any:
    return need_torch()


N, D, T = 2, 2, 4

#: parameter names of each cell (matrices n×d, n×n, vectors n), written from the equations
SHAPES = {
    "lstm": {f"{k}_{g}": s for g in "fioc" for k, s in (("W", "nd"), ("U", "nn"), ("b", "n"))},
    "gru": {
        f"{k}{g}": s
        for g in "rzn"
        for k, s in (("W_i", "nd"), ("W_h", "nn"), ("b_i", "n"), ("b_h", "n"))
    },
    "elman": {"W_h": "nd", "U_h": "nn", "b_h": "n"},
}


def _numbers(rng: np.random.Generator, count: int) -> list[str]:
    return [str(Decimal(int(v)).scaleb(-2)) for v in rng.integers(-120, 121, size=count)]


def _problem_data(cell: str, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    params: dict[str, Any] = {}
    for name, shape in SHAPES[cell].items():
        rows, cols = N, (D if shape == "nd" else N)
        params[name] = (
            [_numbers(rng, cols) for _ in range(rows)] if len(shape) == 2 else _numbers(rng, N)
        )
    sequence: dict[str, Any] = {
        "x": [_numbers(rng, D) for _ in range(T)],
        "y": [_numbers(rng, N) for _ in range(T)],
        "h_0": _numbers(rng, N),
    }
    if cell == "lstm":
        sequence["c_0"] = _numbers(rng, N)
    return {"cell": cell, "loss": "half_sse", "parameters": params, "sequence": sequence}


def _step(cell: str, torch: Any, p: dict[str, Any]) -> Callable[[Any, Any], Any]:
    """One step state_{t-1} -> state_t in torch, from the textbook / PyTorch equations."""
    sig, tanh = torch.sigmoid, torch.tanh

    if cell == "lstm":

        def lstm(x: Any, s: Any) -> Any:
            h, c = s[:N], s[N:]
            f, i, o = (sig(p[f"W_{g}"] @ x + p[f"U_{g}"] @ h + p[f"b_{g}"]) for g in "fio")
            g = tanh(p["W_c"] @ x + p["U_c"] @ h + p["b_c"])
            c = f * c + i * g
            return torch.cat([o * tanh(c), c])

        return lstm
    if cell == "gru":

        def gru(x: Any, h: Any) -> Any:
            r = sig(p["W_ir"] @ x + p["b_ir"] + p["W_hr"] @ h + p["b_hr"])
            z = sig(p["W_iz"] @ x + p["b_iz"] + p["W_hz"] @ h + p["b_hz"])
            n = tanh(p["W_in"] @ x + p["b_in"] + r * (p["W_hn"] @ h + p["b_hn"]))
            return (1 - z) * n + z * h

        return gru

    def elman(x: Any, h: Any) -> Any:
        return tanh(p["W_h"] @ x + p["U_h"] @ h + p["b_h"])

    return elman


def _tensor(torch: Any, value: Any) -> Any:
    return torch.tensor(np.array(value, dtype=object).astype(float), dtype=torch.float64)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
@pytest.mark.parametrize("seed", [1, 2])
def test_step_jacobians_match_torch(cell: str, seed: int) -> None:
    """J_t = ∂(states_t)/∂(states_{t−1}) at every step equals torch's jacobian (float64)."""
    torch = _torch()
    data = _problem_data(cell, seed)
    flow = GradientFlow(problem_from_dict(data))
    ours = flow.calculation().jacobians(flow.trace(30), 0)
    params = {k: _tensor(torch, v) for k, v in data["parameters"].items()}
    step = _step(cell, torch, params)
    seq = data["sequence"]
    state = _tensor(torch, seq["h_0"] + seq.get("c_0", []))
    for t, x in enumerate(seq["x"]):
        xt = _tensor(torch, x)
        expected = torch.autograd.functional.jacobian(lambda s, xt=xt: step(xt, s), state)
        got = np.array([[float(v) for v in row] for row in ours[t]])
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-14)
        state = step(xt, state).detach()


@pytest.mark.torch
def test_products_norms_and_radius_match_torch() -> None:
    """∂c_T/∂c_1 (every path), its spectral norm and spectral radius equal torch and NumPy's."""
    torch = _torch()
    data = _problem_data("lstm", 3)
    flow = GradientFlow(problem_from_dict(data))
    params = {k: _tensor(torch, v) for k, v in data["parameters"].items()}
    step = _step("lstm", torch, params)
    seq = data["sequence"]
    xs = [_tensor(torch, x) for x in seq["x"]]
    state = step(xs[0], _tensor(torch, seq["h_0"] + seq["c_0"])).detach()

    def rest(s: Any) -> Any:
        for x in xs[1:]:
            s = step(x, s)
        return s

    full = torch.autograd.functional.jacobian(rest, state).numpy()
    block = full[N:, N:]
    ours = flow.jacobian("c", T, 1, digits=12)
    np.testing.assert_allclose(np.array(ours, dtype=float), block, rtol=1e-10)
    solution = flow.solve(digits=12)
    assert float(solution["norm_dcT_dc_1"]) == pytest.approx(np.linalg.norm(block, 2), rel=1e-10)
    radius = max(abs(np.linalg.eigvals(block)))
    assert float(solution["rho_dcT_dc_1"]) == pytest.approx(radius, rel=1e-10)
    before_last = rest_to(step, xs, seq, torch)
    last = torch.autograd.functional.jacobian(lambda s: step(xs[-1], s), before_last).numpy()
    assert float(solution[f"norm_J_{T}"]) == pytest.approx(np.linalg.norm(last, 2), rel=1e-10)
    assert float(solution[f"rho_J_{T}"]) == pytest.approx(
        max(abs(np.linalg.eigvals(last))), rel=1e-10
    )


def rest_to(step: Callable[[Any, Any], Any], xs: list[Any], seq: dict[str, Any], torch: Any) -> Any:
    """The state before the last step."""
    s = _tensor(torch, seq["h_0"] + seq["c_0"])
    for x in xs[:-1]:
        s = step(x, s)
    return s.detach()

"""Agreement with PyTorch float64 autograd (torch.nn.LSTM); skipped when torch is absent."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from optional import need_torch

from lstm_sym import Model, Name, problem_from_dict
from reference import Case
from strategies import cases

torch = need_torch()

TORCH_ORDER = ("i", "f", "c", "o")  # PyTorch stacks gates as i, f, g (our c̃), o


def _tensor(value: Any) -> Any:
    return torch.tensor(
        [[float(u) for u in row] for row in value]
        if isinstance(value[0], list)
        else [float(u) for u in value],
        dtype=torch.float64,
    )


def torch_lstm(case: Case) -> tuple[Any, float, dict[str, Any]]:
    """Outputs, loss and gradients from torch.nn.LSTM in float64."""
    lstm = torch.nn.LSTM(case.d, case.n, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.cat([_tensor(case.params[f"W_{g}"]) for g in TORCH_ORDER]))
        lstm.weight_hh_l0.copy_(torch.cat([_tensor(case.params[f"U_{g}"]) for g in TORCH_ORDER]))
        lstm.bias_ih_l0.copy_(torch.cat([_tensor(case.params[f"b_{g}"]) for g in TORCH_ORDER]))
        lstm.bias_hh_l0.zero_()
    x = torch.stack([_tensor(seq) for seq in case.xs]).requires_grad_()
    h0 = torch.stack([_tensor(h) for h in case.h0]).unsqueeze(0).requires_grad_()
    c0 = torch.stack([_tensor(c) for c in case.c0]).unsqueeze(0).requires_grad_()
    out, (_, c_n) = lstm(x, (h0, c0))
    loss = 0 * out.sum()  # keeps the graph when no step has a loss term
    count = sum(case.n for ys in case.ys for y in ys if y is not None)
    for b, ys in enumerate(case.ys):
        for t, y in enumerate(ys):
            if y is None:
                continue
            if case.loss == "upstream":
                loss = loss + (_tensor(y) * out[b, t]).sum()
            else:
                scale = {"half_sse": 0.5, "sse": 1.0, "mse": 1.0 / count}[case.loss]
                loss = loss + scale * ((_tensor(y) - out[b, t]) ** 2).sum()
        if case.dc_T is not None:
            loss = loss + (_tensor(case.dc_T[b]) * c_n[0, b]).sum()
    loss.backward()
    n = case.n
    grads: dict[str, Any] = {"x": x.grad, "h": h0.grad[0], "c": c0.grad[0]}
    for k, g in enumerate(TORCH_ORDER):
        grads[f"W_{g}"] = lstm.weight_ih_l0.grad[k * n : (k + 1) * n]
        grads[f"U_{g}"] = lstm.weight_hh_l0.grad[k * n : (k + 1) * n]
        grads[f"b_{g}"] = lstm.bias_ih_l0.grad[k * n : (k + 1) * n]
    return out.detach(), float(loss.detach()), grads


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


@settings(max_examples=25)
@given(cases())
def test_values_and_gradients_match_torch(case: Case) -> None:
    """h_t, the loss and every gradient (weights, biases, h_0, c_0, x) agree with torch to 1e-12."""
    problem = problem_from_dict(case.to_dict())
    values = Model(problem).numeric(30, gradients=True)
    out, loss, grads = torch_lstm(case)
    d, n = case.d, case.n

    def idx(k: int, size: int) -> tuple[int, ...]:
        return (k + 1,) if size > 1 else ()

    assert _close(float(values[Name("L")]), loss)
    for b in range(len(case.xs)):
        seq = problem.seq_label(b)
        for t in range(len(case.xs[b])):
            for k in range(n):
                assert _close(float(values[Name("h", t + 1, idx(k, n), seq)]), float(out[b, t, k]))
            for k in range(d):
                assert _close(
                    float(values[Name("dL_dx", t + 1, idx(k, d), seq)]), float(grads["x"][b, t, k])
                )
        for state in ("h", "c"):
            for k in range(n):
                assert _close(
                    float(values[Name(f"dL_d{state}", 0, idx(k, n), seq)]),
                    float(grads[state][b, k]),
                )
    for g in TORCH_ORDER:
        for r in range(n):
            assert _close(
                float(values[Name(f"dL_db_{g}", None, idx(r, n))]), float(grads[f"b_{g}"][r])
            )
            for c in range(d):
                index = (r + 1, c + 1) if n * d > 1 else ()
                assert _close(
                    float(values[Name(f"dL_dW_{g}", None, index)]), float(grads[f"W_{g}"][r, c])
                )
            for c in range(n):
                index = (r + 1, c + 1) if n > 1 else ()
                assert _close(
                    float(values[Name(f"dL_dU_{g}", None, index)]), float(grads[f"U_{g}"][r, c])
                )

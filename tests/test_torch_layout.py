"""PyTorch's LSTM, LSTMCell, GRU and RNN, read through the PyTorch layout from torch.save
files: values and autograd gradients agree with lstm_sym's certified ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sympy
from optional import need_torch

import lstm_sym
from lstm_sym.frameworks.layouts import assemble, layouts_of

torch = need_torch()

pytestmark = pytest.mark.torch

# Inputs and targets are dyadic, so float64 holds them exactly: both sides see the same numbers.
X = [[0.5, -1.0, 0.25], [1.0, 0.125, -0.5], [-0.75, 0.5, 1.0]]
Y = [[0.5, -0.25], [0.25, 1.0], [-0.5, 0.0]]
H0 = [0.25, -0.5]
C0 = [-0.125, 0.75]


def _problem(
    tmp_path: Path, state: dict[str, Any], extra: str = "", **sequence: Any
) -> lstm_sym.Problem:
    torch.save(state, tmp_path / "weights.pt")
    lines = [f"{key} = {value!r}" for key, value in sequence.items()]
    text = f'loss = "half_sse"\n{extra}\n[parameters]\nlayout = "pytorch"\nfile = "weights.pt"\n'
    text += "[sequence]\n" + "\n".join(lines) + "\n"
    path = tmp_path / "problem.toml"
    path.write_text(text)
    return lstm_sym.load_problem(path)


def _gradients(
    solution: lstm_sym.Solution, cell: str, framework: str = "pytorch"
) -> dict[str, Any]:
    """lstm_sym's parameter gradients assembled into the framework's arrays."""
    layout = next(lay for lay in layouts_of(framework) if lay.cell == cell)
    problem = solution.problem
    grads: dict[str, Any] = {}
    for param in problem.cell.params:
        value = problem.params[param.name]
        if param.is_matrix:
            grads[param.name] = [
                [
                    solution[
                        f"dL_d{param.name}"
                        + (f"[{r + 1},{c + 1}]" if len(value) * len(value[0]) > 1 else "")
                    ]
                    for c in range(len(value[0]))
                ]
                for r in range(len(value))
            ]
        else:
            grads[param.name] = [
                solution[f"dL_d{param.name}" + (f"[{k + 1}]" if len(value) > 1 else "")]
                for k in range(len(value))
            ]
    return assemble(layout, grads)


def _close(ours: Any, theirs: Any) -> None:
    flat_ours = [float(v) for v in _flatten(ours)]
    flat_theirs = theirs.detach().reshape(-1).tolist()
    assert flat_ours == pytest.approx(flat_theirs, rel=1e-11, abs=1e-13)


def _flatten(value: Any) -> list[Decimal]:
    if isinstance(value, list):
        return [v for item in value for v in _flatten(item)]
    return [value]


def _targets() -> Any:
    return torch.tensor(Y, dtype=torch.float64)


def test_nn_lstm_values_and_gradients(tmp_path: Path) -> None:
    """nn.LSTM's outputs, final states and every parameter's .grad match."""
    torch.manual_seed(1)
    module = torch.nn.LSTM(3, 2).double()
    problem = _problem(tmp_path, module.state_dict(), x=X, y=Y, h_0=H0, c_0=C0)
    assert problem.cell.name == "lstm_torch" and problem.layout == "pytorch"
    solution = lstm_sym.solve(problem, 20, gradients=True)
    x = torch.tensor(X, dtype=torch.float64).unsqueeze(1)
    h0 = torch.tensor(H0, dtype=torch.float64).reshape(1, 1, 2)
    c0 = torch.tensor(C0, dtype=torch.float64).reshape(1, 1, 2)
    out, (_, c_T) = module(x, (h0, c0))
    loss = 0.5 * ((out[:, 0, :] - _targets()) ** 2).sum()
    loss.backward()
    assert float(solution["L"]) == pytest.approx(loss.item(), rel=1e-13)
    _close([[solution[f"h_{t}[{k}]"] for k in (1, 2)] for t in (1, 2, 3)], out[:, 0, :])
    _close([solution[f"c_3[{k}]"] for k in (1, 2)], c_T)
    grads = _gradients(solution, "lstm_torch")
    for key, value in grads.items():
        _close(value, getattr(module, key).grad)


def test_nn_lstmcell_state_dict(tmp_path: Path) -> None:
    """An nn.LSTMCell state dict (no _l0) is read as the same cell; a manual loop agrees."""
    torch.manual_seed(2)
    module = torch.nn.LSTMCell(3, 2).double()
    problem = _problem(tmp_path, module.state_dict(), x=X, y=Y, h_0=H0, c_0=C0)
    assert problem.layout == "pytorch_cell"
    solution = lstm_sym.solve(problem, 20, gradients=True)
    h = torch.tensor([H0], dtype=torch.float64)
    c = torch.tensor([C0], dtype=torch.float64)
    loss = torch.zeros((), dtype=torch.float64)
    for t, x in enumerate(X):
        h, c = module(torch.tensor([x], dtype=torch.float64), (h, c))
        loss = loss + 0.5 * ((h[0] - _targets()[t]) ** 2).sum()
    loss.backward()
    assert float(solution["L"]) == pytest.approx(loss.item(), rel=1e-13)
    for key, value in _gradients(solution, "lstm_torch", "pytorch_cell").items():
        _close(value, getattr(module, key).grad)


def test_nn_gru_values_and_gradients(tmp_path: Path) -> None:
    """nn.GRU (reset gate after the product, two biases) matches values and gradients."""
    torch.manual_seed(3)
    module = torch.nn.GRU(3, 2).double()
    problem = _problem(tmp_path, module.state_dict(), x=X, y=Y, h_0=H0)
    assert problem.cell.name == "gru"
    solution = lstm_sym.solve(problem, 20, gradients=True)
    x = torch.tensor(X, dtype=torch.float64).unsqueeze(1)
    out, _ = module(x, torch.tensor(H0, dtype=torch.float64).reshape(1, 1, 2))
    loss = 0.5 * ((out[:, 0, :] - _targets()) ** 2).sum()
    loss.backward()
    _close([[solution[f"h_{t}[{k}]"] for k in (1, 2)] for t in (1, 2, 3)], out[:, 0, :])
    for key, value in _gradients(solution, "gru").items():
        _close(value, getattr(module, key).grad)


def test_nn_rnn_values_and_gradients(tmp_path: Path) -> None:
    """nn.RNN (tanh, two biases) matches values and gradients."""
    torch.manual_seed(4)
    module = torch.nn.RNN(3, 2).double()
    problem = _problem(tmp_path, module.state_dict(), x=X, y=Y, h_0=H0)
    assert problem.cell.name == "rnn_torch"
    solution = lstm_sym.solve(problem, 20, gradients=True)
    out, _ = module(
        torch.tensor(X, dtype=torch.float64).unsqueeze(1),
        torch.tensor(H0, dtype=torch.float64).reshape(1, 1, 2),
    )
    loss = 0.5 * ((out[:, 0, :] - _targets()) ** 2).sum()
    loss.backward()
    for key, value in _gradients(solution, "rnn_torch").items():
        _close(value, getattr(module, key).grad)


def test_float32_weights_are_read_exactly(tmp_path: Path) -> None:
    """A float32 weight is the exact binary fraction it holds (0.1 is 13421773/134217728)."""
    torch.manual_seed(5)
    module = torch.nn.RNN(3, 2)
    with torch.no_grad():
        module.weight_ih_l0[0, 0] = 0.1
    problem = _problem(tmp_path, module.state_dict(), x=X, y=Y)
    assert problem.params["W_ih"][0][0] == sympy.Rational(13421773, 134217728)


def test_lstm_with_linear_head_and_cross_entropy(tmp_path: Path) -> None:
    """LSTM + Linear + CrossEntropyLoss (mean) equals the head + cross_entropy_mean problem."""
    torch.manual_seed(6)
    lstm = torch.nn.LSTM(3, 2).double()
    linear = torch.nn.Linear(2, 4).double()
    state = {**lstm.state_dict(), "V": linear.weight.detach(), "b_y": linear.bias.detach()}
    torch.save(state, tmp_path / "weights.pt")
    labels = [3, 0, 2]
    text = (
        'head = "linear"\nloss = "cross_entropy_mean"\n[parameters]\nlayout = "pytorch"\n'
        f'file = "weights.pt"\n[sequence]\nx = {X!r}\nlabels = {labels!r}\n'
    )
    (tmp_path / "problem.toml").write_text(text)
    problem = lstm_sym.load_problem(tmp_path / "problem.toml")
    solution = lstm_sym.solve(problem, 20, gradients=True)
    out, _ = lstm(torch.tensor(X, dtype=torch.float64).unsqueeze(1))
    logits = linear(out[:, 0, :])
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
    loss.backward()
    assert float(solution["L"]) == pytest.approx(loss.item(), rel=1e-13)
    probabilities = torch.softmax(logits, dim=1)
    _close([solution[f"p_2[{k}]"] for k in (1, 2, 3, 4)], probabilities[1])
    grads = _gradients(solution, "lstm_torch")
    for key, value in grads.items():
        _close(value, getattr(lstm, key).grad)
    _close(
        [[solution[f"dL_dV[{r},{c}]"] for c in (1, 2)] for r in (1, 2, 3, 4)], linear.weight.grad
    )
    _close([solution[f"dL_db_y[{k}]"] for k in (1, 2, 3, 4)], linear.bias.grad)


def test_unpicklable_file_is_refused(tmp_path: Path) -> None:
    """A torch file holding arbitrary objects is refused by weights_only loading."""
    from fractions import Fraction

    torch.save({"weight_ih_l0": Fraction(1, 3)}, tmp_path / "bad.pt")
    with pytest.raises(lstm_sym.InputError, match="weights_only"):
        lstm_sym.frameworks.files.read_arrays(tmp_path / "bad.pt")

"""lstm_sym.gradcheck against live PyTorch modules, and Solution.arrays against float64 autograd."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from optional import need_torch

import lstm_sym
from lstm_sym import InputError
from lstm_sym.cli import main

torch = need_torch()

pytestmark = pytest.mark.torch


def _x(*shape: int, seed: int = 0, dtype: Any = None) -> Any:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=dtype or torch.float64)


MODULES = [
    ("LSTM", lambda: torch.nn.LSTM(2, 3), {}),
    ("LSTM", lambda: torch.nn.LSTM(2, 3, batch_first=True, bias=False), {"batch_first": True}),
    ("LSTMCell", lambda: torch.nn.LSTMCell(2, 3), {}),
    ("GRU", lambda: torch.nn.GRU(2, 3), {}),
    ("GRUCell", lambda: torch.nn.GRUCell(2, 3), {}),
    ("RNN", lambda: torch.nn.RNN(2, 3), {}),
    ("RNN", lambda: torch.nn.RNN(2, 3, nonlinearity="relu"), {}),
    ("RNNCell", lambda: torch.nn.RNNCell(2, 3), {}),
]


@pytest.mark.parametrize(("name", "make", "options"), MODULES)
def test_float64_modules_pass_with_few_ulps(name: str, make: Any, options: dict[str, Any]) -> None:
    """Every module kind in float64: outputs and every gradient within a few ulps."""
    torch.manual_seed(7)
    module = make().double()
    x = _x(2, 3, 2) if options.get("batch_first") else _x(3, 2, 2)  # T=3, B=2 (or B, T)
    initial = {"h0": _x(2, 3, seed=1) / 2}
    if "LSTM" in name:
        initial["c0"] = _x(2, 3, seed=2)
    report = lstm_sym.gradcheck(module, x, **initial)
    assert report.passed, report.to_text()
    assert report.module == name and report.dtype == "float64"
    names = {check.name for check in report.checks}
    assert {"L", "h", "grad input", "grad h0"} <= names
    assert ("grad c0" in names) == ("LSTM" in name)
    assert max(check.scaled_ulps for check in report.checks) < 16


def test_losses_and_targets() -> None:
    """half_sse, mse and upstream against targets shaped like the outputs."""
    torch.manual_seed(3)
    module = torch.nn.GRU(2, 2).double()
    x, y = _x(3, 1, 2), _x(3, 1, 2, seed=5)
    for loss in ("half_sse", "sse", "mse", "upstream"):
        report = lstm_sym.gradcheck(module, x, loss=loss, targets=y)
        assert report.passed and report.loss == loss
    with pytest.raises(InputError, match="targets"):
        lstm_sym.gradcheck(module, x, loss="mse")
    with pytest.raises(InputError, match="loss"):
        lstm_sym.gradcheck(module, x, loss="hinge")


def test_float32_lstm_passes_the_default_tolerance() -> None:
    """A float32 nn.LSTM: errors of a few float32 ulps, within the default tolerance."""
    torch.manual_seed(11)
    module = torch.nn.LSTM(3, 4)
    report = lstm_sym.gradcheck(module, _x(4, 2, 3, dtype=torch.float32))
    assert report.dtype == "float32" and report.tolerance == 64
    assert report.passed, report.to_text()
    assert 0 < max(check.scaled_ulps for check in report.checks) < 16


def test_bfloat16_lstm_has_its_own_default() -> None:
    """bfloat16: ulps of an 8-bit significand, and the tighter default tolerance of 16."""
    torch.manual_seed(12)
    report = lstm_sym.gradcheck(torch.nn.LSTM(3, 2).to(torch.bfloat16), _x(3, 1, 3))
    assert report.dtype == "bfloat16" and report.tolerance == 16 and report.passed
    assert report["h"].max_abs > 1e-5  # bfloat16 rounding, measured in its own ulps


class _Nudge(torch.autograd.Function):
    """The identity, whose backward multiplies the gradient by 1 + 2⁻⁵² (one ulp at 1)."""

    @staticmethod
    def forward(ctx: Any, value: Any) -> Any:
        return value.clone()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * (1 + 2.0**-52)


class _NudgedRNN(torch.nn.RNN):
    def forward(self, x: Any, h0: Any = None) -> Any:  # type: ignore[override]
        out, h = super().forward(x, h0)
        return _Nudge.apply(out), h


def _dyadic(module: Any) -> Any:
    """Small dyadic weights: relu RNN's float64 forward and backward are then exact."""
    with torch.no_grad():
        for k, tensor in enumerate(module.parameters()):
            tensor.copy_((torch.arange(tensor.numel()).reshape(tensor.shape) % 5 - 2 + k) / 4)
    return module


def test_a_backward_one_ulp_off_is_flagged() -> None:
    """With exact arithmetic the right module has 0 ulps; a backward one ulp off fails."""
    x = torch.tensor([[[0.5, -1.0]], [[1.0, 0.25]]], dtype=torch.float64)
    right = _dyadic(torch.nn.RNN(2, 2, nonlinearity="relu").double())
    nudged = _dyadic(_NudgedRNN(2, 2, nonlinearity="relu").double())
    good = lstm_sym.gradcheck(right, x, tolerance=0.5)
    assert good.passed and max(check.scaled_ulps for check in good.checks) == 0
    bad = lstm_sym.gradcheck(nudged, x, tolerance=0.5)
    assert not bad.passed and "FAIL" in bad.verdict
    assert bad["grad weight_ih_l0"].scaled_ulps >= 1 and bad["h"].passed


@pytest.mark.parametrize(
    ("module", "field"),
    [
        (lambda: torch.nn.LSTM(2, 3, num_layers=2), "module.num_layers"),
        (lambda: torch.nn.LSTM(2, 3, bidirectional=True), "module.bidirectional"),
        (lambda: torch.nn.LSTM(2, 3, proj_size=2), "module.proj_size"),
        (lambda: torch.nn.Linear(2, 3), "module"),
    ],
)
def test_what_it_cannot_check_is_refused(module: Any, field: str) -> None:
    with pytest.raises(InputError) as error:
        lstm_sym.gradcheck(module(), _x(2, 1, 2, dtype=torch.float32))
    assert error.value.field == field


def test_report_views() -> None:
    torch.manual_seed(2)
    report = lstm_sym.gradcheck(torch.nn.RNNCell(2, 2).double(), _x(2, 1, 2))
    text = report.to_text()
    assert text.startswith("RNNCell (float64, loss sum): PASS") and "grad weight_ih" in text
    data = json.loads(report.to_json())
    assert data["passed"] is True and data["tensors"][0]["name"] == "L"
    assert report._repr_markdown_().startswith("**RNNCell") and "| tensor |" in report.to_markdown()
    assert bool(report) and str(report) == text


def _solution(module: Any, x: Any, h0: Any, c0: Any) -> lstm_sym.Solution:
    """The problem of module on x with L = Σ outputs, solved with gradients."""
    from lstm_sym.gradcheck import live

    kind = live.describe(module)
    data = live.prepare(kind, x, None, "sum", {"h": h0, "c": c0})
    params = live.parameters(module, kind)
    problem = lstm_sym.problem_from_dict(live.problem_data(params, kind, data, "sum"))
    return lstm_sym.solve(problem, 20, gradients=True)


@pytest.mark.parametrize("batch_first", [False, True])
def test_arrays_are_the_state_dict_and_its_grads(batch_first: bool) -> None:
    """Solution.arrays("pytorch") has the module's keys, shapes, grads and batch order."""
    torch.manual_seed(4)
    module = torch.nn.LSTM(2, 3, batch_first=batch_first).double()
    x = _x(2, 4, 2) if batch_first else _x(4, 2, 2)
    h0, c0 = _x(1, 2, 3, seed=1), _x(1, 2, 3, seed=2)
    solution = _solution(module, x, h0, c0)
    x.requires_grad_()
    h0.requires_grad_()
    c0.requires_grad_()
    out, (_, c_n) = module(x, (h0, c0))
    out.sum().backward()
    arrays = solution.arrays("pytorch", batch_first=batch_first)
    for key, tensor in module.state_dict().items():
        assert arrays[key].shape == tuple(tensor.shape)
        assert arrays[key] == pytest.approx(tensor.numpy(), abs=0)
        grad = getattr(module, key).grad.numpy()
        assert arrays["grad"][key] == pytest.approx(grad, rel=1e-12, abs=1e-14)
    assert arrays["h"] == pytest.approx(out.detach().numpy(), rel=1e-12)
    last = arrays["c"][:, -1] if batch_first else arrays["c"][-1]
    assert last == pytest.approx(c_n[0].detach().numpy(), rel=1e-12)
    assert arrays["grad"]["input"] == pytest.approx(x.grad.numpy(), rel=1e-11, abs=1e-14)
    assert arrays["grad"]["h0"] == pytest.approx(h0.grad.numpy(), rel=1e-11, abs=1e-14)
    assert arrays["grad"]["c0"].shape == (1, 2, 3)
    assert float(arrays["L"]) == pytest.approx(out.sum().item(), rel=1e-13)


def test_arrays_keras_exact_and_size_one() -> None:
    """Keras keys (transposed), exact values, and size-1 parameters in the obvious loop."""
    torch.manual_seed(5)
    module = torch.nn.LSTM(1, 1).double()
    solution = _solution(module, _x(2, 1, 1), None, None)
    torch_arrays = solution.arrays("pytorch")
    keras = solution.arrays("keras")
    assert keras["kernel"].shape == (1, 4) and keras["bias"].shape == (4,)
    assert keras["grad"]["kernel"] == pytest.approx(torch_arrays["grad"]["weight_ih_l0"].T)
    assert keras["h"].shape == (1, 2, 1) and torch_arrays["h"].shape == (2, 1, 1)
    exact = solution.arrays("pytorch", dtype=object)
    assert all(type(v).__name__ == "Fraction" for v in exact["weight_ih_l0"].ravel())
    assert all(type(v).__name__ == "Decimal" for v in exact["grad"]["weight_ih_l0"].ravel())
    for key in module.state_dict():  # every parameter, size 1 or not, by the same loop
        assert exact["grad"][key].shape == tuple(getattr(module, key).shape)
    native = solution.arrays()
    assert native["grad"]["W_ii"].shape == (1, 1) and native["grad"]["b_hf"].shape == (1,)
    float32 = solution.arrays("pytorch", dtype="float32")
    assert float32["grad"]["weight_hh_l0"].dtype.name == "float32"


def test_arrays_refuse_unknown_layout_and_ragged_batches() -> None:
    solution = lstm_sym.solve("examples/hw6.toml", 8, gradients=True)
    with pytest.raises(InputError, match="layout"):
        solution.arrays("tensorflow")
    assert solution.arrays("pytorch")["grad"]["bias_hh_l0"].shape == (4,)
    assert "grad" not in lstm_sym.solve("examples/hw6.toml", 8).arrays()
    params = {f"{m}_{g}": 1 for m in "WUb" for g in "fioc"}
    ragged = {"parameters": params, "sequence": [{"x": [1, 2], "y": [0, 1]}, {"x": [1], "y": [0]}]}
    with pytest.raises(InputError, match="sequences of one length"):
        lstm_sym.solve(lstm_sym.problem_from_dict(ragged), 8).arrays()
    head = {"head": "linear", "parameters": {**params, "V": [[1], [2]], "b_y": [0, 1]}}
    problem = lstm_sym.problem_from_dict({**head, "sequence": {"x": [1, 2], "y": [[0, 1], [1, 0]]}})
    arrays = lstm_sym.solve(problem, 8, gradients=True).arrays("keras")
    assert arrays["V"].shape == arrays["grad"]["V"].shape == (2, 1)
    assert arrays["grad"]["kernel"].shape == (1, 4)


def test_solve_json_layout(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["solve", "examples/pytorch_lstm.toml", "--grad", "--format", "json", "--layout"]
    assert main([*args, "pytorch", "--digits", "6"]) == 0
    arrays = json.loads(capsys.readouterr().out)["arrays"]
    assert arrays["layout"] == "pytorch" and arrays["batch_first"] is False
    assert arrays["weight_hh_l0"] == [["2"], ["1/2"], ["3/2"], ["-1"]]
    assert arrays["grad"]["bias_ih_l0"][2] == "-0.280259"
    assert main(["solve", "examples/hw6.toml", "--layout", "keras"]) == 2
    assert "--layout needs --format json" in capsys.readouterr().err


def test_cli_state_dict_and_npz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    torch.manual_seed(8)
    torch.save(torch.nn.GRU(2, 3).state_dict(), tmp_path / "gru.pt")
    np.savez(tmp_path / "inputs.npz", x=_x(3, 2, 2).numpy(), h0=_x(2, 3, seed=4).numpy())
    assert main(["gradcheck", str(tmp_path / "gru.pt"), str(tmp_path / "inputs.npz")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("GRU (float32, loss sum): PASS")
    code = main(["gradcheck", str(tmp_path / "gru.pt"), str(tmp_path / "inputs.npz"),
                 "--format", "json", "--tolerance", "0"])  # fmt: skip
    assert code == 1 and json.loads(capsys.readouterr().out)["passed"] is False
    torch.save(torch.nn.LSTM(2, 3, num_layers=2).state_dict(), tmp_path / "stacked.pt")
    assert main(["gradcheck", str(tmp_path / "stacked.pt"), str(tmp_path / "inputs.npz")]) == 2
    assert "weight_ih_l1" in capsys.readouterr().err
    np.savez(tmp_path / "bad.npz", x=_x(3, 2, 2).numpy(), z=np.zeros(2))
    assert main(["gradcheck", str(tmp_path / "gru.pt"), str(tmp_path / "bad.npz")]) == 2
    assert "inputs:z" in capsys.readouterr().err


def test_ulp() -> None:
    from fractions import Fraction

    from lstm_sym.gradcheck.report import ulp

    assert ulp(Fraction(1), "float64") == Fraction(1, 2**52)
    assert ulp(Fraction(3, 2), "float32") == Fraction(1, 2**23)
    assert ulp(Fraction(0), "float32") == Fraction(1, 2**149)
    assert math.isclose(float(ulp(Fraction(1), "bfloat16")), 2**-7)


def test_docs_example(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/frameworks-check.md: the five lines run and print the report the page shows."""
    import test_doc_blocks

    code = test_doc_blocks.block("frameworks-check.md", "import torch, lstm_sym").body
    exec(compile(code, "frameworks-check.md", "exec"), {})  # the page's own example
    shown = test_doc_blocks.block(
        "frameworks-check.md",
        "LSTM (float32, loss sum): PASS: every tensor within 64 ulps of the certified values",
    ).body
    printed = capsys.readouterr().out.strip()
    assert printed.splitlines()[0] == shown.splitlines()[0]
    assert [line.split()[:2] for line in printed.splitlines()[2:]] == [
        line.split()[:2] for line in shown.splitlines()[2:]
    ]

"""``gradcheck``: a live module's own forward and backward against certified values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..errors import InputError
from ..model import Model
from ..problem import problem_from_dict
from . import live, live_keras
from .live import prepare, problem_data
from .report import TOLERANCES, GradcheckReport, compare

#: Significant digits of the certified values: far below a float64 ulp (about 16 digits).
DIGITS = 30


def gradcheck(
    module: Any,
    inputs: Any,
    *,
    loss: str = "sum",
    targets: Any = None,
    h0: Any = None,
    c0: Any = None,
    tolerance: float | None = None,
) -> GradcheckReport:
    """Check a PyTorch recurrent module's outputs and gradients against certified values.

    ``module`` is an ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` (one layer, one direction) or an
    ``nn.LSTMCell``/``GRUCell``/``RNNCell`` (run over the steps of ``inputs``); ``inputs``
    is shaped as the module takes it (T × B × d, B × T × d with ``batch_first``, or T × d;
    a cell's steps T × B × d); or a built Keras ``LSTM``, ``GRU`` or ``SimpleRNN`` layer
    on the torch backend (``inputs`` B × T × d). ``loss``: ``sum`` (L = Σ outputs, the default), ``half_sse``,
    ``sse``, ``mse`` against ``targets`` shaped like the outputs, or ``upstream`` with
    ``targets`` as ∂L/∂outputs. ``tolerance`` is in ulps of the dtype, scaled by each
    tensor's largest value (default :data:`~lstm_sym.gradcheck.report.TOLERANCES`).
    """
    side = live_keras if live_keras.is_keras(module) else live
    kind = side.describe(module)
    data = prepare(kind, inputs, targets, loss, {"h": h0, "c": c0})
    dtype = str(data.x.dtype).removeprefix("torch.")
    if tolerance is None:
        if dtype not in TOLERANCES:
            raise InputError("module", f"a float dtype ({', '.join(TOLERANCES)})", dtype)
        tolerance = TOLERANCES[dtype]
    problem = problem_from_dict(problem_data(side.parameters(module, kind), kind, data, loss))
    theirs = side.framework_run(module, kind, data, loss)
    ours = (
        Model(problem)
        .solve(DIGITS, gradients=True)
        .arrays(kind.layout, dtype="list", batch_first=True)
    )
    report = GradcheckReport(kind.name, dtype, loss, float(tolerance))
    expected: dict[str, Any] = {"L": ours["L"], "h": ours["h"]}
    if "c_T" in theirs:
        expected["c_T"] = [sequence[-1] for sequence in ours["c"]]
    for key, value in ours["grad"].items():
        is_state = key in ("h0", "c0")
        expected[f"grad {key}"] = value[0] if is_state and kind.layout == "pytorch" else value
    found = {"L": theirs["L"], "h": theirs["h"]}
    if "c_T" in theirs:
        found["c_T"] = theirs["c_T"]
    found.update({f"grad {key}": tensor for key, tensor in theirs["grad"].items()})
    for name, tensor in found.items():
        report.checks.append(_check(name, expected[name], tensor, dtype, float(tolerance)))
    return report


def _check(name: str, exact: Any, tensor: Any, dtype: str, tolerance: float) -> Any:
    shape = tuple(tensor.shape)
    theirs = {}
    flat = tensor.detach().double().reshape(-1).tolist()
    indices = _indices(shape)
    for index, value in zip(indices, flat, strict=True):
        theirs[index] = value
    ours = [
        (index, _fraction(value), str(value))
        for index, value in zip(indices, _flat(exact), strict=True)
    ]
    return compare(name, ours, theirs, shape, dtype, tolerance)


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for size in shape:
        out = [(*index, k) for index in out for k in range(size)]
    return out


def _flat(tree: Any) -> list[Any]:
    if isinstance(tree, list):
        return [v for item in tree for v in _flat(item)]
    return [tree]


def _fraction(value: Decimal | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)

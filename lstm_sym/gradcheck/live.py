"""Live PyTorch recurrent modules: what they compute, their exact parameters, their own run.

:func:`describe` recognises ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` (tanh or relu) and their
``*Cell`` forms and refuses what lstm_sym has no program for (stacked, bidirectional,
projected layers). :func:`problem_data` writes the module and its inputs as a problem
(every float read as the exact binary fraction it is); :func:`framework_run` runs the
module's own forward and backward in its own dtype and returns the results under the
keys of :meth:`~lstm_sym.Solution.arrays`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import InputError
from ..spec.losses import get_loss

#: Losses a gradient check can drive the backward pass with (``sum``: L = Σ outputs).
LOSSES = ("sum", "half_sse", "sse", "mse", "upstream")


@dataclass(frozen=True)
class Kind:
    """What a module is: lstm_sym's cell and layout, its states, and how it runs."""

    name: str  # the module's class, for messages: "LSTM", "GRUCell"
    cell: str
    layout: str  # "pytorch" (sequence modules) or "pytorch_cell"
    states: tuple[str, ...]
    dtype: Any  # the torch dtype of its parameters
    n: int  # hidden units
    activations: tuple[tuple[str, str], ...] = ()
    batch_first: bool = False

    @property
    def is_cell(self) -> bool:
        return self.layout == "pytorch_cell"


_CELLS = {"LSTM": ("lstm_torch", ("h", "c")), "GRU": ("gru", ("h",)), "RNN": ("rnn_torch", ("h",))}


def _refuse(field: str, expected: str, found: Any) -> None:
    raise InputError(f"module.{field}", expected, repr(found))


def describe(module: Any) -> Kind:
    """The :class:`Kind` of a torch module; an :class:`InputError` naming the field it cannot do."""
    import torch

    nn = torch.nn
    for base, cell_base in ((nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell), (nn.RNN, nn.RNNCell)):
        if isinstance(module, (base, cell_base)):
            break
    else:
        raise InputError(
            "module",
            "a torch.nn LSTM, GRU, RNN, LSTMCell, GRUCell or RNNCell",
            type(module).__name__,
        )
    key = base.__name__
    cell, states = _CELLS[key]
    nonlinearity = getattr(module, "nonlinearity", "tanh")
    activations = (("hidden", "relu"),) if nonlinearity == "relu" else ()
    dtype, n = next(iter(module.parameters())).dtype, module.hidden_size
    if isinstance(module, cell_base):
        return Kind(cell_base.__name__, cell, "pytorch_cell", states, dtype, n, activations)
    if module.num_layers != 1:
        _refuse("num_layers", "1 (stacked layers are not supported yet)", module.num_layers)
    if module.bidirectional:
        _refuse("bidirectional", "False (not supported yet)", True)
    if getattr(module, "proj_size", 0):
        _refuse("proj_size", "0 (projected LSTMs are not supported yet)", module.proj_size)
    return Kind(key, cell, "pytorch", states, dtype, n, activations, bool(module.batch_first))


def exact(value: Any, field: str) -> Any:
    """A tensor's values as nested lists of exact rationals (a binary float is a fraction)."""
    import math

    def convert(item: Any) -> Any:
        if isinstance(item, list):
            return [convert(v) for v in item]
        if not math.isfinite(item):
            raise InputError(field, "finite numbers", repr(item))
        return sympy.Rational(*float(item).as_integer_ratio())

    return convert(value.detach().double().tolist())


def _keys(kind: Kind) -> tuple[str, ...]:
    suffix = "" if kind.is_cell else "_l0"
    return tuple(f"{name}{suffix}" for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def parameters(module: Any, kind: Kind) -> dict[str, Any]:
    """The module's parameters in its layout, exactly (absent biases as zeros)."""
    out = {}
    for key in _keys(kind):
        tensor = getattr(module, key, None)
        if tensor is None:  # bias=False: the same function as zero biases
            rows = getattr(module, _keys(kind)[0]).shape[0]
            out[key] = [sympy.S.Zero] * rows
        else:
            out[key] = exact(tensor, f"module.{key}")
    return out


@dataclass(frozen=True)
class Inputs:
    """A check's data, batch-major: x (B × T × d), loss data (B × T × n), initial states (B × n)."""

    x: Any
    targets: Any
    initial: dict[str, Any]


def batch_major(tensor: Any, kind: Kind, field: str) -> Any:
    """A (T × B × …) or batch-first tensor as B × T × …; an unbatched (T × …) one as 1 × T × …."""
    if tensor.dim() == 2:
        return tensor.unsqueeze(0)
    if tensor.dim() != 3:
        raise InputError(field, "a tensor of 2 or 3 dimensions", f"shape {tuple(tensor.shape)}")
    return tensor if kind.batch_first else tensor.transpose(0, 1)


def prepare(kind: Kind, inputs: Any, targets: Any, loss: str, initial: dict[str, Any]) -> Inputs:
    """The check's tensors in the module's dtype, batch-major, with defaults filled in."""
    import torch

    if loss not in LOSSES:
        raise InputError("loss", f"one of {', '.join(LOSSES)}", repr(loss))
    dtype, n = kind.dtype, kind.n
    x = batch_major(torch.as_tensor(inputs, dtype=dtype), kind, "inputs")
    batch, steps = x.shape[0], x.shape[1]
    if loss == "sum":
        y = torch.ones(batch, steps, n, dtype=dtype)
    elif targets is None:
        raise InputError("targets", f"a tensor like the outputs for loss {loss!r}", "nothing")
    else:
        y = batch_major(torch.as_tensor(targets, dtype=dtype), kind, "targets")
        if tuple(y.shape) != (batch, steps, n):
            raise InputError(
                "targets",
                f"the outputs' shape {(batch, steps, n)} (batch-major)",
                str(tuple(y.shape)),
            )
    states = {}
    for state in kind.states:
        given = initial.get(state)
        value = (
            torch.zeros(batch, n, dtype=dtype)
            if given is None
            else torch.as_tensor(given, dtype=dtype)
        )
        if value.numel() != batch * n:
            raise InputError(f"{state}0", f"{batch}×{n} numbers", f"shape {tuple(value.shape)}")
        states[state] = value.reshape(batch, n)
    return Inputs(x, y, states)


def problem_data(params: dict[str, Any], kind: Kind, data: Inputs, loss: str) -> dict[str, Any]:
    """The module and inputs as the dictionary form of a problem file, every number exact."""
    key = get_loss("upstream" if loss == "sum" else loss).data_key
    sequences = []
    for b in range(data.x.shape[0]):
        sequence = {"x": exact(data.x[b], "inputs"), key: exact(data.targets[b], "targets")}
        for state in kind.states:
            sequence[f"{state}_0"] = exact(data.initial[state][b], f"{state}0")
        sequences.append(sequence)
    problem: dict[str, Any] = {
        "cell": kind.cell,
        "loss": "upstream" if loss == "sum" else loss,
        "parameters": {"layout": kind.layout, **params},
        "sequence": sequences,
    }
    if kind.activations:
        problem["activations"] = dict(kind.activations)
    return problem


def loss_value(h: Any, y: Any, loss: str) -> Any:
    """The loss as the framework computes it from the outputs h (batch-major) and targets y."""
    if loss == "sum":
        return h.sum()
    if loss == "upstream":
        return (y * h).sum()
    squares = (h - y) ** 2
    value = squares.mean() if loss == "mse" else squares.sum()
    return 0.5 * value if loss == "half_sse" else value


def framework_run(module: Any, kind: Kind, data: Inputs, loss: str) -> dict[str, Any]:
    """The module's own forward and backward: outputs, loss and gradients, by arrays() key."""
    import torch

    x = data.x.clone().requires_grad_()
    initial = {s: v.clone().requires_grad_() for s, v in data.initial.items()}
    if kind.is_cell:
        state = tuple(initial[s] for s in kind.states)
        outputs = []
        for t in range(x.shape[1]):
            result = module(x[:, t], state if len(state) > 1 else state[0])
            state = result if isinstance(result, tuple) else (result,)
            outputs.append(state[0])
        h = torch.stack(outputs, dim=1)
        final = dict(zip(kind.states, state, strict=True))
    else:
        run_x = x if kind.batch_first else x.transpose(0, 1)
        given = tuple(initial[s].unsqueeze(0) for s in kind.states)
        out, last = module(run_x, given if len(given) > 1 else given[0])
        h = out if kind.batch_first else out.transpose(0, 1)
        last = last if isinstance(last, tuple) else (last,)
        final = {s: v[0] for s, v in zip(kind.states, last, strict=True)}
    value = loss_value(h, data.targets, loss)
    params = {
        key: getattr(module, key) for key in _keys(kind) if getattr(module, key, None) is not None
    }
    for tensor in params.values():
        tensor.grad = None
    value.backward()
    results: dict[str, Any] = {"L": value.detach(), "h": h.detach()}
    if "c" in final:
        results["c_T"] = final["c"].detach()
    grads = {key: tensor.grad for key, tensor in params.items()}
    grads["input"] = x.grad
    grads.update({f"{s}0": initial[s].grad for s in kind.states})
    results["grad"] = grads
    return results

"""Live Keras recurrent layers (``LSTM``, ``GRU``, ``SimpleRNN``) on the torch backend.

The same three roles as :mod:`lstm_sym.gradcheck.live`: :func:`describe` the layer (its
cell, activations and what cannot be checked), read its :func:`parameters` exactly in the
Keras layout, and :func:`framework_run` its own forward and backward (Keras on PyTorch:
its variables are torch parameters, so autograd gives the gradients).
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .live import Inputs, Kind, exact, loss_value

#: Keras activation names -> lstm_sym's.
ACTIVATIONS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "hard_sigmoid": "hard_sigmoid",
    "relu": "relu",
    "linear": "identity",
}


def is_keras(module: Any) -> bool:
    """Whether ``module`` is a Keras layer (without importing Keras)."""
    return any(cls.__module__.startswith("keras") for cls in type(module).__mro__)


def _activation(layer: Any, attribute: str) -> str:
    function = getattr(layer, attribute)
    name = getattr(function, "__name__", repr(function))
    if name not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise InputError(f"module.{attribute}", f"one of {known}", repr(name))
    return ACTIVATIONS[name]


def _weights(layer: Any) -> dict[str, Any]:
    return {variable.path.rsplit("/", 1)[-1]: variable for variable in layer.weights}


def describe(layer: Any) -> Kind:
    """The :class:`~lstm_sym.gradcheck.live.Kind` of a built Keras LSTM, GRU or SimpleRNN."""
    name = type(layer).__name__
    if name not in ("LSTM", "GRU", "SimpleRNN"):
        raise InputError("module", "a Keras LSTM, GRU or SimpleRNN layer", name)
    if not layer.built:
        raise InputError("module", "a built layer (call it once, or build it)", "an unbuilt layer")
    for flag in ("go_backwards", "stateful"):
        if getattr(layer, flag, False):
            raise InputError(f"module.{flag}", "False (not supported)", "True")
    candidate = _activation(layer, "activation")
    states: tuple[str, ...]
    if name == "SimpleRNN":
        cell, states, slots = "elman", ("h",), {"hidden": candidate}
    else:
        slots = {"gate": _activation(layer, "recurrent_activation"), "candidate": candidate}
        if name == "LSTM":
            cell, states = "lstm", ("h", "c")
            slots["output"] = candidate
        else:
            cell, states = ("gru" if layer.reset_after else "gru_cho"), ("h",)
    kernel = _weights(layer)["kernel"].value
    activations = tuple(sorted(slots.items()))
    return Kind(name, cell, "keras", states, kernel.dtype, layer.units, activations, True)


def parameters(layer: Any, kind: Kind) -> dict[str, Any]:
    """``kernel``, ``recurrent_kernel`` and ``bias`` exactly (an absent bias as zeros)."""
    weights = _weights(layer)
    out = {
        key: exact(weights[key].value, f"module.{key}") for key in ("kernel", "recurrent_kernel")
    }
    if "bias" in weights:
        out["bias"] = exact(weights["bias"].value, "module.bias")
    else:
        width = len(out["kernel"][0])
        zeros = [0] * width
        out["bias"] = [zeros, list(zeros)] if kind.cell == "gru" else zeros
    return out


def framework_run(layer: Any, kind: Kind, data: Inputs, loss: str) -> dict[str, Any]:
    """The layer's own forward (full sequence and final states) and backward."""
    x = data.x.clone().requires_grad_()
    initial = {s: v.clone().requires_grad_() for s, v in data.initial.items()}
    saved = layer.return_sequences, layer.return_state
    layer.return_sequences, layer.return_state = True, True
    try:
        result = layer(x, initial_state=[initial[s] for s in kind.states], training=False)
    finally:
        layer.return_sequences, layer.return_state = saved
    h, *final = result
    value = loss_value(h, data.targets, loss)
    weights = {key: variable.value for key, variable in _weights(layer).items()}
    for tensor in weights.values():
        tensor.grad = None
    value.backward()
    results: dict[str, Any] = {"L": value.detach(), "h": h.detach()}
    if "c" in kind.states:
        results["c_T"] = final[1].detach()
    grads = {key: tensor.grad for key, tensor in weights.items()}
    grads["input"] = x.grad
    grads.update({f"{s}0": initial[s].grad for s in kind.states})
    results["grad"] = grads
    return results

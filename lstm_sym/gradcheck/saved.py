"""A saved module for the command line: a ``torch.save`` state dict rebuilt as its module, and
the check's inputs from an ``.npz`` (``x``; optional ``targets``, ``h0``, ``c0``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..frameworks.files import read_raw
from ..frameworks.layouts import normalize_keys

#: The arrays an inputs file may hold.
INPUT_KEYS = ("x", "targets", "h0", "c0")


def module_from_file(
    path: str | Path, *, nonlinearity: str = "tanh", batch_first: bool = False
) -> Any:
    """The ``nn.LSTM``/``GRU``/``RNN`` (or ``*Cell``) whose state dict the file holds.

    The kind follows from the shapes: ``weight_hh`` has 4n rows for an LSTM, 3n for a GRU
    and n for an RNN; keys without ``_l0`` make a cell. Stacked or bidirectional state dicts
    (``_l1``, ``_reverse``) are refused by name.
    """
    import torch

    tensors = normalize_keys(read_raw(path, field="model"))
    if not all(isinstance(value, torch.Tensor) for value in tensors.values()):
        raise InputError("model", "a torch.save state dict (.pt)", "an .npz archive")
    for key in tensors:
        if key.endswith("_reverse") or (key[-1].isdigit() and not key.endswith("_l0")):
            raise InputError(f"model:{key}", "a single-layer, unidirectional module", "this array")
    cell = "weight_hh" in tensors
    suffix = "" if cell else "_l0"
    try:
        hh = tensors[f"weight_hh{suffix}"]
        ih = tensors[f"weight_ih{suffix}"]
    except KeyError as error:
        raise InputError(
            "model", "a recurrent state dict (weight_ih_l0, weight_hh_l0, ...)", f"no {error}"
        ) from None
    n, d = hh.shape[1], ih.shape[1]
    gates = hh.shape[0] // n if n else 0
    kinds = {4: "LSTM", 3: "GRU", 1: "RNN"}
    if gates not in kinds or hh.shape[0] != gates * n:
        raise InputError(
            f"model:weight_hh{suffix}",
            "4n, 3n or n rows (LSTM, GRU, RNN)",
            f"shape {tuple(hh.shape)}",
        )
    name = kinds[gates] + ("Cell" if cell else "")
    options: dict[str, Any] = {"bias": f"bias_ih{suffix}" in tensors}
    if gates == 1:
        options["nonlinearity"] = nonlinearity
    if not cell:
        options["batch_first"] = batch_first
    module = getattr(torch.nn, name)(d, n, dtype=ih.dtype, **options)
    try:
        module.load_state_dict(tensors)
    except RuntimeError as error:
        raise InputError(
            "model", f"a {name} state dict", str(error).splitlines()[0][:200]
        ) from None
    return module


def read_inputs(path: str | Path) -> dict[str, Any]:
    """The check's inputs from an ``.npz`` (``allow_pickle=False``), as float64 tensors (exact)."""
    import numpy as np
    import torch

    arrays = read_raw(path, field="inputs")
    for key, value in arrays.items():
        if isinstance(value, torch.Tensor):
            arrays[key] = value.double().numpy()
        if key not in INPUT_KEYS:
            raise InputError(f"inputs:{key}", f"one of {', '.join(INPUT_KEYS)}", repr(key))
    if "x" not in arrays:
        raise InputError("inputs:x", "the input array x", "nothing")
    return {
        key: torch.from_numpy(np.asarray(value, dtype=np.float64)) for key, value in arrays.items()
    }

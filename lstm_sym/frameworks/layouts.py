"""Framework parameter layouts (PyTorch, Keras) as data, and exact conversion between them.

A framework stores a recurrent layer's parameters as a few arrays with the gates stacked:
PyTorch's ``weight_ih_l0`` is the (4n × d) stack of W_ii, W_if, W_ig, W_io; Keras'
``kernel`` is the (d × 4n) matrix of W_iᵀ, W_fᵀ, W_cᵀ, W_oᵀ side by side. A
:class:`Layout` says, for one cell, which parameters each array stacks; :func:`split`
and :func:`assemble` are its two directions and are exact (values stay rationals).
:data:`EQUIVALENT` maps parameters between cells that compute the same function (the
homework's ``lstm`` and PyTorch's ``lstm_torch``, whose two biases add up), so a PyTorch
LSTM can be written in Keras layout and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ..choices import FRAMEWORKS as FRAMEWORKS  # the layouts by name, re-exported
from ..choices import NATIVE as NATIVE
from ..choices import Framework
from ..errors import InputError, did_you_mean
from ..spec.cells import CELLS, Cell, get_cell

Values = list[Any]  # a vector (list of numbers) or a matrix (list of rows)


@dataclass(frozen=True)
class Tensor:
    """One framework array: the cell parameters ``blocks`` stacked along the gate axis.

    Matrices are stacked as row blocks (PyTorch: gates·n × inputs) and stored transposed
    when ``transpose`` (Keras: inputs × gates·n); vectors are concatenated, and the result
    reshaped into ``rows`` rows when ``rows`` > 0 (Keras' GRU bias: input and recurrent).
    """

    key: str
    blocks: tuple[str, ...]
    transpose: bool = False
    rows: int = 0


@dataclass(frozen=True)
class Layout:
    """How one framework stores one cell's parameters."""

    framework: Framework
    cell: str
    tensors: tuple[Tensor, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tensors)


def _torch(
    cell: str, ih: Sequence[str], hh: Sequence[str], bih: Sequence[str], bhh: Sequence[str]
) -> list[Layout]:
    layouts = []
    stacks: tuple[tuple[Framework, str], ...] = (("pytorch", "_l0"), ("pytorch_cell", ""))
    for framework, suffix in stacks:
        layouts.append(
            Layout(
                framework,
                cell,
                (
                    Tensor(f"weight_ih{suffix}", tuple(ih)),
                    Tensor(f"weight_hh{suffix}", tuple(hh)),
                    Tensor(f"bias_ih{suffix}", tuple(bih)),
                    Tensor(f"bias_hh{suffix}", tuple(bhh)),
                ),
            )
        )
    return layouts


def _keras(
    cell: str, kernel: Sequence[str], recurrent: Sequence[str], bias: Sequence[str], rows: int = 0
) -> Layout:
    return Layout(
        "keras",
        cell,
        (
            Tensor("kernel", tuple(kernel), transpose=True),
            Tensor("recurrent_kernel", tuple(recurrent), transpose=True),
            Tensor("bias", tuple(bias), rows=rows),
        ),
    )


_TORCH_LSTM = "ifgo"
_TORCH_GRU = "rzn"

#: Every known layout (framework, cell).
LAYOUTS: list[Layout] = [
    *_torch(
        "lstm_torch",
        [f"W_i{g}" for g in _TORCH_LSTM],
        [f"W_h{g}" for g in _TORCH_LSTM],
        [f"b_i{g}" for g in _TORCH_LSTM],
        [f"b_h{g}" for g in _TORCH_LSTM],
    ),
    *_torch(
        "gru",
        [f"W_i{g}" for g in _TORCH_GRU],
        [f"W_h{g}" for g in _TORCH_GRU],
        [f"b_i{g}" for g in _TORCH_GRU],
        [f"b_h{g}" for g in _TORCH_GRU],
    ),
    *_torch("rnn_torch", ["W_ih"], ["W_hh"], ["b_ih"], ["b_hh"]),
    _keras(
        "lstm", [f"W_{g}" for g in "ifco"], [f"U_{g}" for g in "ifco"], [f"b_{g}" for g in "ifco"]
    ),
    _keras(
        "gru",
        [f"W_i{g}" for g in "zrn"],
        [f"W_h{g}" for g in "zrn"],
        [f"b_i{g}" for g in "zrn"] + [f"b_h{g}" for g in "zrn"],
        rows=2,
    ),
    _keras(
        "gru_cho", [f"W_{g}" for g in "zrn"], [f"U_{g}" for g in "zrn"], [f"b_{g}" for g in "zrn"]
    ),
    _keras("elman", ["W_h"], ["U_h"], ["b_h"]),
]


def _lstm_pairs() -> dict[str, str]:
    """lstm name -> lstm_torch name (the candidate c is PyTorch's g)."""
    pairs = {}
    for ours, theirs in (("f", "f"), ("i", "i"), ("o", "o"), ("c", "g")):
        pairs[f"W_{ours}"] = f"W_i{theirs}"
        pairs[f"U_{ours}"] = f"W_h{theirs}"
    return pairs


def _equivalences() -> dict[tuple[str, str], dict[str, tuple[str, ...]]]:
    """(source cell, target cell) -> target parameter -> source parameters summed (none: 0)."""
    lstm_from_torch: dict[str, tuple[str, ...]] = {k: (v,) for k, v in _lstm_pairs().items()}
    torch_from_lstm: dict[str, tuple[str, ...]] = {v: (k,) for k, v in _lstm_pairs().items()}
    for ours, theirs in (("f", "f"), ("i", "i"), ("o", "o"), ("c", "g")):
        lstm_from_torch[f"b_{ours}"] = (f"b_i{theirs}", f"b_h{theirs}")
        torch_from_lstm[f"b_i{theirs}"] = (f"b_{ours}",)
        torch_from_lstm[f"b_h{theirs}"] = ()
    return {
        ("lstm_torch", "lstm"): lstm_from_torch,
        ("lstm", "lstm_torch"): torch_from_lstm,
        ("rnn_torch", "elman"): {"W_h": ("W_ih",), "U_h": ("W_hh",), "b_h": ("b_ih", "b_hh")},
        ("elman", "rnn_torch"): {"W_ih": ("W_h",), "W_hh": ("U_h",), "b_ih": ("b_h",), "b_hh": ()},
    }


#: Cells that compute the same function with different parameters (biases summed or split).
EQUIVALENT = _equivalences()


#: Layout names whose arrays are also accepted when reading another name: a state dict of
#: ``nn.LSTMCell`` (no ``_l0``) is read as ``pytorch`` too, and the other way round.
_READS_ALSO: dict[Framework, tuple[Framework, ...]] = {
    "pytorch": ("pytorch_cell",),
    "pytorch_cell": ("pytorch",),
}


def layouts_of(framework: Framework, *, reading: bool = False) -> list[Layout]:
    """The layouts a framework has, one per cell (with ``reading``, also its sibling's)."""
    names = (framework, *(_READS_ALSO.get(framework, ()) if reading else ()))
    return [layout for layout in LAYOUTS if layout.framework in names]


def check_framework(name: Any, field: str) -> Framework:
    """``name`` when it is a layout's name; otherwise an :class:`InputError` for ``field``."""
    for framework in FRAMEWORKS:
        if name == framework:
            return framework
    known = ", ".join(FRAMEWORKS)
    raise InputError(field, f"one of: {known}", repr(name) + did_you_mean(name, FRAMEWORKS))


# -- splitting and assembling ------------------------------------------------------------


def _shape(value: Values) -> tuple[int, ...]:
    if value and isinstance(value[0], list):
        return (len(value), len(value[0]))
    return (len(value),)


def _transpose(matrix: Values) -> Values:
    return [list(column) for column in zip(*matrix, strict=True)]


class LayoutMismatch(ValueError):
    """Arrays that do not fit a layout (the message says why)."""


def split(
    layout: Layout, arrays: Mapping[str, Values], sizes: dict[str, int] | None = None
) -> dict[str, Values]:
    """The cell parameters stored in ``arrays`` (framework key -> nested lists).

    ``sizes`` collects the sizes (n, d, ...) the arrays imply; a contradiction raises
    :class:`LayoutMismatch`.
    """
    cell = get_cell(layout.cell)
    sizes = {} if sizes is None else sizes
    params: dict[str, Values] = {}
    for tensor in layout.tensors:
        value = arrays[tensor.key]
        shape = _shape(value)
        k = len(tensor.blocks)
        first = cell.param(tensor.blocks[0])
        if first.is_matrix:
            if len(shape) != 2:
                raise LayoutMismatch(f"{tensor.key}: expected a matrix, found shape {shape}")
            matrix = _transpose(value) if tensor.transpose else value
            rows = len(matrix)
            if rows % k:
                raise LayoutMismatch(f"{tensor.key}: {rows} rows are not {k} equal gate blocks")
            step = rows // k
            blocks = [matrix[j * step : (j + 1) * step] for j in range(k)]
        else:
            if tensor.rows:
                if len(shape) != 2 or shape[0] != tensor.rows:
                    raise LayoutMismatch(
                        f"{tensor.key}: expected {tensor.rows} rows, found shape {shape}"
                    )
                flat = [v for row in value for v in row]
            elif len(shape) != 1:
                raise LayoutMismatch(f"{tensor.key}: expected a vector, found shape {shape}")
            else:
                flat = list(value)
            if len(flat) % k:
                raise LayoutMismatch(
                    f"{tensor.key}: {len(flat)} entries are not {k} equal gate blocks"
                )
            step = len(flat) // k
            blocks = [flat[j * step : (j + 1) * step] for j in range(k)]
        for name, block in zip(tensor.blocks, blocks, strict=True):
            param = cell.param(name)
            for dim, size in zip(param.shape, _shape(block), strict=True):
                if sizes.setdefault(dim, size) != size:
                    raise LayoutMismatch(
                        f"{tensor.key}: its {name} block implies {dim} = {size}, elsewhere {dim} = {sizes[dim]}"
                    )
            params[name] = block
    return params


def assemble(layout: Layout, params: Mapping[str, Values]) -> dict[str, Values]:
    """The framework arrays (key -> nested lists) holding the cell parameters ``params``."""
    cell = get_cell(layout.cell)
    arrays: dict[str, Values] = {}
    for tensor in layout.tensors:
        if cell.param(tensor.blocks[0]).is_matrix:
            stacked = [list(row) for name in tensor.blocks for row in params[name]]
            arrays[tensor.key] = _transpose(stacked) if tensor.transpose else stacked
        else:
            flat = [v for name in tensor.blocks for v in params[name]]
            if tensor.rows:
                width = len(flat) // tensor.rows
                arrays[tensor.key] = [flat[r * width : (r + 1) * width] for r in range(tensor.rows)]
            else:
                arrays[tensor.key] = flat
    return arrays


# -- between equivalent cells ------------------------------------------------------------


def convert_cell(params: Mapping[str, Values], source: str, target: str) -> dict[str, Values]:
    """``params`` of cell ``source`` as parameters of the equivalent cell ``target`` (exact)."""
    if source == target:
        return dict(params)
    try:
        mapping = EQUIVALENT[(source, target)]
    except KeyError:
        raise InputError(
            "cell", f"a cell equivalent to {target}", f"{source} (no exact conversion)"
        ) from None
    target_cell = get_cell(target)
    sizes: dict[str, int] = {}
    source_cell = get_cell(source)
    for param in source_cell.params:
        for dim, size in zip(param.shape, _shape(params[param.name]), strict=True):
            sizes.setdefault(dim, size)
    out: dict[str, Values] = {}
    for param in target_cell.params:
        parts = [params[name] for name in mapping[param.name]]
        shape = tuple(sizes[d] for d in param.shape)
        out[param.name] = _sum(parts, shape)
    return out


def _sum(parts: list[Values], shape: tuple[int, ...]) -> Values:
    if len(shape) == 2:
        return [
            [sum((p[r][c] for p in parts), sympy.S.Zero) for c in range(shape[1])]
            for r in range(shape[0])
        ]
    return [sum((p[k] for p in parts), sympy.S.Zero) for k in range(shape[0])]


def route(cell: str, framework: Framework) -> tuple[str, Layout | None]:
    """The cell to convert ``cell``'s parameters to for ``framework``, and its layout.

    The layout is ``None`` for the native layout. A cell without a layout of its own goes
    through an :data:`EQUIVALENT` cell that has one.
    """
    if framework == NATIVE:
        return cell, None
    candidates = [cell] + [target for (source, target) in EQUIVALENT if source == cell]
    for name in candidates:
        for layout in layouts_of(framework):
            if layout.cell == name:
                return name, layout
    have = sorted({layout.cell for layout in layouts_of(framework)})
    raise InputError(
        "layout",
        f"a cell {framework} can store ({', '.join(have)}, or an equivalent cell)",
        repr(cell),
    )


def to_framework(
    params: Mapping[str, Values], cell: str, framework: Framework
) -> tuple[str, dict[str, Values]]:
    """``params`` of ``cell`` as ``framework`` arrays (converting to an equivalent cell if needed)."""
    check_framework(framework, "to")
    target, layout = route(cell, framework)
    converted = convert_cell(params, cell, target)
    if layout is None:
        return target, {p.name: converted[p.name] for p in get_cell(target).params}
    return target, assemble(layout, converted)


def infer_cell(names: set[str]) -> str | None:
    """The built-in cell whose parameters are exactly ``names`` (None if none or several)."""
    matches = [cell.name for cell in CELLS.values() if {p.name for p in cell.params} == names]
    return matches[0] if len(matches) == 1 else None


def normalize_keys(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """Framework keys without module prefixes (``lstm.weight_ih_l0``, ``gru/gru_cell/kernel:0``)."""
    short = {key: key.rsplit("/", 1)[-1].rsplit(".", 1)[-1].split(":", 1)[0] for key in arrays}
    if len(set(short.values())) < len(short):
        return dict(arrays)
    return {short[key]: value for key, value in arrays.items()}


def identify(
    framework: Framework, arrays: Mapping[str, Values], cell: str | None, field: str
) -> tuple[Layout, dict[str, Values], dict[str, int]]:
    """The layout ``arrays`` are in (the cell's, or the only one they fit) and the parameters.

    Keys that are not the framework's (a head's ``V`` and ``b_y``) are left to the caller.
    """
    keys = set(arrays)
    candidates = [
        layout
        for layout in layouts_of(framework, reading=True)
        if (cell is None or layout.cell == cell) and set(layout.keys) <= keys
    ]
    if cell is not None and not candidates:
        have = [layout for layout in layouts_of(framework) if layout.cell == cell]
        if not have:
            cells = sorted({layout.cell for layout in layouts_of(framework)})
            raise InputError(
                field, f"a cell with a {framework} layout ({', '.join(cells)})", repr(cell)
            )
        missing = sorted(set(have[0].keys) - keys)
        raise InputError(f"{field}.{missing[0]}", f"the {framework} array {missing[0]}", "nothing")
    fits: list[tuple[Layout, dict[str, Values], dict[str, int]]] = []
    reasons: list[str] = []
    for layout in candidates:
        sizes: dict[str, int] = {}
        try:
            fits.append((layout, split(layout, arrays, sizes), sizes))
        except LayoutMismatch as error:
            reasons.append(f"{layout.cell}: {error}")
    if len(fits) == 1:
        return fits[0]
    if not fits:
        expected = f"{framework} arrays of one cell" + (f" ({cell})" if cell else "")
        if not candidates:
            wanted = "; ".join(
                f"{lay.cell}: {', '.join(lay.keys)}" for lay in layouts_of(framework)
            )
            raise InputError(
                field, f"{expected}, with keys {wanted}", ", ".join(sorted(keys)) or "no arrays"
            )
        raise InputError(field, expected, "; ".join(reasons))
    names = ", ".join(fit[0].cell for fit in fits)
    raise InputError(
        "cell", f"a cell name to choose between {names}", "arrays that fit several cells"
    )


def describe_layout(framework: Framework, cell: Cell) -> str:
    """One line stating how a problem's parameters were given, for sheets and listings."""
    if framework == NATIVE:
        return f"{FRAMEWORKS[NATIVE]}"
    for layout in layouts_of(framework):
        if layout.cell == cell.name:
            parts = []
            for tensor in layout.tensors:
                stacked = ", ".join(tensor.blocks)
                how = "transposed, " if tensor.transpose else ""
                rows = f" in {tensor.rows} rows" if tensor.rows else ""
                parts.append(f"{tensor.key} = [{how}{stacked}]{rows}")
            return f"{framework}: " + "; ".join(parts)
    return framework

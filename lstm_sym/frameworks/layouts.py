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
from typing import Any

import sympy

from ..choices import FRAMEWORKS as FRAMEWORKS  # the layouts by name, re-exported
from ..choices import NATIVE as NATIVE
from ..choices import Framework
from ..errors import InputError, did_you_mean
from ..spec.cells import CELLS, Cell, get_cell
from .blocks import Layout as Layout
from .blocks import LayoutMismatch as LayoutMismatch
from .blocks import Tensor as Tensor
from .blocks import Values as Values
from .blocks import assemble as assemble
from .blocks import shape_of as _shape
from .blocks import split
from .courses import ORDERED, course_layouts, xh_rows


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
    *course_layouts(),
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


def layouts_of(framework: Framework, *, reading: bool = False, gates: str = "") -> list[Layout]:
    """The layouts a framework has, one per cell (with ``reading``, also its sibling's).

    ``gates`` is the gate order of the layout whose order is chosen (``xh_rows``).
    """
    names = (framework, *(_READS_ALSO.get(framework, ()) if reading else ()))
    found = [layout for layout in LAYOUTS if layout.framework in names]
    return [xh_rows(gates) if gates and lay.framework == ORDERED else lay for lay in found]


def check_framework(name: Any, field: str) -> Framework:
    """``name`` when it is a layout's name; otherwise an :class:`InputError` for ``field``."""
    for framework in FRAMEWORKS:
        if name == framework:
            return framework
    known = ", ".join(FRAMEWORKS)
    raise InputError(field, f"one of: {known}", repr(name) + did_you_mean(name, FRAMEWORKS))


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
    own = {p.name for p in source_cell.params}
    out: dict[str, Values] = {k: v for k, v in params.items() if k not in own}  # a head's
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


def route(cell: str, framework: Framework, gates: str = "") -> tuple[str, Layout | None]:
    """The cell to convert ``cell``'s parameters to for ``framework``, and its layout.

    The layout is ``None`` for the native layout. A cell without a layout of its own goes
    through an :data:`EQUIVALENT` cell that has one.
    """
    if framework == NATIVE:
        return cell, None
    candidates = [cell] + [target for (source, target) in EQUIVALENT if source == cell]
    for name in candidates:
        for layout in layouts_of(framework, gates=gates):
            if layout.cell == name:
                return name, layout
    have = sorted({layout.cell for layout in layouts_of(framework)})
    raise InputError(
        "layout",
        f"a cell {framework} can store ({', '.join(have)}, or an equivalent cell)",
        repr(cell),
    )


def to_framework(
    params: Mapping[str, Values], cell: str, framework: Framework, gates: str = ""
) -> tuple[str, dict[str, Values]]:
    """``params`` of ``cell`` as ``framework`` arrays (converting to an equivalent cell if needed).

    Parameters that are not the cell's (a head's ``V``, ``b_y``) go into the layout's head
    arrays when it has them, and keep their names otherwise.
    """
    check_framework(framework, "to")
    target, layout = route(cell, framework, gates)
    converted = convert_cell(params, cell, target)
    own = {p.name for p in get_cell(target).params}
    if layout is None:
        return target, {p.name: converted[p.name] for p in get_cell(target).params} | {
            k: v for k, v in converted.items() if k not in own
        }
    stored = {name for tensor in layout.head for name in tensor.blocks}
    rest = {k: v for k, v in converted.items() if k not in own and k not in stored}
    return target, assemble(layout, converted) | rest


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
    framework: Framework,
    arrays: Mapping[str, Values],
    cell: str | None,
    field: str,
    gates: str = "",
) -> tuple[Layout, dict[str, Values], dict[str, int]]:
    """The layout ``arrays`` are in (the cell's, or the only one they fit) and the parameters.

    Keys that are not the framework's (a head's ``V`` and ``b_y``) are left to the caller.
    """
    keys = set(arrays)
    candidates = [
        layout
        for layout in layouts_of(framework, reading=True, gates=gates)
        if (cell is None or layout.cell == cell) and set(layout.keys) <= keys
    ]
    if cell is not None and not candidates:
        have = [layout for layout in layouts_of(framework, gates=gates) if layout.cell == cell]
        if not have:
            cells = sorted({layout.cell for layout in layouts_of(framework, gates=gates)})
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
                f"{lay.cell}: {', '.join(lay.keys)}" for lay in layouts_of(framework, gates=gates)
            )
            raise InputError(
                field, f"{expected}, with keys {wanted}", ", ".join(sorted(keys)) or "no arrays"
            )
        raise InputError(field, expected, "; ".join(reasons))
    names = ", ".join(fit[0].cell for fit in fits)
    raise InputError(
        "cell", f"a cell name to choose between {names}", "arrays that fit several cells"
    )


def describe_layout(framework: Framework, cell: Cell, gates: str = "") -> str:
    """One line stating how a problem's parameters were given, for sheets and listings."""
    if framework == NATIVE:
        return f"{FRAMEWORKS[NATIVE]}"
    for layout in layouts_of(framework, gates=gates):
        if layout.cell == cell.name:
            parts = []
            for tensor in layout.stored(cell):
                how = "transposed, " if tensor.transpose else ""
                parts.append(f"{tensor.key} = [{how}{tensor.stacked()}]{tensor.shaped}")
            return f"{framework}: " + "; ".join(parts)
    return framework

"""``lstm-sym convert``: parameters from one layout or file format to another, exactly.

Inputs: a problem file (or a ``cell`` + ``[parameters]`` fragment) in any layout, an
``.npz`` or a ``torch.save`` file. Outputs: a problem file (the input problem with its
``[parameters]`` rewritten, or a fragment), ``.npz`` or ``.pt``. Between TOML files the
numbers stay exact; binary outputs hold float64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .choices import Framework
from .errors import InputError
from .files import write_atomic
from .frameworks.blocks import HEAD
from .frameworks.courses import ORDERED, gate_order, gate_text
from .frameworks.files import TORCH_SUFFIXES, read_arrays, write_arrays
from .frameworks.layouts import (
    FRAMEWORKS,
    NATIVE,
    Values,
    convert_cell,
    identify,
    infer_cell,
    layouts_of,
    normalize_keys,
    route,
    to_framework,
)
from .problem import read_parameters, read_toml
from .problem.toml import toml_text
from .spec.cells import get_cell
from .spec.heads import head_params


@dataclass
class Loaded:
    """Parameters read for conversion: the cell, its values and the problem they came with."""

    cell: str
    params: dict[str, Values]
    layout: Framework
    problem: dict[str, Any] | None = None


def _lists(value: Any) -> Values:
    return [list(row) if isinstance(row, tuple) else row for row in value]


def load(path: str | Path, *, cell: str | None = None) -> Loaded:
    """Read parameters from a problem file, an ``.npz`` or a ``torch.save`` file."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        data = read_toml(path)
        if isinstance(data.get("cell"), Mapping):
            raise InputError(
                "cell", "a built-in cell (custom cells have no framework layout)", "a [cell] table"
            )
        given = read_parameters(data, source=str(path), cell=cell)
        params = {name: _lists(value) for name, value in given.values.items()}
        return Loaded(given.cell.name, params, given.layout, dict(data))
    arrays = read_arrays(path, field=str(path))
    extra = {k: v for k, v in arrays.items() if k in head_params()}
    arrays = {k: v for k, v in arrays.items() if k not in extra}
    native = (
        cell
        if cell is not None and {p.name for p in get_cell(cell).params} == set(arrays)
        else infer_cell(set(arrays))
    )
    if native is not None:
        return Loaded(native, {**arrays, **extra}, NATIVE)
    keys = normalize_keys(arrays)
    errors = []
    for framework in FRAMEWORKS:
        if framework == NATIVE or not any(
            set(lay.keys) <= set(keys) for lay in layouts_of(framework)
        ):
            continue
        try:
            layout_cell = route(cell, framework)[0] if cell is not None else None
            layout, params, _ = identify(framework, keys, layout_cell, str(path))
        except InputError as error:
            errors.append(str(error))
            continue
        name = cell or layout.cell
        return Loaded(name, {**convert_cell(params, layout.cell, name), **extra}, framework)
    raise InputError(
        str(path),
        "the arrays of a cell in one of the layouts " + ", ".join(FRAMEWORKS),
        "; ".join(errors) or f"keys {', '.join(sorted(arrays)) or '(none)'}",
    )


def convert(
    source: str | Path,
    output: str | Path | None,
    *,
    to: Framework,
    cell: str | None = None,
    gates: str | None = None,
) -> str | None:
    """Convert ``source`` to layout ``to``; writes ``output`` (by suffix) or returns TOML text.

    ``gates`` is the gate order to write a layout that has one in (``xh_rows``).
    """
    if to not in FRAMEWORKS:
        raise InputError("--to", f"one of: {', '.join(FRAMEWORKS)}", repr(to))
    if gates is not None and to != ORDERED:
        raise InputError("--gates", f"--to {ORDERED} (the layout with a gate order)", f"--to {to}")
    order = "" if gates is None else gate_order(gates, "--gates")
    loaded = load(source, cell=cell)
    target, arrays = to_framework(loaded.params, loaded.cell, to, order)
    suffix = Path(output).suffix.lower() if output is not None else ".toml"
    if suffix == ".npz" or suffix in TORCH_SUFFIXES:
        assert output is not None
        write_arrays(output, arrays)
        return None
    if suffix != ".toml":
        raise InputError(
            "output", "a file ending in .toml, .npz, .pt, .pth or .bin", repr(str(output))
        )
    table: dict[str, Any] = {} if to == NATIVE else {"layout": to}
    if order:
        table["gates"] = gate_text(order)
    table.update(arrays)
    data = dict(loaded.problem) if loaded.problem is not None else {}
    data["cell"] = target
    if "head" not in data and any(k in head_params() for k in loaded.params):
        data["head"] = HEAD  # arrays read with a head's V, b_y (Wy, by)
    data["parameters"] = table
    first = ("title", "course", "author", "description", "cell")
    ordered = {k: data[k] for k in first if k in data} | data
    text = toml_text(ordered)
    if output is None or str(output) == "-":
        return text
    write_atomic(output, text)
    return None

"""A problem file's ``[parameters]`` table: values inline and from a ``file`` (``.npz``,
``.pt``), in any layout (``layout = "pytorch"``), as the cell's native parameters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy

from ..choices import Framework
from ..errors import InputError
from ..frameworks.courses import ORDERED, gate_order
from ..frameworks.files import read_arrays
from ..frameworks.layouts import (
    NATIVE,
    check_framework,
    convert_cell,
    identify,
    infer_cell,
    normalize_keys,
    route,
)
from ..spec.cells import get_cell
from .arrays import describe_raw, exact_array
from .data import Parameters

#: Keys of a ``[parameters]`` table that are not parameters.
LAYOUT_KEY, FILE_KEY, GATES_KEY = "layout", "file", "gates"


def table_values(
    table: Mapping[str, Any], framework: Framework, *, base: Path | None, field: str = "parameters"
) -> tuple[dict[str, Any], str | None]:
    """The table's values by key, inline and from its file (each given once), and the file.

    File arrays are exact already; inline ones are as written. ``base`` is the folder a
    relative file name is read from.
    """
    values = {k: v for k, v in table.items() if k not in (LAYOUT_KEY, FILE_KEY, GATES_KEY)}
    file = table.get(FILE_KEY)
    if file is None:
        return values, None
    if not isinstance(file, str) or not file:
        raise InputError(f"{field}.{FILE_KEY}", "a file name (.npz, .pt)", repr(file))
    path = Path(file) if base is None or Path(file).is_absolute() else base / file
    from_file = read_arrays(path, field=f"{field}.{FILE_KEY}")
    if framework != NATIVE:
        from_file = normalize_keys(from_file)
    for key, value in from_file.items():
        if key in values:
            raise InputError(
                f"{field}.{key}", "each parameter given once", "a value inline and in the file"
            )
        values[key] = value
    return values, file


def framework_parameters(
    table: Mapping[str, Any],
    cell: str | None,
    *,
    base: Path | None = None,
    field: str = "parameters",
    extra: frozenset[str] = frozenset(),
) -> Parameters[Any]:
    """A built-in cell's ``[parameters]`` table (in any ``layout``) as native parameters.

    ``cell`` is the cell named by the problem (None: inferred from the arrays); ``extra``
    names parameters outside the layout (an output head's ``V``, ``b_y``) that are passed
    through. Native inline values are returned as written, for the problem reader.
    """
    framework = check_framework(table.get(LAYOUT_KEY, NATIVE), f"{field}.{LAYOUT_KEY}")
    values, file = table_values(table, framework, base=base, field=field)
    gates = _gates(table, framework, f"{field}.{GATES_KEY}")
    if framework == NATIVE:
        name = cell or infer_cell(set(values)) or "lstm"
        return Parameters(get_cell(name), values, file=file)
    passed = {k: v for k, v in values.items() if k in extra}
    arrays = {
        k: (v if _is_exact(v) else _framework_array(v, f"{field}.{k}"))
        for k, v in values.items()
        if k not in extra
    }
    if cell is not None:
        get_cell(cell)
        layout_cell, _ = route(cell, framework, gates)
        layout, params, _ = identify(framework, arrays, layout_cell, field, gates)
        params = convert_cell(params, layout.cell, cell)
    else:
        layout, params, _ = identify(framework, arrays, None, field, gates)
        cell = layout.cell
    unknown = sorted(set(arrays) - {*layout.keys, *layout.head_keys})
    if unknown:
        raise InputError(
            f"{field}.{unknown[0]}",
            f"one of the {framework} arrays {', '.join(layout.keys)}",
            f"unknown key {unknown[0]!r}",
        )
    return Parameters(
        get_cell(cell), {**params, **passed}, layout=layout.framework, file=file, gates=gates
    )


def _gates(table: Mapping[str, Any], framework: Framework, field: str) -> str:
    """The gate order a table chooses (``xh_rows`` only), as the cell's letters; "" if none."""
    if GATES_KEY not in table:
        return ""
    if framework != ORDERED:
        raise InputError(field, f"no gate order (only the {ORDERED} layout has one)", framework)
    return gate_order(table[GATES_KEY], field)


def _framework_array(raw: Any, field: str) -> list[Any]:
    """A framework array written inline: a list of numbers or of rows, exact."""
    value = exact_array(raw, field)
    if not isinstance(value, list):
        raise InputError(field, "a non-empty list of numbers (or of rows)", describe_raw(raw))
    return value


def _is_exact(value: Any) -> bool:
    first = value[0] if isinstance(value, list) and value else None
    if isinstance(first, list):
        first = first[0] if first else None
    return isinstance(first, sympy.Rational)

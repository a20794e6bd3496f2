"""Parameters from and to files: problem-file tables in any layout, ``.npz``, ``torch.save``.

Binary arrays hold binary floats; each is read as the exact rational it is (float32
``0.1`` is 13421773/134217728), so a problem built from framework weights computes
exactly what the framework's numbers mean. Writing ``.npz`` / ``.pt`` rounds to float64.
PyTorch files are read with ``torch.load(weights_only=True)``: tensors only, never
arbitrary pickled objects.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import sympy

from ..errors import InputError, shorten
from ..files import open_regular, write_atomic
from ..limits import check, limit
from ..numbers import parse_number
from ..spec.cells import CELLS, get_cell
from .layouts import (
    FRAMEWORKS,
    NATIVE,
    Values,
    assemble,
    check_framework,
    convert_cell,
    identify,
    layouts_of,
    normalize_keys,
    route,
)

#: Keys of a ``[parameters]`` table that are not parameters.
LAYOUT_KEY, FILE_KEY = "layout", "file"
TORCH_SUFFIXES = (".pt", ".pth", ".bin")


@dataclass
class ParameterSet:
    """Parameters of one cell in the native layout, and how they were given."""

    cell: str
    params: dict[str, Any]
    layout: str = NATIVE
    file: str | None = None


# -- exact values ------------------------------------------------------------------------


def exact_array(raw: Any, field: str) -> Values:
    """A (nested) list of TOML numbers as exact rationals, checking it is rectangular."""
    if not isinstance(raw, list) or not raw:
        raise InputError(field, "a non-empty list of numbers (or of rows)", repr(raw)[:40])
    if all(isinstance(r, list) for r in raw):
        width = len(raw[0])
        if any(len(r) != width or not r for r in raw):
            raise InputError(field, "rows of equal, non-zero length", "ragged rows")
        return [
            [parse_number(v, f"{field}[{i + 1},{j + 1}]") for j, v in enumerate(row)]
            for i, row in enumerate(raw)
        ]
    if any(isinstance(r, list) for r in raw):
        raise InputError(field, "a list of numbers or a list of rows", "a list mixing both")
    return [parse_number(v, f"{field}[{i + 1}]") for i, v in enumerate(raw)]


def _exact_float(value: float, field: str) -> sympy.Rational:
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(field, "finite numbers", repr(value))
    num, den = value.as_integer_ratio()
    return sympy.Rational(num, den)


def _from_numpy(array: Any, field: str) -> Values:
    import numpy as np

    if array.dtype.kind not in "fiu" or array.ndim not in (1, 2) or array.size == 0:
        raise InputError(
            field,
            "a non-empty 1-D or 2-D array of numbers",
            f"dtype {array.dtype}, shape {array.shape}",
        )
    if array.dtype.kind == "f":
        values = np.asarray(array, dtype=np.float64).tolist()
        if array.ndim == 1:
            return [_exact_float(v, field) for v in values]
        return [[_exact_float(v, field) for v in row] for row in values]
    # integers as they are: int64 and uint64 hold more digits than a float64
    if array.ndim == 1:
        return [sympy.Integer(v) for v in array.tolist()]
    return [[sympy.Integer(v) for v in row] for row in array.tolist()]


# -- reading files -----------------------------------------------------------------------


def read_arrays(path: str | Path, *, field: str = "file") -> dict[str, Values]:
    """The arrays of an ``.npz`` or ``torch.save`` file, as exact nested lists, by key.

    Each array is checked from its header (dtype, shape, the total against the
    ``parameter_values`` limit) before any of its numbers is read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npz", *TORCH_SUFFIXES):
        raise InputError(field, "a file ending in .npz, .pt, .pth or .bin", repr(path.name))
    try:
        with open_regular(path) as handle:
            arrays = _read_npz(handle, field) if suffix == ".npz" else _read_torch(handle, field)
    except OSError as error:  # missing, a directory, a pipe, a device, no permission
        found = f"{shorten(str(path))!r} ({error.strerror or error})"
        raise InputError(field, "an existing parameter file (.npz, .pt)", found) from None
    except ValueError as error:
        if isinstance(error, InputError):
            raise
        raise InputError(field, "an existing parameter file (.npz, .pt)", repr(str(path))) from None
    total = sum(getattr(a, "size", 0) for a in arrays.values())
    check("parameter_values", total, field, "at most {limit} numbers")
    return {key: _from_numpy(value, f"{field}:{key}") for key, value in arrays.items()}


#: What reading a damaged zip archive raises (NotImplementedError, RuntimeError: a zip
#: version, method or encryption it does not support; zlib.error: damaged compressed data).
ZIP_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, OSError, ValueError, EOFError)
ZIP_ERRORS += (KeyError, struct.error, zlib.error, NotImplementedError, RuntimeError)

#: What every array of a parameter file must be.
ARRAY = "a non-empty 1-D or 2-D array of numbers"


def _read_npz(handle: BinaryIO, field: str) -> dict[str, Any]:
    import numpy as np

    expected = "a NumPy .npz archive of numeric arrays"
    try:
        # Dtypes and sizes come from the headers, before any array is decompressed.
        _check_npz_headers(handle, field)
        handle.seek(0)
        with np.load(handle, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except InputError:
        raise
    except ZIP_ERRORS as error:
        raise InputError(field, expected, f"{type(error).__name__}: {error}"[:200]) from None


def _check_npz_headers(handle: BinaryIO, field: str) -> None:
    """Refuse an archive with an array of other than plain numbers, or with too many numbers.

    A header can describe a structured, object or subarray dtype (``('<f8', (15000,
    15000))`` with shape ``(1,)`` is 225 million numbers in one element): those are
    refused by name before anything is read.
    """
    import numpy as np

    total = 0
    with zipfile.ZipFile(handle) as archive:
        for info in archive.infolist():
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    header = np.lib.format.read_array_header_1_0(member)
                else:
                    header = np.lib.format.read_array_header_2_0(member)
            shape, _, dtype = header
            key = f"{field}:{info.filename.removesuffix('.npy')}"
            if dtype.kind not in "fiu" or dtype.names is not None or dtype.subdtype is not None:
                raise InputError(key, ARRAY, f"{_dtype_words(dtype)}, shape {shape}")
            count = 1
            for extent in shape:
                count *= extent
            total += count
            check("parameter_values", total, field, "at most {limit} numbers")


def _dtype_words(dtype: Any) -> str:
    """A NumPy dtype in words, naming what is wrong with it for a parameter array."""
    if dtype.names is not None:
        return f"a structured dtype {dtype}"
    if dtype.subdtype is not None:
        return f"a subarray dtype {dtype}"
    if dtype.hasobject:
        return "an object dtype (pickled Python objects)"
    return f"dtype {dtype}"


def _read_torch(handle: BinaryIO, field: str) -> dict[str, Any]:
    try:
        import torch
    except ImportError:
        raise InputError(
            field, "PyTorch installed to read a torch.save file", "no torch module"
        ) from None
    _check_torch_storage(handle, field)
    handle.seek(0)
    try:
        with warnings.catch_warnings():  # deprecation notes would break the one-line contract
            warnings.simplefilter("ignore")
            data = torch.load(handle, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for files it refuses
        raise InputError(
            field,
            "a torch.save file of tensors (loaded with weights_only=True)",
            f"{type(error).__name__}",
        ) from None
    if not isinstance(data, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()
    ):
        raise InputError(field, "a state dict (names -> tensors)", type(data).__name__)
    total = 0
    for key, tensor in data.items():
        _check_tensor(tensor, f"{field}:{key}")
        total += tensor.numel()  # from the shape: an expanded view is not materialised yet
        check("parameter_values", total, field, "at most {limit} numbers")
    return {key: _tensor_array(tensor) for key, tensor in data.items()}


def _check_torch_storage(handle: BinaryIO, field: str) -> None:
    """Refuse a ``torch.save`` archive whose stored data would exceed the number limit.

    The sizes come from the zip directory, before anything is read: a compressed member
    cannot unpack into more than it declares. (The older, non-zip format holds its data
    as it is, so the file's own size bounds it.)
    """
    try:
        if not zipfile.is_zipfile(handle):  # (it raises for some damaged archives)
            return
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            stored = sum(info.file_size for info in archive.infolist())
    except ZIP_ERRORS as error:
        found = f"{type(error).__name__}: {error}"[:200]
        raise InputError(field, "a torch.save file of tensors", found) from None
    most = limit("parameter_values")
    if stored > 8 * most + STORAGE_SLACK:  # 8 bytes: the widest dtype read (float64, int64)
        check(
            "parameter_values",
            stored // 8,
            field,
            "at most {limit} numbers",
            found=f"{stored:,} bytes of stored data",
        )


#: Bytes of a ``torch.save`` archive beyond its numbers (the pickle, version records).
STORAGE_SLACK = 1 << 20


def _check_tensor(tensor: Any, field: str) -> None:
    """Refuse a tensor that is not a dense array of real numbers on the CPU, by its kind."""
    import torch

    if tensor.is_nested:
        raise InputError(field, ARRAY, "a nested tensor")
    if tensor.layout != torch.strided:
        raise InputError(field, ARRAY, f"a sparse tensor (layout {tensor.layout})")
    if tensor.is_quantized:
        raise InputError(field, ARRAY, f"a quantized tensor (dtype {tensor.dtype})")
    if tensor.device.type != "cpu":
        raise InputError(field, ARRAY, f"a tensor on device {tensor.device.type} (no values)")
    if str(tensor.dtype).removeprefix("torch.") not in TORCH_DTYPES:
        raise InputError(field, ARRAY, f"dtype {tensor.dtype}, shape {tuple(tensor.shape)}")


#: The tensor dtypes read: real floats (each value exact in float64) and integers. Not
#: complex (the imaginary part would be lost), bool, quantized, packed or bit types.
TORCH_DTYPES = frozenset(
    {"float16", "bfloat16", "float32", "float64"}
    | {"float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"}
    | {f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)}
)


def _tensor_array(tensor: Any) -> Any:
    """A checked tensor's values as a NumPy array: floats as float64 (exact), integers as they are."""
    import torch

    tensor = tensor.detach()
    if tensor.dtype.is_floating_point:  # float16, bfloat16, float8: all exact in float64
        return tensor.to(torch.float64).numpy()
    return tensor.contiguous().numpy()


# -- parameters in a problem file -------------------------------------------------------


def infer_cell(names: set[str]) -> str | None:
    """The built-in cell whose parameters are exactly ``names`` (None if none or several)."""
    matches = [cell.name for cell in CELLS.values() if {p.name for p in cell.params} == names]
    return matches[0] if len(matches) == 1 else None


def framework_parameters(
    table: Mapping[str, Any],
    cell: str | None,
    *,
    base: Path | None = None,
    field: str = "parameters",
    extra: frozenset[str] = frozenset(),
) -> ParameterSet:
    """A ``[parameters]`` table (inline arrays, a ``file``, in any ``layout``) as native parameters.

    ``cell`` is the cell named by the problem (None: inferred from the arrays); ``extra``
    names parameters outside the layout (an output head's ``V``, ``b_y``) that are passed
    through. Native inline values are returned unparsed, for the problem reader.
    """
    framework = check_framework(table.get(LAYOUT_KEY, NATIVE), f"{field}.{LAYOUT_KEY}")
    values: dict[str, Any] = {k: v for k, v in table.items() if k not in (LAYOUT_KEY, FILE_KEY)}
    file = table.get(FILE_KEY)
    if file is not None:
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
    if framework == NATIVE:
        return ParameterSet(cell or infer_cell(set(values)) or "lstm", values, NATIVE, file)
    passed = {k: v for k, v in values.items() if k in extra}
    arrays = {
        k: (v if _is_exact(v) else exact_array(v, f"{field}.{k}"))
        for k, v in values.items()
        if k not in extra
    }
    if cell is not None:
        get_cell(cell)
        layout_cell, _ = route(cell, framework)
        layout, params, _ = identify(framework, arrays, layout_cell, field)
        params = convert_cell(params, layout.cell, cell)
    else:
        layout, params, _ = identify(framework, arrays, None, field)
        cell = layout.cell
    unknown = sorted(set(arrays) - set(layout.keys))
    if unknown:
        raise InputError(
            f"{field}.{unknown[0]}",
            f"one of the {framework} arrays {', '.join(layout.keys)}",
            f"unknown key {unknown[0]!r}",
        )
    return ParameterSet(cell, {**params, **passed}, layout.framework, file)


def _is_exact(value: Any) -> bool:
    first = value[0] if isinstance(value, list) and value else None
    if isinstance(first, list):
        first = first[0] if first else None
    return isinstance(first, sympy.Rational)


# -- writing -----------------------------------------------------------------------------


def to_framework(
    params: Mapping[str, Values], cell: str, framework: str
) -> tuple[str, dict[str, Values]]:
    """``params`` of ``cell`` as ``framework`` arrays (converting to an equivalent cell if needed)."""
    check_framework(framework, "to")
    target, layout = route(cell, framework)
    converted = convert_cell(params, cell, target)
    if layout is None:
        return target, {p.name: converted[p.name] for p in get_cell(target).params}
    return target, assemble(layout, converted)


def decimal_text(value: sympy.Rational) -> str | None:
    """The exact decimal literal of ``value``, or None when it has none (1/3)."""
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    if q != 1:
        return None
    if value.q == 1:
        return str(value.p)
    places = max(twos, fives)
    scaled = abs(int(value.p)) * 10**places // int(value.q)
    digits = str(scaled).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}"
    return ("-" if value < 0 else "") + text


def toml_value(value: Any) -> str:
    """A TOML literal for a problem-file value (exact numbers stay exact)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, sympy.Rational):
        text = decimal_text(value)
        return text if text is not None else toml_string(f"{value.p}/{value.q}")
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "")
    return key if bare.isascii() and bare.isalnum() else toml_string(key)


#: TOML's short escapes; every other character that is not printable becomes \uXXXX.
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string that every TOML reader reads back as ``text``.

    Quotes, backslashes and every character that is not printable (control characters,
    DEL, bidirectional overrides, other separators than the space) are escaped: TOML
    forbids most of them raw, and escaped they cannot act on a terminal either.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            raise InputError("output", "text that TOML can hold", f"a lone surrogate U+{code:04X}")
        else:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def toml_text(data: Mapping[str, Any]) -> str:
    """TOML text of a problem-file structure: plain keys first, then tables, then ``[[...]]``."""
    lines = []
    tables = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables.extend((key, v) for v in value)
            continue
        else:
            lines.append(f"{_key(key)} = {toml_value(value)}")
    repeated = {
        k
        for k, v in data.items()
        if isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v)
    }
    for key, table in tables:
        lines.append("")
        lines.append(f"[[{_key(key)}]]" if key in repeated else f"[{_key(key)}]")
        lines.extend(f"{_key(k)} = {toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def write_arrays(path: str | Path, arrays: Mapping[str, Values]) -> None:
    """Write arrays as ``.npz`` or ``torch.save`` (by suffix), float64, atomically."""
    import numpy as np

    path = Path(path)
    suffix = path.suffix.lower()
    floats = {key: np.array(_floats(value), dtype=np.float64) for key, value in arrays.items()}
    buffer = io.BytesIO()
    if suffix == ".npz":
        np.savez(buffer, **floats)  # type: ignore[arg-type]
    elif suffix in TORCH_SUFFIXES:
        try:
            import torch
        except ImportError:
            raise InputError(
                "output", "PyTorch installed to write a torch.save file", "no torch module"
            ) from None
        torch.save({key: torch.from_numpy(value) for key, value in floats.items()}, buffer)
    else:
        raise InputError(
            "output", "a file ending in .toml, .npz, .pt, .pth or .bin", repr(path.name)
        )
    write_atomic(path, buffer.getvalue())


def _floats(value: Values) -> Any:
    if value and isinstance(value[0], list):
        return [[float(v) for v in row] for row in value]
    return [float(v) for v in value]


def describe_frameworks() -> str:
    """One line per layout name, for help texts."""
    return "; ".join(f"{name}: {text}" for name, text in FRAMEWORKS.items())


__all__ = [
    "ParameterSet",
    "framework_parameters",
    "layouts_of",
    "read_arrays",
    "to_framework",
    "toml_text",
    "write_arrays",
]

"""Parameter files: ``.npz`` and ``torch.save`` arrays read as exact numbers, and written.

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
from pathlib import Path
from typing import Any, BinaryIO

import sympy

from ..errors import InputError, shorten
from ..files import open_regular, write_atomic
from ..limits import check, limit
from .layouts import Values

#: The suffixes of ``torch.save`` files.
TORCH_SUFFIXES = (".pt", ".pth", ".bin")


# -- exact values ------------------------------------------------------------------------


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
    arrays = read_raw(path, field=field)
    if Path(path).suffix.lower() in TORCH_SUFFIXES:
        arrays = {key: _tensor_array(tensor) for key, tensor in arrays.items()}
    total = sum(getattr(a, "size", 0) for a in arrays.values())
    check("parameter_values", total, field, "at most {limit} numbers")
    return {key: _from_numpy(value, f"{field}:{key}") for key, value in arrays.items()}


def read_raw(path: str | Path, *, field: str = "file") -> dict[str, Any]:
    """The checked arrays of an ``.npz`` (NumPy arrays) or ``torch.save`` state dict (tensors,
    loaded with weights_only), in their own dtypes."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npz", *TORCH_SUFFIXES):
        raise InputError(field, "a file ending in .npz, .pt, .pth or .bin", repr(path.name))
    try:
        with open_regular(path) as handle:
            return _read_npz(handle, field) if suffix == ".npz" else _load_torch(handle, field)
    except OSError as error:  # missing, a directory, a pipe, a device, no permission
        found = f"{shorten(str(path))!r} ({error.strerror or error})"
        raise InputError(field, "an existing parameter file (.npz, .pt)", found) from None
    except ValueError as error:
        if isinstance(error, InputError):
            raise
        raise InputError(field, "an existing parameter file (.npz, .pt)", repr(str(path))) from None


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


def _load_torch(handle: BinaryIO, field: str) -> dict[str, Any]:
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
    return dict(data)


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


# -- writing -----------------------------------------------------------------------------


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

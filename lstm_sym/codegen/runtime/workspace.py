"""The work buffers of vector-style code: reused between calls, so large arrays are not new.

Copied into every vector-style module (:func:`lstm_sym.codegen.runtime.copied_source`).
"""

from __future__ import annotations

import numpy as np

# fmt: off
#: Work buffers of the last finished call, taken by the next call with the same sizes and
#: dtype: new large arrays cost a page fault per 4 KiB page, which reused ones do not.
#: Each call takes the buffers out of this list and puts them back when it returns, so
#: calls in several threads never share them. release_buffers() frees them.
_SPARE = []


def _take_buffers(key):
    """The spare work buffers if they were made for ``key``, else a new empty set."""
    try:
        spare_key, buffers = _SPARE.pop()
    except IndexError:
        return {}
    return buffers if spare_key == key else {}


def _keep_buffers(key, buffers):
    """Keep ``buffers`` for the next call (one set at most)."""
    _SPARE[:] = [(key, buffers)]


def _buffer(ws, name, shape, dtype):
    """The work buffer ``name`` of ``ws``, allocated on first use."""
    array = ws.get(name)
    if array is None:
        array = ws[name] = np.empty(shape, dtype)
    return array


def _aligned(matrix):
    """A C-contiguous copy of ``matrix`` starting on a 64-byte boundary (faster products)."""
    padded = np.empty(matrix.size + 64 // matrix.itemsize, matrix.dtype)
    start = (-padded.ctypes.data % 64) // matrix.itemsize
    aligned = padded[start:start + matrix.size].reshape(matrix.shape)
    aligned[...] = matrix
    return aligned


def _rows(history):
    """A history (T, B, k) as a (T·B, k) matrix (a view when it can be; T or B may be 0)."""
    return history.reshape(-1, history.shape[-1])


def _steps(rows, steps, batch):
    """A (T·B, k) matrix as a history (T, B, k)."""
    return rows.reshape(steps, batch, rows.shape[-1])


def release_buffers():
    """Free the work buffers kept between calls (they are as large as one call's histories)."""
    _SPARE.clear()
# fmt: on

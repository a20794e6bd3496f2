"""Atomic output files: written to a temporary file beside the target, then renamed."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import InputError


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    A name that cannot be written (no such directory, no permission, too long, a full
    disk) is an :class:`InputError` naming the output; no temporary file is left.
    """
    if "\0" in str(path):
        raise InputError("output", "a file name", f"a name with a NUL character: {str(path)!r}")
    path = Path(path)
    try:
        return _write(path, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as error:
        found = f"{type(error).__name__}: {error.strerror or error} ({str(path)[:80]!r})"
        raise InputError("output", "a file that can be written", found) from None


def _write(path: Path, payload: bytes) -> Path:
    if path.is_dir():
        raise InputError("output", "a file name", f"the directory {str(path)!r}")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(
            "output", "a file in an existing directory", f"no directory {str(directory)!r}"
        )
    mode = _mode(path)
    fd, temporary = tempfile.mkstemp(prefix=".lstm-sym.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; the output gets an ordinary file's mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def _mode(path: Path) -> int:
    """The permissions of the file being replaced, or a new file's (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask

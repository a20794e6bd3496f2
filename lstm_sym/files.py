"""Files in and out: inputs read only from regular files, outputs written atomically.

Outputs are written to a temporary file beside the target, then renamed over it; only a
new name, a regular file (or a link to one, which is written through) can be an output.
Inputs are read only from regular files, so a named pipe or a device never blocks or
floods a run.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, shorten

#: What each kind of file that is not a regular file is called in messages.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class SpecialFileError(OSError):
    """An input that is not a regular file (a FIFO, a device, a directory, a socket)."""


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _quoted(path: str | Path) -> str:
    return repr(shorten(str(path)))


# -- reading -----------------------------------------------------------------------------


@contextlib.contextmanager
def open_regular(path: str | Path) -> Iterator[BinaryIO]:
    """``path`` opened for reading, if it is a regular file (links are followed).

    Anything else is a :class:`SpecialFileError` before it is opened: reading a named
    pipe would wait for a writer forever, a device could stream without end. The file is
    opened without blocking and checked again, so a pipe put in its place meanwhile is
    refused too.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise SpecialFileError(f"{kind_of(mode)}, not a regular file")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SpecialFileError(f"{kind_of(mode)}, not a regular file")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_regular(path: str | Path, most: int) -> bytes:
    """At most ``most`` bytes of the regular file ``path`` (see :func:`open_regular`)."""
    with open_regular(path) as handle:
        return handle.read(most)


# -- writing -----------------------------------------------------------------------------


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    ``path`` is a new name, a regular file you may write (it keeps its permissions) or a
    link to one (the file it names is replaced; the link stays). A directory, a device,
    a named pipe, a socket, a read-only file or a link to anything but a regular file is
    refused. A name that cannot be written (no such directory, no permission, too long,
    a full disk) is an :class:`InputError` naming the output; no temporary file is left.
    Returns the path of the file written.
    """
    if "\0" in str(path):
        raise InputError("output", "a file name", f"a name with a NUL character: {_quoted(path)}")
    path = Path(path)
    try:
        target = _target(path)
        _write(target, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as error:
        found = f"{type(error).__name__}: {error.strerror or error} ({_quoted(path)})"
        raise InputError("output", "a file that can be written", found) from None
    return path


def _target(path: Path) -> Path:
    """The regular file that writing ``path`` replaces (itself, or what its link names)."""
    expected = "a new file name or a regular file"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        directory = path.parent
        if not directory.is_dir():
            found = f"no directory {_quoted(directory)}"
            raise InputError("output", "a file in an existing directory", found) from None
        return path
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(path)  # follows the link
        except FileNotFoundError:
            found = f"{_quoted(path)}, a link to a missing file"
            raise InputError("output", f"{expected} (or a link to one)", found) from None
        if not stat.S_ISREG(info.st_mode):
            found = f"{_quoted(path)}, a link to {kind_of(info.st_mode)}"
            raise InputError("output", f"{expected} (or a link to one)", found)
        path = Path(os.path.realpath(path))
    if not stat.S_ISREG(info.st_mode):
        raise InputError("output", expected, f"{_quoted(path)}, {kind_of(info.st_mode)}")
    if not os.access(path, os.W_OK):
        raise InputError("output", "a file you may write", f"{_quoted(path)}, a read-only file")
    return path


def _write(path: Path, payload: bytes) -> None:
    mode = _mode(path)
    fd, temporary = tempfile.mkstemp(prefix=".lstm-sym.", suffix=".tmp", dir=path.parent)
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


def _mode(path: Path) -> int:
    """The permissions of the file being replaced, or a new file's (0666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def check_outputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is one of the inputs, by any name (a link, a hard link, ``./``).

    Called before any work, so that no output (a derived one, such as a PDF or a log,
    included) can replace a file the run reads.
    """
    sources = [source for source in inputs if source]
    for output in outputs:
        for source in sources:
            if _same_file(output, source):
                found = f"{_quoted(output)}, " + (
                    "the input file"
                    if str(output) == str(source)
                    else f"the same file as the input {_quoted(source)}"
                )
                raise InputError("output", "a file other than the input files", found)


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False

"""Building blocks for emitting Python source: indented lines, local names, docstrings."""

from __future__ import annotations

import builtins
import itertools
import keyword
import re
from collections.abc import Iterator
from contextlib import contextmanager

#: Names the generated code binds or reads itself (besides Python's builtins and keywords).
#: A quantity or parameter of the same name is renamed in the code (see :func:`local`).
OWN_NAMES = frozenset(
    [
        "CELL",
        "INPUT_SIZE",
        "LOSS",
        "LOSS_SCALE",
        "OUTPUT_SIZE",
        "P",
        "PARAMETERS",
        "QUANTITIES",
        "SIZES",
        "STATES",
        "STYLE",
        "a",
        "aligned",
        "array",
        "b",
        "batch",
        "buffers",
        "dims",
        "dtype",
        "dx",
        "final",
        "flat",
        "flat_grads",
        "forward",
        "fw",
        "g",
        "grads",
        "history",
        "init",
        "initial",
        "j",
        "key",
        "label",
        "labels",
        "loss",
        "loss_and_grad",
        "math",
        "matrix",
        "missing",
        "mpmath",
        "name",
        "np",
        "out",
        "padded",
        "params",
        "release_buffers",
        "row",
        "rows",
        "scale",
        "seeds",
        "seq",
        "shape",
        "sigma",
        "size",
        "spare_key",
        "start",
        "state",
        "steps",
        "t",
        "table",
        "tape",
        "total",
        "v",
        "value",
        "values",
        "ws",
        "x",
        "xb",
        "xs",
        "y",
        "yb",
        "ys",
    ]
)
RESERVED = OWN_NAMES | frozenset(dir(builtins)) | frozenset(keyword.kwlist)

#: Shapes of names the code derives from quantity names: ``h_seq`` (a history), ``dim_n``,
#: ``init_h``, ``initial_h``. (An initial-state argument ``h0`` is read before any quantity
#: is computed, and scalar code names components ``h0_1``.)
_DERIVED = re.compile(r".*_seq|(dim|init|initial)_.*")


def local(name: str) -> str:
    """A template name as a local variable of generated code (never a name the code uses).

    Names the code uses itself, builtins and names shaped like derived ones get a trailing
    underscore (``t_``, ``range_``, ``h_seq_``). Template names never end with one (the
    custom-cell grammar refuses it), so no two names meet and none meets the code's own.
    """
    if name.startswith(("_pre", "_keep", "_slope")):  # the vector emitter's own names
        return name
    if name in RESERVED or name.startswith("_") or _DERIVED.fullmatch(name):
        return f"{name}_"
    return name


def initial_argument(state: str) -> str:
    """The keyword argument of a state's initial value (``h0``)."""
    return f"{state}0"


def dim_var(dim: str) -> str:
    """The variable holding the size called ``dim`` (``dim_n``), or ``1``."""
    return "1" if dim == "1" else f"dim_{dim}"


class Lines:
    """Source lines with an indentation level."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def __call__(self, *texts: str) -> None:
        for text in texts:
            for line in text.split("\n"):
                self.lines.append(("    " * self.level + line) if line else "")

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.level += 1
        try:
            yield
        finally:
            self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


_STRINGS = re.compile(r"'[^'\n]*'")
_ASSIGN = re.compile(r"^\s+([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) = ")


def prune(text: str) -> str:
    """Drop assignments to locals nothing reads (generated code binds generously)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("def ")] + [len(lines)]
    keep = [True] * len(lines)
    for start, stop in itertools.pairwise(starts):
        changed = True
        while changed:
            changed = False
            body = [i for i in range(start, stop) if keep[i]]
            for i in body:
                match = _ASSIGN.match(lines[i])
                if not match:
                    continue
                names = match.group(1).split(", ")
                rest = _STRINGS.sub("", "\n".join(lines[j] for j in body if j != i))
                if not any(re.search(rf"\b{name}\b", rest) for name in names):
                    keep[i] = False
                    changed = True
    return "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)

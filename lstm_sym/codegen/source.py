"""Building blocks for emitting Python source: indented lines, local names, docstrings."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

#: Names the generated code uses itself; template names equal to one get a suffix.
RESERVED = frozenset(
    {
        "np",
        "math",
        "t",
        "b",
        "P",
        "dtype",
        "batch",
        "steps",
        "params",
        "x",
        "y",
        "final",
        "grads",
        "fw",
        "loss",
        "total",
        "scale",
        "init",
        "labels",
        "sigma",
    }
)


def local(name: str) -> str:
    """A template name as a local variable of generated code (never a reserved name)."""
    if name.startswith(("_pre", "_keep", "_slope")):  # the vector emitter's own names
        return name
    if name in RESERVED or name.startswith("_") or name.endswith("_seq") or name.startswith("dim_"):
        return f"{name}_q"
    return name


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

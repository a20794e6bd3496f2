"""The sizes of a custom cell's vectors, by unification.

Every quantity, input and vector parameter has a dimension, and every matrix a row and a
column dimension. Each equation says some of them are equal (``W @ x`` has W's rows; its
columns are x's size; ``a * b`` has the size of a and b); the input has size d, the
output n, a constant size 1, and ``dims`` may name the rest. A union-find over the names
collects each class of equal sizes and the one dimension it must have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ...equations import Equation
from ...errors import InputError
from ..dims import SCALAR, Dim
from .syntax import PREV, ParsedEquation

#: A size name a ``dims`` table may give.
_DIM_NAME = re.compile(r"[a-z][a-z0-9]{0,9}|1")


class _Dims:
    """Union-find over sizes: each class of equal-sized quantities, and its dimension name."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.fixed: dict[str, Dim] = {}
        self.origin: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def fix(self, key: str, dim: Dim, why: str) -> None:
        root = self.find(key)
        if root in self.fixed and self.fixed[root] != dim:
            raise ValueError(
                f"{why} needs size {dim}, but {self.origin[root]} gives it {self.fixed[root]}"
            )
        self.fixed[root] = dim
        self.origin.setdefault(root, why)

    def dim(self, key: str) -> Dim | None:
        return self.fixed.get(self.find(key))

    def union(self, a: str, b: str, show_a: str, show_b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        da, db = self.fixed.get(ra), self.fixed.get(rb)
        if da is not None and db is not None and da != db:
            raise ValueError(
                f"{show_a} has size {da} ({self.origin[ra]}) but {show_b} has size {db} "
                f"({self.origin[rb]})"
            )
        self.parent[rb] = ra
        if da is None and db is not None:
            self.fixed[ra] = db
            self.origin[ra] = self.origin[rb]


def cell_sizes(
    lowered: list[tuple[ParsedEquation, Equation]],
    input: str,
    output: str,
    matrices: set[str],
    vectors: set[str],
    states: set[str],
    declared: Mapping[str, str | Sequence[str]],
    field: str,
) -> dict[str, Dim]:
    """The dimension name of every vector (and ``<W>.rows`` / ``<W>.cols`` of matrices)."""
    dims = _Dims()
    known = set(matrices) | vectors | {input} | {eq.target for _, eq in lowered}
    if not isinstance(declared, Mapping):
        raise InputError(
            f"{field}.dims", 'a table of sizes such as {alpha = "1"}', repr(declared)[:40]
        )
    for name, dim in declared.items():
        where = f"{field}.dims.{name}"
        if name not in known:
            raise InputError(where, "a quantity or parameter of the cell", repr(name))
        if name in matrices:
            if isinstance(dim, str) or not isinstance(dim, Sequence) or len(dim) != 2:
                raise InputError(where, "[rows, cols] for a matrix", repr(dim))
            parts = [(f"{name}.rows", dim[0]), (f"{name}.cols", dim[1])]
        else:
            parts = [(name, dim)]  # type: ignore[list-item]
        for key, size in parts:
            if not isinstance(size, str) or not _DIM_NAME.fullmatch(size):
                raise InputError(where, 'a size name such as "n", "k" or "1"', repr(size))
            dims.fix(key, size, f"{field}.dims")
    dims.fix(input, "d", f"the input {input}")
    if dims.dim(output) is None:
        dims.fix(output, "n", f"the output {output}")
    for source, eq in lowered:
        try:
            _unify(dims, eq)
        except ValueError as error:
            raise source.error("operands of matching sizes", str(error)) from None
    keys = [input, *vectors, *(eq.target for _, eq in lowered)]
    keys += [f"{m}.{part}" for m in sorted(matrices) for part in ("rows", "cols")]
    sizes: dict[str, Dim] = {}
    for key in keys:
        found = dims.dim(key)
        if found is None:
            raise InputError(
                f"{field}.dims",
                f"the size of {key.split('.')[0]} (not implied by the equations)",
                "nothing",
            )
        sizes[key] = found
    for state in states:
        if sizes[state] == SCALAR:
            raise InputError(f"{field}.equations", f"a state {state} with a size", "a constant")
    return sizes


def _unify(dims: _Dims, eq: Equation) -> None:
    """What one equation says about sizes (a ValueError when it contradicts what is known)."""
    if not eq.linear and not eq.pointwise.free_symbols:
        dims.fix(eq.target, SCALAR, f"the constant {eq.target}")
    for term in eq.linear:
        dims.union(eq.target, f"{term.matrix}.rows", eq.target, f"the rows of {term.matrix}")
        dims.union(
            _base(term.vector), f"{term.matrix}.cols", term.vector, f"the columns of {term.matrix}"
        )
    for symbol in sorted(eq.pointwise.free_symbols, key=str):
        operand = _base(symbol.name)
        if dims.dim(operand) == SCALAR:
            continue
        dims.union(eq.target, operand, eq.target, symbol.name)


def _base(name: str) -> str:
    return name.removesuffix(PREV)

"""Custom cells from equations written in a problem file (see ``docs/custom-cells.md``).

:func:`parse_cell` turns equations such as ``f = sigmoid(W_f @ x + U_f @ h_prev + b_f)``
into a :class:`~lstm_sym.spec.cells.Cell`: the text is parsed by :mod:`lstm_sym.spec.custom.syntax`, split
into affine equations (the matrix products plus whatever is added to them, named
``z_<target>`` when they sit inside a function) and pointwise ones, ordered by their
dependencies, and given sizes by unification (``x`` has size d, the output size n).
Every mistake is an :class:`~lstm_sym.errors.InputError` naming the equation.
"""

from __future__ import annotations

import keyword
import math
import re
import string
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import sympy

from ...equations import Equation, MatVec
from ...errors import InputError, describe
from ...limits import check
from ...names import template_symbol
from ..activations import ACTIVATIONS, reserved_names
from ..cells import Cell, Param, State
from .syntax import (
    IDENTIFIER,
    Bin,
    Call,
    MatMul,
    Neg,
    Node,
    Num,
    ParsedEquation,
    Var,
    parse_equation,
)

PREV = "_prev"

_CELL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
_DIM_NAME = re.compile(r"[a-z][a-z0-9]{0,9}|1")
#: Prefixes the derived programs use for their own names.
_RESERVED_PREFIXES = ("delta_", "grad_", "dL_d", "ell_")
#: Suffixes of the names generated code derives (``h_seq``: the history of h).
_RESERVED_SUFFIXES = ("_seq",)
#: Reserved besides the names the registered activations take (:func:`reserved_names`).
_RESERVED = {*keyword.kwlist, "np", "math", "mpmath", "sympy", "exp", "log", "sqrt", "sum"}
_RESERVED |= {"L", "ell", "T"}


def check_identifier(name: str, field: str, what: str = "a name") -> None:
    """Refuse names that could be misread in program names, generated code or LaTeX."""
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise InputError(
            field,
            f"{what}: letters and digits in parts joined by single underscores, each part "
            "starting with a letter (such as W_f or c_tilde)",
            repr(name)[:60],
        )
    check("identifier", len(name), field, what + " of at most {limit} characters")
    if (
        name in _RESERVED
        or name in reserved_names()
        or name.startswith(_RESERVED_PREFIXES)
        or name.endswith(_RESERVED_SUFFIXES)
    ):
        raise InputError(field, f"{what} that is not reserved", f"the reserved name {name!r}")


@dataclass
class _Source:
    """One written equation with where it came from, for error messages."""

    parsed: ParsedEquation
    field: str

    def error(self, expected: str, found: str) -> InputError:
        return InputError(self.field, expected, f"{found} in {self.parsed.text!r}")


def _walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, without recursion (a sum of 1,000 terms is 1,000 deep)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Call | Neg):
            stack.append(node.arg)
        elif isinstance(node, Bin):
            stack += (node.right, node.left)
        elif isinstance(node, MatMul):
            stack.append(node.vector)


def _chain(node: Node, ops: str) -> tuple[Node, list[tuple[str, Node]]]:
    """``a - b + c`` as ``(a, [("-", b), ("+", c)])``: a left-nested run of ``ops``."""
    rest: list[tuple[str, Node]] = []
    while isinstance(node, Bin) and node.op in ops:
        rest.append((node.op, node.right))
        node = node.left
    return node, rest[::-1]


def _terms(node: Node, sign: int = 1) -> Iterator[tuple[int, Node]]:
    """The terms of a sum with their signs (``a - (b + c)`` gives +a, −b, −c)."""
    first, rest = _chain(node, "+-")
    if first is node:
        yield sign, node
        return
    yield from _terms(first, sign)
    for op, term in rest:
        yield from _terms(term, sign if op == "+" else -sign)


def _has_product_term(node: Node) -> bool:
    return any(isinstance(t, MatMul) and sign > 0 for sign, t in _terms(node))


class _Lowering:
    """Turns one equation's tree into vector equations, naming intermediate affine maps."""

    def __init__(self, source: _Source, taken: set[str]):
        self.source = source
        self.target = source.parsed.target
        self.taken = taken
        self.count = 0
        self.equations: list[Equation] = []

    def fresh(self) -> str:
        while True:
            suffix = "" if self.count == 0 else "_" + _letters(self.count)
            self.count += 1
            name = f"z_{self.target}{suffix}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def run(self) -> list[Equation]:
        expr = self.source.parsed.expr
        if _has_product_term(expr):
            self.equations.append(self.affine(self.target, expr))
        else:
            self.equations.append(Equation(self.target, (), self.pointwise(expr)))
        for eq in self.equations:
            if not eq.pointwise.free_symbols and not eq.pointwise.is_Rational:
                raise self.source.error(
                    "a constant term that is a rational number", f"the constant {eq.pointwise}"
                )
        return self.equations

    def affine(self, target: str, node: Node) -> Equation:
        products: list[MatVec] = []
        rest: list[sympy.Expr] = []
        for sign, term in _terms(node):
            if isinstance(term, MatMul) and sign > 0:
                products.append(MatVec(term.matrix, self.vector(term.vector)))
            else:
                rest.append(sign * self.pointwise(term))
        return Equation(target, tuple(products), sympy.Add(*rest))

    def vector(self, node: Node) -> str:
        """The name of the vector a matrix multiplies (an auxiliary quantity if needed)."""
        if isinstance(node, Var):
            return node.name
        expr = self.pointwise(node)
        if expr.is_Symbol:
            return str(expr.name)
        name = self.fresh()
        self.equations.append(Equation(name, (), expr))
        return name

    def pointwise(self, node: Node) -> sympy.Expr:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Var):
            return template_symbol(node.name)
        if isinstance(node, Neg):
            return -self.pointwise(node.arg)
        if isinstance(node, Call):
            return ACTIVATIONS[node.function].function(self.pointwise(node.arg))
        if isinstance(node, MatMul) or (
            isinstance(node, Bin) and node.op in "+-" and _has_product_term(node)
        ):
            name = self.fresh()
            self.equations.append(self.affine(name, node))
            return template_symbol(name)
        assert isinstance(node, Bin)
        if node.op in "+-":
            first, rest = _chain(node, "+-")
            terms = [self.pointwise(first)]
            terms += [self.pointwise(t) * (1 if op == "+" else -1) for op, t in rest]
            return self.constant(sympy.Add(*terms))
        if node.op in "*/":
            first, rest = _chain(node, "*/")
            value = self.pointwise(first)
            for op, factor in rest:
                right = self.pointwise(factor)
                if op == "/" and right == 0:
                    raise self.source.error("no division by zero", "a division by 0")
                value = self.constant(value * right if op == "*" else value / right)
            return value
        return self.power(self.pointwise(node.left), self.pointwise(node.right))

    def power(self, base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
        """``base ** exponent`` for a number exponent; a number base is bounded first."""
        if not exponent.is_Rational:
            raise self.source.error(
                "a number as exponent (such as z ** 2)", f"the exponent {exponent}"
            )
        if not base.is_Rational:
            return base**exponent
        shown = f"{_number(base)} ** {_number(exponent)}"
        if base == 0 and exponent < 0:
            raise self.source.error("no division by zero", f"a division by 0 in {shown}")
        if base not in (0, 1, -1):
            # |log10| of the result and its digits, from sizes alone (10 ** 10 ** 10 is not computed)
            size = abs(math.log10(abs(base.p)) - math.log10(base.q)) * abs(exponent)
            check(
                "number_exponent",
                math.floor(size),
                self.source.field,
                "constants between 1e-{limit} and 1e{limit} in size",
                found=f"{shown} (about {_magnitude(size, (abs(base) < 1) == (exponent > 0))})",
            )
        value = base**exponent
        if not value.is_Rational:
            raise self.source.error(
                "a number to a power that is a rational number (such as 4 ** 0.5)", shown
            )
        return self.constant(value)

    def constant(self, value: sympy.Expr) -> sympy.Expr:
        """``value``, refused when it is a number beyond the limits input numbers have."""
        if value.is_Rational and value != 0:
            digits = max(abs(value.p).bit_length(), value.q.bit_length()) * math.log10(2)
            check(
                "number_digits",
                math.floor(digits),
                self.source.field,
                "constants of at most {limit} digits (numerator and denominator)",
                found=f"a constant of about {digits:.0f} digits",
            )
            size = abs(math.log10(abs(value.p)) - math.log10(value.q))
            check(
                "number_exponent",
                math.floor(size),
                self.source.field,
                "constants between 1e-{limit} and 1e{limit} in size",
                found=f"a constant of about {_magnitude(size, abs(value) < 1)}",
            )
        return value


def _magnitude(size: float | sympy.Expr, small: bool) -> str:
    """``1e-1998`` for a size of 1998 decimal digits (``small``: below 1)."""
    return f"1e{'-' if small else ''}{describe(int(size + 0.5))}"


def _number(value: sympy.Rational) -> str:
    """A number as an error message shows it (huge ones abridged)."""
    text = (
        describe(int(value.p))
        if value.q == 1
        else f"{describe(int(value.p))}/{describe(int(value.q))}"
    )
    return f"({text})" if value < 0 or value.q != 1 else text


def _letters(k: int) -> str:
    letters = string.ascii_lowercase
    text = ""
    while k > 0:
        k, r = divmod(k, 26)
        text = letters[r] + text
    return text or "a"


class _Dims:
    """Union-find over sizes: each class of equal-sized quantities, and its dimension name."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.fixed: dict[str, str] = {}
        self.origin: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def fix(self, key: str, dim: str, why: str) -> None:
        root = self.find(key)
        if root in self.fixed and self.fixed[root] != dim:
            raise ValueError(
                f"{why} needs size {dim}, but {self.origin[root]} gives it {self.fixed[root]}"
            )
        self.fixed[root] = dim
        self.origin.setdefault(root, why)

    def dim(self, key: str) -> str | None:
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


def parse_cell(
    equations: Sequence[str],
    *,
    parameters: Collection[str] | None = None,
    name: str = "custom",
    description: str = "",
    input: str = "x",
    output: str | None = None,
    dims: Mapping[str, str | Sequence[str]] | None = None,
    field: str = "cell",
) -> Cell:
    """A :class:`~lstm_sym.spec.cells.Cell` from equations in the custom-cell syntax.

    ``parameters`` names the parameters (the keys of a problem file's ``[parameters]``);
    with ``None`` every name that is not a quantity, the input or a ``_prev`` is one.
    ``output`` defaults to ``h`` (or the last equation's target); ``dims`` gives sizes
    unification cannot tell (``{"alpha": "1"}`` for a scalar, ``{"V": ["m", "n"]}``).

    >>> cell = parse_cell(["h = tanh(W @ x + U @ h_prev + b)"])
    >>> [str(p.name) for p in cell.params], cell.equations_text()
    (['W', 'U', 'b'], ['z_h = W @ x + U @ h_prev + b', 'h = tanh(z_h)'])
    """
    if not isinstance(name, str) or not _CELL_NAME.fullmatch(name):
        raise InputError(f"{field}.name", "a cell name of letters, digits and '_'", repr(name))
    if not isinstance(description, str):
        raise InputError(f"{field}.description", "a string", type(description).__name__)
    check(
        "description",
        len(description),
        f"{field}.description",
        "a string of at most {limit} characters",
    )
    check_identifier(input, f"{field}.input", "an input name")
    if isinstance(equations, str) or not isinstance(equations, Sequence) or not equations:
        raise InputError(
            f"{field}.equations", "a non-empty list of equations (strings)", repr(equations)[:40]
        )
    check("equations", len(equations), f"{field}.equations", "at most {limit} equations")
    sources = [
        _Source(parse_equation(text, f"{field}.equations[{k + 1}]"), f"{field}.equations[{k + 1}]")
        for k, text in enumerate(equations)
    ]
    _check_work(sources, field)
    targets = _check_targets(sources, input, parameters)
    if output is None:
        output = "h" if "h" in targets else sources[-1].parsed.target
    if output not in targets:
        raise InputError(
            f"{field}.output",
            f"a quantity the equations define ({', '.join(targets)})",
            repr(output),
        )
    matrices, vectors, states = _classify(sources, targets, input, parameters)
    ordered = _order(sources, targets)
    taken = set(targets) | matrices | vectors | {input} | {f"{q}{PREV}" for q in targets}
    lowered: list[tuple[_Source, Equation]] = []
    for source in ordered:
        for eq in _Lowering(source, taken).run():
            lowered.append((source, eq))
    sizes = _sizes(lowered, input, output, matrices, vectors, states, dims or {}, field)
    order = [s.parsed.target for s in sources]
    param_order = _first_appearance(sources)
    params = tuple(
        Param(p, (sizes[f"{p}.rows"], sizes[f"{p}.cols"]) if p in matrices else (sizes[p],))
        for p in param_order
        if p in matrices or p in vectors
    )
    state_names = sorted(states, key=lambda q: (q != output, order.index(q)))
    return Cell(
        name=name,
        description=description or f"custom cell: {len(sources)} equations",
        params=params,
        states=tuple(State(q, sizes[q]) for q in state_names),
        equations=tuple(eq for _, eq in lowered),
        input=input,
        input_size="d",
        output=output,
        family="custom",
    )


def _check_work(sources: list[_Source], field: str) -> None:
    """Refuse formulas too large to differentiate in reasonable time, before any SymPy work.

    The backward pass has one derivative per name an equation reads, each up to the size
    of the equation (the derivatives of a product of 48 names are 48 products of 47): its
    size, and the time to derive, print and compile it, grows with names × nodes. The
    built-in cells are at most 86 nodes and 859 names × nodes.
    """
    total = 0
    for source in sources:
        nodes = list(_walk(source.parsed.expr))
        check(
            "equation_nodes",
            len(nodes),
            source.field,
            "an equation of at most {limit} names, numbers and operations",
            found=f"{len(nodes):,}",
        )
        names = {n.name for n in nodes if isinstance(n, Var)}
        names |= {n.matrix for n in nodes if isinstance(n, MatMul)}
        total += len(names) * len(nodes)
    check(
        "derivative_nodes",
        total,
        f"{field}.equations",
        "equations of at most {limit} names read × nodes in all (a backward pass of that size)",
        found=f"{total:,}",
    )


def _check_targets(
    sources: list[_Source], input: str, parameters: Collection[str] | None
) -> list[str]:
    targets: list[str] = []
    for source in sources:
        target = source.parsed.target
        check_identifier(target, source.field, "the name of the quantity defined")
        if target.endswith(PREV):
            raise source.error(
                "a quantity name (q_prev is read from the previous step, not defined)", repr(target)
            )
        if target == input:
            raise source.error("a quantity other than the input", f"a definition of {target}")
        if parameters is not None and target in parameters:
            raise source.error("a quantity that is not a parameter", f"a definition of {target}")
        if target in targets:
            first = targets.index(target) + 1
            raise source.error(
                "each quantity defined once", f"{target} defined again (first in equation {first})"
            )
        targets.append(target)
    return targets


def _classify(
    sources: list[_Source],
    targets: list[str],
    input: str,
    parameters: Collection[str] | None,
) -> tuple[set[str], set[str], set[str]]:
    """(matrix parameters, vector parameters, states); unknown names are errors."""
    matrices: set[str] = set()
    vectors: set[str] = set()
    states: set[str] = set()
    known = ", ".join(ACTIVATIONS)
    for source in sources:
        for node in _walk(source.parsed.expr):
            if isinstance(node, Call) and node.function not in ACTIVATIONS:
                raise source.error(
                    f"one of the functions {known}", f"the function {node.function!r}"
                )
            if isinstance(node, MatMul):
                if node.matrix in targets or node.matrix == input or node.matrix.endswith(PREV):
                    raise source.error(
                        "a weight-matrix parameter left of @", f"the quantity {node.matrix!r}"
                    )
                _check_parameter(source, node.matrix, parameters)
                matrices.add(node.matrix)
            if not isinstance(node, Var):
                continue
            name = node.name
            if name in targets or name == input:
                continue
            if name.endswith(PREV):
                base = name.removesuffix(PREV)
                if base not in targets:
                    raise source.error(
                        f"{name} to read the previous value of a defined quantity",
                        f"no equation defines {base!r}",
                    )
                states.add(base)
                continue
            _check_parameter(source, name, parameters)
            vectors.add(name)
    for both in sorted(matrices & vectors):
        source = next(
            s
            for s in sources
            if any(isinstance(n, Var) and n.name == both for n in _walk(s.parsed.expr))
        )
        raise source.error(
            f"{both} used either as a matrix (left of @) or as a vector", "both uses"
        )
    return matrices, vectors, states


def _check_parameter(source: _Source, name: str, parameters: Collection[str] | None) -> None:
    if parameters is not None and name not in parameters:
        raise source.error(
            "names that are quantities, the input, q_prev of a quantity, or parameters given "
            "in [parameters]",
            f"the unknown name {name!r}",
        )
    check_identifier(name, source.field, "a parameter name")


def _order(sources: list[_Source], targets: list[str]) -> list[_Source]:
    """The equations in an order where each comes after what it reads (cycles are errors)."""
    reads = {
        s.parsed.target: {
            n.name for n in _walk(s.parsed.expr) if isinstance(n, Var) and n.name in targets
        }
        for s in sources
    }
    by_target = {s.parsed.target: s for s in sources}
    done: list[str] = []
    pending = list(targets)
    while pending:
        ready = next((t for t in pending if reads[t] <= set(done)), None)
        if ready is None:
            cycle = _cycle(pending, reads)
            source = by_target[cycle[0]]
            raise source.error(
                "equations without circular dependencies within a step (use q_prev for last "
                "step's value)",
                "the cycle " + " -> ".join([*cycle, cycle[0]]),
            )
        done.append(ready)
        pending.remove(ready)
    return [by_target[t] for t in done]


def _cycle(pending: list[str], reads: Mapping[str, set[str]]) -> list[str]:
    path = [pending[0]]
    while True:
        nxt = sorted(reads[path[-1]] & set(pending))[0]
        if nxt in path:
            return path[path.index(nxt) :]
        path.append(nxt)


def _first_appearance(sources: list[_Source]) -> list[str]:
    names: list[str] = []
    for source in sources:
        for node in _walk(source.parsed.expr):
            name = (
                node.matrix
                if isinstance(node, MatMul)
                else node.name
                if isinstance(node, Var)
                else None
            )
            if name is not None and name not in names:
                names.append(name)
    return names


def _sizes(
    lowered: list[tuple[_Source, Equation]],
    input: str,
    output: str,
    matrices: set[str],
    vectors: set[str],
    states: set[str],
    declared: Mapping[str, str | Sequence[str]],
    field: str,
) -> dict[str, str]:
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
            if not eq.linear and not eq.pointwise.free_symbols:
                dims.fix(eq.target, "1", f"the constant {eq.target}")
            for term in eq.linear:
                dims.union(
                    eq.target, f"{term.matrix}.rows", eq.target, f"the rows of {term.matrix}"
                )
                dims.union(
                    _base(term.vector),
                    f"{term.matrix}.cols",
                    term.vector,
                    f"the columns of {term.matrix}",
                )
            for symbol in sorted(eq.pointwise.free_symbols, key=str):
                operand = _base(symbol.name)
                if dims.dim(operand) == "1":
                    continue
                dims.union(eq.target, operand, eq.target, symbol.name)
        except ValueError as error:
            raise source.error("operands of matching sizes", str(error)) from None
    keys = [input, *vectors, *(eq.target for _, eq in lowered)]
    keys += [f"{m}.{part}" for m in sorted(matrices) for part in ("rows", "cols")]
    sizes: dict[str, str] = {}
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
        if sizes[state] == "1":
            raise InputError(f"{field}.equations", f"a state {state} with a size", "a constant")
    return sizes


def _base(name: str) -> str:
    return name.removesuffix(PREV)

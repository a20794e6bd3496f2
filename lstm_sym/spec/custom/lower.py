"""Custom cells from equations written in a problem file (see ``docs/custom-cells.md``).

:func:`parse_cell` turns equations such as ``f = sigmoid(W_f @ x + U_f @ h_prev + b_f)``
into a :class:`~lstm_sym.spec.cells.Cell`: the text is parsed by :mod:`lstm_sym.spec.custom.syntax`, split
into affine equations (the matrix products plus whatever is added to them, named
``z_<target>`` when they sit inside a function) and pointwise ones, ordered by their
dependencies, and given sizes by unification (:mod:`~lstm_sym.spec.custom.sizes`: the
input has size d, the output size n); constants are folded exactly
(:mod:`~lstm_sym.spec.custom.constants`). Every mistake is an :class:`~lstm_sym.errors.InputError` naming the equation.
"""

from __future__ import annotations

import keyword
import re
import string
from collections.abc import Collection, Iterator, Mapping, Sequence

import sympy

from ...equations import Equation, MatVec
from ...errors import InputError
from ...limits import check
from ...names import template_symbol
from ..activations import ACTIVATIONS, reserved_names
from ..cells import Cell, Param, State
from .constants import bounded, power
from .sizes import cell_sizes
from .syntax import (
    IDENTIFIER,
    PREV,
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

_CELL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
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

    def __init__(self, source: ParsedEquation, taken: set[str]):
        self.source = source
        self.target = source.target
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
        expr = self.source.expr
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
            return bounded(sympy.Add(*terms), self.source.field)
        if node.op in "*/":
            first, rest = _chain(node, "*/")
            value = self.pointwise(first)
            for op, factor in rest:
                right = self.pointwise(factor)
                if op == "/" and right == 0:
                    raise self.source.error("no division by zero", "a division by 0")
                value = bounded(value * right if op == "*" else value / right, self.source.field)
            return value
        return power(self.pointwise(node.left), self.pointwise(node.right), self.source)


def _letters(k: int) -> str:
    letters = string.ascii_lowercase
    text = ""
    while k > 0:
        k, r = divmod(k, 26)
        text = letters[r] + text
    return text or "a"


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
        parse_equation(text, f"{field}.equations[{k + 1}]") for k, text in enumerate(equations)
    ]
    _check_work(sources, field)
    targets = _check_targets(sources, input, parameters)
    if output is None:
        output = "h" if "h" in targets else sources[-1].target
    if output not in targets:
        raise InputError(
            f"{field}.output",
            f"a quantity the equations define ({', '.join(targets)})",
            repr(output),
        )
    matrices, vectors, states = _classify(sources, targets, input, parameters)
    ordered = _order(sources, targets)
    taken = set(targets) | matrices | vectors | {input} | {f"{q}{PREV}" for q in targets}
    lowered: list[tuple[ParsedEquation, Equation]] = []
    for source in ordered:
        for eq in _Lowering(source, taken).run():
            lowered.append((source, eq))
    sizes = cell_sizes(lowered, input, output, matrices, vectors, states, dims or {}, field)
    order = [s.target for s in sources]
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


def _check_work(sources: list[ParsedEquation], field: str) -> None:
    """Refuse formulas too large to differentiate in reasonable time, before any SymPy work.

    The backward pass has one derivative per name an equation reads, each up to the size
    of the equation (the derivatives of a product of 48 names are 48 products of 47): its
    size, and the time to derive, print and compile it, grows with names × nodes. The
    built-in cells are at most 86 nodes and 859 names × nodes.
    """
    total = 0
    for source in sources:
        nodes = list(_walk(source.expr))
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
    sources: list[ParsedEquation], input: str, parameters: Collection[str] | None
) -> list[str]:
    targets: list[str] = []
    for source in sources:
        target = source.target
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
    sources: list[ParsedEquation],
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
        for node in _walk(source.expr):
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
            s for s in sources if any(isinstance(n, Var) and n.name == both for n in _walk(s.expr))
        )
        raise source.error(
            f"{both} used either as a matrix (left of @) or as a vector", "both uses"
        )
    return matrices, vectors, states


def _check_parameter(source: ParsedEquation, name: str, parameters: Collection[str] | None) -> None:
    if parameters is not None and name not in parameters:
        raise source.error(
            "names that are quantities, the input, q_prev of a quantity, or parameters given "
            "in [parameters]",
            f"the unknown name {name!r}",
        )
    check_identifier(name, source.field, "a parameter name")


def _order(sources: list[ParsedEquation], targets: list[str]) -> list[ParsedEquation]:
    """The equations in an order where each comes after what it reads (cycles are errors)."""
    reads = {
        s.target: {n.name for n in _walk(s.expr) if isinstance(n, Var) and n.name in targets}
        for s in sources
    }
    by_target = {s.target: s for s in sources}
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


def _first_appearance(sources: list[ParsedEquation]) -> list[str]:
    names: list[str] = []
    for source in sources:
        for node in _walk(source.expr):
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

"""Closed forms of a program's quantities, and their sizes before anything is built.

A closed form substitutes every named quantity back until only parameters and data are
left. Its size grows exponentially with T (``h_t`` reads ``h_{t-1}`` several times), so
the size is counted first, in one pass over the assignments with each name's size
memoized, and a closed form over the limit is refused before it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy

from ..errors import InputError, TooLargeError
from ..limits import check
from ..names import Name

if TYPE_CHECKING:
    from .program import Program


def sizes(program: Program) -> dict[Name, int]:
    """How many nodes every closed form would have (one pass, nothing built)."""
    found: dict[sympy.Basic, int] = {}
    result: dict[Name, int] = {}
    for assignment in program.assignments:
        size = sum(
            found.get(node, 1) if node.is_Symbol else 1
            for node in sympy.preorder_traversal(assignment.expr)
        )
        found[assignment.symbol] = result[assignment.name] = size
    return result


def size(program: Program, key: str | Name) -> int:
    """How many nodes the closed form of ``key`` would have (computed without building it)."""
    found: dict[sympy.Basic, int] = {}

    def nodes(sym: sympy.Basic) -> int:
        if sym not in found:
            assignment = program.definition(sym)
            if assignment is None:
                found[sym] = 1
            else:
                found[sym] = sum(
                    nodes(node) if node.is_Symbol else 1
                    for node in sympy.preorder_traversal(assignment.expr)
                )
        return found[sym]

    return nodes(program[key].symbol)


def closed_form(program: Program, key: str | Name, *, max_nodes: int | None = None) -> Any:
    """``key``'s expression with every named quantity substituted back (parameters and data only)."""
    if program.view != "scalar":
        raise InputError("view", "the scalar view for closed forms", repr(program.view))
    target = program[key]
    count = size(program, target.name)
    if max_nodes is None:
        check(
            "closed_form_nodes",
            count,
            f"closed form of {target.name}",
            "at most {limit} nodes (or use the named form)",
            found=f"about {count:,} nodes",
        )
    elif count > max_nodes:
        raise TooLargeError(
            f"the closed form of {target.name} would have about {count:,} nodes "
            f"(max_nodes={max_nodes:,}): use the named form instead"
        )
    cache: dict[sympy.Basic, sympy.Expr] = {}

    def expand(sym: sympy.Basic) -> sympy.Expr:
        if sym not in cache:
            assignment = program.definition(sym)
            if assignment is None:
                cache[sym] = sym
            else:
                expr = assignment.expr
                cache[sym] = expr.xreplace({s: expand(s) for s in expr.free_symbols})
        return cache[sym]

    return expand(target.symbol)

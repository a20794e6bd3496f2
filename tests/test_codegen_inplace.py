"""The in-place chains of generated vector code compute exactly the formula they replace."""

from __future__ import annotations

import numpy as np
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_sym.codegen.printer import print_expr
from lstm_sym.codegen.targets import NUMPY_VECTOR
from lstm_sym.codegen.vector.inplace import InPlace
from lstm_sym.spec.functions import sigma

SYMBOLS = sympy.symbols("a b c", real=True)


def formulas() -> st.SearchStrategy[sympy.Expr]:
    leaves = st.sampled_from([*SYMBOLS, sympy.Integer(2), sympy.Rational(1, 2), sympy.Integer(-1)])

    def extend(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
        pairs = st.tuples(children, children)
        return st.one_of(
            pairs.map(lambda p: p[0] + p[1]),
            pairs.map(lambda p: p[0] - p[1]),
            pairs.map(lambda p: p[0] * p[1]),
            pairs.map(lambda p: p[0] / (2 + p[1] ** 2)),
            children.map(lambda e: e**2),
            children.map(lambda e: 1 / (2 + e**2)),
            children.map(sympy.tanh),
            children.map(sigma),
            children.map(lambda e: sympy.exp(sympy.tanh(e))),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def _run(expr: sympy.Expr, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """``expr`` computed by the emitted in-place chain into a fresh ``dest``."""
    lines: list[str] = []
    helpers: set[str] = set()
    chain = InPlace(lines.append, lambda e: print_expr(e, NUMPY_VECTOR, {}, helpers))
    chain.assign("dest", expr)
    helpers |= chain.helpers
    namespace: dict[str, object] = {"np": np, **arrays, "dest": np.empty(4)}
    if helpers:
        exec(NUMPY_VECTOR.helper_source(helpers), namespace)  # the generator's own source
    exec("\n".join(lines), namespace)  # the generator's own source
    return namespace["dest"]  # type: ignore[return-value]


@settings(max_examples=300, deadline=None)
@given(formulas(), st.lists(st.floats(-3, 3), min_size=12, max_size=12))
def test_chain_equals_the_formula(expr: sympy.Expr, values: list[float]) -> None:
    """Random formulas: the chain of in-place operations equals NumPy of the whole formula."""
    arrays = {s.name: np.array(values[4 * k : 4 * k + 4]) for k, s in enumerate(SYMBOLS)}
    reference = {"sigma": lambda a: 1 / (1 + np.exp(-a))}
    expected = sympy.lambdify(SYMBOLS, expr, [reference, "numpy"])(*arrays.values())
    np.testing.assert_allclose(_run(expr, arrays), np.broadcast_to(expected, (4,)), rtol=1e-12)


def test_no_temporaries_on_a_chain() -> None:
    """``o*(1 - k**2)`` is three operations, each writing into the destination."""
    o, k = sympy.symbols("o k", real=True)
    lines: list[str] = []
    InPlace(lines.append, str).assign("dest", o * (1 - k**2))
    assert lines == [
        "np.multiply(k, k, out=dest)",
        "np.subtract(1, dest, out=dest)",
        "np.multiply(dest, o, out=dest)",
    ]

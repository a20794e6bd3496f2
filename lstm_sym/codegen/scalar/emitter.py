"""The scalar emitter: straight-line code per component, for fixed tiny sizes.

Every equation of the step template is expanded into one assignment per component
(``z_f_0 = W_f_0_0*x_0 + W_f_0_1*x_1 + U_f_0_0*h_prev_0 + b_f_0``); the backward step's
formulas go through ``sympy.cse`` so shared subexpressions are computed once, as
``_tmp0``, ``_tmp1``, …. Python floats (or mpmath numbers) in a loop over sequences and
steps: no array call per operation, which is what makes tiny problems fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy

from ...derive.naming import delta, grad_of, total
from ...equations import Equation, Outer
from ...errors import TooLargeError
from ..plan import Plan
from ..printer import print_expr
from ..rewrite import Rewrite
from ..softmax import SHIFT
from ..source import Lines, local
from ..targets import Target

#: Scalar code is refused above this many parameter numbers (it grows as n²).
MAX_SCALAR_PARAMETERS = 4_000


def component(name: str, *index: int) -> sympy.Symbol:
    """The symbol of one component: ``W_f_0_1``, ``h_prev_0`` (0-based, as in NumPy)."""
    return sympy.Symbol("_".join([name, *map(str, index)]), real=True)


def accumulator(param: str, *index: int) -> str:
    """The variable that sums one component of ∂L/∂param over the steps: ``dL_dW_f_0_1``."""
    return "_".join([total(param), *map(str, index)])


@dataclass
class Statement:
    """``target = value`` (or ``target += value`` when ``accumulate``)."""

    target: str
    value: sympy.Expr
    accumulate: bool = False


class ScalarEmitter:
    """Emits the scalar module body of a plan for fixed sizes."""

    def __init__(self, plan: Plan, sizes: Mapping[str, int], target: Target):
        self.plan = plan
        self.sizes = {**sizes, "1": 1}
        self.target = target
        self.helpers: set[str] = set()
        self.temporaries = 0
        count = sum(self._count(p.shape) for p in plan.cell.params)
        if count > MAX_SCALAR_PARAMETERS:
            raise TooLargeError(
                f"scalar code for {count:,} parameter numbers would be huge "
                f"(limit {MAX_SCALAR_PARAMETERS:,}): use style='vector'"
            )

    def _count(self, shape: tuple[str, ...]) -> int:
        total = 1
        for dim in shape:
            total *= self.sizes[dim]
        return total

    def size(self, name: str) -> int:
        return self.sizes[self.rewrite.dim_of(name)]

    def components(self, name: str) -> list[sympy.Symbol]:
        return [component(name, k) for k in range(self.size(name))]

    @property
    def zero(self) -> str:
        return self.target.zero

    # -- expansion ---------------------------------------------------------------------
    def expand(self, eq: Equation | Outer) -> Iterator[Statement]:
        """The component statements of one equation."""
        plan = self.plan
        if isinstance(eq, Outer):
            param = grad_of(eq.target)
            assert param is not None  # an outer product is a matrix parameter's share
            rows, cols = (self.sizes[d] for d in plan.param_shape(param))
            for r in range(rows):
                for c in range(cols):
                    value = sympy.Add(*(component(a, r) * component(b, c) for a, b in eq.pairs))
                    yield Statement(accumulator(param, r, c), value.xreplace(plan.constants), True)
            return
        operands = eq.pointwise_operands()
        width = max([self.size(a) for a in operands] or [1])
        if not eq.reduce:
            width = self.size(eq.target) if eq.linear or not operands else width
        values = []
        for k in range(width):
            value = eq.pointwise.xreplace(
                {
                    sympy.Symbol(a, real=True): component(a, k if self.size(a) > 1 else 0)
                    for a in operands
                }
            )
            for term in eq.linear:
                for j in range(self.size(term.vector)):
                    index = (j, k) if term.transpose else (k, j)
                    value += component(term.matrix, *index) * component(term.vector, j)
            values.append(value.xreplace(self._constant_components()))
        if eq.reduce:
            values = [sympy.Add(*values)]
        param = grad_of(eq.target)
        share = param if param is not None and param in plan.params else None
        for k, value in enumerate(values):
            target = accumulator(share, k) if share is not None else str(component(eq.target, k))
            yield Statement(target, value, share is not None)

    def _constant_components(self) -> dict[sympy.Symbol, sympy.Expr]:
        table: dict[sympy.Symbol, sympy.Expr] = {}
        for name, value in self.plan.template.constant.items():
            dim = self.plan.template.dims.get(name, "1")
            for k in range(self.sizes.get(dim, 1)):
                table[component(name, k)] = value
        return table

    def emit(self, out: Lines, statements: list[Statement], *, cse: bool) -> None:
        """Emit ``statements``; with ``cse`` shared subexpressions become ``_tmp`` names."""
        if not cse:
            for st in statements:
                self._line(out, st.target, st.value, st.accumulate)
            return
        start = self.temporaries
        replacements, reduced = sympy.cse(
            [st.value for st in statements],
            symbols=sympy.numbered_symbols("_tmp", start=start, real=True),
            order="none",
        )
        self.temporaries += len(replacements)
        pending = dict(replacements)
        emitted: set[sympy.Symbol] = set()

        def need(expr: sympy.Expr) -> None:
            for sym in sorted(expr.free_symbols & set(pending), key=lambda s: int(s.name[4:])):
                if sym not in emitted:
                    emitted.add(sym)
                    need(pending[sym])
                    self._line(out, sym.name, pending[sym], False)

        for st, value in zip(statements, reduced, strict=True):
            need(value)
            value = self._squared_temporaries(out, value)
            self._line(out, st.target, value, st.accumulate)

    def _squared_temporaries(self, out: Lines, value: sympy.Expr) -> sympy.Expr:
        """``(y_0 - h_0)**2`` as ``_tmp3 = y_0 - h_0`` then ``_tmp3*_tmp3`` (no float power)."""
        if not self.target.floats:
            return value
        for power in sorted(value.atoms(sympy.Pow), key=sympy.default_sort_key):
            if power.exp == 2 and not power.base.is_Symbol:
                name = sympy.Symbol(f"_tmp{self.temporaries}", real=True)
                self.temporaries += 1
                self._line(out, name.name, power.base, False)
                value = value.xreplace({power: name**2})
        return value

    def _line(self, out: Lines, target: str, value: sympy.Expr, accumulate: bool) -> None:
        if value.is_Number and self.target.floats:
            value = sympy.Float(value)
        text = print_expr(value, self.target, {}, self.helpers)
        out(f"{target} {'+=' if accumulate else '='} {text}")

    # -- pieces of the functions -------------------------------------------------------
    def param_names(self) -> list[str]:
        names = []
        for param in self.plan.cell.params:
            shape = [self.sizes[d] for d in param.shape]
            if len(shape) == 2:
                names += [
                    str(component(param.name, r, c))
                    for r in range(shape[0])
                    for c in range(shape[1])
                ]
            else:
                names += [str(component(param.name, k)) for k in range(shape[0])]
        return names

    def unpack(self, names: list[str], source: str) -> str:
        if len(names) == 1:
            return f"{names[0]}, = {source}"
        return f"({', '.join(names)},) = {source}"

    def forward_statements(self, with_loss: bool) -> list[Statement]:
        """The forward step; calls the backward reads too (``tanh(c)``) are kept as ``_keep0``."""
        equations = self.plan.template.forward if with_loss else self.plan.cell_equations
        statements: list[Statement] = []
        for eq in equations:
            if self.plan.shift and eq is self.plan.loss_equations[0]:
                logits = self.components(self.plan.shift)
                statements.append(Statement(str(component(SHIFT, 0)), sympy.Max(*logits)))
            for call, name in self.kept.items():
                if eq.pointwise.has(call):
                    statements += self.expand(Equation(name, (), call))
            statements += self.expand(self.rewrite.reading_kept(eq))
        return statements

    def backward_statements(self) -> list[Statement]:
        """The backward step, reading the kept calls' values from the tape.

        An adjoint component read by one other statement only is substituted into it
        (``delta_c_tilde_0 = delta_c_0*i_0`` disappears into ``delta_z_c_0``): fewer
        assignments per step; shared parts come back as ``_tmp`` names from the CSE.
        """
        statements = [
            st
            for eq in self.plan.template.backward
            for st in self.expand(self.rewrite.reading_kept(eq))
        ]
        plan = self.plan
        kept = {str(c) for name in plan.carried for c in self.components(name)}
        kept |= {str(c) for c in self.components(delta(plan.cell.input))}
        for target in [st.target for st in statements if not st.accumulate]:
            st = next(st for st in statements if st.target == target and not st.accumulate)
            if st.target in kept:
                continue
            symbol = sympy.Symbol(st.target, real=True)
            readers = [other for other in statements if symbol in other.value.free_symbols]
            if len(readers) != 1:
                continue
            reader = readers[0]
            index = statements.index(reader)
            statements[index] = Statement(
                reader.target, reader.value.xreplace({symbol: st.value}), reader.accumulate
            )
            statements.remove(st)
        return statements

    @cached_property
    def rewrite(self) -> Rewrite:
        """The kept calls (``tanh(c)`` as ``_keep0``) and how backward formulas read them."""
        return Rewrite(self.plan, frozenset(), ())

    @property
    def kept(self) -> dict[sympy.Expr, str]:
        return self.rewrite.kept

    def tape_names(self, statements: list[Statement]) -> list[str]:
        """Forward components the backward step reads (kept per step)."""
        defined = {st.target for st in statements if not st.accumulate}
        read: set[str] = set()
        for st in statements:
            read.update(s.name for s in st.value.free_symbols)
        params = set(self.param_names())
        carried = {str(c) for name in self.plan.carried.values() for c in self.components(name)}
        return sorted(read - defined - params - carried)

    def local(self, name: str) -> str:
        return local(name)

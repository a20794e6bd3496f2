"""Re-evaluate a problem the way a hand calculation did: own values carried, intermediates rounded.

Both are :class:`~lstm_sym.evaluate.evaluator.Hook` s on the ordinary evaluator, so every cell and
loss is handled alike: :class:`Carry` replaces quantities by given values as soon as
they are computed (everything downstream is recomputed from them: follow-through);
:class:`Rounding` rounds every value to a number of decimal places or significant
digits, as a student who writes down each intermediate does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

import gmpy2
import mpmath

from ..derive.naming import INTERMEDIATE, UPDATE, Naming
from ..errors import TooLargeError
from ..evaluate.compile import Env
from ..evaluate.evaluator import Evaluator, Hook, scalar_values
from ..evaluate.intermediates import adjoint_parts
from ..evaluate.intermediates import value_of as intermediate_value
from ..evaluate.update import update_values
from ..names import Name
from ..numbers import round_decimals, round_significant, to_decimal, to_mpf
from ..problem import Problem
from .quantities import Quantity

Values = dict[Name, Any]


def decimal_mpf(value: Decimal) -> mpmath.mpf:
    """``value`` correctly rounded to the working precision (any number of digits)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    # gmpy2 reads digit strings of any length (int() stops at 4,300 digits)
    mantissa = int(gmpy2.mpz("".join(map(str, digits)) or "0")) * (-1 if sign else 1)
    if exponent >= 0:
        return mpmath.mpf(mantissa * 10**exponent)
    exact = mpmath.libmp.from_rational(
        mantissa, 10**-exponent, mpmath.mp.prec, mpmath.libmp.round_nearest
    )
    return mpmath.mpf(exact)


class Carry:
    """Replace given scalars (by program name) as soon as the evaluation computes them.

    A name is carried where its template quantity is computed (``dL_dh_0`` is ``delta_h_prev``
    at step 1: :meth:`~lstm_sym.derive.naming.Naming.template`).
    """

    def __init__(self, problem: Problem, values: Mapping[Name, Decimal], after: Hook | None = None):
        self.after_hook = after
        self.values: dict[tuple[str, int, int], list[tuple[int, Decimal]]] = {}
        #: the given totals over the steps (dL_dW_f[1,2]): only an optimizer step reads them
        self.totals: dict[Name, Decimal] = {}
        naming = Naming.of(problem.cell)
        for name, value in values.items():
            found = naming.template(name)
            if found is None or len(name.index) > 1:
                self.totals[name] = value
                continue
            b = name.seq - 1 if name.seq is not None else 0
            k = name.index[0] - 1 if name.index else 0
            self.values.setdefault((*found, b), []).append((k, value))

    def after(self, target: str, step: int, seq: int, env: Env) -> None:
        if self.after_hook is not None:
            self.after_hook.after(target, step, seq, env)
        for k, value in self.values.get((target, step, seq), ()):
            vector = list(env[target])
            if k < len(vector) and not isinstance(vector[k], list):
                vector[k] = decimal_mpf(value)
                env[target] = vector


@dataclass(frozen=True)
class Rounding:
    """Round every computed value to ``digits`` decimal places (or significant digits)."""

    digits: int
    significant: bool = False
    truncate: bool = False

    def describe(self) -> str:
        unit = "significant digit" if self.significant else "decimal place"
        unit += "" if self.digits == 1 else "s"
        how = "truncating" if self.truncate else "rounding"
        return f"{how} every intermediate value to {self.digits} {unit}"

    def round(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.round(v) for v in value]
        value = mpmath.mpf(value)
        if not mpmath.isfinite(value):
            # 0·log 0 after a probability rounded to 0: no paper calculation takes this path,
            # and the value explains no answer
            return value
        if not self.significant and value and mpmath.mag(value) < -4 * (self.digits + 2):
            return mpmath.mpf(0)  # far below the last place kept (and cheap for exp(-1e998))
        try:
            binary = to_decimal(value, self.digits)
        except TooLargeError:  # beyond decimal exponents: no digit of it is written down
            return value
        # the binary value's last bits cleaned first, so that a decimal tie (0.5 · 0.217) is
        # an exact tie and rounds half to even, as it does on paper
        context = Context(prec=max(mpmath.mp.dps - 5, 10), Emax=MAX_EMAX, Emin=MIN_EMIN)
        exact = context.plus(binary)
        if self.significant:
            rounded = round_significant(exact, self.digits, truncate=self.truncate)
        else:
            rounded = round_decimals(exact, self.digits, truncate=self.truncate)
        return decimal_mpf(rounded)

    def after(self, target: str, step: int, seq: int, env: Env) -> None:
        env[target] = self.round(env[target])


def evaluate(
    evaluator: Evaluator,
    dps: int,
    *,
    gradients: bool,
    hook: Hook | None = None,
    sequences: list[int] | None = None,
) -> Values:
    """Every scalar of one evaluation at ``dps`` working digits, by name (of the given
    ``sequences`` of a batch only, when given)."""
    with mpmath.workdps(dps):
        trace = evaluator.run(gradients=gradients, hook=hook, sequences=sequences)
        values = {
            name: +mpmath.mpf(value)
            for _, name, value in scalar_values(evaluator.problem, trace, gradients=gradients)
        }
        if gradients:  # the shares of δh_t (named intermediates)
            values.update(adjoint_parts(evaluator.problem, trace))
        if isinstance(hook, Carry):  # the given gradients, for the updated parameters
            values.update({n: decimal_mpf(v) for n, v in hook.totals.items() if n in values})
    return values


def value_of(quantity: Quantity, values: Values, problem: Problem, dps: int) -> mpmath.mpf:
    """The value of an answerable quantity at ``dps`` digits (scaled from its source for ``se_t``)."""
    value = values[quantity.source]
    if quantity.section == INTERMEDIATE:  # tanh_c_1 from c_1, L^(2) from the loss terms
        with mpmath.workdps(dps):
            return intermediate_value(quantity.name, values, quantity.source)
    if quantity.section == UPDATE:  # W_f_new[1,2] from dL_dW_f[1,2]
        with mpmath.workdps(dps):
            return update_values(problem, {quantity.source: value})[quantity.name]
    if quantity.source == quantity.name:
        return value
    with mpmath.workdps(dps):  # se_t = ell_t / scale under this problem's loss
        return value * to_mpf(1 / problem.loss_scale)


def carried_values(
    quantities: Iterable[tuple[Quantity, Decimal]], problem: Problem
) -> dict[Name, Decimal]:
    """Student values to carry, as values of the quantities the evaluator computes."""
    carried: dict[Name, Decimal] = {}
    scale = problem.loss_scale
    for quantity, written in quantities:
        if quantity.source != quantity.name:  # se_t given: ell_t = scale · se_t
            context = Context(
                prec=len(written.as_tuple().digits) + 60, Emax=MAX_EMAX, Emin=MIN_EMIN
            )
            carried[quantity.source] = context.divide(
                context.multiply(written, Decimal(int(scale.p))), Decimal(int(scale.q))
            )
        else:
            carried[quantity.name] = written
    return carried

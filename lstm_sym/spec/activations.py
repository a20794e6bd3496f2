"""Activation functions as SymPy functions that know their own derivative.

``sigma`` is a real SymPy ``Function``: its derivative comes from differentiation
(``fdiff`` gives σ(1−σ)), it prints as ``\\sigma`` in LaTeX, and every backend
(mpmath, NumPy) receives its own numerically stable implementation through
:data:`MPMATH_FUNCTIONS` / :data:`NUMPY_SOURCE`. New activations are added here and
registered in :data:`ACTIVATIONS`.

The piecewise-linear activations (``relu``, ``hard_sigmoid``, ``hard_sigmoid_keras2``)
are :class:`ClippedLinear` functions ``min(hi, max(lo, slope·a + offset))``; their
derivative is another SymPy function (``relu_prime`` …) equal to ``slope`` strictly inside
the linear piece and 0 outside, which is what PyTorch's and Keras' backward passes use at
the kinks too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy


def _power(text: str, exp: str | None) -> str:
    """``text``, raised to ``exp`` when SymPy's printer asks for a power (σ(a)², relu(a)³)."""
    return text if exp is None else rf"\left({text}\right)^{{{exp}}}"


class sigma(sympy.Function):
    """The logistic sigmoid σ(a) = 1 / (1 + e^(−a))."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_zero:
            return sympy.Rational(1, 2)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-arg))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _power(rf"\sigma\left({printer._print(self.args[0])}\right)", exp)


def _mp_sigma(a: mpmath.mpf) -> mpmath.mpf:
    # 1/(1+e^-a) never overflows badly in mpmath (exponent range is unbounded).
    return 1 / (1 + mpmath.exp(-a))


class sigma_complement(sympy.Function):
    """``1 − s`` for ``s = σ(a)``, written ``sigma_complement(s, a)``: an evaluation form.

    The derived expressions keep the textbook ``s·(1 − s)``; the mpmath backend rewrites
    ``1 − s`` to this (:mod:`lstm_sym.evaluate.stable`) so that a saturated gate (``s`` within the
    working precision of 1) still gets its tiny complement σ(−a) to full relative precision.
    """

    nargs = 2

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return sigma(-self.args[1])._eval_evalf(prec)


class tanh_complement(sympy.Function):
    """``1 − t²`` for ``t = tanh(a)``, written ``tanh_complement(t, a)``: equal to sech²(a)."""

    nargs = 2

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (sympy.sech(self.args[1]) ** 2)._eval_evalf(prec)


#: Below this, ``1 − s`` or ``1 − t²`` has lost more than 16 bits to cancellation and is
#: recomputed from the argument instead.
_CANCELLATION = mpmath.mpf(2) ** -16


def _mp_sigma_complement(s: mpmath.mpf, a: mpmath.mpf) -> mpmath.mpf:
    rest = 1 - s
    return rest if rest > _CANCELLATION else _mp_sigma(-a)


def _mp_tanh_complement(t: mpmath.mpf, a: mpmath.mpf) -> mpmath.mpf:
    rest = 1 - t * t
    return rest if rest > _CANCELLATION else mpmath.sech(a) ** 2


class ClippedLinear(sympy.Function):
    """``min(high, max(low, slope·a + offset))``: a piecewise-linear activation.

    Subclasses set the four constants and ``prime`` (the derivative function); exact
    arguments evaluate exactly, so the exact backend keeps rational values rational.
    """

    nargs = 1
    slope: sympy.Rational = sympy.S.One
    offset: sympy.Rational = sympy.S.Zero
    low: sympy.Expr = sympy.S.Zero
    high: sympy.Expr = sympy.S.Infinity
    latex_name = ""
    prime: type[ClippedLinearPrime]

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if not arg.is_number:
            return None
        value = cls.slope * arg + cls.offset
        if (value - cls.low).is_extended_nonpositive:
            return cls.low
        if (value - cls.high).is_extended_nonnegative:
            return cls.high
        if (value - cls.low).is_extended_positive and (value - cls.high).is_extended_negative:
            return value
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return self.prime(self.args[0])

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        value = (self.slope * self.args[0] + self.offset)._eval_evalf(prec)
        if value is None or not value.is_Number:
            return None
        return sympy.Min(self.high, sympy.Max(self.low, value))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _power(rf"{self.latex_name}\left({printer._print(self.args[0])}\right)", exp)

    @classmethod
    def kinks(cls) -> tuple[sympy.Expr, sympy.Expr]:
        """The arguments where the linear piece starts and ends (−∞/∞ when unbounded)."""
        return ((cls.low - cls.offset) / cls.slope, (cls.high - cls.offset) / cls.slope)


class ClippedLinearPrime(sympy.Function):
    """The derivative of a :class:`ClippedLinear`: ``slope`` strictly inside the linear piece, else 0."""

    nargs = 1
    of: type[ClippedLinear]

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if not arg.is_number:
            return None
        start, end = cls.of.kinks()
        if (arg - start).is_extended_nonpositive or (arg - end).is_extended_nonnegative:
            return sympy.S.Zero
        if (arg - start).is_extended_positive and (arg - end).is_extended_negative:
            return cls.of.slope
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero

    def _eval_is_real(self) -> bool | None:
        return True

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        arg = self.args[0]._eval_evalf(prec)
        if arg is None or not arg.is_Number:
            return None
        start, end = self.of.kinks()
        inside = bool(start < arg) and bool(arg < end)
        return (self.of.slope if inside else sympy.S.Zero)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _power(rf"{self.of.latex_name}'\left({printer._print(self.args[0])}\right)", exp)


class relu(ClippedLinear):
    """The rectifier max(0, a)."""

    latex_name = r"\operatorname{relu}"


class relu_prime(ClippedLinearPrime):
    """relu'(a): 1 for a > 0, else 0 (0 at the kink, as in PyTorch)."""

    of = relu


class hard_sigmoid(ClippedLinear):
    """Keras 3 / PyTorch Hardsigmoid: relu6(a + 3)/6 = clip(a/6 + 1/2, 0, 1)."""

    slope = sympy.Rational(1, 6)
    offset = sympy.Rational(1, 2)
    high = sympy.S.One
    latex_name = r"\operatorname{hardsigmoid}"


class hard_sigmoid_prime(ClippedLinearPrime):
    """hard_sigmoid'(a): 1/6 for -3 < a < 3, else 0."""

    of = hard_sigmoid


class hard_sigmoid_keras2(ClippedLinear):
    """Keras 2 (TensorFlow <= 2.15) hard sigmoid: clip(0.2*a + 0.5, 0, 1)."""

    slope = sympy.Rational(1, 5)
    offset = sympy.Rational(1, 2)
    high = sympy.S.One
    latex_name = r"\operatorname{hardsigmoid}_{\mathrm{K2}}"


class hard_sigmoid_keras2_prime(ClippedLinearPrime):
    """hard_sigmoid_keras2'(a): 1/5 for -2.5 < a < 2.5, else 0."""

    of = hard_sigmoid_keras2


CLIPPED_LINEAR: tuple[type[ClippedLinear], ...] = (relu, hard_sigmoid, hard_sigmoid_keras2)
for _function, _prime in zip(
    CLIPPED_LINEAR, (relu_prime, hard_sigmoid_prime, hard_sigmoid_keras2_prime), strict=True
):
    _function.prime = _prime


def _mp_rational(value: sympy.Rational) -> mpmath.mpf:
    return mpmath.mpf(int(value.p)) / int(value.q)


def _mp_clipped(function: type[ClippedLinear]) -> Callable[[mpmath.mpf], mpmath.mpf]:
    def evaluate(a: mpmath.mpf) -> mpmath.mpf:
        value = a * int(function.slope.p) / int(function.slope.q) + _mp_rational(function.offset)
        value = max(value, _mp_rational(function.low))
        if function.high.is_finite:
            value = min(value, _mp_rational(function.high))
        return value

    return evaluate


def _mp_clipped_prime(function: type[ClippedLinear]) -> Callable[[mpmath.mpf], mpmath.mpf]:
    start, end = function.kinks()

    def evaluate(a: mpmath.mpf) -> mpmath.mpf:
        above = start.is_infinite or a > _mp_rational(start)
        below = end.is_infinite or a < _mp_rational(end)
        return _mp_rational(function.slope) if above and below else mpmath.mpf(0)

    return evaluate


def _np_number(value: sympy.Rational) -> str:
    return repr(float(value))


def _np_clipped_source(function: type[ClippedLinear]) -> str:
    slope, offset = function.slope, function.offset
    linear = "a" if slope == 1 else f"a / {int(slope.q)}.0"
    if slope.p != 1:
        linear = f"{int(slope.p)}.0 * {linear}"
    if offset != 0:
        linear += f" + {_np_number(offset)}"
    if function.high.is_finite:
        body = f"np.clip({linear}, {_np_number(function.low)}, {_np_number(function.high)})"
    else:
        body = f"np.maximum({linear}, {_np_number(function.low)})"
    doc = (function.__doc__ or "").strip()
    return f'def {function.__name__}(a):\n    """{doc}"""\n    return {body}\n'


def _np_clipped_prime_source(function: type[ClippedLinear]) -> str:
    start, end = function.kinks()
    conditions = []
    if start.is_finite:
        conditions.append(f"(a > {_np_number(start)})")
    if end.is_finite:
        conditions.append(f"(a < {_np_number(end)})")
    slope = _np_number(function.slope)
    doc = (function.prime.__doc__ or "").strip()
    return (
        f"def {function.prime.__name__}(a):\n"
        f'    """{doc}"""\n'
        f"    return np.where({' & '.join(conditions)}, {slope}, 0.0)\n"
    )


#: Activations by name, as used in cell specs and custom-cell equations.
ACTIVATIONS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sigmoid": sigma,
    "tanh": sympy.tanh,
    "hard_sigmoid": hard_sigmoid,
    "hard_sigmoid_keras2": hard_sigmoid_keras2,
    "relu": relu,
    "identity": lambda a: a,
}

#: What each activation name means, for listings and documentation.
ACTIVATION_DESCRIPTIONS: dict[str, str] = {
    "sigmoid": "logistic sigmoid 1/(1 + e^(−a))",
    "tanh": "hyperbolic tangent",
    "hard_sigmoid": "Keras 3 / PyTorch Hardsigmoid: clip(a/6 + 1/2, 0, 1)",
    "hard_sigmoid_keras2": "Keras 2 (TensorFlow ≤ 2.15) hard sigmoid: clip(0.2·a + 0.5, 0, 1)",
    "relu": "max(0, a)",
    "identity": "a (no activation)",
}

#: Implementations handed to ``sympy.lambdify`` for the mpmath backend.
MPMATH_FUNCTIONS: dict[str, Any] = {
    "sigma": _mp_sigma,
    "sigma_complement": _mp_sigma_complement,
    "tanh_complement": _mp_tanh_complement,
}
for _function in CLIPPED_LINEAR:
    MPMATH_FUNCTIONS[_function.__name__] = _mp_clipped(_function)
    MPMATH_FUNCTIONS[_function.prime.__name__] = _mp_clipped_prime(_function)

#: NumPy implementations for generated code, as source text of a function with the SymPy
#: function's name (generated modules import only NumPy, so they carry this source).
#: Each must be numerically stable: no overflow warning, NaN or inf for any finite input.
NUMPY_SOURCE: dict[str, str] = {
    "sigma": (
        "def sigma(a, out=None):\n"
        '    """The logistic sigmoid 1/(1 + exp(-a)), into ``out`` if given.\n'
        "\n"
        "    Four in-place passes, accurate to a few ulp relative. Where a is below about\n"
        "    -709 (float64; -88 in float32) exp(-a) overflows to inf and the result is the\n"
        "    correct limit 1/(1 + inf) = 0: that overflow is expected, so it is not reported.\n"
        '    """\n'
        "    if out is None:\n"
        "        out = np.empty(np.shape(a), np.result_type(a, 0.0))\n"
        "    np.negative(a, out=out)\n"
        "    with np.errstate(over='ignore'):\n"
        "        np.exp(out, out=out)\n"
        "    out += 1.0\n"
        "    return np.reciprocal(out, out=out)\n"
    ),
}
for _function in CLIPPED_LINEAR:
    NUMPY_SOURCE[_function.__name__] = _np_clipped_source(_function)
    NUMPY_SOURCE[_function.prime.__name__] = _np_clipped_prime_source(_function)


def lambdify_positional(
    expr: sympy.Expr, args: tuple[str, ...], modules: list[Any]
) -> Callable[..., Any]:
    """``expr`` as a function of ``args``, written with arguments ``_0, _1, …``.

    No quantity name (``mpf``, ``arb``, ``e``, ``x0``) can then shadow a function of
    ``modules`` or a CSE temporary in the code lambdify writes.
    """
    symbols = [sympy.Symbol(f"_{k}", real=True) for k in range(len(args))]
    expr = expr.xreplace(
        {sympy.Symbol(a, real=True): s for a, s in zip(args, symbols, strict=True)}
    )
    return sympy.lambdify(symbols, expr, modules=modules, cse=True)  # type: ignore[no-any-return]

"""How each activation's SymPy functions are evaluated and written as code: :class:`Kernel`.

A kernel is one SymPy function (``sigma``, ``relu_prime``, ``tanh_complement``) implemented
for every engine — mpmath (certified by precision), Arb balls (proven), exact rationals
(where the value is rational) — and for every generated-code target: NumPy arrays, Python
floats, mpmath numbers. Engines look the implementations up by the function's name; the
generated modules carry the source text. An :class:`~lstm_sym.spec.activations.Activation`
lists the kernels it brings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import sympy
from flint import arb, fmpq

from . import runtime
from .functions import ClippedLinear, sigma, sigma_complement, tanh_complement

#: The generated-code targets a kernel is written for.
CodeTarget = Literal["numpy", "python", "mpmath"]


@dataclass(frozen=True)
class Kernel:
    """One SymPy function, implemented for every engine and every generated-code target.

    ``exact`` receives rationals (``fmpq``) and returns the exact value where it is
    rational, else None. The code fields are the source of a function called like
    ``function`` (empty: that target cannot call it).
    """

    function: type[sympy.Function]
    #: certified evaluation at the mpmath working precision
    mpmath: Callable[..., Any]
    #: evaluation over Arb balls (python-flint): a ball containing every possible value
    arb: Callable[..., Any]
    exact: Callable[..., fmpq | None] | None = None
    numpy: str = ""
    python: str = ""
    mpmath_code: str = ""
    #: the NumPy code takes ``out=`` (in-place vector code calls it so)
    numpy_out: bool = False
    #: Python code for a call on a plain name ``{a}``, written inline instead of a call
    python_inline: str = ""

    @property
    def name(self) -> str:
        return str(self.function.__name__)

    def code(self, target: CodeTarget) -> str:
        """The source for ``target`` (empty if there is none)."""
        return {"numpy": self.numpy, "python": self.python, "mpmath": self.mpmath_code}[target]


# -- σ and the complements -----------------------------------------------------------------

#: Below this, ``1 − s`` or ``1 − t²`` has lost more than 16 bits to cancellation and is
#: recomputed from the argument instead.
_CANCELLATION = mpmath.mpf(2) ** -16
_ARB_CANCELLATION = arb(2) ** -16


def _mp_sigma(a: mpmath.mpf) -> mpmath.mpf:
    # 1/(1+e^-a) never overflows badly in mpmath (exponent range is unbounded).
    return 1 / (1 + mpmath.exp(-a))


def _mp_sigma_complement(s: mpmath.mpf, a: mpmath.mpf) -> mpmath.mpf:
    rest = 1 - s
    return rest if rest > _CANCELLATION else _mp_sigma(-a)


def _mp_tanh_complement(t: mpmath.mpf, a: mpmath.mpf) -> mpmath.mpf:
    rest = 1 - t * t
    return rest if rest > _CANCELLATION else mpmath.sech(a) ** 2


def _arb_sigma(a: arb) -> arb:
    """σ(a) with ``exp`` of a nonpositive number only (``exp(10^1000)`` is not finite in Arb)."""
    if a < 0:
        e = a.exp()
        return e / (1 + e)
    return 1 / (1 + (-a).exp())


def _arb_sigma_complement(s: arb, a: arb) -> arb:
    rest = 1 - s
    return rest if rest > _ARB_CANCELLATION else _arb_sigma(-a)


def _arb_tanh_complement(t: arb, a: arb) -> arb:
    rest = 1 - t * t
    return rest if rest > _ARB_CANCELLATION else a.sech() ** 2


def _exact_sigma(a: fmpq) -> fmpq | None:
    return fmpq(1, 2) if a == 0 else None


SIGMA = Kernel(
    sigma,
    _mp_sigma,
    _arb_sigma,
    _exact_sigma,
    numpy=runtime.source(runtime.numpy_sigma, "sigma"),
    python=runtime.source(runtime.python_sigma, "sigma"),
    mpmath_code=runtime.source(runtime.mpmath_sigma, "sigma"),
    numpy_out=True,
    python_inline=runtime.PYTHON_SIGMA_INLINE,
)
SIGMA_COMPLEMENT = Kernel(sigma_complement, _mp_sigma_complement, _arb_sigma_complement)
TANH_COMPLEMENT = Kernel(tanh_complement, _mp_tanh_complement, _arb_tanh_complement)


# -- the piecewise-linear activations ------------------------------------------------------


def _mp_rational(value: sympy.Rational) -> mpmath.mpf:
    return mpmath.mpf(int(value.p)) / int(value.q)


def _fmpq(value: sympy.Rational) -> fmpq:
    return fmpq(int(value.p), int(value.q))


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


def _arb_clipped(function: type[ClippedLinear]) -> Callable[[arb], arb]:
    slope, offset = _fmpq(function.slope), _fmpq(function.offset)
    low = arb(_fmpq(function.low))
    high = arb(_fmpq(function.high)) if function.high.is_finite else None

    def evaluate(a: arb) -> arb:
        value = (a * slope + offset).max(low)
        return value if high is None else value.min(high)

    return evaluate


def _arb_clipped_prime(function: type[ClippedLinear]) -> Callable[[arb], arb]:
    start, end = function.kinks()
    lo = None if start.is_infinite else arb(_fmpq(start))
    hi = None if end.is_infinite else arb(_fmpq(end))
    slope = arb(_fmpq(function.slope))
    either = arb(0).union(slope)  # a ball on a kink: the derivative is 0 or the slope

    def evaluate(a: arb) -> arb:
        inside = (lo is None or a > lo) and (hi is None or a < hi)
        if inside:
            return slope
        outside = (lo is not None and a <= lo) or (hi is not None and a >= hi)
        return arb(0) if outside else either

    return evaluate


def _exact_of(function: type[sympy.Function]) -> Callable[[fmpq], fmpq | None]:
    """Exact values from the SymPy function itself (it evaluates rational arguments)."""

    def evaluate(a: fmpq) -> fmpq | None:
        result = function(sympy.Rational(int(a.p), int(a.q)))
        return _fmpq(result) if result.is_Rational else None

    return evaluate


def _number(value: sympy.Expr, target: CodeTarget) -> str:
    if target == "mpmath":
        rational = sympy.Rational(value)
        return f"(_mpf({int(rational.p)}) / {int(rational.q)})"
    return repr(float(value))


def _define(function: type[sympy.Function], body: str) -> str:
    """The source of ``def function(a): return body``, with the function's docstring."""
    doc = (function.__doc__ or "").strip()
    return f'def {function.__name__}(a):\n    """{doc}"""\n    return {body}\n'


def _clipped_source(function: type[ClippedLinear], target: CodeTarget) -> str:
    slope, offset, low, high = function.slope, function.offset, function.low, function.high
    if target == "numpy":
        linear = "a" if slope == 1 else f"a / {int(slope.q)}.0"
        if slope.p != 1:
            linear = f"{int(slope.p)}.0 * {linear}"
    else:
        linear = "a" if slope == 1 else f"{_number(slope, target)} * a"
    if offset != 0:
        linear += f" + {_number(offset, target)}"
    if target == "numpy":
        body = f"np.maximum({linear}, {_number(low, target)})"
        if high.is_finite:
            body = f"np.clip({linear}, {_number(low, target)}, {_number(high, target)})"
    else:
        body = f"max({_number(low, target)}, {linear})"
        if high.is_finite:
            body = f"min({_number(high, target)}, {body})"
    return _define(function, body)


def _clipped_prime_source(function: type[ClippedLinear], target: CodeTarget) -> str:
    start, end = function.kinks()
    sides = ((">", start), ("<", end))
    bounds = [f"a {op} {_number(kink, target)}" for op, kink in sides if kink.is_finite]
    slope = _number(function.slope, target)
    if target == "numpy":
        body = f"np.where({' & '.join(f'({b})' for b in bounds)}, {slope}, 0.0)"
    else:
        zero = "_mpf(0)" if target == "mpmath" else "0.0"
        body = f"{slope} if {' and '.join(bounds)} else {zero}"
    return _define(function.prime, body)


def clipped_kernels(function: type[ClippedLinear]) -> tuple[Kernel, Kernel]:
    """The kernels of a piecewise-linear activation and of its derivative."""
    value = Kernel(
        function,
        _mp_clipped(function),
        _arb_clipped(function),
        _exact_of(function),
        numpy=_clipped_source(function, "numpy"),
        python=_clipped_source(function, "python"),
        mpmath_code=_clipped_source(function, "mpmath"),
    )
    prime = Kernel(
        function.prime,
        _mp_clipped_prime(function),
        _arb_clipped_prime(function),
        _exact_of(function.prime),
        numpy=_clipped_prime_source(function, "numpy"),
        python=_clipped_prime_source(function, "python"),
        mpmath_code=_clipped_prime_source(function, "mpmath"),
    )
    return value, prime

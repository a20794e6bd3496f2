"""The activation functions as SymPy functions that know their own derivative.

``sigma`` is a real SymPy ``Function``: its derivative comes from differentiation
(``fdiff`` gives σ(1−σ)) and it prints as ``\\sigma`` in LaTeX. ``sigma_complement`` and
``tanh_complement`` are evaluation forms of ``1 − σ`` and ``1 − tanh²`` for saturated
activations (:mod:`lstm_sym.evaluate.stable`).

The piecewise-linear activations (``relu``, ``hard_sigmoid``, ``hard_sigmoid_keras2``)
are :class:`ClippedLinear` functions ``min(hi, max(lo, slope·a + offset))``; their
derivative is another SymPy function (``relu_prime`` …) equal to ``slope`` strictly inside
the linear piece and 0 outside, which is what PyTorch's and Keras' backward passes use at
the kinks too. How each is evaluated and printed as code is in :mod:`lstm_sym.spec.kernels`.
"""

from __future__ import annotations

import types
from typing import Any, cast

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


#: The docstrings of the piecewise-linear functions and their derivatives (generated code
#: copies them into its helper functions).
_DOCS = {
    "relu": "The rectifier max(0, a).",
    "relu_prime": "relu'(a): 1 for a > 0, else 0 (0 at the kink, as in PyTorch).",
    "hard_sigmoid": "Keras 3 / PyTorch Hardsigmoid: relu6(a + 3)/6 = clip(a/6 + 1/2, 0, 1).",
    "hard_sigmoid_prime": "hard_sigmoid'(a): 1/6 for -3 < a < 3, else 0.",
    "hard_sigmoid_keras2": "Keras 2 (TensorFlow <= 2.15) hard sigmoid: clip(0.2*a + 0.5, 0, 1).",
    "hard_sigmoid_keras2_prime": "hard_sigmoid_keras2'(a): 1/5 for -2.5 < a < 2.5, else 0.",
}


def clipped_linear(
    name: str,
    latex_name: str,
    slope: sympy.Rational = sympy.S.One,
    offset: sympy.Rational = sympy.S.Zero,
    high: sympy.Expr = sympy.S.Infinity,
) -> tuple[type[ClippedLinear], type[ClippedLinearPrime]]:
    """``min(high, max(0, slope·a + offset))`` as a :class:`ClippedLinear` function called
    ``name``, and its derivative ``<name>_prime``."""
    function = cast(
        type[ClippedLinear],
        types.new_class(
            name,
            (ClippedLinear,),
            exec_body=lambda ns: ns.update(
                __doc__=_DOCS[name],
                __module__=__name__,
                slope=sympy.sympify(slope),
                offset=sympy.sympify(offset),
                high=sympy.sympify(high),
                latex_name=latex_name,
            ),
        ),
    )
    prime = cast(
        type[ClippedLinearPrime],
        types.new_class(
            f"{name}_prime",
            (ClippedLinearPrime,),
            exec_body=lambda ns: ns.update(
                __doc__=_DOCS[f"{name}_prime"], __module__=__name__, of=function
            ),
        ),
    )
    function.prime = prime
    return function, prime


_R = sympy.Rational
relu, relu_prime = clipped_linear("relu", r"\operatorname{relu}")
hard_sigmoid, hard_sigmoid_prime = clipped_linear(
    "hard_sigmoid", r"\operatorname{hardsigmoid}", _R(1, 6), _R(1, 2), 1
)
hard_sigmoid_keras2, hard_sigmoid_keras2_prime = clipped_linear(
    "hard_sigmoid_keras2", r"\operatorname{hardsigmoid}_{\mathrm{K2}}", _R(1, 5), _R(1, 2), 1
)

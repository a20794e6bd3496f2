"""Activations as records: everything the package knows of one activation, in one place.

An :class:`Activation` carries its name (as written in equations and problem files), its
SymPy function (whose derivative comes from differentiation), its description, the
:class:`~lstm_sym.spec.kernels.Kernel` s that evaluate and print the SymPy functions it
brings, the cancellation-free complement used when it saturates, its inverse (what-if
overrides) and the activations a hand calculation mistakes it for. Every consumer reads
the record: the engines, code generation, the custom-cell grammar, the checker. So adding
an activation is one :func:`register_activation`::

    register_activation(Activation("silu", silu, "a·σ(a)", kernels=(SILU,)))

An activation may also be any function of SymPy expressions built from functions the
package knows (``identity`` is ``lambda a: a``): it then needs no kernels at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy

from .functions import (
    hard_sigmoid,
    hard_sigmoid_keras2,
    relu,
    sigma,
    sigma_complement,
    tanh_complement,
)
from .kernels import SIGMA, SIGMA_COMPLEMENT, TANH_COMPLEMENT, Kernel, clipped_kernels
from .registry import Registry


@dataclass(frozen=True)
class Complement:
    """``1 − v^power`` for a value ``v`` of the activation cancels when it saturates;
    ``function(v, a)`` is the same number computed without cancellation from the argument."""

    function: type[sympy.Function]
    power: int


@dataclass(frozen=True)
class Activation:
    """One activation: its name, its SymPy function, and what every consumer needs of it."""

    #: as written in equations, problem files and the custom-cell grammar: "sigmoid"
    name: str
    #: a SymPy function class (its derivative by ``fdiff``, its LaTeX by ``_latex``), or a
    #: function building an expression from functions the package knows
    function: Callable[[sympy.Expr], sympy.Expr]
    description: str
    #: the SymPy functions it brings (itself, its derivative, its complement), implemented
    kernels: tuple[Kernel, ...] = ()
    complement: Complement | None = None
    #: its inverse on mpmath numbers, and the open interval of its values (what-if overrides)
    inverse: Callable[[Any], Any] | None = None
    image: tuple[int, int] | None = None
    #: how a hand calculation writes it ("σ"); empty: its name
    symbol: str = ""
    #: the activations a hand calculation mistakes it for (either side may say so)
    confusions: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<Activation {self.name}: {self.description}>"

    @property
    def is_function(self) -> bool:
        """Whether the activation is a SymPy function class (``sigma``), not an expression."""
        return isinstance(self.function, sympy.FunctionClass)

    @property
    def written(self) -> str:
        """How a hand calculation writes it."""
        return self.symbol or self.name

    def slope(self, value: sympy.Expr) -> sympy.Expr | None:
        """f' written over f's own value, *derived*: σ → v(1 − v), tanh → 1 − v²; None where
        the derivative needs the argument (relu' is a function of a, not of relu(a))."""
        if not self.is_function:
            return None
        a = sympy.Dummy("a", real=True)
        applied = self.function(a)
        derivative = applied.diff(a).xreplace({applied: value})
        return None if derivative.has(a) else derivative

    @property
    def reserved(self) -> frozenset[str]:
        """Names the activation takes in equations and generated code."""
        names = {self.name, *(kernel.name for kernel in self.kernels)}
        if self.is_function:
            names.add(str(getattr(self.function, "__name__", self.name)))
        return frozenset(names)


#: The activations by name, as used in cell specs, problem files and custom-cell equations.
ACTIVATIONS: Registry[Activation] = Registry()


def register_activation(activation: Activation) -> Activation:
    """Add ``activation`` to :data:`ACTIVATIONS` (by its name); every consumer sees it."""
    return ACTIVATIONS.register(activation)


def get_activation(name: object, *, field: str = "activation") -> Activation:
    """The registered activation called ``name``, or an :class:`InputError` listing them."""
    return ACTIVATIONS.lookup(name, field=field)


def activation_of(function: object) -> Activation | None:
    """The registered activation whose SymPy function is ``function`` (a class), if any."""
    for activation in ACTIVATIONS.values():
        if activation.function is function:
            return activation
    return None


def kernels() -> dict[str, Kernel]:
    """Every registered activation's kernels, by SymPy function name."""
    return {k.name: k for activation in ACTIVATIONS.values() for k in activation.kernels}


def mpmath_functions() -> dict[str, Callable[..., Any]]:
    """The mpmath implementations, for ``sympy.lambdify``'s modules."""
    return {name: kernel.mpmath for name, kernel in kernels().items()}


def complements() -> dict[Any, Complement]:
    """The complement of each saturating activation, by its SymPy function."""
    return {a.function: a.complement for a in ACTIVATIONS.values() if a.complement is not None}


def grammar_names() -> dict[str, str]:
    """The name each SymPy function is written with in equations (``sigma`` → ``sigmoid``)."""
    return {
        str(getattr(a.function, "__name__", a.name)): a.name
        for a in ACTIVATIONS.values()
        if a.is_function
    }


def reserved_names() -> frozenset[str]:
    """Every name the registered activations take."""
    return frozenset().union(*(a.reserved for a in ACTIVATIONS.values()))


def descriptions() -> dict[str, str]:
    """What each activation name means, for listings and documentation."""
    return {a.name: a.description for a in ACTIVATIONS.values()}


def _logit(v: Any) -> Any:
    return mpmath.log(v / (1 - v))


register_activation(
    Activation(
        "sigmoid",
        sigma,
        "logistic sigmoid 1/(1 + e^(−a))",
        kernels=(SIGMA, SIGMA_COMPLEMENT),
        complement=Complement(sigma_complement, 1),
        inverse=_logit,
        image=(0, 1),
        symbol="σ",
        confusions=("tanh",),
    )
)
register_activation(
    Activation(
        "tanh",
        sympy.tanh,
        "hyperbolic tangent",
        kernels=(TANH_COMPLEMENT,),
        complement=Complement(tanh_complement, 2),
        inverse=mpmath.atanh,
        image=(-1, 1),
    )
)
for _function, _description in (
    (hard_sigmoid, "Keras 3 / PyTorch Hardsigmoid: clip(a/6 + 1/2, 0, 1)"),
    (hard_sigmoid_keras2, "Keras 2 (TensorFlow ≤ 2.15) hard sigmoid: clip(0.2·a + 0.5, 0, 1)"),
    (relu, "max(0, a)"),
):
    register_activation(
        Activation(_function.__name__, _function, _description, kernels=clipped_kernels(_function))
    )
register_activation(Activation("identity", lambda a: a, "a (no activation)"))


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

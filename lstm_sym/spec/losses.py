"""Loss functions as data: the equations of one step's loss term ``ell_t``.

The total loss is ``L = Σ_sequences (Σ_t ell_t + Σ_s ell_T_s)``: ``ell_t`` at every step
that has a target, ``ell_T_s`` (terminal terms) once per sequence on final states ``s``. A loss
is a registry entry (:func:`register_loss`) that carries what its consumers need to know of
it (whether its term is a squared error, which losses a hand calculation mistakes it for);
its gradient comes from the same symbolic differentiation as the cell's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import sympy

from ..equations import Equation, pointwise, reduce_sum
from ..names import template_symbol as s
from .registry import Registry

#: The name of a step's loss term, and the prefix of the terminal terms.
LOSS_TERM = "ell"
#: The softmax's probabilities under the cross-entropy losses.
SOFTMAX_OUTPUT = "p"
TERMINAL_TERM = "ell_T"


@dataclass(frozen=True)
class Loss:
    """A loss: the per-step data it reads and how one step's term is computed.

    ``step(output, scale)`` returns the equations defining ``ell`` from the cell's output
    (a template name) and the step data; ``scale`` is the problem-level constant given by
    ``scale_for(number_of_target_elements)`` (1/N for a mean).
    """

    name: str
    description: str
    data: str
    #: the key of the per-step data in a problem file's sequences
    data_key: str
    step: Callable[[str, sympy.Rational], tuple[Equation, ...]]
    scale_for: Callable[[int], sympy.Rational]
    gradient_given: bool = False
    #: "vector": per-step data is a vector like the output; "class": a class index
    #: (0-based, as in PyTorch and Keras) read as a one-hot vector
    target: Literal["vector", "class"] = "vector"
    #: what ``scale_for`` counts: "elements" (target numbers) or "targets" (steps with one)
    count: Literal["elements", "targets"] = "elements"
    #: the terms read the output only through its softmax, so shifting every component by
    #: one number changes nothing (generated code subtracts the largest: no overflow)
    softmax: bool = False
    #: the description as LaTeX (text with ``$...$`` math), for sheets
    latex_description: str = ""
    #: the step term is scale · ‖y − output‖² (answers may give the squared error ``se_t``;
    #: a flipped residual sign is a catalogued mistake)
    squared_error: bool = False
    #: (another loss, what a student did who computed it instead of this one)
    confusions: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return f"<Loss {self.name}: {self.description}>"


def _squared_error(output: str, scale: sympy.Rational) -> tuple[Equation, ...]:
    return (reduce_sum(LOSS_TERM, scale * (s("y") - s(output)) ** 2),)


def _cross_entropy(output: str, scale: sympy.Rational) -> tuple[Equation, ...]:
    """Softmax of the output, then −Σ_k y_k log p_k: ``Z`` normalises, ``p`` are the probabilities."""
    logits = s(output)
    return (
        reduce_sum("Z", sympy.exp(logits)),
        pointwise(SOFTMAX_OUTPUT, sympy.exp(logits) / s("Z")),
        reduce_sum(LOSS_TERM, -scale * s("y") * sympy.log(s(SOFTMAX_OUTPUT))),
    )


def _upstream(output: str, scale: sympy.Rational) -> tuple[Equation, ...]:
    return (reduce_sum(LOSS_TERM, s("g") * s(output)),)


#: The registered losses by name.
LOSSES: Registry[Loss] = Registry(sort=True)


def register_loss(loss: Loss) -> Loss:
    """Add ``loss`` to the registry (by its name)."""
    return LOSSES.register(loss)


register_loss(
    Loss(
        "half_sse",
        "½ Σ_t ‖y_t − h_t‖², half the sum of squared errors",
        "y",
        "y",
        _squared_error,
        lambda count: sympy.Rational(1, 2),
        latex_description=r"$\frac{1}{2} \sum_t \lVert y_t - h_t \rVert^2$, half the sum of "
        "squared errors",
        squared_error=True,
        confusions=(
            ("sse", "the ½ of the loss forgotten"),
            ("mse", "the loss averaged instead of halved"),
        ),
    )
)
register_loss(
    Loss(
        "sse",
        "Σ_t ‖y_t − h_t‖², the sum of squared errors",
        "y",
        "y",
        _squared_error,
        lambda count: sympy.Rational(1),
        latex_description=r"$\sum_t \lVert y_t - h_t \rVert^2$, the sum of squared errors",
        squared_error=True,
        confusions=(
            ("half_sse", "a ½ put in front of the loss"),
            ("mse", "the loss averaged instead of summed"),
        ),
    )
)
register_loss(
    Loss(
        "mse",
        "mean of (y − h)² over every target element (PyTorch's MSELoss)",
        "y",
        "y",
        _squared_error,
        lambda count: sympy.Rational(1, count),
        latex_description=r"mean of $(y - h)^2$ over every target element "
        r"(PyTorch's \texttt{MSELoss})",
        squared_error=True,
        confusions=(
            ("sse", "the loss summed instead of averaged"),
            ("half_sse", "½·sum taken instead of the mean"),
        ),
    )
)
register_loss(
    Loss(
        "upstream",
        "Σ_t ⟨g_t, h_t⟩ + ⟨g_c, c_T⟩: drives the backward pass with given ∂L/∂h_t, ∂L/∂c_T",
        "g",
        "dL_dh",
        _upstream,
        lambda count: sympy.Rational(1),
        gradient_given=True,
        latex_description=r"$\sum_t \langle g_t, h_t \rangle + \langle g_c, c_T \rangle$: drives "
        r"the backward pass with given $\partial L / \partial h_t$, $\partial L / \partial c_T$",
    )
)


CROSS_ENTROPY = register_loss(
    Loss(
        "cross_entropy",
        "Σ_t −log softmax(output_t)[label_t]: softmax and cross-entropy against class labels",
        "y",
        "labels",
        _cross_entropy,
        lambda count: sympy.Rational(1),
        target="class",
        count="targets",
        softmax=True,
        latex_description=r"$\sum_t -\log \mathrm{softmax}(\text{output}_t)"
        r"[\text{label}_t]$: softmax and cross-entropy against class labels",
        confusions=(("cross_entropy_mean", "the loss averaged instead of summed"),),
    )
)
register_loss(
    dataclasses.replace(
        CROSS_ENTROPY,
        name="cross_entropy_mean",
        description="cross_entropy divided by the number of labels (PyTorch's CrossEntropyLoss "
        "default)",
        scale_for=lambda count: sympy.Rational(1, count),
        latex_description=r"\texttt{cross\_entropy} divided by the number of labels "
        r"(PyTorch's \texttt{CrossEntropyLoss} default)",
        confusions=(("cross_entropy", "the loss summed instead of averaged"),),
    )
)


def get_loss(name: str, *, field: str = "loss") -> Loss:
    """The registered loss called ``name``, or an :class:`InputError` listing the known ones."""
    return LOSSES.lookup(name, field=field)


def terminal_equations(states: tuple[str, ...]) -> tuple[Equation, ...]:
    """``ell_T_s := Σ_k g_s·s`` over the final value of each given state (upstream loss)."""
    return tuple(
        reduce_sum(f"{TERMINAL_TERM}_{state}", s(f"g_{state}") * s(state)) for state in states
    )

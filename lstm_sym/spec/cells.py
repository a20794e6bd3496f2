"""Recurrent cells as data: parameters, states and an ordered list of vector equations.

A cell never gets code of its own elsewhere in the package: evaluation, the backward
pass, printing and code generation all read this declarative spec. Registered cells live in
:data:`CELLS` (the built-in ones are in :mod:`lstm_sym.spec.builtin`); :func:`register_cell`
adds one.

Where a cell lets the user choose an activation (Keras' ``activation`` and
``recurrent_activation``, Greff et al.'s g and h), its equations are written with a
placeholder function per :class:`ActivationSlot`; :func:`with_activations` substitutes
the chosen activations and gives a new cell, so the choice is data too.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy

from ..equations import Equation, affine, pointwise
from ..errors import InputError, did_you_mean
from ..names import template_symbol as s
from .activations import ACTIVATIONS, Activation, get_activation
from .registry import Registry

#: A dimension is a size name ("n" hidden, "d" input, ...) or "1".
Dim = str


@dataclass(frozen=True)
class Param:
    """A parameter: a matrix (``shape = (rows, cols)``) or a vector (``shape = (rows,)``)."""

    name: str
    shape: tuple[Dim, ...]

    @property
    def is_matrix(self) -> bool:
        return len(self.shape) == 2


@dataclass(frozen=True)
class State:
    """A quantity carried from one step to the next; ``<name>_prev`` reads last step's value."""

    name: str
    size: Dim

    @property
    def prev(self) -> str:
        return f"{self.name}_prev"


@dataclass(frozen=True)
class ActivationSlot:
    """A choosable activation: where it is used, and which one is in use.

    In :attr:`Cell.spec` the slot appears as the placeholder function
    :func:`slot_function` ``(name)``; :attr:`activation` names an entry of
    :data:`~lstm_sym.spec.activations.ACTIVATIONS`.
    """

    name: str
    activation: str
    description: str


def slot_function(slot: str) -> sympy.FunctionClass:
    """The placeholder function standing for the activation of ``slot`` in a cell's spec."""
    return sympy.Function(f"activation_{slot}", real=True)


def act(slot: str) -> Callable[[sympy.Expr], sympy.Expr]:
    """``act("gate")(z)``: the activation of slot ``gate`` applied to ``z`` (for writing specs)."""
    return slot_function(slot)  # type: ignore[no-any-return]


def gate_params(gate: str) -> tuple[Param, ...]:
    """``W_<gate>`` (n × d), ``U_<gate>`` (n × n) and ``b_<gate>`` (n)."""
    return (
        Param(f"W_{gate}", ("n", "d")),
        Param(f"U_{gate}", ("n", "n")),
        Param(f"b_{gate}", ("n",)),
    )


def preactivation(gate: str) -> Equation:
    """``z_<gate> = W_<gate> x + U_<gate> h_prev + b_<gate>``."""
    return affine(f"z_{gate}", (f"W_{gate}", "x"), (f"U_{gate}", "h_prev"), bias=f"b_{gate}")


def gate_equations(gate: str, slot: str, target: str = "") -> tuple[Equation, Equation]:
    """The pre-activation of ``gate`` and the slot's activation of it (named ``target``)."""
    return preactivation(gate), pointwise(target or gate, act(slot)(s(f"z_{gate}")))


@dataclass(frozen=True, eq=False)
class Cell:
    """A recurrent cell: what it reads, what it carries, and how one step computes."""

    name: str
    description: str
    params: tuple[Param, ...]
    states: tuple[State, ...]
    equations: tuple[Equation, ...]
    input: str = "x"
    input_size: Dim = "d"
    output: str = "h"
    latex: dict[str, str] = field(default_factory=dict)
    #: activations the user may choose, with the ones in use
    activations: tuple[ActivationSlot, ...] = ()
    #: the equations with one placeholder function per activation slot (empty: no slots)
    spec: tuple[Equation, ...] = ()
    #: the family the documentation lists the cell under ("LSTM", "GRU", ...)
    family: str = ""
    #: where the equations come from (a citation)
    reference: str = ""
    #: (topic, statement) pairs a solution sheet states: gate order, biases, placements
    conventions: tuple[tuple[str, str], ...] = ()
    #: the description as LaTeX (text with ``$...$`` math), for sheets; built-in cells only:
    #: a custom cell's description is user text and prints escaped
    latex_description: str = ""
    #: LaTeX of some conventions' statements, by topic (the others print as escaped text)
    latex_conventions: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        states = ", ".join(state.name for state in self.states)
        return f"<Cell {self.name}: {len(self.params)} parameters, states {states}>"

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def quantity_dims(self) -> dict[str, Dim]:
        """The size (as a dimension name) of every vector the step reads or defines."""
        dims: dict[str, Dim] = {self.input: self.input_size}
        for state in self.states:
            dims[state.prev] = state.size
        for param in self.params:
            if not param.is_matrix:
                dims[param.name] = param.shape[0]
        for eq in self.equations:
            dims[eq.target] = equation_dim(self, eq, dims)
        return dims

    def equations_text(self) -> list[str]:
        """The equations in the custom-cell syntax (``f = sigmoid(z_f)``), for listings."""
        from .custom.syntax import format_equation

        return [format_equation(eq) for eq in self.equations]

    def activation_choice(self) -> dict[str, str]:
        """The activation in use for each slot (``{"gate": "sigmoid", ...}``)."""
        return {slot.name: slot.activation for slot in self.activations}


def equation_dim(cell: Cell, eq: Equation, dims: Mapping[str, Dim]) -> Dim:
    """The size of ``eq``'s target given the sizes of what it reads ("1" for a reduction)."""
    if eq.reduce:
        return "1"
    if eq.linear:
        return cell.param(eq.linear[0].matrix).shape[0]
    sizes = {dims[name] for name in eq.pointwise_operands()} - {"1"}
    if len(sizes) > 1:
        raise ValueError(f"cell {cell.name}: {eq.target} mixes sizes {sorted(sizes)}")
    return sizes.pop() if sizes else "1"


def resolve_activations(
    spec: tuple[Equation, ...], slots: tuple[ActivationSlot, ...]
) -> tuple[Equation, ...]:
    """``spec`` with every slot's placeholder replaced by the slot's activation."""
    resolved = []
    for eq in spec:
        expr = eq.pointwise
        for slot in slots:
            expr = expr.replace(slot_function(slot.name), ACTIVATIONS[slot.activation].function)
        resolved.append(dataclasses.replace(eq, pointwise=expr))
    return tuple(resolved)


def slotted_cell(
    *,
    name: str,
    description: str,
    params: tuple[Param, ...],
    states: tuple[State, ...],
    spec: tuple[Equation, ...],
    activations: tuple[ActivationSlot, ...],
    **options: object,
) -> Cell:
    """A cell whose equations are ``spec`` with the slots' default activations substituted."""
    return Cell(
        name=name,
        description=description,
        params=params,
        states=states,
        equations=resolve_activations(spec, activations),
        activations=activations,
        spec=spec,
        **options,  # type: ignore[arg-type]
    )


_VARIANTS: weakref.WeakKeyDictionary[Cell, dict[tuple[tuple[str, str, Activation], ...], Cell]] = (
    weakref.WeakKeyDictionary()
)


def with_activations(cell: Cell, choices: Mapping[str, str], *, field: str = "activations") -> Cell:
    """``cell`` with the activations of some slots replaced (``{"gate": "hard_sigmoid"}``).

    The result is cached, so the same choice gives the same cell (and its derived
    templates are reused).
    """
    slots = {slot.name: slot for slot in cell.activations}
    for slot_name, activation in choices.items():
        if slot_name not in slots:
            known = ", ".join(slots) or "none (this cell has no choosable activations)"
            raise InputError(
                f"{field}.{slot_name}",
                f"an activation slot of {cell.name}: {known}",
                repr(slot_name) + did_you_mean(slot_name, slots),
            )
        get_activation(activation, field=f"{field}.{slot_name}")
    if all(slots[k].activation == v for k, v in choices.items()):
        return cell
    # the records are part of the key: an activation registered again under its name is new
    key = tuple(sorted((k, v, ACTIVATIONS[v]) for k, v in choices.items()))
    variants = _VARIANTS.setdefault(cell, {})
    if key not in variants:
        chosen = tuple(
            dataclasses.replace(slot, activation=choices.get(slot.name, slot.activation))
            for slot in cell.activations
        )
        variant = dataclasses.replace(
            cell, equations=resolve_activations(cell.spec, chosen), activations=chosen
        )
        variants[key] = variant
    return variants[key]


#: The registered cells by name.
CELLS: Registry[Cell] = Registry(sort=True)


def register_cell(cell: Cell) -> Cell:
    """Add ``cell`` to the registry of cells (by its name)."""
    return CELLS.register(cell)


def get_cell(name: str, *, field: str = "cell") -> Cell:
    """The registered cell called ``name``, or an :class:`InputError` listing the known ones."""
    return CELLS.lookup(name, field=field)

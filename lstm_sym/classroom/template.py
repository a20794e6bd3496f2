"""Templates: a problem file whose numbers may be draws, and the class's settings.

A template is a problem file (docs/problem-files.md) in which any number, or the whole
value of a parameter or of a sequence's data, may be a draw (:mod:`.draws`); a sequence
may draw its number of steps (``steps = { choose = [2, 3] }``: its per-step lists, ``x``
and ``y``, are then cut to the steps drawn); and a ``[classroom]`` table says what is
asked (:mod:`.config`). A draw for a whole matrix or vector fills it entry by entry, in
the shape the cell and ``[sizes]`` give it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, describe
from ..problem import Problem, problem_from_dict, read_parameters, read_toml
from .config import ClassConfig
from .draws import Draw, Value, is_draw, read_draw, shape_values

CLASSROOM = "classroom"
STEPS = "steps"
#: The dimension of a per-step list: the sequence's number of steps.
T = "T"


@dataclass(frozen=True)
class Whole:
    """A draw standing for a whole value, and that value's dimensions (size names, ``T``)."""

    draw: Draw
    dims: tuple[str, ...]


@dataclass
class ClassTemplate:
    """A template read and checked: its data, its draws and the class's settings."""

    data: dict[str, Any]
    config: ClassConfig
    source: str | None = None
    #: every draw of a single number (or of a whole array chosen as one), by field
    draws: dict[str, Draw] = field(default_factory=dict)
    #: draws that fill a whole value entry by entry, by field
    wholes: dict[str, Whole] = field(default_factory=dict)
    #: the keys of a sequence that hold one entry per step
    per_step: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        title = self.data.get("title", "")
        return title if isinstance(title, str) else ""

    def realize(self, student: str, attempt: int, seed: str | None = None) -> dict[str, Any]:
        """The problem data (a problem file's dictionary) drawn for ``student`` at ``attempt``."""
        draw = _Drawing(self, self.config.seed if seed is None else seed, student, attempt)
        data = copy.deepcopy(self.data)
        sizes = data.get("sizes", {})
        data["parameters"] = {
            name: draw.walk(value, f"parameters.{name}", sizes)
            for name, value in data["parameters"].items()
        }
        for where, table in _sequence_tables(data):
            steps = table.pop(STEPS, None)
            if steps is not None:
                steps = int(draw.walk(steps, f"{where}.{STEPS}", sizes))
            dims = {**sizes, T: steps}
            for key in list(table):
                value = draw.walk(table[key], f"{where}.{key}", dims)
                if steps is not None and key in self.per_step and isinstance(value, list):
                    value = value[:steps]
                table[key] = value
        return data

    def problem(self, student: str, attempt: int, seed: str | None = None) -> Problem:
        """The drawn problem, read and validated as any problem file."""
        return problem_from_dict(self.realize(student, attempt, seed), source=self.source)


@dataclass(frozen=True)
class _Drawing:
    """One student's draw at one attempt."""

    template: ClassTemplate
    seed: str
    student: str
    attempt: int

    def walk(self, node: Any, where: str, sizes: Mapping[str, Any]) -> Any:
        if is_draw(node):
            whole = self.template.wholes.get(where)
            if whole is None:
                return self.template.draws[where].pick(self.seed, self.student, self.attempt)
            shape = [int(sizes[dim]) for dim in whole.dims]
            value = shape_values(whole.draw, shape, self.seed, self.student, self.attempt)
            return squeeze(value, whole.dims)
        if isinstance(node, list):
            return [self.walk(item, f"{where}[{k + 1}]", sizes) for k, item in enumerate(node)]
        return node


def squeeze(value: Value, dims: tuple[str, ...]) -> Value:
    """An array in the plainest form a problem file accepts (1×1: a number; 1×d: a row)."""
    if dims and dims[0] == T:
        return [squeeze(row, dims[1:]) for row in value]
    if len(dims) == 1:
        return value[0] if len(value) == 1 else value
    if len(dims) == 2 and len(value) == 1:
        return squeeze(value[0], dims[1:])
    if len(dims) == 2 and all(len(row) == 1 for row in value):
        return [row[0] for row in value]
    return value


def _sequence_tables(data: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    sequences = data.get("sequence")
    if isinstance(sequences, dict):
        return [("sequence", sequences)]
    if isinstance(sequences, list) and all(isinstance(s, dict) for s in sequences):
        return [(f"sequence[{b + 1}]", s) for b, s in enumerate(sequences)]
    return []  # the problem reader says what is wrong


def load_template(path: str | Path) -> ClassTemplate:
    """Read a template file (TOML); errors name the file and the field."""
    return template_from_dict(read_toml(path), source=str(path))


def template_from_dict(raw: Mapping[str, Any], *, source: str | None = None) -> ClassTemplate:
    """A template from a problem file's dictionary with draws and a ``[classroom]`` table."""
    try:
        return _read(raw, source)
    except InputError as error:
        raise (error.located(source) if source else error) from None


def _read(raw: Mapping[str, Any], source: str | None) -> ClassTemplate:
    data = copy.deepcopy(dict(raw))
    if CLASSROOM not in data:
        raise InputError(CLASSROOM, "a [classroom] table saying what is asked", "nothing")
    template = ClassTemplate(data, ClassConfig.read(data.pop(CLASSROOM)), source)
    if not isinstance(data.get("parameters"), dict):
        found = describe(data["parameters"]) if "parameters" in data else "nothing"
        raise InputError("parameters", "a table of the cell's parameters", found)
    fields = [(f"parameters.{name}", value) for name, value in data["parameters"].items()]
    for where, table in _sequence_tables(data):
        fields += [(f"{where}.{key}", value) for key, value in table.items()]
    for where, value in fields:
        _find(template, value, where)
    dims = _dimensions(data, template)
    for where, table in _sequence_tables(data):
        _check_steps(template, table.get(STEPS), f"{where}.{STEPS}")
    for where, value in fields:
        _whole(template, data, where, value, dims)
    template.problem(student="", attempt=0)  # a draw must read as a problem
    return template


def _find(template: ClassTemplate, node: Any, where: str) -> None:
    """Record every draw in ``node`` (a value of the template) by its field."""
    if is_draw(node):
        template.draws[where] = read_draw(node, where)
    elif isinstance(node, list):
        for k, item in enumerate(node):
            _find(template, item, f"{where}[{k + 1}]")


def _check_steps(template: ClassTemplate, steps: Any, where: str) -> None:
    if steps is None:
        return
    if is_draw(steps):
        values = template.draws[where].values
        if all(not isinstance(v, list) and v.q == 1 and v >= 1 for v in values):
            return
    elif not isinstance(steps, bool) and isinstance(steps, int) and steps >= 1:
        return
    raise InputError(where, "a whole number of steps, or a draw of them", describe(steps))


def _dimensions(data: Mapping[str, Any], template: ClassTemplate) -> dict[str, tuple[str, ...]]:
    """The dimensions of every parameter and of a sequence's per-step lists and states."""
    from ..spec.losses import get_loss

    probe = {key: data[key] for key in ("cell", "head", "activations") if key in data}
    probe["parameters"] = dict.fromkeys(data["parameters"], 0)
    cell = read_parameters(probe).cell
    loss_name = data.get("loss", "half_sse")
    loss = get_loss(loss_name if isinstance(loss_name, str) else "half_sse")
    template.per_step = (cell.input, loss.data)
    output = cell.quantity_dims().get(cell.output, "n")
    dims: dict[str, tuple[str, ...]] = {p.name: tuple(p.shape) for p in cell.params}
    dims[cell.input] = (T, cell.input_size)
    dims[loss.data] = (T, output)
    for state in cell.states:
        dims[f"{state.name}_0"] = dims[f"{state.name}0"] = (state.size,)
    return dims


def _whole(
    template: ClassTemplate,
    data: Mapping[str, Any],
    where: str,
    value: Any,
    dims: Mapping[str, tuple[str, ...]],
) -> None:
    """Record a draw of numbers standing for a whole array, with the array's dimensions."""
    key = where.rpartition(".")[2]
    if not is_draw(value) or key == STEPS or not template.draws[where].scalar:
        return
    if key not in dims:
        raise InputError(where, "a number or an array (draw its entries)", "a draw")
    shape = dims[key]
    sizes = data.get("sizes", {})
    absent = [dim for dim in shape if dim != T and dim != "1" and dim not in sizes]
    if absent:
        raise InputError(
            where,
            f"[sizes] to give {', '.join(d for d in shape if d != T)} (a draw for a whole "
            "array fills it entry by entry; or draw each entry inside a list)",
            f"no {absent[0]} in [sizes]",
        )
    if T in shape and STEPS not in _table_of(data, where):
        raise InputError(where, "steps in its sequence (a draw for a whole per-step list)", "none")
    if not shape or (len(shape) == 1 and sizes.get(shape[0]) == 1):
        return  # one number: a plain draw
    template.wholes[where] = Whole(template.draws.pop(where), shape)


def _table_of(data: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    head = where.rpartition(".")[0]
    return next((table for w, table in _sequence_tables(data) if w == head), {})

"""Problems: a cell, a loss, exact parameter values and one or more sequences.

:func:`load_problem` reads a TOML problem file (see ``docs/problem-files.md``);
:func:`problem_from_dict` validates the same structure built in Python. Every number is
kept exact (``0.2`` is 1/5) and every mistake is reported as an
:class:`~lstm_sym.errors.InputError` naming the field, what was expected and what was found.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy

from ..choices import Framework
from ..errors import InputError, did_you_mean
from ..frameworks.layouts import NATIVE
from ..limits import check
from ..spec.cells import Cell, get_cell, with_activations
from ..spec.custom.lower import parse_cell
from ..spec.dims import Dim
from ..spec.heads import HEADS, with_head
from ..spec.losses import get_loss
from .arrays import describe_raw, exact_matrix, exact_vector
from .data import Matrix, Parameters, Problem, Sequence, Vector
from .parameters import LAYOUT_KEY, framework_parameters, table_values
from .sizes import Sizes, cell_dims, infer_sizes
from .toml import parse_toml, read_toml
from .training import read_training

#: What one step costs beyond its multiply-adds, in multiply-adds (measured: a step of a
#: one-unit LSTM costs about as much as 32 more parameter numbers), for the ``work`` limit.
STEP_OVERHEAD = 32

#: The string that marks a step without a target (no loss term at that step).
NO_TARGET = "none"

#: Keys of a custom cell's ``[cell]`` table.
_CELL_KEYS = ("name", "description", "equations", "input", "output", "dims")

_TOP_KEYS = (
    "title",
    "course",
    "author",
    "description",
    "cell",
    "activations",
    "head",
    "loss",
    "sizes",
    "parameters",
    "sequence",
    "flow",  # read by lstm_sym.flow (the cells to compare); see docs/flow.md
    "training",  # one optimizer step (problem/training.py)
)

__all__ = [
    "NO_TARGET",
    "STEP_OVERHEAD",
    "load_problem",
    "loads_problem",
    "problem_from_dict",
    "read_parameters",
]


def load_problem(path: str | Path, *, cell: str | None = None) -> Problem:
    """Read and validate a TOML problem file (``cell``: the cell when the file names none)."""
    return problem_from_dict(read_toml(path), source=str(path), cell=cell)


def loads_problem(text: str, *, source: str | None = None, cell: str | None = None) -> Problem:
    """Validate a problem given as TOML text."""
    return problem_from_dict(parse_toml(text, source=source), source=source, cell=cell)


def problem_from_dict(
    data: Mapping[str, Any], *, source: str | None = None, cell: str | None = None
) -> Problem:
    """Validate a problem given as a dictionary (the structure of a problem file).

    ``cell`` names the cell when the data does not (the command line's ``--cell``).
    """
    try:
        return _Reader(data, cell, source).problem(source)
    except InputError as error:
        raise (error.located(source) if source else error) from None


def read_parameters(
    data: Mapping[str, Any], *, source: str | None = None, cell: str | None = None
) -> Parameters[Matrix | Vector]:
    """The cell and parameters of a problem file or a parameters-only fragment (no sequences)."""
    try:
        reader = _Reader(data, cell, source)
        seq = data.get("sequence")
        seq_list = [seq] if isinstance(seq, Mapping) else seq if isinstance(seq, list) else []
        values = reader.parameters([s for s in seq_list if isinstance(s, Mapping)])
    except InputError as error:
        raise (error.located(source) if source else error) from None
    return Parameters(
        reader.cell,
        values,
        dict(reader.sizes.values),
        reader.layout,
        reader.parameters_file,
        gates=reader.gates,
    )


def _check_keys(table: Mapping[str, Any], allowed: list[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            field = f"{where}.{key}" if where else key
            raise InputError(
                field,
                f"one of {', '.join(allowed)}",
                f"unknown key {key!r}{did_you_mean(key, allowed)}",
            )


class _Reader:
    """Validates the dictionary form of a problem, keeping track of where sizes came from."""

    def __init__(self, data: Mapping[str, Any], cell: str | None, source: str | None = None):
        if not isinstance(data, Mapping):
            raise InputError("problem", "a table", type(data).__name__)
        self.data = data
        _check_keys(data, list(_TOP_KEYS), "")
        self.head = data.get("head", "none")
        if not isinstance(self.head, str):
            raise InputError("head", f"a head name ({', '.join(HEADS)})", describe_raw(self.head))
        self.layout: Framework = NATIVE
        self.parameters_file: str | None = None
        self.gates = ""
        self.params_raw = data.get("parameters")
        base = self._cell(data.get("cell"), cell, source)
        activations = data.get("activations", {})
        if not isinstance(activations, Mapping):
            raise InputError(
                "activations", 'a table such as {gate = "hard_sigmoid"}', describe_raw(activations)
            )
        self.cell = with_head(with_activations(base, activations), self.head)
        loss_name = data.get("loss", "half_sse")
        if not isinstance(loss_name, str):
            raise InputError("loss", "a loss name", describe_raw(loss_name))
        self.loss = get_loss(loss_name)
        self._check_loss_names()
        self.sizes = Sizes()

    # -- cell and parameters -------------------------------------------------------------
    def _cell(self, raw: Any, option: str | None, source: str | None) -> Cell:
        """The cell (built-in, inferred from framework arrays, or custom) before head and activations."""
        table = self.params_raw if isinstance(self.params_raw, Mapping) else None
        base = Path(source).parent if source else None
        if isinstance(raw, Mapping):
            return self._custom_cell(raw, option, table, base)
        if raw is not None and not isinstance(raw, str):
            raise InputError(
                "cell", "a cell name or a [cell] table of equations", describe_raw(raw)
            )
        if option is not None and raw is not None and option != raw:
            raise InputError(
                "cell", f"the cell given with --cell ({option!r})", f"{raw!r} in the file"
            )
        name = raw if raw is not None else option
        if name is not None:
            get_cell(name)
        if table is None:
            return get_cell(name or "lstm")
        spec = HEADS.get(self.head)
        head = frozenset(spec.param_names) if spec is not None else frozenset()
        given = framework_parameters(table, name, base=base, extra=head)
        self.params_raw, self.layout, self.parameters_file = given.values, given.layout, given.file
        self.gates = given.gates
        return given.cell

    def _custom_cell(
        self,
        raw: Mapping[str, Any],
        option: str | None,
        table: Mapping[str, Any] | None,
        base: Path | None,
    ) -> Cell:
        """A ``[cell]`` table of equations, its parameters named by the ``[parameters]`` table."""
        name = raw.get("name", "custom")
        if option is not None and option != name:
            raise InputError(
                "cell",
                f"the cell given with --cell ({option!r})",
                f"the custom cell {name!r} in the file",
            )
        names: list[str] = []
        if table is not None:
            if table.get(LAYOUT_KEY, NATIVE) != NATIVE:
                raise InputError(
                    "parameters.layout", f"{NATIVE} for a custom cell", repr(table[LAYOUT_KEY])
                )
            self.params_raw, self.parameters_file = table_values(table, NATIVE, base=base)
            names = list(self.params_raw)
        _check_keys(raw, list(_CELL_KEYS), "cell")
        return parse_cell(
            raw.get("equations", ()),
            parameters=names,
            name=name,
            description=raw.get("description", ""),
            input=raw.get("input", "x"),
            output=raw.get("output"),
            dims=raw.get("dims"),
        )

    def _check_loss_names(self) -> None:
        cell = self.cell
        loss_names = {eq.target for eq in self.loss.step(cell.output, sympy.S.One)}
        loss_names.add(self.loss.data)
        cell_names = {p.name for p in cell.params} | {eq.target for eq in cell.equations}
        cell_names |= {cell.input} | {state.prev for state in cell.states}
        clash = sorted(loss_names & cell_names)
        if clash:
            raise InputError(
                "loss",
                f"a loss whose names ({', '.join(sorted(loss_names))}) the cell does not use",
                f"{clash[0]!r} in the cell {cell.name}",
            )

    def _infer_sizes(self, params: Mapping[str, Any], sequences: list[Mapping[str, Any]]) -> None:
        table = self.data.get("sizes", {})
        if not isinstance(table, Mapping):
            raise InputError("sizes", "a table such as {n = 2, d = 3}", describe_raw(table))
        _check_keys(table, cell_dims(self.cell), "sizes")
        for dim, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"sizes.{dim}", "a positive integer", describe_raw(value))
        self.sizes = infer_sizes(self.cell, table, params, sequences)

    # -- values ------------------------------------------------------------------------
    def _steps(
        self, raw: Any, field: str, dim: Dim, *, optional: bool, steps: int | None
    ) -> tuple[Vector | None, ...]:
        if not isinstance(raw, list):
            raise InputError(field, "a list with one entry per time step", describe_raw(raw))
        if not raw:
            raise InputError(field, "at least one time step", "an empty list")
        check("steps", len(raw), field, "at most {limit} time steps")
        if steps is not None and len(raw) != steps:
            raise InputError(
                field, f"{steps} entries (one per time step of x)", f"{len(raw)} entries"
            )
        out: list[Vector | None] = []
        for t, item in enumerate(raw):
            where = f"{field}[{t + 1}]"
            if optional and isinstance(item, str) and item.strip().lower() == NO_TARGET:
                out.append(None)
            else:
                out.append(exact_vector(item, where, dim, self.sizes))
        return tuple(out)

    def problem(self, source: str | None) -> Problem:
        seq_raw = self.data.get("sequence")
        if isinstance(seq_raw, Mapping):
            seq_list = [seq_raw]
        elif isinstance(seq_raw, list) and seq_raw and all(isinstance(s, Mapping) for s in seq_raw):
            seq_list = seq_raw
        else:
            raise InputError(
                "sequence",
                "a [sequence] table or [[sequence]] tables",
                describe_raw(seq_raw) if seq_raw is not None else "nothing",
            )
        check("sequences", len(seq_list), "sequence", "at most {limit} sequences")
        params_raw = self._check_parameter_table()
        self._infer_sizes(params_raw, seq_list)
        self._check_work(seq_list)  # from the lists' lengths, before any number is read
        params = self._values(params_raw)
        sequences = tuple(self._sequence(seq, b) for b, seq in enumerate(seq_list))
        steps = sum(seq.steps for seq in sequences)
        per_step = sum(_count(value) for value in params.values()) + STEP_OVERHEAD
        _check_work(steps, per_step)
        for key in ("title", "course", "author", "description"):
            if not isinstance(self.data.get(key, ""), str):
                raise InputError(key, "a string", describe_raw(self.data[key]))
        problem = Problem(
            cell=self.cell,
            loss=self.loss,
            sizes=dict(self.sizes.values),
            params=params,
            sequences=sequences,
            title=self.data.get("title", ""),
            course=self.data.get("course", ""),
            author=self.data.get("author", ""),
            description=self.data.get("description", ""),
            source=source,
            layout=self.layout,
            head=self.head,
            parameters_file=self.parameters_file,
            gates=self.gates,
            training=read_training(self.data["training"]) if "training" in self.data else None,
        )
        if problem.training is not None:
            problem.refuse_gradients("training")
        return problem

    def _check_parameter_table(self) -> Mapping[str, Any]:
        params_raw = self.params_raw
        if not isinstance(params_raw, Mapping):
            raise InputError(
                "parameters",
                "a table of the cell's parameters",
                describe_raw(params_raw) if params_raw is not None else "nothing",
            )
        names = [p.name for p in self.cell.params]
        _check_keys(params_raw, names, "parameters")
        for name in names:
            if name not in params_raw:
                raise InputError(
                    f"parameters.{name}",
                    f"a value (the {self.cell.name} cell needs {', '.join(names)})",
                    "nothing",
                )
        return params_raw

    def parameters(self, seq_list: list[Mapping[str, Any]]) -> dict[str, Matrix | Vector]:
        """The validated parameters (sizes inferred from them and from the sequences' x)."""
        params_raw = self._check_parameter_table()
        self._infer_sizes(params_raw, seq_list)
        return self._values(params_raw)

    def _check_work(self, seq_list: list[Mapping[str, Any]]) -> None:
        """Refuse too many steps or too much work, judged from the raw lists' lengths.

        Reading a number costs far more than counting it: a file far beyond a limit is
        refused before its numbers are read.
        """
        steps = 0
        for b, seq in enumerate(seq_list):
            x = seq.get(self.cell.input)
            if isinstance(x, list):
                where = f"sequence[{b + 1}].{self.cell.input}"
                check("steps", len(x), where, "at most {limit} time steps")
                steps += len(x)
        per_step = STEP_OVERHEAD + sum(
            math.prod(self.sizes.of(dim) for dim in param.shape) for param in self.cell.params
        )
        _check_work(steps, per_step)

    def _values(self, params_raw: Mapping[str, Any]) -> dict[str, Matrix | Vector]:
        """Each parameter's numbers, read and checked against the inferred sizes."""
        params: dict[str, Matrix | Vector] = {}
        for param in self.cell.params:
            field = f"parameters.{param.name}"
            if param.is_matrix:
                params[param.name] = exact_matrix(
                    params_raw[param.name], field, param.shape, self.sizes
                )
            else:
                params[param.name] = exact_vector(
                    params_raw[param.name], field, param.shape[0], self.sizes
                )
        return params

    def _sequence(self, raw: Mapping[str, Any], b: int) -> Sequence:
        where = f"sequence[{b + 1}]"
        states = self.cell.states
        aliases = {f"{s.name}_0": s.name for s in states} | {f"{s.name}0": s.name for s in states}
        terminal_keys = (
            {f"dL_d{s.name}_T": s.name for s in states} if self.loss.gradient_given else {}
        )
        allowed = [self.cell.input, self.loss.data_key, *aliases, *terminal_keys]
        _check_keys(raw, allowed, where)
        if self.cell.input not in raw:
            raise InputError(
                f"{where}.{self.cell.input}", "the inputs, one per time step", "nothing"
            )
        x = self._steps(
            raw[self.cell.input],
            f"{where}.{self.cell.input}",
            self.cell.input_size,
            optional=False,
            steps=None,
        )
        key = self.loss.data_key
        output_dim = self.cell.quantity_dims()[self.cell.output]
        if key in raw and self.loss.target == "class":
            targets = self._labels(raw[key], f"{where}.{key}", output_dim, steps=len(x))
        elif key in raw:
            targets = self._steps(
                raw[key], f"{where}.{key}", output_dim, optional=True, steps=len(x)
            )
        else:  # no targets: a forward-only sequence (docs/problem-files.md)
            targets = (None,) * len(x)
        initial: dict[str, Vector] = {}
        for alias, state in aliases.items():
            if alias in raw:
                if state in initial:
                    raise InputError(
                        f"{where}.{alias}",
                        f"one initial value for {state}",
                        "two (with and without '_')",
                    )
                initial[state] = exact_vector(
                    raw[alias], f"{where}.{alias}", self._state_dim(state), self.sizes
                )
        for spec in states:
            initial.setdefault(spec.name, (sympy.S.Zero,) * self.sizes.of(spec.size))
        terminal = {
            state: exact_vector(raw[k], f"{where}.{k}", self._state_dim(state), self.sizes)
            for k, state in terminal_keys.items()
            if k in raw
        }
        return Sequence(x=x, targets=targets, initial=initial, terminal=terminal)  # type: ignore[arg-type]

    def _labels(self, raw: Any, field: str, dim: Dim, *, steps: int) -> tuple[Vector | None, ...]:
        """Class labels (0-based, as in PyTorch and Keras) as one-hot vectors."""
        if not isinstance(raw, list) or len(raw) != steps:
            raise InputError(
                field,
                f"{steps} class labels (one per time step; {NO_TARGET!r} for none)",
                describe_raw(raw),
            )
        size = self.sizes.of(dim)
        out: list[Vector | None] = []
        for t, item in enumerate(raw):
            if isinstance(item, str) and item.strip().lower() == NO_TARGET:
                out.append(None)
                continue
            if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < size:
                raise InputError(
                    f"{field}[{t + 1}]",
                    f"a class index from 0 to {size - 1} ({self.sizes.explain(dim)})",
                    describe_raw(item),
                )
            out.append(tuple(sympy.S.One if k == item else sympy.S.Zero for k in range(size)))
        return tuple(out)

    def _state_dim(self, name: str) -> Dim:
        return next(s.size for s in self.cell.states if s.name == name)


def _check_work(steps: int, per_step: int) -> None:
    """Refuse a pass of more multiply-adds than the ``work`` limit allows."""
    check(
        "work",
        steps * per_step,
        "problem",
        "at most {limit} multiply-adds per pass (steps × parameter numbers)",
        found=f"{steps:,} steps × {per_step:,} = {steps * per_step:,}",
    )


def _count(value: Matrix | Vector) -> int:
    """How many numbers a parameter holds."""
    return sum(len(row) if isinstance(row, tuple) else 1 for row in value)

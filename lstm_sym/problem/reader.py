"""Problems: a cell, a loss, exact parameter values and one or more sequences.

:func:`load_problem` reads a TOML problem file (see ``docs/problem-files.md``);
:func:`problem_from_dict` validates the same structure built in Python. Every number is
kept exact (``0.2`` is 1/5) and every mistake is reported as an
:class:`~lstm_sym.errors.InputError` naming the field, what was expected and what was found.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sympy

from ..errors import InputError, describe, did_you_mean
from ..files import read_regular
from ..frameworks.layouts import FRAMEWORKS, NATIVE, describe_layout
from ..frameworks.weights import LAYOUT_KEY, framework_parameters
from ..limits import LimitError, check, limit
from ..numbers import parse_number
from ..spec.cells import Cell, get_cell, with_activations
from ..spec.custom.lower import parse_cell
from ..spec.heads import HEADS, with_head
from ..spec.losses import Loss, get_loss
from .tomlhints import toml_error

Vector = tuple[sympy.Rational, ...]
Matrix = tuple[Vector, ...]

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
)


@dataclass(frozen=True)
class Sequence:
    """One input sequence with its loss data and initial states."""

    x: tuple[Vector, ...]
    #: per step: the loss data (target y, or ∂L/∂h for the upstream loss), or None
    targets: tuple[Vector | None, ...]
    #: state name -> initial value
    initial: Mapping[str, Vector]
    #: state name -> ∂L/∂(final state), for the upstream loss
    terminal: Mapping[str, Vector] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.x)


@dataclass(frozen=True, eq=False)
class Problem:
    """A fully validated problem: everything needed to unroll and evaluate."""

    cell: Cell
    loss: Loss
    sizes: Mapping[str, int]
    params: Mapping[str, Matrix | Vector]
    sequences: tuple[Sequence, ...]
    title: str = ""
    course: str = ""
    author: str = ""
    description: str = ""
    source: str | None = None
    #: the layout the parameters were given in ("lstm_sym", "pytorch", "keras", ...)
    layout: str = NATIVE
    #: the output head (a name in :data:`~lstm_sym.spec.heads.HEADS`: "none", "linear")
    head: str = "none"
    #: the file the parameters were read from, if any
    parameters_file: str | None = None

    def __repr__(self) -> str:
        return f"<Problem {self.synopsis}>"

    @property
    def synopsis(self) -> str:
        """One line: cell, loss, sizes, steps, batch (and layout, head when not the default)."""
        sizes = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()))
        steps = "/".join(map(str, sorted({seq.steps for seq in self.sequences})))
        text = f"{self.cell.name}, loss={self.loss.name}, {sizes}, T={steps}, B={self.batch}"
        if self.head != "none":
            text += f", head={self.head}"
        if self.layout != NATIVE:
            text += f", layout={self.layout}"
        return text

    @property
    def batch(self) -> int:
        return len(self.sequences)

    @property
    def target_count(self) -> int:
        """How many steps have a target (the N of a per-label mean)."""
        return sum(1 for seq in self.sequences for y in seq.targets if y is not None)

    @property
    def conventions(self) -> tuple[tuple[str, str], ...]:
        """(topic, statement) pairs a sheet states: cell, its conventions, activations, layout, loss."""
        cell = self.cell
        items = [("cell", f"{cell.name}: {cell.description}")]
        if cell.reference:
            items.append(("reference", cell.reference))
        items.extend(cell.conventions)
        if cell.activations:
            chosen = ", ".join(f"{slot.name}: {slot.activation}" for slot in cell.activations)
            items.append(("activations", chosen))
        given = describe_layout(self.layout, cell) if self.layout != NATIVE else FRAMEWORKS[NATIVE]
        if self.parameters_file:
            given += f" (read from {self.parameters_file})"
        items.append(("parameters", given))
        items.append(("loss", f"{self.loss.name}: {self.loss.description}"))
        return tuple(items)

    @property
    def target_elements(self) -> int:
        """How many target numbers the loss compares (the N of a mean)."""
        return sum(len(y) for seq in self.sequences for y in seq.targets if y is not None)

    @property
    def loss_scale(self) -> sympy.Rational:
        count = self.target_count if self.loss.count == "targets" else self.target_elements
        return self.loss.scale_for(max(count, 1))

    def seq_label(self, b: int) -> int | None:
        """The sequence number used in names (``None`` when there is only one sequence)."""
        return b + 1 if self.batch > 1 else None


def read_toml(path: str | Path) -> dict[str, Any]:
    """The data of a TOML file, every float kept as an exact ``Decimal``."""
    path = Path(path)
    most = limit("file_bytes")
    try:
        data = read_regular(path, most + 1)  # never a FIFO or a device
        text = data[:most].decode("utf-8")
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name, or not UTF-8
        found = f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}"[:200]
        raise InputError("file", "a readable UTF-8 text file", found, source=str(path)) from None
    if len(data) > most:
        raise LimitError(
            "file_bytes", "file", f"a file of at most {most} bytes", "a larger file"
        ).located(str(path))
    return parse_toml(text, source=str(path))


def parse_toml(text: str, *, source: str | None = None) -> dict[str, Any]:
    """Parse TOML text, floats as exact ``Decimal`` s; errors become :class:`InputError`."""
    if len(text) > limit("file_bytes"):
        raise LimitError(
            "file_bytes", "TOML", f"at most {limit('file_bytes')} characters", f"{len(text):,}"
        ).located(source or "text")
    try:
        return tomllib.loads(text, parse_float=_toml_float)
    except tomllib.TOMLDecodeError as error:
        raise toml_error(str(error), text, source) from None
    except (RecursionError, ValueError) as error:  # pathological nesting or numbers
        found = str(error) if isinstance(error, ValueError) else type(error).__name__
        raise InputError("TOML", "valid TOML", found, source=source) from None


def _toml_float(text: str) -> Decimal:
    """A TOML float as an exact Decimal (an exponent Decimal cannot hold is a ValueError)."""
    try:
        return Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation: 1e99999999999999999999
        raise ValueError(
            f"the number {text[:40]} (beyond the limit number_exponent={limit('number_exponent')})"
        ) from None


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


@dataclass(frozen=True)
class Parameters:
    """A cell's validated parameter values, without sequences (see :func:`read_parameters`)."""

    cell: Cell
    values: Mapping[str, Matrix | Vector]
    sizes: Mapping[str, int]
    layout: str = NATIVE
    file: str | None = None


def read_parameters(
    data: Mapping[str, Any], *, source: str | None = None, cell: str | None = None
) -> Parameters:
    """The cell and parameters of a problem file or a parameters-only fragment (no sequences)."""
    try:
        reader = _Reader(data, cell, source)
        seq = data.get("sequence")
        seq_list = [seq] if isinstance(seq, Mapping) else seq if isinstance(seq, list) else []
        values = reader.parameters([s for s in seq_list if isinstance(s, Mapping)])
    except InputError as error:
        raise (error.located(source) if source else error) from None
    return Parameters(
        reader.cell, values, dict(reader.sizes), reader.layout, reader.parameters_file
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


def _describe(raw: Any) -> str:
    if isinstance(raw, list):
        if raw and all(isinstance(r, list) for r in raw):
            lengths = sorted({len(r) for r in raw})
            if len(lengths) == 1:
                return f"a {len(raw)}×{lengths[0]} nested list"
            return f"a nested list with rows of lengths {lengths}"
        return f"a list of {len(raw)} entries"
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return f"the number {describe(raw)}"
    text = describe(raw)
    return text if len(text) < 40 else type(raw).__name__


def _array(
    raw: Any, field: str
) -> sympy.Rational | list[sympy.Rational] | list[list[sympy.Rational]]:
    """A number, a flat list of numbers or a rectangular list of lists of numbers."""
    if not isinstance(raw, list):
        return parse_number(raw, field)
    if not raw:
        raise InputError(field, "a number or a non-empty list of numbers", "an empty list")
    if all(not isinstance(item, list) for item in raw):
        return [parse_number(item, f"{field}[{k + 1}]") for k, item in enumerate(raw)]
    if not all(isinstance(item, list) for item in raw):
        raise InputError(
            field, "a list of numbers or a list of rows", "a list mixing numbers and lists"
        )
    width = len(raw[0])
    rows = []
    for r, row in enumerate(raw):
        if len(row) != width or not row:
            raise InputError(
                field,
                f"rows of equal, non-zero length {width}",
                f"row {r + 1} of length {len(row)}",
            )
        if any(isinstance(item, list) for item in row):
            raise InputError(field, "at most two levels of lists", "a deeper nesting")
        rows.append([parse_number(item, f"{field}[{r + 1},{c + 1}]") for c, item in enumerate(row)])
    return rows


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value),)
    return ()


class _Reader:
    """Validates the dictionary form of a problem, keeping track of where sizes came from."""

    def __init__(self, data: Mapping[str, Any], cell: str | None, source: str | None = None):
        if not isinstance(data, Mapping):
            raise InputError("problem", "a table", type(data).__name__)
        self.data = data
        _check_keys(data, list(_TOP_KEYS), "")
        self.head = data.get("head", "none")
        if not isinstance(self.head, str):
            raise InputError("head", f"a head name ({', '.join(HEADS)})", _describe(self.head))
        self.layout: str = NATIVE
        self.parameters_file: str | None = None
        self.params_raw = data.get("parameters")
        base = self._cell(data.get("cell"), cell, source)
        activations = data.get("activations", {})
        if not isinstance(activations, Mapping):
            raise InputError(
                "activations", 'a table such as {gate = "hard_sigmoid"}', _describe(activations)
            )
        self.cell = with_head(with_activations(base, activations), self.head)
        loss_name = data.get("loss", "half_sse")
        if not isinstance(loss_name, str):
            raise InputError("loss", "a loss name", _describe(loss_name))
        self.loss = get_loss(loss_name)
        self._check_loss_names()
        self.sizes: dict[str, int] = {}
        self.size_source: dict[str, str] = {}

    # -- cell and parameters -------------------------------------------------------------
    def _cell(self, raw: Any, option: str | None, source: str | None) -> Cell:
        """The cell (built-in, inferred from framework arrays, or custom) before head and activations."""
        head = HEADS.get(self.head)
        head_params = frozenset(head.param_names) if head is not None else frozenset()
        table = self.params_raw if isinstance(self.params_raw, Mapping) else None
        base = Path(source).parent if source else None
        if isinstance(raw, Mapping):
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
                given = framework_parameters(table, "custom", base=base, extra=head_params)
                self.params_raw, self.parameters_file = given.params, given.file
                names = list(given.params)
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
        if raw is not None and not isinstance(raw, str):
            raise InputError("cell", "a cell name or a [cell] table of equations", _describe(raw))
        if option is not None and raw is not None and option != raw:
            raise InputError(
                "cell", f"the cell given with --cell ({option!r})", f"{raw!r} in the file"
            )
        name = raw if raw is not None else option
        if name is not None:
            get_cell(name)
        if table is not None:
            given = framework_parameters(table, name, base=base, extra=head_params)
            self.params_raw, self.layout, self.parameters_file = (
                given.params,
                given.layout,
                given.file,
            )
            name = given.cell
        return get_cell(name or "lstm")

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

    # -- sizes -------------------------------------------------------------------------
    def _set_size(self, dim: str, value: int, source: str) -> None:
        if dim == "1" or dim in self.sizes:
            return
        if value < 1:
            raise InputError(source, f"a size between 1 and {limit('size')}", str(value))
        check("size", value, source, "a size between 1 and {limit}")
        self.sizes[dim] = value
        self.size_source[dim] = source

    def _infer_sizes(self, params: Mapping[str, Any], sequences: list[Mapping[str, Any]]) -> None:
        table = self.data.get("sizes", {})
        if not isinstance(table, Mapping):
            raise InputError("sizes", "a table such as {n = 2, d = 3}", _describe(table))
        cell = self.cell  # a custom cell's states and output may have sizes no parameter has
        dims = sorted(
            (
                {d for p in cell.params for d in p.shape}
                | {cell.input_size, cell.quantity_dims()[cell.output]}
                | {s.size for s in cell.states}
            )
            - {"1"}
        )
        _check_keys(table, dims, "sizes")
        for dim, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"sizes.{dim}", "a positive integer", _describe(value))
            self._set_size(dim, value, f"sizes.{dim}")
        for b, seq in enumerate(sequences):
            x = seq.get("x")
            if isinstance(x, list) and x:
                first = x[0]
                self._set_size(
                    self.cell.input_size,
                    len(first) if isinstance(first, list) else 1,
                    f"sequence[{b + 1}].x",
                )
        for param in self.cell.params:  # vectors first: a transposed matrix then shows as one
            raw = params.get(param.name)
            shape = _raw_shape(raw)
            if raw is not None and not param.is_matrix and len(shape) <= 1:
                self._set_size(param.shape[0], shape[0] if shape else 1, f"parameters.{param.name}")
        for param in self.cell.params:
            raw = params.get(param.name)
            shape = _raw_shape(raw)
            if raw is not None and param.is_matrix and len(shape) == 2:
                self._set_size(param.shape[0], shape[0], f"parameters.{param.name}")
                self._set_size(param.shape[1], shape[1], f"parameters.{param.name}")
        for param in self.cell.params:  # flat lists and bare numbers in matrices: rows or columns
            raw = params.get(param.name)
            if raw is None:
                continue
            shape = _raw_shape(raw)
            if param.is_matrix and len(shape) <= 1:
                rows, cols = param.shape
                if not shape:
                    self._set_size(rows, 1, f"parameters.{param.name}")
                    self._set_size(cols, 1, f"parameters.{param.name}")
                elif self.sizes.get(rows) == 1 or rows not in self.sizes:
                    self._set_size(rows, 1, f"parameters.{param.name}")
                    self._set_size(cols, shape[0], f"parameters.{param.name}")
        missing = [d for d in dims if d not in self.sizes]
        if missing:
            raise InputError(
                f"sizes.{missing[0]}",
                "a size given or implied by the parameters",
                "nothing to infer it from",
            )

    def _dim_text(self, dim: str) -> str:
        if dim == "1":
            return "1"
        return f"{dim}={self.sizes[dim]} (from {self.size_source[dim]})"

    # -- values ------------------------------------------------------------------------
    def _matrix(self, raw: Any, field: str, rows_dim: str, cols_dim: str) -> Matrix:
        rows = 1 if rows_dim == "1" else self.sizes[rows_dim]
        cols = 1 if cols_dim == "1" else self.sizes[cols_dim]
        value = _array(raw, field)
        shape = _shape_of(value)
        expected = (
            f"a {rows}×{cols} matrix ({self._dim_text(rows_dim)}, {self._dim_text(cols_dim)})"
        )
        if shape == ():
            if rows == cols == 1:
                return ((value,),)
        elif len(shape) == 1:
            assert isinstance(value, list)
            if rows == 1 and shape[0] == cols:
                return (tuple(value),)
            if cols == 1 and shape[0] == rows:
                return tuple((v,) for v in value)
        elif shape == (rows, cols):
            return tuple(tuple(row) for row in value)
        found = _describe(raw)
        if rows != cols and shape == (cols, rows):
            found += (
                f" — it looks transposed ({cols_dim}×{rows_dim} instead of {rows_dim}×{cols_dim})"
            )
        raise InputError(field, expected, found)

    def _vector(self, raw: Any, field: str, dim: str) -> Vector:
        size = 1 if dim == "1" else self.sizes[dim]
        value = _array(raw, field)
        shape = _shape_of(value)
        if shape == () and size == 1:
            return (value,)
        if shape == (size,):
            return tuple(value)
        if shape == (size, 1):
            return tuple(row[0] for row in value)
        raise InputError(
            field, f"a vector of {size} numbers ({self._dim_text(dim)})", _describe(raw)
        )

    def _steps(
        self, raw: Any, field: str, dim: str, *, optional: bool, steps: int | None
    ) -> tuple[Vector | None, ...]:
        if not isinstance(raw, list):
            raise InputError(field, "a list with one entry per time step", _describe(raw))
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
                out.append(self._vector(item, where, dim))
        return tuple(out)

    def problem(self, source: str | None) -> Problem:
        self._check_parameter_table()
        seq_raw = self.data.get("sequence")
        if isinstance(seq_raw, Mapping):
            seq_list = [seq_raw]
        elif isinstance(seq_raw, list) and seq_raw and all(isinstance(s, Mapping) for s in seq_raw):
            seq_list = seq_raw
        else:
            raise InputError(
                "sequence",
                "a [sequence] table or [[sequence]] tables",
                _describe(seq_raw) if seq_raw is not None else "nothing",
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
                raise InputError(key, "a string", _describe(self.data[key]))
        return Problem(
            cell=self.cell,
            loss=self.loss,
            sizes=dict(self.sizes),
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
        )

    def _check_parameter_table(self) -> Mapping[str, Any]:
        params_raw = self.params_raw
        if not isinstance(params_raw, Mapping):
            raise InputError(
                "parameters",
                "a table of the cell's parameters",
                _describe(params_raw) if params_raw is not None else "nothing",
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
            math.prod(self._size(dim) for dim in param.shape) for param in self.cell.params
        )
        _check_work(steps, per_step)

    def _values(self, params_raw: Mapping[str, Any]) -> dict[str, Matrix | Vector]:
        """Each parameter's numbers, read and checked against the inferred sizes."""
        params: dict[str, Matrix | Vector] = {}
        for param in self.cell.params:
            field = f"parameters.{param.name}"
            if param.is_matrix:
                params[param.name] = self._matrix(params_raw[param.name], field, *param.shape)
            else:
                params[param.name] = self._vector(params_raw[param.name], field, param.shape[0])
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
        elif self.loss.gradient_given:
            targets = (None,) * len(x)
        else:
            raise InputError(
                f"{where}.{key}",
                f"the targets, one per time step ({NO_TARGET!r} where there is none)",
                "nothing",
            )
        initial: dict[str, Vector] = {}
        for alias, state in aliases.items():
            if alias in raw:
                if state in initial:
                    raise InputError(
                        f"{where}.{alias}",
                        f"one initial value for {state}",
                        "two (with and without '_')",
                    )
                initial[state] = self._vector(
                    raw[alias], f"{where}.{alias}", self._state_dim(state)
                )
        for spec in states:
            initial.setdefault(spec.name, (sympy.S.Zero,) * self._size(spec.size))
        terminal = {
            state: self._vector(raw[k], f"{where}.{k}", self._state_dim(state))
            for k, state in terminal_keys.items()
            if k in raw
        }
        return Sequence(x=x, targets=targets, initial=initial, terminal=terminal)  # type: ignore[arg-type]

    def _labels(self, raw: Any, field: str, dim: str, *, steps: int) -> tuple[Vector | None, ...]:
        """Class labels (0-based, as in PyTorch and Keras) as one-hot vectors."""
        if not isinstance(raw, list) or len(raw) != steps:
            raise InputError(
                field,
                f"{steps} class labels (one per time step; {NO_TARGET!r} for none)",
                _describe(raw),
            )
        size = self._size(dim)
        out: list[Vector | None] = []
        for t, item in enumerate(raw):
            if isinstance(item, str) and item.strip().lower() == NO_TARGET:
                out.append(None)
                continue
            if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < size:
                raise InputError(
                    f"{field}[{t + 1}]",
                    f"a class index from 0 to {size - 1} ({self._dim_text(dim)})",
                    _describe(item),
                )
            out.append(tuple(sympy.S.One if k == item else sympy.S.Zero for k in range(size)))
        return tuple(out)

    def _state_dim(self, name: str) -> str:
        return next(s.size for s in self.cell.states if s.name == name)

    def _size(self, dim: str) -> int:
        return 1 if dim == "1" else self.sizes[dim]


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


def _raw_shape(raw: Any) -> tuple[int, ...]:
    """The shape of raw (unparsed) data, without validating the numbers."""
    if isinstance(raw, list) and raw:
        first = raw[0]
        if isinstance(first, list):
            return (len(raw), len(first))
        return (len(raw),)
    return ()

"""Every reader of user input, with inputs to fuzz it: one registry for the tests and the long run.

A :class:`Reader` pairs a hypothesis strategy (structured inputs: valid shapes with bad
values, mixed with raw text or bytes) with a function that reads one input. The
property is the same for every reader (:func:`read_one`): the input is accepted, or it
is refused with an :class:`~lstm_sym.errors.LstmSymError`; nothing else may escape.
The command line reader also checks its contract: exit 0 or 2, on 2 exactly one line
``lstm-sym: error: ...`` on stderr, and no file written but the output it was given.

Adding a reader is one entry in :data:`READERS` (``tests/test_fuzz.py`` runs each with
at least 2,000 examples, ``benchmarks/fuzz.py`` with 100,000).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import importlib.util
import io
import math
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from cell_strategies import custom_cell_problems
from hypothesis import strategies as st

from lstm_sym import Model, lambdify
from lstm_sym.check import check
from lstm_sym.check.answers import answers_from_dict, loads_answers
from lstm_sym.check.checker import _entries
from lstm_sym.check.quantities import Catalogue
from lstm_sym.cli import main
from lstm_sym.convert import load
from lstm_sym.errors import LstmSymError
from lstm_sym.latex import Sheet
from lstm_sym.numbers import parse_number
from lstm_sym.problem import load_problem, loads_problem, problem_from_dict, read_toml
from lstm_sym.spec.activations import ACTIVATIONS
from lstm_sym.spec.cells import CELLS
from lstm_sym.spec.custom.lower import parse_cell
from lstm_sym.spec.losses import LOSSES

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
HW6_TEXT = HW6.read_text()
HW6_DATA = read_toml(HW6)
CUSTOM_DATA = read_toml(ROOT / "examples" / "custom_cell.toml")

#: A private directory for files the readers need (parameter files, CLI outputs).
WORK = Path(tempfile.mkdtemp(prefix="lstm-sym-fuzz-"))
atexit.register(shutil.rmtree, WORK, True)


@dataclass(frozen=True)
class Reader:
    """A reader of user input and the inputs to fuzz it with."""

    name: str
    inputs: st.SearchStrategy[Any]
    #: reads one input; raises LstmSymError for bad input, AssertionError for a broken
    #: contract; may return False for an input refused in another documented way (exit 2)
    read: Callable[[Any], object]
    #: examples in the test suite when fewer than the others (a slow reader); the long run
    #: (benchmarks/fuzz.py) gives every reader the same number
    examples_in_tests: int | None = None


def read_one(reader: Reader, value: Any) -> bool:
    """Read ``value``: True if accepted, False if refused with the documented error."""
    try:
        result = reader.read(value)
    except LstmSymError as error:
        message = str(error)
        assert message and "\n" not in message, f"not a one-line message: {message!r}"
        assert "Traceback" not in message
        return False
    return result is not False


# -- values that go wrong ------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('touch canary')",
    "lambda: 0",
    "().__class__.__bases__[0].__subclasses__()",
    "exec('1')",
    "eval('1')",
    "Symbol('x')",
    "sympify('1')",
    "1e999999",
    "1e-999999",
    "9" * 5000,
    "1/0",
    "nan",
    "-inf",
    "0x10",
    "1_000",
    "١٢",  # Arabic-Indic digits
    "²",
    "\\input{/etc/passwd}",
    "\\write18{touch canary}",
    "\\catcode`\\^^5c=12",
    "^^5cinput",
    "$x$",
    "%",
    "{",
    "}",
    "\x00",
    "\u202e",
    "",
    " ",
]

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=30) | st.text(
    alphabet="0123456789\u0660\u00b2_ ", min_size=1, max_size=5
)


@st.composite
def number_text(draw: st.DrawFn) -> str:
    """Text in (or just beside) the number grammar: decimals, exponents, fractions."""
    sign = draw(st.sampled_from(["", "-", "+", "--", " "]))
    if draw(st.integers(0, 4)) == 0:
        return f"{sign}{draw(DIGITS)} / {draw(DIGITS)}"
    text = sign + draw(DIGITS)
    if draw(st.booleans()):
        text += "." + draw(st.just("") | DIGITS)
    if draw(st.booleans()):
        exponent = draw(st.integers(-(10**7), 10**7) | st.integers(-1100, 1100))
        text += draw(st.sampled_from("eE")) + str(exponent)
    return text


NUMBER_TEXT = number_text()

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(Decimal, NUMBER_TEXT.filter(lambda t: "/" not in t and _decimal_ok(t))),
    st.fractions(),
    st.floats(),
    st.booleans(),
    st.none(),
    NUMBER_TEXT,
    st.sampled_from(HOSTILE),
    st.text(max_size=20),
)

VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _decimal_ok(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


# -- the number grammar --------------------------------------------------------------------


def _read_number(value: Any) -> None:
    number = parse_number(value, "x")
    if isinstance(value, str) and "/" not in value and _decimal_ok(value.strip()):
        assert Fraction(number.p, number.q) == Fraction(Decimal(value.strip())), value
    if isinstance(value, Decimal):
        assert Fraction(number.p, number.q) == Fraction(value)


# -- problem files -------------------------------------------------------------------------


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a nested dict/list structure (tables, lists and leaves)."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for k, value in enumerate(data):
            found += _paths(value, (*prefix, k))
    return found


BASES = [HW6_DATA, CUSTOM_DATA]
BASE_PATHS = [_paths(base) for base in BASES]


@st.composite
def mutated_problems(draw: st.DrawFn) -> dict[str, Any]:
    """A valid problem with one to three of its values, keys or tables replaced."""
    which = draw(st.integers(0, len(BASES) - 1))
    data = copy.deepcopy(BASES[which])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(BASE_PATHS[which]))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add", "name"]))
            if action == "replace":
                parent[path[-1]] = draw(VALUES)
            elif action == "delete":
                del parent[path[-1]]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.text(max_size=10) | st.sampled_from(HOSTILE))] = draw(VALUES)
            elif isinstance(parent, dict):
                options = [*CELLS, *LOSSES, *ACTIVATIONS, *HOSTILE, "none", "linear"]
                parent[path[-1]] = draw(st.sampled_from(options))
        except (KeyError, IndexError, TypeError):
            continue
    return data


@st.composite
def spliced_text(draw: st.DrawFn) -> str:
    """The homework's problem file with a random piece of text inserted or cut out."""
    text = HW6_TEXT
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        return text[:at] + draw(st.text(max_size=30) | st.sampled_from(HOSTILE)) + text[at:]
    return text[:at] + text[at + draw(st.integers(1, 40)) :]


def _read_problem(value: Any) -> None:
    if isinstance(value, str):
        loads_problem(value, source="fuzz.toml")
    else:
        problem_from_dict(value, source="fuzz.toml", cell=None)


# -- custom cell equations -----------------------------------------------------------------

TOKENS = [
    *("h", "x", "h_prev", "c", "c_prev", "f", "W", "U", "b", "W_f", "z", "n", "h_tilde"),
    *ACTIVATIONS,
    *("(", ")", "@", "+", "-", "*", "/", "**", "^", "=", ",", ".", "_", "__"),
    *("0", "1", "0.5", "1e3", "1e999999", "2/3", "__import__", "lambda", "os", "exec"),
]


EXPRESSIONS = st.recursive(
    st.sampled_from(["x", "h_prev", "c_prev", "b", "b_f", "f", "z", "0.5", "1", "2/3", "1e999999"]),
    lambda e: st.one_of(
        st.tuples(e, st.sampled_from(["+", "-", "*", "/"]), e).map(lambda t: f"({' '.join(t)})"),
        st.tuples(st.sampled_from(["W", "U", "W_f", "U_f", "b", "x"]), e).map(
            lambda t: f"{t[0]} @ {t[1]}"
        ),
        st.tuples(st.sampled_from([*ACTIVATIONS, "exp", "__import__"]), e).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(e, st.sampled_from(["2", "0.5", "-1", "x"])).map(lambda t: f"{t[0]} ** {t[1]}"),
        e.map(lambda a: f"-{a}"),
    ),
    max_leaves=8,
)


@st.composite
def equation_lists(draw: st.DrawFn) -> list[Any]:
    """One to four equations: grammatical, token soup (often ``h = ...``), raw or hostile."""
    soup = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)
    target = st.sampled_from(["h", "c", "f", "z", "h_prev", "x", "W", "1", "__class__"])
    grammatical = st.tuples(target, EXPRESSIONS).map(lambda t: f"{t[0]} = {t[1]}")
    equation = st.one_of(
        grammatical,
        grammatical,
        soup.map(lambda s: "h = " + s),
        soup,
        st.text(max_size=40),
        st.sampled_from(HOSTILE),
        st.sampled_from(["h = tanh(W @ x + U @ h_prev + b)", "h = relu(W @ x) * h_prev"]),
        SCALARS,
    )
    return draw(st.lists(equation, min_size=0, max_size=4))


def _read_cell(value: list[Any]) -> None:
    cell = parse_cell(value)
    cell.equations_text()


# -- custom cells past parsing: solved, sheeted, code-generated, checked -------------------


def _read_cell_program(data: dict[str, Any]) -> None:
    """A custom-cell problem through every product: certified values with gradients, both
    sheet views, the three kinds of generated code (imported and called, compared with the
    certified loss) and the checker given the certified values as answers."""
    problem = problem_from_dict(data)
    model = Model(problem)
    solution = model.solve(10, gradients=True)
    for view in ("scalar", "vector"):
        Sheet(model, view=view).to_latex()
    loss = float(solution["L"])
    seq = problem.sequences[0]
    x = np.array([[[float(v) for v in row] for row in seq.x]])
    y = np.array([[[float(v) for v in row] for row in seq.targets]])
    params = {name: np.array(value, dtype=float) for name, value in problem.params.items()}
    initial = {
        f"{s.name}0": np.array([[float(v) for v in seq.initial[s.name]]])
        for s in problem.cell.states
    }
    for style, backend in (("vector", "numpy"), ("scalar", "numpy"), ("scalar", "mpmath")):
        functions = lambdify(problem, style=style, backend=backend)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                functions.forward(params, x, **initial)
                got, _ = functions.loss_and_grad(params, x, y, **initial)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue  # float arithmetic meets a root of a negative or 1/0 near one
        if math.isfinite(float(got)) and abs(loss) < 1e100:
            assert math.isclose(float(got), loss, rel_tol=1e-6, abs_tol=1e-9), (style, backend)
    answers = {"L": Decimal(str(solution["L"]))}
    report = check(problem, answers)
    assert [a.verdict for a in report.answers] == ["correct"], report


# -- parameter files (.npz) ----------------------------------------------------------------

KEYS = sorted({p.name for cell in CELLS.values() for p in cell.params} | {"weight_ih_l0"})
DTYPES = ["f8", "f4", "f2", "i8", "i1", "u8", "?", "c16", "U3", "S2", "M8[s]"]


@st.composite
def npz_bytes(draw: st.DrawFn) -> bytes:
    """An .npz archive of parameter-like arrays (odd dtypes, shapes and values), maybe damaged."""
    arrays = {}
    for key in draw(st.lists(st.sampled_from(KEYS) | st.text(max_size=6), max_size=5)):
        shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
        dtype = draw(st.sampled_from(DTYPES))
        size = int(np.prod(shape)) if shape else 1
        raw = draw(
            st.lists(st.floats(width=64) | st.integers(-300, 300), min_size=size, max_size=size)
        )
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arrays[key] = np.array(raw, dtype=np.float64).reshape(shape).astype(dtype)
        except (ValueError, TypeError, OverflowError):
            arrays[key] = np.zeros(shape, dtype=dtype)
    buffer = io.BytesIO()
    with contextlib.suppress(ValueError, TypeError):
        if draw(st.booleans()):
            np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        else:
            np.savez(buffer, **arrays)  # type: ignore[arg-type]
    data = buffer.getvalue()
    damage = draw(st.sampled_from(["none", "none", "flip", "cut"]))
    if data and damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif damage == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    return data


LSTM_ARRAYS = {
    **{f"W_{g}": np.array([[1.0, 2.0]]) for g in "fioc"},
    **{f"U_{g}": np.array([[0.5]]) for g in "fioc"},
    **{f"b_{g}": np.array([0.25]) for g in "fioc"},
}
TORCH_ARRAYS = {
    "weight_ih_l0": np.ones((4, 2)),
    "weight_hh_l0": np.ones((4, 1)),
    "bias_ih_l0": np.zeros(4),
    "bias_hh_l0": np.zeros(4),
}


@st.composite
def parameter_npz(draw: st.DrawFn) -> bytes:
    """A valid LSTM parameter archive (native or PyTorch names) with one array changed or gone."""
    arrays = dict(draw(st.sampled_from([LSTM_ARRAYS, TORCH_ARRAYS])))
    key = draw(st.sampled_from(sorted(arrays)))
    change = draw(st.sampled_from(["keep", "drop", "dtype", "shape", "value", "extra"]))
    array = arrays[key]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if change == "drop":
            del arrays[key]
        elif change == "dtype":
            arrays[key] = array.astype(draw(st.sampled_from(DTYPES)))
        elif change == "shape":
            shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
            arrays[key] = np.zeros(shape)
        elif change == "value":
            flat = array.astype(np.float64).ravel()
            flat[draw(st.integers(0, max(flat.size - 1, 0)))] = draw(st.floats(width=64))
            arrays[key] = flat.reshape(array.shape)
        elif change == "extra":
            arrays[draw(st.text(min_size=1, max_size=8))] = np.ones(2)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _zip_of_text() -> bytes:
    """A zip archive whose member is not an array."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("W_f.npy", "__import__('os').system('touch canary')")
    return buffer.getvalue()


def _read_npz(value: tuple[bytes, str | None]) -> None:
    data, cell = value
    path = WORK / "params.npz"
    path.write_bytes(data)
    load(path, cell=cell)


# -- parameter files (torch.save) ----------------------------------------------------------

#: Whether PyTorch is installed (the .pt reader is fuzzed only then).
TORCH = importlib.util.find_spec("torch") is not None
TORCH_DTYPES = [
    *("float64", "float32", "float16", "bfloat16", "float8_e5m2", "int64", "int8", "uint8"),
    *("uint64", "bool", "complex64", "complex128", "float4_e2m1fn_x2"),
]
#: Tensors that are not dense arrays of real numbers, or are views with odd strides.
ODD_TENSORS = [
    "sparse",
    "sparse_csr",
    "meta",
    "quantized",
    "nested",
    "expanded",
    "expanded_huge",
    "overlapping",
    "transposed",
    "slice_of_larger",
    "parameter",
    "scalar",
    "empty",
]


def _odd_tensor(kind: str) -> Any:
    """A tensor of one odd kind (see ODD_TENSORS)."""
    import torch

    base = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    with warnings.catch_warnings():  # prototype and deprecation notes
        warnings.simplefilter("ignore")
        made = {
            "sparse": lambda: base.to_sparse(),
            "sparse_csr": lambda: base.to_sparse_csr(),
            "meta": lambda: torch.empty(1, 2, device="meta"),
            "quantized": lambda: torch.quantize_per_tensor(base.float(), 0.1, 0, torch.qint8),
            "nested": lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
            "expanded": lambda: torch.ones(1, dtype=torch.float64).expand(1, 2),
            "expanded_huge": lambda: torch.ones(1, dtype=torch.float64).expand(20000, 25000),
            "overlapping": lambda: torch.ones(3, dtype=torch.float64).as_strided((2, 2), (1, 1)),
            "transposed": lambda: torch.ones(2, 1, dtype=torch.float64).t(),
            "slice_of_larger": lambda: torch.ones(5, 2, dtype=torch.float64)[:1],
            "parameter": lambda: torch.nn.Parameter(base.clone()),
            "scalar": lambda: torch.tensor(1.0),
            "empty": lambda: torch.ones(0, 2),
        }[kind]()
    return made


@st.composite
def torch_bytes(draw: st.DrawFn) -> bytes:
    """A torch.save file: LSTM arrays with one changed (dtype, odd tensor, value), maybe damaged."""
    import torch

    arrays: dict[str, Any] = {
        key: torch.from_numpy(value.copy())
        for key, value in draw(st.sampled_from([LSTM_ARRAYS, TORCH_ARRAYS])).items()
    }
    key = draw(st.sampled_from(sorted(arrays)))
    change = draw(st.sampled_from(["keep", "dtype", "odd", "odd", "value", "object", "drop"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if change == "dtype":
            dtype = getattr(torch, draw(st.sampled_from(TORCH_DTYPES)))
            try:
                arrays[key] = arrays[key].to(dtype)
            except (RuntimeError, TypeError, NotImplementedError):
                arrays[key] = torch.empty(arrays[key].shape, dtype=dtype)
        elif change == "odd":
            arrays[key] = _odd_tensor(draw(st.sampled_from(ODD_TENSORS)))
        elif change == "value":
            arrays[key] = arrays[key].clone()
            arrays[key].view(-1)[0] = draw(st.floats(width=64))
        elif change == "object":
            arrays[key] = draw(VALUES)
        elif change == "drop":
            del arrays[key]
    data: Any = arrays if draw(st.integers(0, 9)) else draw(st.sampled_from([[1], None, "x"]))
    buffer = io.BytesIO()
    torch.save(data, buffer)
    raw = buffer.getvalue()
    damage = draw(st.sampled_from(["none", "none", "none", "flip", "cut"]))
    if damage == "flip":
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    elif damage == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


def _read_torch(value: tuple[bytes, str | None]) -> None:
    data, cell = value
    path = WORK / "params.pt"
    path.write_bytes(data)
    load(path, cell=cell)


# -- answers files -------------------------------------------------------------------------

ANSWERS_TEXT = (ROOT / "examples" / "hw6_answers.toml").read_text()
#: Every name the homework's answers may use, resolved once (the reader under test is the
#: file grammar and the forgiving name resolution, not the certified evaluation after it).
HW6_CATALOGUE = Catalogue(load_problem(HW6))
ANSWER_KEYS = [
    *("h_1", "h1", "h[2]", "c~_2", "ctilde_1", "c_tilde_2", "dL/dW_f", "dL_dW_f[1,2]"),
    *("delta_h_1", "loss", "L", "MSE", "(y_2-h_2)^2", "se_1", "W_f", "x_1", "z_f_3"),
    *("h_0", "dL_dx_2", "f_", "_1", "ℓ_1", "h_1_1", "dL/d", *HOSTILE),
]


@st.composite
def answer_files(draw: st.DrawFn) -> Any:
    """The homework's answers file with a piece inserted or cut, or answers as data."""
    if draw(st.booleans()):
        text = ANSWERS_TEXT
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            piece = draw(st.text(max_size=30) | st.sampled_from(HOSTILE))
            return text[:at] + piece + text[at:]
        return text[:at] + text[at + draw(st.integers(1, 40)) :]
    keys = st.sampled_from(ANSWER_KEYS) | st.text(max_size=12)
    return draw(st.dictionaries(keys, VALUES, max_size=4))


def _read_answers(value: Any) -> None:
    if isinstance(value, str):
        answers = loads_answers(value, source="answers.toml")
    else:
        answers = answers_from_dict(value, source="answers.toml")
    _entries(answers, HW6_CATALOGUE)


# -- the command line ----------------------------------------------------------------------

#: Copies of the examples the command lines read: an output name may replace them.
INPUTS = WORK / "inputs"
EXAMPLES = {name: INPUTS / name for name in ("hw6.toml", "gru.toml")}
CLI_HW6 = EXAMPLES["hw6.toml"]
OUTPUTS = [str(WORK / "cli" / name) for name in ("out.txt", "out.tex", "out.toml", "out.npz")]


def _restore_inputs() -> None:
    INPUTS.mkdir(exist_ok=True)
    for name, copy_path in EXAMPLES.items():
        shutil.copyfile(ROOT / "examples" / name, copy_path)


_restore_inputs()
ARGS = [
    *("solve", "sheet", "cells", "convert", "--help", "--version"),
    *("--digits", "--decimals", "--grad", "--format", "json", "text", "-o", "--output"),
    *("--cell", "--to", "pytorch", "keras", "lstm_sym", "--parts", "forward,loss", "--view"),
    *("vector", "scalar", "--problem-only", "--title", "--course", "--author", "--limit"),
    *("digits=20", "steps=0", "bogus=1", "work=x", "-", "--", "-x", "--nope"),
    *("1", "3", "0", "-1", "12", "13", "99999999999999999999", "1e3", "lstm", "gru"),
    *(str(CLI_HW6), str(EXAMPLES["gru.toml"]), str(INPUTS), "missing.toml"),
    *(str(WORK / "params.npz"), "/dev/null", *OUTPUTS, str(WORK / "cli")),
    *(str(WORK / "cli" / "no" / "such" / "dir.txt"), str(WORK / "cli" / ".." / "up.txt")),
    *HOSTILE,
]


COMMANDS = [
    ["solve", str(CLI_HW6)],
    ["solve", "--grad", str(CLI_HW6), "--format", "json"],
    ["solve", str(CLI_HW6), "--decimals", "4", "-o", OUTPUTS[0]],
    ["sheet", str(CLI_HW6), "--digits", "3", "--parts", "forward"],
    ["sheet", "--problem-only", str(CLI_HW6), "-o", OUTPUTS[1], "--title", "T"],
    ["cells", "lstm", "--format", "json"],
    ["convert", str(CLI_HW6), "--to", "pytorch"],
    ["convert", str(CLI_HW6), "--to", "keras", "-o", OUTPUTS[3]],
    ["solve", str(CLI_HW6), "--limit", "steps=10"],
]


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    """An argument list: a working command with one word changed, or known words at random."""
    words = st.sampled_from(ARGS) | st.text(max_size=12)
    if draw(st.booleans()):
        argv = list(draw(st.sampled_from(COMMANDS)))
        at = draw(st.integers(0, len(argv)))
        change = draw(st.sampled_from(["replace", "insert", "delete", "keep"]))
        if change == "insert" or (change == "replace" and at == len(argv)):
            argv.insert(at, draw(words))
        elif change == "replace":
            argv[at] = draw(words)
        elif change == "delete" and at < len(argv):
            del argv[at]
        return argv
    start = draw(st.sampled_from(["solve", "sheet", "cells", "convert", ""]))
    rest = draw(st.lists(words, max_size=6))
    return [start, *rest] if start else rest


def _beside(folder: Path) -> list[Path]:
    """Files next to the CLI's folder that are not the fuzzer's own."""
    return [p for p in folder.parent.iterdir() if p.name not in ("cli", "params.npz", "inputs")]


def _read_cli(argv: list[str]) -> bool:
    folder = WORK / "cli"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for stray in _beside(folder):  # outputs named "../x" land beside the folder
        stray.unlink()
    _restore_inputs()
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(folder)  # relative output names land in the checked folder, nowhere else
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(here)
    lines = err.getvalue().splitlines()
    assert code in (0, 2), (argv, code)
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("lstm-sym: error: "), (argv, lines)
    else:
        assert lines == [], (argv, lines)
    named = {os.path.normpath(os.path.join(folder, a)) for a in argv if "\0" not in a}
    for written in [*folder.rglob("*"), *_beside(folder)]:
        base = os.path.normpath(str(written.with_suffix(".tex")))
        assert (
            str(written) in named
            or os.path.normpath(written) in named
            or (written.suffix in (".pdf", ".log") and base in named)
        ), (argv, written)
        assert not written.name.endswith(".tmp"), (argv, written)
    return code == 0


#: Every reader of user input. One entry per reader; the tests and the long run use them all.
READERS: list[Reader] = [
    Reader("number", SCALARS | VALUES, _read_number),
    Reader(
        "problem",
        st.one_of(mutated_problems(), spliced_text(), st.text(max_size=200), VALUES),
        _read_problem,
    ),
    Reader("cell", equation_lists(), _read_cell),
    Reader("cell_program", custom_cell_problems(), _read_cell_program, examples_in_tests=40),
    Reader(
        "npz",
        st.tuples(
            parameter_npz()
            | parameter_npz()
            | npz_bytes()
            | st.binary(max_size=200)
            | st.just(_zip_of_text()),
            st.none() | st.sampled_from([*CELLS, "nope"]),
        ),
        _read_npz,
    ),
    Reader("answers", answer_files(), _read_answers),
    Reader("cli", argument_lists(), _read_cli),
]
if TORCH:
    READERS.insert(
        4,
        Reader(
            "pt",
            st.tuples(
                torch_bytes() | torch_bytes() | torch_bytes() | st.binary(max_size=200),
                st.none() | st.sampled_from([*CELLS, "nope"]),
            ),
            _read_torch,
        ),
    )

"""Hostile input: code for eval/sympify, LaTeX control sequences, path tricks, huge exponents.

Every payload goes into every position of user text. Reading runs with ``eval``,
``exec``, ``sympify`` of strings and ``parse_expr`` replaced by functions that fail the
test, and the payloads would create a canary file if they ever ran.
"""

from __future__ import annotations

import builtins
import copy
import importlib
import io
import os
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
import sympy.parsing.sympy_parser
from optional import need_latex

from lstm_sym import LstmSymError, problem_from_dict
from lstm_sym.cli import main
from lstm_sym.convert import load
from lstm_sym.latex import Sheet
from lstm_sym.latex.escape import escape_text
from lstm_sym.numbers import parse_number
from lstm_sym.problem import loads_problem, read_toml
from lstm_sym.problem.toml import toml_string, toml_text
from lstm_sym.spec.custom.lower import parse_cell

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
CUSTOM = ROOT / "examples" / "custom_cell.toml"


def code_payloads(canary: Path) -> list[str]:
    """Strings that would run code (and create ``canary``) under eval, exec or sympify."""
    touch = f"__import__('os').system('touch {canary}')"
    return [
        touch,
        f"__import__('pathlib').Path('{canary}').touch()",
        f"(lambda: {touch})()",
        f"().__class__.__base__.__subclasses__() or {touch}",
        f"[c for c in ().__class__.__base__.__subclasses__()] and {touch}",
        f'exec("{touch}")',
        f"eval('{touch}')",
        f"Symbol('x') + {touch}",
        f"sympify('{touch}')",
        f"1 + {touch}",
        f"x; {touch}",
        "__builtins__",
        "__import__",
    ]


#: LaTeX that would read files, run shell commands or change TeX's reading of the sheet.
LATEX_PAYLOADS = [
    r"\input{/etc/passwd}",
    r"\write18{touch canary}",
    r"\immediate\write18{touch canary}",
    r"\catcode`\^^5c=12",
    r"^^5cinput{/etc/passwd}",
    r"\def\x{y}\x",
    r"\end{document}",
    r"$\input{/etc/passwd}$",
    r"}\input{x}{",
    "%\n\\input{x}",
]
#: What must never appear in a sheet (an escaped payload never contains these).
LATEX_MARKERS = [r"\input{", r"\write18", r"\catcode", "^^5c", r"\def\x", r"\immediate"]


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Path]:
    """A file the payloads would create; the test fails if it exists afterwards."""
    path = tmp_path / "canary"
    yield path
    assert not path.exists(), "a payload ran"


@pytest.fixture
def no_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make eval, exec, sympify of a string and parse_expr fail the test if called."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"evaluated user text: {args[:1]!r}")

    real_eval, real_exec = builtins.eval, builtins.exec
    # SymPy fills its mpmath namespace once with exec("from mpmath import *"): its own
    # text, not the user's, so it runs before the guard (whichever test comes first).
    sympy.lambdify(sympy.Symbol("x"), sympy.Symbol("x"), "mpmath")

    def guarded(real: Any) -> Any:
        def run(source: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(source, str | bytes):  # compiled code (imports) is not user text
                refuse(source)
            return real(source, *args, **kwargs)

        return run

    module = importlib.import_module("sympy.core.sympify")
    real_sympify = module.sympify

    def sympify(a: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(a, str):
            refuse(a)
        return real_sympify(a, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", guarded(real_eval))
    monkeypatch.setattr(builtins, "exec", guarded(real_exec))
    monkeypatch.setattr(sympy, "sympify", sympify)
    monkeypatch.setattr(module, "sympify", sympify)
    monkeypatch.setattr(sympy, "parse_expr", refuse)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse)


def _try(read: Any, *args: Any, **kwargs: Any) -> object:
    """Call a reader: its result, or the documented error (anything else fails the test)."""
    try:
        return read(*args, **kwargs)
    except LstmSymError as error:
        return error


def _positions(data: dict[str, Any], payload: str) -> Iterator[dict[str, Any]]:
    """``data`` with ``payload`` in each position of user text, one position at a time."""
    for key in ("title", "course", "author", "description", "cell", "loss", "head"):
        yield {**data, key: payload}
    yield {**data, "activations": {"gate": payload}}
    yield {**data, "activations": {payload: "sigmoid"}}
    yield {**data, "sizes": {payload: 1}}
    yield {**data, payload: 1}
    for name in data["parameters"]:
        changed = copy.deepcopy(data)
        changed["parameters"][name] = payload
        yield changed
        changed = copy.deepcopy(data)
        changed["parameters"][payload] = 1
        yield changed
    for key in ("x", "y", "h_0"):
        changed = copy.deepcopy(data)
        changed["sequence"][key] = payload
        yield changed
    changed = copy.deepcopy(data)
    changed["sequence"]["x"] = [[payload, 0], [0.5, -1]]
    yield changed
    changed = copy.deepcopy(data)
    changed["parameters"]["file"] = payload
    yield changed
    changed = copy.deepcopy(data)
    changed["parameters"]["layout"] = payload
    yield changed


def _custom_positions(payload: str) -> Iterator[dict[str, Any]]:
    """The custom-cell problem with ``payload`` in each field of its ``[cell]`` table."""
    data = read_toml(CUSTOM)
    for key in ("name", "description", "input", "output"):
        yield {**data, "cell": {**data["cell"], key: payload}}
    yield {**data, "cell": {**data["cell"], "dims": {payload: "1"}}}
    yield {**data, "cell": {**data["cell"], "dims": {"f": payload}}}
    for k in range(3):
        equations = list(data["cell"]["equations"])
        equations[k] = payload
        yield {**data, "cell": {**data["cell"], "equations": equations}}
        equations = list(data["cell"]["equations"])
        equations[k] = equations[k].replace("sigmoid", payload).replace("tanh", payload)
        yield {**data, "cell": {**data["cell"], "equations": equations}}
        equations = list(data["cell"]["equations"])
        equations[k] = f"{payload} = 1"
        yield {**data, "cell": {**data["cell"], "equations": equations}}


@pytest.mark.usefixtures("no_evaluation")
def test_code_in_problem_data_never_runs(canary: Path) -> None:
    """Code payloads in every position of a problem (built-in or custom cell) never execute."""
    hw6 = read_toml(HW6)
    for payload in code_payloads(canary):
        for data in [*_positions(hw6, payload), *_custom_positions(payload)]:
            _try(problem_from_dict, data)
        _try(parse_number, payload, "x")
        _try(parse_cell, [f"h = {payload}"])
        _try(parse_cell, [payload])
        text = HW6.read_text().replace("b_f = 0.2", f"b_f = {payload!r}")
        assert isinstance(_try(loads_problem, text), LstmSymError)


@pytest.mark.usefixtures("no_evaluation")
def test_code_in_parameter_files_never_runs(canary: Path, tmp_path: Path) -> None:
    """Payloads as .npz keys, as string arrays and as pickled objects are refused, never run."""
    touch = code_payloads(canary)[0]
    path = tmp_path / "p.npz"
    np.savez(path, **{touch: np.ones(2), "W_f": np.array([touch])})
    assert isinstance(_try(load, path), LstmSymError)

    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {canary}",))

    np.savez(path, W_f=np.array([Boom()], dtype=object))
    assert isinstance(_try(load, path), LstmSymError)


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("no_evaluation")
def test_code_in_command_line_arguments_never_runs(
    canary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payloads as every CLI argument value are refused (or printed as text), never run."""
    monkeypatch.chdir(tmp_path)  # a payload used as an output name is just a file name
    for payload in code_payloads(canary):
        for argv in (
            ["solve", str(HW6), "--digits", payload],
            ["solve", str(HW6), "--cell", payload],
            ["solve", payload],
            ["solve", str(HW6), "--limit", payload],
            ["solve", str(HW6), "--limit", f"digits={payload}"],
            ["sheet", str(HW6), "--parts", payload],
            [
                "sheet",
                str(HW6),
                "--problem-only",
                "--title",
                payload,
                "-o",
                str(tmp_path / "t.tex"),
            ],
            ["sheet", str(HW6), "--problem-only", "--course", payload, "--author", payload],
            ["sheet", str(HW6), "--view", payload],
            ["solve", str(HW6), "-o", payload],
            ["cells", payload],
            ["convert", str(HW6), "--to", payload],
            ["convert", str(HW6), "--to", "pytorch", "--cell", payload],
            [payload],
        ):
            code, _, err = _cli(argv)
            assert code in (0, 2), (argv, err)
            if code == 2:
                assert err.count("\n") == 1 and err.startswith("lstm-sym: error: "), err


def _latex_problem(payload: str, tmp_path: Path) -> dict[str, Any]:
    """The custom-cell problem with ``payload`` in every text that reaches a sheet."""
    data = read_toml(CUSTOM)
    np.savez(tmp_path / "weights.npz", W_f=np.array([1.0, 2.0]))
    data["parameters"] = {k: v for k, v in data["parameters"].items() if k != "W_f"}
    data["parameters"]["file"] = str(tmp_path / "weights.npz")
    for key in ("title", "course", "author", "description"):
        data[key] = payload
    data["cell"] = {**data["cell"], "description": payload[:300]}
    return data


def _body(latex: str) -> str:
    """The document after the fixed preamble (which inputs its own files)."""
    return latex.split("\\begin{document}", 1)[1]


@pytest.mark.parametrize("payload", LATEX_PAYLOADS)
def test_latex_payloads_never_reach_the_sheet_unescaped(payload: str, tmp_path: Path) -> None:
    """Control sequences in titles, course, author, descriptions and file names are escaped."""
    problem = problem_from_dict(_latex_problem(payload, tmp_path))
    for options in ({"problem_only": True}, {"parts": ("forward",)}):
        latex = _body(Sheet(problem, **options).to_latex())  # type: ignore[arg-type]
        assert escape_text(payload) in latex
        for marker in LATEX_MARKERS:
            assert marker not in latex, (payload, marker)
    latex = _body(Sheet(problem, problem_only=True, title=payload, author=payload).to_latex())
    assert not any(marker in latex for marker in LATEX_MARKERS)


def test_escape_text_leaves_no_control_sequence() -> None:
    """Escaped text has no backslash, brace or caret of its own: only the escapes' commands."""
    for payload in LATEX_PAYLOADS:
        escaped = escape_text(payload)
        assert not any(marker in escaped for marker in LATEX_MARKERS), escaped


@pytest.mark.latex
def test_hostile_sheet_compiles_safely(tmp_path: Path) -> None:
    """A sheet titled with every payload compiles, shows the payloads as text, runs nothing."""
    need_latex()
    title = " ".join(LATEX_PAYLOADS[:5]).replace("canary", str(tmp_path / "canary"))
    data = _latex_problem(title, tmp_path)
    pdf = Sheet(problem_from_dict(data), problem_only=True).write(tmp_path / "h.tex", pdf=True)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert r"\input{/etc/passwd}" in text and "root:" not in text
    assert not (tmp_path / "canary").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.pdf", "h.tex", "weights.npz"]


def test_output_names_go_exactly_where_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o` with `..` writes that one file; nothing else appears anywhere in the tree."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert _cli(["solve", str(HW6), "-o", "../../out.txt"])[0] == 0
    assert _cli(["sheet", str(HW6), "--problem-only", "-o", "../x/../s.tex"])[0] == 2  # no x/
    assert _cli(["sheet", str(HW6), "--problem-only", "-o", "../s.tex"])[0] == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["a/s.tex", "out.txt"]


def test_parameter_file_names_cannot_read_other_files(tmp_path: Path) -> None:
    """`parameters.file` pointing at a device, a directory or a non-array file is refused."""
    data = read_toml(HW6)
    for name in ("/dev/zero", "/etc/passwd", "../../../../etc/passwd", str(tmp_path), "x\0.npz"):
        changed = copy.deepcopy(data)
        changed["parameters"] = {"file": name}
        assert isinstance(_try(problem_from_dict, changed), LstmSymError), name


@pytest.mark.parametrize("text", ["1e999999", "1e-999999", "-1E+99999999999999999999", "1e1001"])
def test_enormous_exponents_are_refused_at_once(text: str) -> None:
    """Enormous exponents, as TOML numbers or strings, are refused naming the limit."""
    problem = HW6.read_text().replace("b_f = 0.2", f"b_f = {text}")
    for source in (problem, HW6.read_text().replace("b_f = 0.2", f'b_f = "{text}"')):
        with pytest.raises(
            LstmSymError, match=r"(b_f: expected a number between|TOML:).*number_exponent"
        ):
            loads_problem(source)
    code, _, err = _cli(["solve", str(HW6), "--digits", text])
    assert code == 2 and err.startswith("lstm-sym: error:")


#: Terminal control: clear the screen, move the cursor, colour, bell, DEL, a C1 CSI, and
#: a right-to-left override that would show a verdict backwards.
TERMINAL_PAYLOADS = ["\x1b[2J\x1b[H", "\x1b]0;title\x07", "\x1b[31mOK", "\x7f\x9b1m", "\u202eKO"]


def test_terminal_payloads_never_reach_the_terminal_raw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escape sequences in a problem file or as arguments come out escaped on stdout and stderr."""
    monkeypatch.chdir(tmp_path)
    data = read_toml(HW6)
    for payload in TERMINAL_PAYLOADS:
        problem = tmp_path / "p.toml"
        text = toml_text({**data, "title": payload, "course": payload, "author": payload})
        problem.write_text(text)
        answers = tmp_path / "a.toml"
        answers.write_text(f"h_1 = 0.21741\n{toml_string(payload)} = 1\n")
        for argv in (
            ["solve", str(problem)],
            ["solve", str(problem), "--format", "json"],
            ["check", str(problem), str(answers)],
            ["check", str(problem), str(answers), "--format", "json"],
            ["sheet", str(problem), "--problem-only"],
            ["convert", str(problem), "--to", "keras"],
            ["codegen", str(problem)],
            ["flow", str(problem)],
            ["flow", str(problem), "--format", "json"],
            ["sheet", str(HW6), "--problem-only", "--title", payload, "--author", payload],
            ["solve", str(HW6), "--cell", payload],
            ["solve", payload],
            ["cells", payload],
            ["convert", str(HW6), "--to", payload],
            ["solve", str(HW6), "-o", f"{payload}/x.txt"],
            ["solve", str(HW6), "--limit", f"{payload}=1"],
            [payload],
        ):
            code, out, err = _cli(argv)
            assert code in (0, 1, 2), argv
            raw = [c for c in out + err if not (c.isprintable() or c in " \n")]
            assert raw == [], (argv, raw)

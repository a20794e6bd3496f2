"""The ``lstm-sym`` command line: parse arguments, call the library, return an exit code.

Exit codes: 0 success, 1 a check found wrong answers, 2 bad input (one line on stderr,
never a traceback), 70 an internal error (a bug: one line on stderr), 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM; 129 for SIGHUP).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ._version import __version__
from .choices import DOCS_URL, FRAMEWORKS, MIN_DIGITS, PARTS
from .errors import LstmSymError, one_line, shorten, terminal_text
from .files import check_outputs, write_atomic

if TYPE_CHECKING:
    from .problem.reader import Problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: An uncaught exception: a bug in lstm-sym, never a verdict on the input (EX_SOFTWARE).
EXIT_INTERNAL = 70


class UsageError(LstmSymError):
    """Command-line arguments that argparse rejected."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and an exception, not an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _emit(text: str, output: str | None, source: str | None = None) -> None:
    """Write ``text`` atomically to ``output`` (never over ``source``), or print it.

    Every text the commands print goes through here, with control characters escaped
    (:func:`~lstm_sym.errors.terminal_text`): a title read from a file can neither clear
    nor move around the screen of whoever reads the output, and JSON keeps its data.
    """
    if output and output != "-":
        check_outputs([output], [source] if source else [])
        write_atomic(output, text)
    else:
        sys.stdout.write(terminal_text(text))


def _outputs(args: argparse.Namespace, *names: str | None) -> None:
    """Refuse, before any work, an output a command will write that is one of its inputs."""
    outputs = [name for name in names if name and name != "-"]
    inputs = [getattr(args, key, None) for key in ("problem", "answers")]
    check_outputs(outputs, [name for name in inputs if name])


# -- commands ----------------------------------------------------------------------------


def _add_problem_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", help=f"problem file (TOML); see {DOCS_URL}problem-files/")
    parser.add_argument(
        "--cell", metavar="NAME", help="cell to use when the problem file does not name one"
    )


def _load(args: argparse.Namespace) -> Problem:
    from .problem.reader import load_problem

    return load_problem(args.problem, cell=args.cell)


def _solve_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "solve",
        help="every gate, state and loss (and with --grad every gradient), certified digits",
        description="Evaluate every quantity of the unrolled cell exactly and print it correctly rounded.",
    )
    _add_problem_options(parser)
    parser.add_argument(
        "--digits",
        type=int,
        default=15,
        metavar="N",
        help="significant digits to print, 1 to 10000 (default 15)",
    )
    parser.add_argument(
        "--decimals",
        type=int,
        metavar="N",
        help="print N decimal places instead of significant digits",
    )
    parser.add_argument(
        "--grad",
        action="store_true",
        help="also the backward pass (every delta per step) and every gradient",
    )
    parser.add_argument(
        "--flow",
        action="store_true",
        help=f"also the gradient flow: norm_dL_dc_1, dc_2_dc_1, ... (see {DOCS_URL}flow/)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.add_argument(
        "--engine",
        choices=("arb", "mpmath"),
        default="arb",
        help="arb: ball arithmetic, every digit proven (default); mpmath: digits certified by "
        "agreement at rising precision",
    )
    parser.add_argument(
        "--enclosures",
        action="store_true",
        help="with --format json: also each value's enclosure (mid and rad, or exact p/q)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )
    parser.set_defaults(run=_run_solve)


def _run_solve(args: argparse.Namespace) -> int:
    from .model import Model

    if args.enclosures and (args.format != "json" or args.engine != "arb"):
        raise UsageError("lstm-sym solve: --enclosures needs --format json and --engine arb")
    _outputs(args, args.output)
    model = Model(_load(args))
    decimals = args.decimals is not None
    digits = args.decimals if decimals else args.digits
    solution = model.solve(
        digits, gradients=args.grad, decimals=decimals, engine=args.engine, flow=args.flow
    )
    text = (
        solution.to_json(enclosures=args.enclosures)
        if args.format == "json"
        else solution.to_text()
    )
    _emit(text, args.output, args.problem)
    return EXIT_OK


def _sheet_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .limits import limit

    parser = commands.add_parser(
        "sheet",
        help="a LaTeX solution sheet (formula = numbers = value for every step), optionally PDF",
        description="Write the whole calculation as a LaTeX document; --pdf compiles it with "
        f"latexmk (pdfLaTeX, no shell escape). See {DOCS_URL}sheets/",
    )
    _add_problem_options(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the .tex to FILE (default: stdout)"
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also build FILE's PDF beside it (needs -o and latexmk)"
    )
    parser.add_argument(
        "--parts",
        metavar="LIST",
        default=",".join(PARTS),
        help=f"comma-separated parts to include, from {','.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=5,
        metavar="N",
        help=f"decimal places of displayed values, {MIN_DIGITS} to {limit('sheet_digits')} (default 5)",
    )
    parser.add_argument(
        "--view",
        choices=("scalar", "vector"),
        default="scalar",
        help="one line per component (scalar, default) or per vector (vector)",
    )
    parser.add_argument(
        "--problem-only",
        action="store_true",
        help="the given data and the equations with blanks to fill in (no values)",
    )
    parser.add_argument(
        "--flow", action="store_true", help=f"add a Gradient flow section (see {DOCS_URL}flow/)"
    )
    parser.add_argument("--title", help="title (default: the problem file's title)")
    parser.add_argument("--course", help="course line (default: the problem file's course)")
    parser.add_argument("--author", help="author line (default: the problem file's author)")
    parser.set_defaults(run=_run_sheet)


def _run_sheet(args: argparse.Namespace) -> int:
    from .latex import Sheet

    if args.pdf and (not args.output or args.output == "-"):
        raise UsageError("lstm-sym sheet: --pdf needs -o FILE.tex (see --help)")
    if args.pdf and not args.output.endswith(".tex"):
        # FILE.pdf and FILE.log are written beside FILE.tex: only for a name ending in .tex
        raise UsageError(f"lstm-sym sheet: --pdf needs -o FILE.tex, found -o {args.output}")
    tex = args.output
    if args.pdf:
        _outputs(args, tex, tex[: -len(".tex")] + ".pdf", tex[: -len(".tex")] + ".log")
    else:
        _outputs(args, tex)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    sheet = Sheet(
        _load(args),
        parts=parts,
        digits=args.digits,
        view=args.view,
        problem_only=args.problem_only,
        title=args.title,
        course=args.course,
        author=args.author,
        flow=args.flow,
    )
    text = sheet.to_latex()
    if args.pdf:  # the .tex is written with the PDF: an interrupted build leaves neither
        from .latex import build_pdf

        _emit(f"{build_pdf(tex, source=text)}\n", None)
    else:
        _emit(text, tex, args.problem)
    return EXIT_OK


def _cells_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "cells",
        help="list the built-in cells: name, description, equations",
        description="List the built-in cells (or the ones named) with their equations, "
        "parameters, states and choosable activations.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these cells")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.set_defaults(run=_run_cells)


def _run_cells(args: argparse.Namespace) -> int:
    from .listing import cells_json, cells_text

    text = cells_json(args.names) if args.format == "json" else cells_text(args.names)
    _emit(text, None)
    return EXIT_OK


def _convert_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "convert",
        help="convert parameters between layouts (lstm_sym, pytorch, keras) and files",
        description="Read parameters from a problem file, an .npz or a torch.save file and "
        "write them in another layout: a problem file (.toml, exact numbers), .npz or .pt "
        "(float64). Layouts: " + "; ".join(f"{name}: {text}" for name, text in FRAMEWORKS.items()),
    )
    parser.add_argument("input", help="problem file (.toml), .npz or torch.save file (.pt)")
    parser.add_argument(
        "--to", required=True, choices=tuple(FRAMEWORKS), help="the layout to write"
    )
    parser.add_argument(
        "--cell",
        metavar="NAME",
        help="the cell of the parameters when the input does not say (arrays are read "
        "through an equivalent cell's layout if needed)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (.toml, .npz, .pt) instead of stdout"
    )
    parser.set_defaults(run=_run_convert)


def _run_convert(args: argparse.Namespace) -> int:
    from .convert import convert

    text = convert(args.input, args.output, to=args.to, cell=args.cell)
    if text is not None:
        _emit(text, None)
    return EXIT_OK


def _check_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "check",
        help="check hand-calculated answers: correct, truncated, rounding drift or wrong, and why",
        description="Judge every answer of an answers file against the exact values, to the "
        "digits written; find the first wrong step, follow-through and likely mistakes. "
        f"Exit code 0: all correct; 1: some answer is not; 2: bad input. See {DOCS_URL}checking/",
    )
    _add_problem_options(parser)
    parser.add_argument("answers", help="answers file (TOML: name = value as written)")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="also write a feedback report, Markdown (.md) or LaTeX (.tex), atomically",
    )
    parser.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from .check import check
    from .check.render import report_writer

    writer = report_writer(args.report) if args.report else None  # bad suffix: before work
    _outputs(args, args.report)
    report = check(_load(args), args.answers)
    if writer is not None:
        write_atomic(args.report, writer(report))
    _emit(report.to_json() if args.format == "json" else report.to_text(), None)
    return EXIT_OK if report.all_correct else EXIT_FAILED


def _codegen_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "codegen",
        help="a standalone NumPy module: forward pass, loss and every gradient",
        description="Generate a Python module (importing only NumPy) with forward, loss and "
        "loss_and_grad for the problem's cell and loss, from its symbolic step template. "
        f"See {DOCS_URL}codegen/",
    )
    _add_problem_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the module to FILE (atomically) instead of stdout",
    )
    parser.add_argument(
        "--style",
        choices=("auto", "vector", "scalar"),
        default="auto",
        help="vector: batched matrix code for any sizes; scalar: straight-line code for the "
        "problem's sizes; auto (default): scalar when the sizes are tiny",
    )
    parser.add_argument(
        "--backend",
        choices=("numpy", "mpmath"),
        default="numpy",
        help="numbers: NumPy floats (default) or mpmath at any precision (scalar style)",
    )
    parser.set_defaults(run=_run_codegen)


def _run_codegen(args: argparse.Namespace) -> int:
    from .codegen import lambdify

    _outputs(args, args.output)
    functions = lambdify(_load(args), style=args.style, backend=args.backend, source=args.problem)
    _emit(functions.source, args.output, args.problem)
    return EXIT_OK


def _flow_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .flow.command import add_flow_parser

    add_flow_parser(commands)


def _classroom_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .classroom.command import add_classroom_commands

    add_classroom_commands(commands)


#: Subcommand builders, in the order ``--help`` lists them.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [  # type: ignore[type-arg]
    _solve_parser,
    _sheet_parser,
    _cells_parser,
    _convert_parser,
    _check_parser,
    _codegen_parser,
    _flow_parser,
    _classroom_parsers,
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to generate the CLI reference)."""
    parser = _Parser(
        prog="lstm-sym",
        description="Exact, symbolic LSTM mathematics: values, gradients, solution sheets, "
        "checked hand calculations and generated code.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for add in COMMANDS:
        add(commands)
    for subparser in commands.choices.values():
        _add_limit_option(subparser)
    return parser


def _add_limit_option(parser: argparse.ArgumentParser) -> None:
    """``--limit NAME=N`` (repeatable) raises one of the limits of docs/guarantees.md."""
    from .limits import LIMITS

    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help="raise a limit for this run (repeatable); names: " + ", ".join(LIMITS),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    from .signals import Terminated, stop_on_signals

    try:
        with stop_on_signals():
            args = build_parser().parse_args(argv)
            from .limits import parse_assignment, raised
            from .progress import reporting

            with raised(dict(parse_assignment(text) for text in args.limit)), reporting():
                return int(args.run(args))
    except LstmSymError as error:
        print(f"lstm-sym: error: {_error_text(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP as Terminated
        print("lstm-sym: interrupted", file=sys.stderr)
        return stop.exit_code if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except SystemExit as done:  # --help and --version: argparse has printed and exits 0
        return done.code if isinstance(done.code, int) else EXIT_OK
    except Exception as error:  # a bug: one line, and an exit code no verdict uses
        print(f"lstm-sym: internal error: {_internal(error)}", file=sys.stderr)
        return EXIT_INTERNAL


#: The longest error line printed; longer messages lose their middle.
ERROR_LINE = 1000


def _error_text(message: str) -> str:
    """One line of at most about ERROR_LINE characters, keeping the start and the end."""
    text = one_line(message)
    if len(text) <= ERROR_LINE:
        return text
    half = ERROR_LINE // 2
    return f"{text[:half]} ...({len(text) - 2 * half:,} characters)... {text[-half:]}"


def _internal(error: Exception) -> str:
    """An uncaught exception in one line: its type, message and the line that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    message = shorten(one_line(str(error)), 200)
    return f"{type(error).__name__}: {message}{where} (a bug in lstm-sym {__version__}; please report it)"

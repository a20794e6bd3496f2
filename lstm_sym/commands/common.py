"""What the subcommands share: exit codes, usage errors, the problem options, output.

Only the standard library and light modules are imported here: every parser is built on
each run, ``--help`` included.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TypeAlias

from ..choices import DOCS_URL
from ..errors import LstmSymError, terminal_text
from ..files import check_outputs, write_atomic

if TYPE_CHECKING:
    from ..problem import Problem

#: The set of subcommands a command registers itself on.
Subcommands: TypeAlias = "argparse._SubParsersAction[Any]"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: An uncaught exception: a bug in lstm-sym, never a verdict on the input (EX_SOFTWARE).
EXIT_INTERNAL = 70


class UsageError(LstmSymError):
    """Command-line arguments that argparse rejected, or that do not go together."""


def emit(text: str, output: str | None, source: str | None = None) -> None:
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


def refuse_inputs(args: argparse.Namespace, *names: str | None) -> None:
    """Refuse, before any work, an output a command will write that is one of its inputs."""
    outputs = [name for name in names if name and name != "-"]
    inputs = [getattr(args, key, None) for key in ("problem", "answers")]
    check_outputs(outputs, [name for name in inputs if name])


def add_problem_options(parser: argparse.ArgumentParser) -> None:
    """The problem file and ``--cell``."""
    parser.add_argument("problem", help=f"problem file (TOML); see {DOCS_URL}problem-files/")
    parser.add_argument(
        "--cell", metavar="NAME", help="cell to use when the problem file does not name one"
    )


def add_output(parser: argparse.ArgumentParser, help: str) -> None:
    """``-o FILE`` / ``--output FILE``."""
    parser.add_argument("-o", "--output", metavar="FILE", help=help)


def add_format(parser: argparse.ArgumentParser) -> None:
    """``--format text`` (the default) or ``--format json``."""
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def load(args: argparse.Namespace) -> Problem:
    """The problem the arguments name."""
    from ..problem import load_problem

    return load_problem(args.problem, cell=args.cell)

"""The ``lstm-sym`` command line: parse arguments, call the library, return an exit code.

Exit codes: 0 success, 1 a check found wrong answers, 2 bad input (one line on stderr,
never a traceback), 70 an internal error (a bug: one line on stderr), 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM; 129 for SIGHUP).

Each subcommand is a module of :mod:`lstm_sym.commands`; this module builds the parser
from them and turns whatever a command raises into one line and an exit code.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ._version import __version__
from .choices import DOCS_URL
from .commands import COMMANDS
from .commands.common import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
)
from .errors import LstmSymError, one_line, shorten

__all__ = [
    "DOCS_URL",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "build_parser",
    "main",
]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and an exception, not an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


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

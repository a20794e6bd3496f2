"""The subcommands of ``lstm-sym``: a module each, whose ``add_parser`` registers the
command's arguments and help, and whose ``run`` does its work and returns the exit code.

Only argparse and light modules are imported here: the command line builds every parser
on each run, ``--help`` included; a command imports the library (SymPy) when it runs.
"""

from __future__ import annotations

from collections.abc import Callable

from . import cells, check, classroom, codegen, convert, flow, gradcheck, sheet, solve
from .common import Subcommands

#: Each subcommand's registration, in the order ``--help`` lists them.
COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    solve.add_parser,
    sheet.add_parser,
    cells.add_parser,
    convert.add_parser,
    check.add_parser,
    codegen.add_parser,
    flow.add_parser,
    gradcheck.add_parser,
    classroom.add_classroom_commands,
)

"""``lstm-sym cells``: the built-in cells, their equations, parameters and activations."""

from __future__ import annotations

import argparse

from . import common


def add_parser(commands: common.Subcommands) -> None:
    parser = commands.add_parser(
        "cells",
        help="list the built-in cells: name, description, equations",
        description="List the built-in cells (or the ones named) with their equations, "
        "parameters, states and choosable activations.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these cells")
    common.add_format(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..listing import cells_json, cells_text

    common.emit(cells_json(args.names) if args.format == "json" else cells_text(args.names), None)
    return common.EXIT_OK

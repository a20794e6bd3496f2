"""``lstm-sym convert``: parameters from one layout or file format to another, exactly."""

from __future__ import annotations

import argparse

from ..choices import FRAMEWORKS
from . import common


def add_parser(commands: common.Subcommands) -> None:
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
        "--gates",
        metavar="ORDER",
        help='the gate order of --to xh_rows\'s column blocks, such as "f, i, o, g" '
        "(default i, f, o, g)",
    )
    common.add_output(parser, "write to FILE (.toml, .npz, .pt) instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..convert import convert

    text = convert(args.input, args.output, to=args.to, cell=args.cell, gates=args.gates)
    if text is not None:
        common.emit(text, None)
    return common.EXIT_OK

"""``lstm-sym solve``: every quantity of the unrolled cell, correctly rounded."""

from __future__ import annotations

import argparse

from ..choices import DOCS_URL, ENGINES, FRAMEWORKS
from . import common


def add_parser(commands: common.Subcommands) -> None:
    parser = commands.add_parser(
        "solve",
        help="every gate, state and loss (and with --grad every gradient), certified digits",
        description="Evaluate every quantity of the unrolled cell exactly and print it correctly rounded.",
    )
    common.add_problem_options(parser)
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
        "--intermediates",
        action="store_true",
        help="also tanh(c_t) as tanh_c_t and, for a batch, each sequence's loss L^(b)",
    )
    common.add_format(parser)
    parser.add_argument(
        "--engine",
        choices=ENGINES,
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
        "--layout",
        choices=tuple(FRAMEWORKS),
        help="with --format json: also every value as the arrays of this layout (weight_ih_l0, "
        "h, c, grad), as Solution.arrays gives them",
    )
    common.add_output(parser, "write to FILE (atomically) instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..model import Model

    if args.enclosures and (args.format != "json" or args.engine != "arb"):
        raise common.UsageError("lstm-sym solve: --enclosures needs --format json and --engine arb")
    if args.layout and args.format != "json":
        raise common.UsageError("lstm-sym solve: --layout needs --format json")
    common.refuse_inputs(args, args.output)
    model = Model(common.load(args))
    decimals = args.decimals is not None
    digits = args.decimals if decimals else args.digits
    solution = model.solve(
        digits,
        gradients=args.grad,
        decimals=decimals,
        engine=args.engine,
        flow=args.flow,
        intermediates=args.intermediates,
    )
    text = (
        solution.to_json(enclosures=args.enclosures, layout=args.layout)
        if args.format == "json"
        else solution.to_text()
    )
    common.emit(text, args.output, args.problem)
    return common.EXIT_OK

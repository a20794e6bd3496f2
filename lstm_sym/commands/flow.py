"""``lstm-sym flow``: the gradient-flow table (and plot) of a problem, across cells, what-ifs.

Only argparse is imported at the top: the command line builds every subcommand's parser
on each run, and the heavy modules are imported when the command runs.
"""

from __future__ import annotations

import argparse

from ..choices import DOCS_URL
from . import common

FORMATS = ("text", "json", "csv")


def add_parser(commands: common.Subcommands) -> None:
    """Register ``flow`` on the subcommand set ``commands``."""
    parser = commands.add_parser(
        "flow",
        help="gradient flow through time: adjoint norms, Jacobians between steps, paths, plot",
        description="How the gradient flows back through time: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖, the "
        "Jacobians ∂s_T/∂s_t (every path, and the LSTM's direct path ∏ f), their spectral "
        "norms and radii, and the path each adjoint arrives through; every digit certified. "
        f"See {DOCS_URL}flow/",
    )
    parser.add_argument(
        "problem",
        help=f"problem file (TOML); see {DOCS_URL}problem-files/",
    )
    parser.add_argument(
        "--cells",
        metavar="LIST",
        help="compare these cells on the same data (comma-separated; parameters of other "
        "cells from the file's [flow.parameters.<cell>]; default: the file's [flow] cells)",
    )
    parser.add_argument(
        "--to", type=int, metavar="T", help="end step of the Jacobians ∂s_T/∂s_t (default: last)"
    )
    parser.add_argument(
        "--digits", type=int, default=6, metavar="N", help="significant digits (default 6)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="what if NAME had VALUE (a gate through its preactivation), e.g. f=0.001; repeatable",
    )
    parser.add_argument(
        "--shift",
        action="append",
        default=[],
        metavar="NAME=DELTA",
        help="what if NAME (a gate: its preactivation, like a bias) were shifted by DELTA",
    )
    parser.add_argument(
        "--at", metavar="STEPS", help="steps of --set and --shift: 2, 1,3 or 2-5 (default: all)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output (default text)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--plot", metavar="FILE", help="also plot the flow over t (.png, .pdf or .svg; matplotlib)"
    )
    parser.set_defaults(run=run_flow)


def run_flow(args: argparse.Namespace) -> int:
    """Run ``lstm-sym flow``; returns the exit code."""
    from ..files import write_atomic
    from ..flow.compare import flow_entries, render
    from ..flow.plot import plot_bytes, plot_format
    from ..flow.whatif import Override, parse_assignment, parse_steps
    from .common import EXIT_OK, UsageError, emit

    if args.plot:
        plot_format(args.plot)  # a bad suffix is refused before any work
    for option, path in (("-o", args.output), ("--plot", args.plot)):
        if path and path != "-" and _same_file(path, args.problem):
            raise UsageError(f"{option} {path} is the input file; choose another output")
    cells = [c.strip() for c in args.cells.split(",") if c.strip()] if args.cells else None
    steps = parse_steps(args.at) if args.at else ()
    if args.at and not (args.set or args.shift):
        raise UsageError("lstm-sym flow: --at needs --set or --shift (see --help)")
    overrides: list[Override] = [parse_assignment(text, "--set") for text in args.set] + [
        parse_assignment(text, "--shift", shift=True) for text in args.shift
    ]
    overrides = [Override(o.name, o.value, steps, o.shift) for o in overrides]
    entries = flow_entries(args.problem, cells, overrides, digits=args.digits, end=args.to)
    text = render(entries, args.format)
    image = (  # drawn before anything is written: a failure leaves no output behind
        plot_bytes(entries, plot_format(args.plot), title=entries[0][1].problem.title)
        if args.plot
        else None
    )
    emit(text, args.output)  # on a terminal, control characters in a title are escaped
    if image is not None:
        write_atomic(args.plot, image)
    return EXIT_OK


def _same_file(a: str, b: str) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False

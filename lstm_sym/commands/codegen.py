"""``lstm-sym codegen``: a standalone module computing the forward pass, loss and gradients."""

from __future__ import annotations

import argparse

from ..choices import DOCS_URL
from . import common


def add_parser(commands: common.Subcommands) -> None:
    parser = commands.add_parser(
        "codegen",
        help="a standalone NumPy module: forward pass, loss and every gradient",
        description="Generate a Python module (importing only NumPy) with forward, loss and "
        "loss_and_grad for the problem's cell and loss, from its symbolic step template. "
        f"See {DOCS_URL}codegen/",
    )
    common.add_problem_options(parser)
    common.add_output(parser, "write the module to FILE (atomically) instead of stdout")
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..codegen import lambdify

    common.refuse_inputs(args, args.output)
    functions = lambdify(
        common.load(args), style=args.style, backend=args.backend, source=args.problem
    )
    common.emit(functions.source, args.output, args.problem)
    return common.EXIT_OK

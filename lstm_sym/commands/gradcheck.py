"""``lstm-sym gradcheck``: a saved PyTorch module's own gradients against certified values."""

from __future__ import annotations

import argparse

from . import common


def add_parser(commands: common.Subcommands) -> None:
    parser = commands.add_parser(
        "gradcheck",
        help="check a saved PyTorch LSTM/GRU/RNN's outputs and gradients against certified values",
        description="Rebuild the module a torch.save state dict holds (LSTM, GRU, RNN or their "
        "cells, from the arrays' names and shapes; read with weights_only=True), run its own "
        "forward and backward on the inputs, and report each tensor's error in ulps of its dtype.",
    )
    parser.add_argument("model", help="torch.save(module.state_dict(), 'model.pt')")
    parser.add_argument(
        "inputs", help=".npz with x (as the module takes it); optional targets, h0, c0"
    )
    parser.add_argument(
        "--loss",
        default="sum",
        choices=("sum", "half_sse", "sse", "mse", "upstream"),
        help="sum: L = Σ outputs (default); the others use the file's targets",
    )
    parser.add_argument("--batch-first", action="store_true", help="x is batch × time × d")
    parser.add_argument(
        "--nonlinearity", choices=("tanh", "relu"), default="tanh", help="an RNN's activation"
    )
    parser.add_argument(
        "--tolerance", type=float, metavar="ULPS", help="ulps allowed (default: by dtype)"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )
    common.add_output(parser, "write the report to FILE instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..gradcheck import gradcheck
    from ..gradcheck.saved import module_from_file, read_inputs

    common.refuse_inputs(args, args.output)
    module = module_from_file(
        args.model, nonlinearity=args.nonlinearity, batch_first=args.batch_first
    )
    data = read_inputs(args.inputs)
    report = gradcheck(
        module,
        data["x"],
        loss=args.loss,
        targets=data.get("targets"),
        h0=data.get("h0"),
        c0=data.get("c0"),
        tolerance=args.tolerance,
    )
    views = {"text": report.to_text, "json": report.to_json, "markdown": report.to_markdown}
    common.emit(views[args.format](), args.output)
    return common.EXIT_OK if report.passed else common.EXIT_FAILED

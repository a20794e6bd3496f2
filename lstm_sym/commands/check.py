"""``lstm-sym check``: hand-calculated answers judged against the exact values."""

from __future__ import annotations

import argparse

from ..choices import DOCS_URL
from ..files import write_atomic
from . import common


def add_parser(commands: common.Subcommands) -> None:
    parser = commands.add_parser(
        "check",
        help="check hand-calculated answers: correct, truncated, rounding drift or wrong, and why",
        description="Judge every answer of an answers file against the exact values, to the "
        "digits written; find the first wrong step, follow-through and likely mistakes. "
        f"Exit code 0: all correct; 1: some answer is not; 2: bad input. See {DOCS_URL}checking/",
    )
    common.add_problem_options(parser)
    parser.add_argument("answers", help="answers file (TOML: name = value as written)")
    common.add_format(parser)
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="also write a feedback report, Markdown (.md) or LaTeX (.tex), atomically",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..check import check
    from ..check.render import report_writer

    writer = report_writer(args.report) if args.report else None  # bad suffix: before work
    common.refuse_inputs(args, args.report)
    report = check(common.load(args), args.answers)
    if writer is not None:
        write_atomic(args.report, writer(report))
    common.emit(report.to_json() if args.format == "json" else report.to_text(), None)
    return common.EXIT_OK if report.all_correct else common.EXIT_FAILED

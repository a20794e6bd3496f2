"""``lstm-sym sheet``: the LaTeX solution sheet, and with ``--pdf`` its PDF."""

from __future__ import annotations

import argparse

from ..choices import DOCS_URL, MIN_DIGITS, PARTS, VIEWS
from . import common


def add_parser(commands: common.Subcommands) -> None:
    from ..limits import limit

    parser = commands.add_parser(
        "sheet",
        help="a LaTeX solution sheet (formula = numbers = value for every step), optionally PDF",
        description="Write the whole calculation as a LaTeX document; --pdf compiles it with "
        f"latexmk (pdfLaTeX, no shell escape). See {DOCS_URL}sheets/",
    )
    common.add_problem_options(parser)
    common.add_output(parser, "write the .tex to FILE (default: stdout)")
    parser.add_argument(
        "--pdf", action="store_true", help="also build FILE's PDF beside it (needs -o and latexmk)"
    )
    parser.add_argument(
        "--parts",
        metavar="LIST",
        default=",".join(PARTS),
        help=f"comma-separated parts to include, from {','.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=5,
        metavar="N",
        help=f"decimal places of displayed values, {MIN_DIGITS} to {limit('sheet_digits')} (default 5)",
    )
    parser.add_argument(
        "--view",
        choices=VIEWS,
        default="scalar",
        help="one line per component (scalar, default) or per vector (vector)",
    )
    parser.add_argument(
        "--problem-only",
        action="store_true",
        help="the given data and the equations with blanks to fill in (no values)",
    )
    parser.add_argument(
        "--flow", action="store_true", help=f"add a Gradient flow section (see {DOCS_URL}flow/)"
    )
    parser.add_argument(
        "--intermediates",
        action="store_true",
        help="add tanh(c_t), a batch's per-sequence losses and the shares of delta_h_t",
    )
    parser.add_argument("--title", help="title (default: the problem file's title)")
    parser.add_argument("--course", help="course line (default: the problem file's course)")
    parser.add_argument("--author", help="author line (default: the problem file's author)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..latex import Sheet

    tex = args.output
    if args.pdf and (not tex or tex == "-"):
        raise common.UsageError("lstm-sym sheet: --pdf needs -o FILE.tex (see --help)")
    if args.pdf and not tex.endswith(".tex"):
        # FILE.pdf and FILE.log are written beside FILE.tex: only for a name ending in .tex
        raise common.UsageError(f"lstm-sym sheet: --pdf needs -o FILE.tex, found -o {tex}")
    stem = tex.removesuffix(".tex") if args.pdf else None
    common.refuse_inputs(args, tex, *((f"{stem}.pdf", f"{stem}.log") if stem else ()))
    sheet = Sheet(
        common.load(args),
        parts=tuple(p.strip() for p in args.parts.split(",") if p.strip()),
        digits=args.digits,
        view=args.view,
        problem_only=args.problem_only,
        title=args.title,
        course=args.course,
        author=args.author,
        flow=args.flow,
        intermediates=args.intermediates,
    )
    text = sheet.to_latex()
    if args.pdf:  # the .tex is written with the PDF: an interrupted build leaves neither
        from ..latex import build_pdf

        common.emit(f"{build_pdf(tex, source=text)}\n", None)
    else:
        common.emit(text, tex, args.problem)
    return common.EXIT_OK

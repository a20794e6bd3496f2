"""The class commands of ``lstm-sym``: variants, handouts, grade and lms.

Only argument parsing happens at import: each command imports what it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..choices import DOCS_URL
from ..errors import terminal_text

GUIDE = f"{DOCS_URL}classroom/"
#: The exit code of ``grade`` when some rows could not be graded.
EXIT_BAD_ROWS = 1
#: Rows not graded that ``grade`` lists on standard error (all are in rows.csv).
SHOWN_ROWS = 3


def _parallel(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="run in N processes (default 1)"
    )
    parser.add_argument(
        "--executor",
        metavar="dask://HOST:PORT",
        help="run on a Dask cluster's workers instead (pip install 'lstm_sym[class]')",
    )


def add_classroom_commands(commands: Any) -> None:
    """Add ``variants``, ``handouts``, ``grade`` and ``lms`` to the command line."""
    parser = commands.add_parser(
        "variants",
        help="draw one fair variant of a template per student, with keys and a class summary",
        description="Draw one variant of a template (a problem file with draws and a "
        "[classroom] table) per student, reproducibly from the seed and the student's id; "
        "every variant passes the fairness rules, checked with proven values; write the "
        f"class folder: variants, keys, summary. See {GUIDE}",
    )
    parser.add_argument("template", help="template file (TOML)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--students", metavar="ROSTER", help="roster CSV (columns id and name)")
    who.add_argument("--count", type=int, metavar="N", help="N students named 1 to N")
    parser.add_argument("--seed", help="the class's seed (default: the template's classroom.seed)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="new class folder")
    _parallel(parser)
    parser.set_defaults(run=_run_variants)

    parser = _class_command(
        commands,
        "handouts",
        "a handout and a solution sheet (LaTeX, PDF) for every variant of a class",
        "Write every variant's handout (its data and what to compute: no values, no derived "
        "formulas) and solution sheet (the key) into the class folder.",
        _run_handouts,
    )
    parser.add_argument("--pdf", action="store_true", help="also build the PDFs (needs latexmk)")
    _parallel(parser)

    parser = _class_command(
        commands,
        "grade",
        "grade every submission of a class against its own variant, with feedback",
        "Check every student's answers (a CSV: student, answer, value) against the "
        "student's variant; write grades.csv, a feedback file per student and the class "
        "report. Exit code 0: every row graded; 1: some rows could not be (listed in "
        "rows.csv); 2: bad input.",
        _run_grade,
    )
    parser.add_argument("submissions", help="submissions CSV (columns student, answer, value)")
    parser.add_argument(
        "--points",
        metavar="LIST",
        help="points per verdict, e.g. truncated=0,follow_through=1 (default: the template's)",
    )
    parser.add_argument("--pdf", action="store_true", help="also build feedback and report PDFs")
    parser.add_argument("-o", "--output", metavar="DIR", help="where to write (default DIR/grades)")
    _parallel(parser)

    parser = _class_command(
        commands,
        "lms",
        "a class as Moodle XML (numerical questions) and a QTI 2.1 package",
        "Export a class for a learning-management system: Moodle XML with one numerical "
        "question per asked value of every variant, and/or a QTI 2.1 content package with "
        "one item per variant.",
        _run_lms,
    )
    parser.add_argument("--moodle", metavar="FILE", help="write Moodle XML to FILE")
    parser.add_argument(
        "--moodle-group",
        choices=("student", "question"),
        default="student",
        help="a question category per student (default), or per asked value (for random questions)",
    )
    parser.add_argument("--qti", metavar="FILE", help="write the QTI 2.1 package (zip) to FILE")


def _class_command(
    commands: Any, name: str, summary: str, description: str, run: Any
) -> argparse.ArgumentParser:
    """A command that works on a class folder (its first argument)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=f"{description} See {GUIDE}"
    )
    parser.add_argument("folder", metavar="DIR", help="class folder (written by variants)")
    parser.set_defaults(run=run)
    return parser


def _say(text: str) -> None:
    sys.stdout.write(terminal_text(text))


def _run_variants(args: argparse.Namespace) -> int:
    from ..classroom.csvfiles import Student, read_roster
    from ..classroom.executor import check_jobs
    from ..classroom.template import load_template
    from ..classroom.variants import draw_class
    from ..errors import InputError

    check_jobs(args.jobs, args.executor)
    if args.students is None and not 1 <= args.count <= 10_000:
        raise InputError("--count", "a number of students from 1 to 10000", str(args.count))
    template = load_template(args.template)
    students = (
        read_roster(args.students)
        if args.students is not None
        else [Student(str(k), f"Student {k}") for k in range(1, args.count + 1)]
    )
    record = draw_class(
        template, students, args.output, seed=args.seed, jobs=args.jobs, executor=args.executor
    )
    refused = sum(record.refusals.values())
    redrawn = sum(1 for a in record.assigned if a.draws > 1)
    rules = ", ".join(
        f"{n} {rule}" for rule, n in sorted(record.refusals.items(), key=lambda i: -i[1])
    )
    _say(
        f"{args.output}: {len(record.assigned)} variants; {redrawn} students redrawn, "
        f"{refused} draws refused" + (f" ({rules})" if rules else "") + "\n"
    )
    return 0


def _run_handouts(args: argparse.Namespace) -> int:
    from ..classroom.documents import write_handouts

    written = write_handouts(args.folder, pdf=args.pdf, jobs=args.jobs, executor=args.executor)
    _say(f"{args.folder}: {written} files (handouts/, solutions/)\n")
    return 0


def _run_grade(args: argparse.Namespace) -> int:
    from ..classroom.classgrade import grade_class
    from ..classroom.config import Points
    from ..classroom.folder import ClassFolder

    points = None
    if args.points is not None:
        points = Points.parse(args.points, ClassFolder(args.folder).load().config.points)
    run = grade_class(
        args.folder,
        args.submissions,
        points=points,
        pdf=args.pdf,
        jobs=args.jobs,
        executor=args.executor,
        output=args.output,
    )
    submitted = sum(1 for g in run.graded if g.report is not None)
    _say(
        f"{run.output}: {len(run.graded)} students graded ({submitted} with answers); "
        f"{len(run.bad)} row{'' if len(run.bad) == 1 else 's'} not graded\n"
    )
    for bad in run.bad[:SHOWN_ROWS]:
        sys.stderr.write(terminal_text(f"lstm-sym: row {bad.row} ({bad.student}): {bad.reason}\n"))
    if len(run.bad) > SHOWN_ROWS:
        more = len(run.bad) - SHOWN_ROWS
        sys.stderr.write(terminal_text(f"lstm-sym: {more} more in {run.output / 'rows.csv'}\n"))
    return EXIT_BAD_ROWS if run.bad else 0


def _run_lms(args: argparse.Namespace) -> int:
    from ..classroom.lms import export_lms

    for path in export_lms(args.folder, moodle=args.moodle, group=args.moodle_group, qti=args.qti):
        _say(f"{path}\n")
    return 0

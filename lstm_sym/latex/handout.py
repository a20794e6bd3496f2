r"""Handouts: a problem's data and what to compute, without a single value or derived formula.

A problem-only sheet (``Sheet(problem_only=True)``) is a worksheet: it prints every formula
of the calculation, the derived backward equations included, which gives a
backpropagation-through-time exercise away. A handout prints only the problem as given
(the cell, the loss, the parameters, inputs, targets and initial states), the cell's
forward equations and the loss, and a table of the quantities to compute with a blank
for each answer and the places it is graded at.

>>> from lstm_sym.problem import load_problem
>>> tex = handout(load_problem("examples/hw6.toml"), [("h_{1}", 5), ("L", 4)])
>>> r"\delta" in tex, "0.21741" in tex, r"h_{1}" in tex
(False, False, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..problem import Problem
from .document import PREAMBLE, given, table, title_block
from .sheet import Sheet


def handout(
    problem: Problem,
    asked: Sequence[tuple[str, int]],
    *,
    title: str | None = None,
    course: str | None = None,
    author: str | None = None,
) -> str:
    """The handout as a LaTeX document; ``asked``: each quantity (LaTeX math) and its places.

    ``title``, ``course`` and ``author`` replace the problem's (they are escaped).
    """
    sheet = Sheet(problem, problem_only=True, parts=("forward", "loss"))
    heading = title_block(
        title if title is not None else problem.title or "Problem sheet",
        course if course is not None else problem.course,
        author if author is not None else problem.author,
    )
    places = sorted({k for _, k in asked})
    rule = (
        f"{places[0]} decimal places" if len(places) == 1 else "the decimal places given beside it"
    )
    rows = [[name, rf"\text{{{k} places}}", r"\underline{\hspace{4cm}}"] for name, k in asked]
    body = [
        heading,
        given(problem, sheet.names, sheet.lookup_given),
        sheet.equations(),
        r"\section*{What to compute}",
        f"Compute each quantity below from the data above and write it correctly rounded to "
        f"{rule}. Show your work on separate sheets.",
        table(["Quantity", "Places", "Your answer"], rows, long=True),
    ]
    return PREAMBLE + "\\begin{document}\n" + "\n\n".join(body) + "\n\\end{document}\n"

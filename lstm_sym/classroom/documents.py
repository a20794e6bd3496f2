"""Handouts and solution sheets of a class: one of each per variant, LaTeX and PDF.

The handout (:func:`lstm_sym.latex.handout`) gives the variant's data and what to compute,
with no value and no derived formula; the solution sheet is the variant's full solution
sheet at the places graded, ending with the key: every asked value as graded. Both name
the student (escaped: names come from a roster). Each variant is one task: it returns
its files' contents, so the work can run on any executor.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..check.quantities import Catalogue
from ..check.work import name_latex
from ..latex import Sheet, build_pdf, handout
from ..latex.build import LatexError, latexmk_path
from ..latex.document import table
from ..latex.names import NameStyle
from ..problem import Problem
from .executor import check_jobs, executor_for, results
from .folder import Carried, ClassFolder, ClassRecord

#: A key of more rows than this may break across pages.
KEY_ROWS = 30


def asked_latex(problem: Problem, names: Sequence[str]) -> list[str]:
    """Each asked scalar (by canonical name) typeset as the solution sheet names it."""
    catalogue = Catalogue(problem)
    style = NameStyle(problem.cell)
    vector_output = any(n.base == problem.cell.output for n in catalogue.wholes)
    return [name_latex(problem, style, catalogue.resolve(n), vector_output) for n in names]


def student_line(student: str, name: str, variant: str) -> str:
    """The line under the title that says whose paper it is."""
    who = name if name == student else f"{name} ({student})"
    return f"{who}, variant {variant}"


def variant_documents(carried: Carried, pdf: bool) -> dict[str, bytes]:
    """The handout and the solution sheet of one variant: relative path -> contents."""
    problem = carried.problem()
    a = carried.assigned
    key, variant = a.key, a.variant
    latex_names = asked_latex(problem, [k["name"] for k in key])
    author = student_line(a.student, a.name, variant)
    sheet_tex = handout(
        problem, [(n, k["places"]) for n, k in zip(latex_names, key, strict=True)], author=author
    )
    places = max(k["places"] for k in key)
    solution = Sheet(problem, digits=places, author=author).to_latex()
    rows = [
        [n, rf"\text{{{k['places']}}}", k["value"]] for n, k in zip(latex_names, key, strict=True)
    ]
    answers = (
        "\\clearpage\n\\section*{Key}\nThe asked values, correctly rounded to the places graded.\n"
        + table(["Quantity", "Places", "Value"], rows, long=len(rows) > KEY_ROWS)
    )
    solution = solution.replace("\\end{document}\n", answers + "\n\\end{document}\n")
    files = {
        f"handouts/{variant}.tex": sheet_tex.encode("utf-8"),
        f"solutions/{variant}.tex": solution.encode("utf-8"),
    }
    if pdf:
        files[f"handouts/{variant}.pdf"] = pdf_bytes(sheet_tex)
        files[f"solutions/{variant}.pdf"] = pdf_bytes(solution)
    return files


def open_class(
    root: str | Path, *, jobs: int, executor: str | None, pdf: bool
) -> tuple[ClassFolder, ClassRecord]:
    """A class folder and its record, once the options are known to be good."""
    folder = ClassFolder(root)
    record = folder.load()
    check_jobs(jobs, executor)
    if pdf and latexmk_path() is None:
        raise LatexError(
            "cannot build PDFs: latexmk is not installed (Debian: apt-get install "
            "texlive-latex-base texlive-latex-recommended texlive-latex-extra latexmk)"
        )
    return folder, record


def pdf_bytes(tex: str) -> bytes:
    """A LaTeX document compiled to PDF, in a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="lstm-sym-class-") as work:
        return build_pdf(Path(work) / "document.tex", source=tex).read_bytes()


def write_handouts(
    root: str | Path, *, pdf: bool = False, jobs: int = 1, executor: str | None = None
) -> int:
    """Write every variant's handout and solution sheet (and PDFs) into the class folder."""
    folder, record = open_class(root, jobs=jobs, executor=executor, pdf=pdf)
    items = [(folder.carried(a), pdf) for a in record.assigned]
    written = 0
    with executor_for(jobs, executor) as pool:
        for files in results(pool, variant_documents, items):
            for relative, data in files.items():
                folder.write(relative, data)
                written += 1
    return written

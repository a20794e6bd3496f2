"""The fixed parts of a sheet: the document shell (also a check report's), the title block,
the given problem and the summary tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..derive.naming import Naming
from ..frameworks.layouts import NATIVE, layouts_of
from ..names import Name
from ..problem import Problem
from ..spec.losses import LOSS_TERM
from .blocks import BLANK
from .escape import escape_text, math_identifier
from .names import NameStyle
from .printer import bmatrix
from .widths import ROW_BUDGET, fit, pack

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{array,booktabs,longtable}
\ifdefined\pdfgentounicode
  \input{glyphtounicode}\pdfgentounicode=1
\fi
\allowdisplaybreaks
\setcounter{MaxMatrixCols}{30}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}
\renewcommand{\arraystretch}{1.15}
"""


def latex_document(body: str, *, packages: str = "") -> str:
    """A standalone pdfLaTeX document (standard packages only): the preamble, any more
    ``packages`` (``\\usepackage`` lines), and ``body``."""
    return PREAMBLE + packages + "\\begin{document}\n" + body + "\n\\end{document}\n"


#: A displayed number of a name, or ``None`` when there is none.
Lookup = Callable[[Name], str | None]


def title_block(title: str, course: str, author: str) -> str:
    """The centred title, course and author (user text, escaped here)."""
    lines = [rf"{{\Large\bfseries {escape_text(title)}\par}}"]
    lines += [rf"{{\large {escape_text(text)}\par}}" for text in (course, author) if text]
    return "\\begin{center}\n" + "\n\\medskip\n".join(lines) + "\n\\end{center}"


def shaped(name: Name, rows: int, cols: int, matrix: bool, lookup: Lookup) -> str:
    """The value of a vector or matrix name: a number when 1×1, else a ``bmatrix``."""
    if rows * cols == 1:
        return lookup(name) or BLANK
    entries = [
        [
            lookup(name.component(r, c) if matrix else name.component(r)) or BLANK
            for c in range(1, cols + 1)
        ]
        for r in range(1, rows + 1)
    ]
    return bmatrix(entries)


def gather(items: Sequence[str]) -> str:
    """Items ``name = value`` in centred rows that fit the page (a ``gather*``)."""
    rows = pack([fit(item, ROW_BUDGET) + r"\qquad" for item in items], ROW_BUDGET)
    body = " \\\\\n".join(row.removesuffix(r"\qquad") for row in rows)
    return "\\begin{gather*}\n" + body + "\n\\end{gather*}"


def code(text: str) -> str:
    """``text`` (a name the user types: a cell, a loss, an array key) in typewriter."""
    return rf"\texttt{{{escape_text(text)}}}"


def _layout(problem: Problem, names: NameStyle) -> str:
    """How the parameters were given: the cell's names, or each framework array's blocks."""
    cell = problem.cell
    if problem.layout == NATIVE:
        shown = ", ".join(f"${names(Name(p.name))}$" for p in cell.params[:3])
        more = r", \ldots" if len(cell.params) > 3 else ""
        text = f"one entry per parameter, named as in the cell ({shown}{more})"
    else:
        arrays = []
        for layout in layouts_of(problem.layout, gates=problem.gates):
            if layout.cell != cell.name:
                continue
            for tensor in layout.stored(cell):
                stacked = f"[{tensor.stacked(lambda block: names(Name(block)))}]"
                stacked += r"^{\top}" if tensor.transpose else ""
                arrays.append(f"{code(tensor.key)} $= {stacked}${tensor.shaped}")
        text = f"{code(problem.layout)} layout" + (": " + "; ".join(arrays) if arrays else "")
    if problem.parameters_file:
        text += f" (read from {code(problem.parameters_file)})"
    return text


def conventions(problem: Problem, names: NameStyle) -> list[tuple[str, str]]:
    """The problem's conventions (:attr:`Problem.conventions`) as (topic, LaTeX) rows.

    Built-in cells, losses and heads give LaTeX forms of their descriptions and
    statements; anything else (a custom cell's text) prints escaped.
    """
    cell, loss = problem.cell, problem.loss
    rows = []
    for topic, statement in problem.conventions:
        label = topic
        if topic == "cell":
            text = f"{code(cell.name)} --- " + (
                cell.latex_description or escape_text(cell.description)
            )
        elif topic == "loss":
            text = f"{code(loss.name)} --- " + (
                loss.latex_description or escape_text(loss.description)
            )
        elif topic == "activations":
            text = ", ".join(
                f"{escape_text(slot.name)} {code(slot.activation)}" for slot in cell.activations
            )
        elif topic == "parameters":
            label, text = "layout", _layout(problem, names)
        else:
            text = cell.latex_conventions.get(topic) or escape_text(statement)
        rows.append((escape_text(label[:1].upper() + label[1:]), text))
    return rows


def given(problem: Problem, names: NameStyle, lookup: Lookup) -> str:
    """The problem as given: cell, loss, sizes and conventions, parameters, inputs, targets."""
    cell = problem.cell
    steps = sorted({seq.steps for seq in problem.sequences})
    sizes = ", ".join(f"{math_identifier(k)} = {v}" for k, v in sorted(problem.sizes.items()))
    sizes += ", T = " + "/".join(map(str, steps))
    if problem.batch > 1:
        sizes += f", B = {problem.batch}"
    out = [r"\section*{Problem}"]
    if problem.description:
        out.append(escape_text(problem.description))
    rows = conventions(problem, names)
    first = [row for row in rows if row[0] in ("Cell", "Loss")]
    last = [row for row in rows if row[0] == "Reference"]
    rest = [row for row in rows if row not in first and row not in last]
    rows = [*first, ("Sizes", f"${sizes}$"), *rest, *last]
    body = " \\\\\n".join(f"{topic} & {text}" for topic, text in rows)
    out.append(
        "\\begin{tabular}{@{}>{\\itshape}l@{\\quad}>{\\raggedright\\arraybackslash}"
        "p{0.8\\textwidth}@{}}\n" + body + "\n\\end{tabular}"
    )
    params = [
        f"{names(Name(p.name))} = "
        + shaped(Name(p.name), *_shape(problem.params[p.name]), p.is_matrix, lookup)
        for p in cell.params
    ]
    out += [r"\subsection*{Parameters}", gather(params)]
    for b, seq in enumerate(problem.sequences):
        label = problem.seq_label(b)
        size = len(seq.x[0])
        targets = "" if problem.forward_only else ", targets"
        heading = (
            f"Sequence {label}" if label is not None else f"Inputs{targets} and initial states"
        )
        out.append(rf"\subsection*{{{heading}}}")
        items = [
            f"{names(Name(cell.input, t, (), label))} = "
            + shaped(Name(cell.input, t, (), label), size, 1, False, lookup)
            for t in range(1, seq.steps + 1)
        ]
        data = problem.loss.data
        for t, target in enumerate(() if problem.forward_only else seq.targets, start=1):
            name = Name(data, t, (), label)
            value = (
                shaped(name, len(target), 1, False, lookup)
                if target is not None
                else r"\text{none}"
            )
            items.append(f"{names(name)} = {value}")
        for state, start in seq.initial.items():
            name = Name(state, 0, (), label)
            items.append(f"{names(name)} = {shaped(name, len(start), 1, False, lookup)}")
        for state, gradient in seq.terminal.items():
            name = Name(f"g_{state}", None, (), label)
            items.append(f"{names(name)} = {shaped(name, len(gradient), 1, False, lookup)}")
        out.append(gather(items))
    return "\n".join(out)


def _shape(value: object) -> tuple[int, int]:
    assert isinstance(value, tuple)
    if value and isinstance(value[0], tuple):
        return len(value), len(value[0])
    return len(value), 1


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *, long: bool = False) -> str:
    """A booktabs table of display-math cells (a ``longtable`` when it may span pages)."""
    columns = "l" * len(header)
    lines = [r"\toprule", " & ".join(header) + r" \\ \midrule"]
    for row in rows:
        cells = (rf"$\displaystyle {fit(cell, ROW_BUDGET - 12)}$" if cell else "" for cell in row)
        lines.append(" & ".join(cells) + r" \\ \addlinespace")
    lines[-1] = lines[-1].removesuffix(r" \addlinespace")
    lines.append(r"\bottomrule")
    inner = "\n".join(lines)
    if long:
        return f"\\begin{{longtable}}{{{columns}}}\n{inner}\n\\end{{longtable}}"
    return (
        f"\\begin{{center}}\n\\begin{{tabular}}{{{columns}}}\n{inner}\n"
        "\\end{tabular}\n\\end{center}"
    )


def summary(problem: Problem, names: NameStyle, lookup: Lookup, *, gradients: bool) -> str:
    """Tables of the results (blanks where ``lookup`` has no value).

    One table per sequence with every state and the loss term at every step, then L, then
    (with ``gradients``) every parameter gradient and the gradients of the initial states.
    """
    cell = problem.cell
    out = [r"\section*{Summary}"]
    loss = not problem.forward_only
    for b, seq in enumerate(problem.sequences):
        label = problem.seq_label(b)
        header = ["$t$"] + [f"${names.template(s.name, 't')}$" for s in cell.states]
        header += [f"${names.template(LOSS_TERM, 't')}$"] if loss else []
        rows = []
        for t in range(1, seq.steps + 1):
            row = [str(t)]
            for state in cell.states:
                size = problem.sizes.get(state.size, 1)
                row.append(shaped(Name(state.name, t, (), label), size, 1, False, lookup))
            has_loss = seq.targets[t - 1] is not None
            if loss:
                row.append(lookup(Name(LOSS_TERM, t, (), label)) or BLANK if has_loss else "")
            rows.append(row)
        if label is not None:
            out.append(rf"\subsection*{{Sequence {label}}}")
        out.append(table(header, rows))
    if loss:
        out.append(rf"\[ L = {lookup(Name('L')) or BLANK} \]")
    if not gradients or not loss:
        return "\n".join(out)
    rows = []
    sizes = {state.name: problem.sizes.get(state.size, 1) for state in cell.states}
    for gradient in Naming.of(cell).gradients(problem, inputs=False):
        name = gradient.name
        if gradient.kind == "parameter":
            is_matrix = cell.param(gradient.of).is_matrix
            shape = _shape(problem.params[gradient.of])
            rows.append([names(name), shaped(name, *shape, is_matrix, lookup)])
        else:
            rows.append([names(name), shaped(name, sizes[gradient.of], 1, False, lookup)])
    # no heading of its own: longtable may break the page right after one
    out.append(table(["Gradient", "Value"], rows, long=True))
    return "\n".join(out)

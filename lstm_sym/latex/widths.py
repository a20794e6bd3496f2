"""Lines that fit the page: estimate how wide LaTeX math is, and break sums across rows.

A sheet line is *name = formula = numbers = value*. When it is too wide for one row of an
``align*`` it is broken before ``=`` signs, and a sum that is still too wide is broken
between its terms (continuation rows are indented by ``\\qquad``). Widths are estimated
from the LaTeX source in units of one digit's width at the body font size; the estimate
errs on the wide side, and the tests compile sheets and look for overfull boxes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

#: The width of a digit at the body font size (11 pt Computer Modern), in points.
DIGIT_POINTS = 5.48
#: The text width of the sheet's page layout (A4, 2 cm margins: 483.7 pt) in digit widths.
TEXT_WIDTH = 483.7 / DIGIT_POINTS
#: What a row may use: the text width less a safety margin for estimation error (the
#: estimate is within -5 % and +21 % of TeX's width on the rows of the example sheets).
ROW_BUDGET = TEXT_WIDTH - 5.0
#: Indentation of continuation rows (``\qquad``), in digit widths.
INDENT = 4.0

_COMMAND_WIDTHS = {
    "quad": 2.0,
    "qquad": 4.0,
    ",": 0.35,
    ";": 0.5,
    " ": 0.6,
    "cdot": 1.9,
    "odot": 2.3,
    "times": 2.3,
    "top": 1.1,
    "partial": 1.1,
    "ell": 0.9,
    "tanh": 3.4,
    "sum": 2.2,
    "ldots": 2.4,
    "mathbf": 0.0,
    "mathrm": 0.0,
    "text": 0.0,
    "tilde": 0.0,
    "hat": 0.0,
    "bar": 0.0,
    "big": 0.0,
    "Big": 0.0,
}
#: Smaller font sizes for rows that cannot be broken, with their width relative to 11 pt.
_SIZES = (
    (r"\small", 10 / 10.95),
    (r"\footnotesize", 9 / 10.95),
    (r"\scriptsize", 8 / 10.95),
    (r"\tiny", 6 / 10.95),
)
_WIDE_LETTERS = set("WMUHKNVXQDGOCL")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.DOTALL)


def _group(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The tokens of the group starting at ``tokens[i]`` (a braced group or one token)."""
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 0, i
    while j < len(tokens):
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
            if depth == 0:
                return tokens[i + 1 : j], j + 1
        j += 1
    return tokens[i + 1 :], len(tokens)


def _environment(tokens: list[str], i: int) -> tuple[float, int]:
    """Width of a ``bmatrix`` (or any array-like environment) starting at ``tokens[i]``."""
    _, j = _group(tokens, i + 1)  # the environment name
    depth, start, cells, rows = 0, j, [], []
    while j < len(tokens):
        token = tokens[j]
        if token == r"\begin":
            depth += 1
        elif token == r"\end":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and token in ("&", r"\\"):
            cells.append(_tokens_width(tokens[start:j]))
            start = j + 1
            if token == r"\\":
                rows.append(cells)
                cells = []
        j += 1
    cells.append(_tokens_width(tokens[start:j]))
    rows.append(cells)
    _, j = _group(tokens, j + 1)
    columns = max(len(row) for row in rows)
    widths = [max((row[c] for row in rows if c < len(row)), default=0.0) for c in range(columns)]
    return sum(widths) + 1.9 * (columns - 1) + 3.2, j


def _tokens_width(tokens: list[str]) -> float:
    width, i = 0.0, 0
    while i < len(tokens):
        token = tokens[i]
        if token == r"\begin":
            part, i = _environment(tokens, i)
            width += part
            continue
        i += 1
        if token == r"\frac":
            numerator, i = _group(tokens, i)
            denominator, i = _group(tokens, i)
            width += max(_tokens_width(numerator), _tokens_width(denominator)) + 0.6
        elif token == r"\hspace":
            group, i = _group(tokens, i)
            width += _length("".join(group))
        elif token in ("_", "^"):
            group, i = _group(tokens, i)
            script = 0.8 * _tokens_width(group)
            if i < len(tokens) and tokens[i] in ("_", "^") and tokens[i] != token:
                other, i = _group(tokens, i + 1)  # sub- and superscript stack
                second = 0.8 * _tokens_width(other)
                script = max(script, second) + 0.3 * min(script, second)
            width += script
        elif token in (r"\left", r"\right"):
            delimiter, i = _group(tokens, i)
            width += 0.0 if delimiter == ["."] else 1.2
        elif token == "{" or token == "}" or token.isspace() or token == "&":
            continue
        elif token.startswith("\\"):
            width += _COMMAND_WIDTHS.get(token[1:], 1.2)
        elif token in "+-":
            width += 2.0
        elif token == "=":
            width += 2.2
        elif token in ".,":
            width += 0.55
        elif token in "()[]|":
            width += 0.8
        elif token in _WIDE_LETTERS:
            width += 1.8
        else:
            width += 1.1
    return width


def _length(text: str) -> float:
    """A TeX length such as ``2cm`` or ``10pt`` in digit widths."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(cm|mm|pt|em)\s*", text)
    if not match:
        return 2.0
    points = {"cm": 28.45, "mm": 2.845, "pt": 1.0, "em": 11.0}[match[2]]
    return float(match[1]) * points / DIGIT_POINTS


@lru_cache(maxsize=16384)
def width(tex: str) -> float:
    """The estimated width of math-mode LaTeX, in digit widths."""
    return _tokens_width(_TOKEN.findall(tex))


def pack(terms: Sequence[str], budget: float) -> list[str]:
    """Terms of a sum gathered greedily into rows no wider than ``budget`` (when possible)."""
    rows: list[str] = []
    current: list[str] = []
    used = 0.0
    for term in terms:
        size = width(term) + 0.6
        if current and used + size > budget:
            rows.append(" ".join(current))
            current, used = [], 0.0
        current.append(term)
        used += size
    if current:
        rows.append(" ".join(current))
    return rows


def fit(tex: str, budget: float) -> str:
    """``tex`` at a smaller font size when it is wider than ``budget`` (an unbreakable matrix)."""
    size = width(tex)
    if size <= budget:
        return tex
    command = next((c for c, scale in _SIZES if size * scale <= budget), _SIZES[-1][0])
    return rf"\text{{{command}$\displaystyle {tex}$}}"


def align_rows(lhs: str, parts: Sequence[Sequence[str]], lhs_width: float) -> list[str]:
    """The ``align*`` rows of ``lhs = part = part = ...`` (each part a list of sum terms).

    ``lhs_width`` is the widest left-hand side of the block (the column everything aligns on).
    A row that cannot be broken further and is still too wide is set in a smaller font.
    """
    texts = [" ".join(part) for part in parts]
    budget = ROW_BUDGET - lhs_width - 2.2
    whole = " = ".join(texts)
    if width(whole) <= budget:
        return [f"{lhs} &= {whole}"]
    rows: list[list[str]] = []  # [head, body]
    for n, part in enumerate(parts):
        text = texts[n]
        if rows and n == len(parts) - 1 and _fits(rows[-1], f" = {text}", budget):
            rows[-1][1] += f" = {text}"
            continue
        lines = pack(part, budget - INDENT)
        rows.append([f"{lhs} &= " if not rows else "&= ", lines[0]])
        rows.extend([r"&\qquad ", line] for line in lines[1:])
    out = []
    for head, body in rows:
        indent = INDENT if head.endswith(r"\qquad ") else 0.0
        out.append(head + fit(body, budget - indent))
    return out


def _fits(row: list[str], extra: str, budget: float) -> bool:
    indent = INDENT if row[0].endswith(r"\qquad ") else 0.0
    return width(row[1]) + width(extra) + indent <= budget

"""The quantities a student may answer, and forgiving resolution of the names they write.

Every scalar of the forward pass, the loss, the backward pass and the gradients is
answerable by its canonical name (``h_2``, ``c_tilde_1``, ``delta_c_1``, ``dL_dW_f[1,2]``,
``L``), and a whole vector or matrix by its name without the index. Squared-error losses
add ``se_t`` = ‖y_t − h_t‖², the squared error a hand calculation writes before scaling
(the loss term is ``ell_t`` = scale · ``se_t``). Common spellings are accepted
(``h1``, ``h[1]``, ``c~_2``, ``ctilde_2``, ``dL/dW_f``, ``loss``, ``(y_2-h_2)^2``); a name
that matches nothing is an error naming the closest real names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import mpmath

from ..derive.naming import (
    DELTA,
    GRAD,
    GRADIENT,
    INTERMEDIATE,
    LOSS,
    TOTAL,
    UPDATE,
    Section,
    applied,
    delta,
    total,
)
from ..errors import InputError, describe
from ..evaluate.evaluator import Evaluator, scalar_values
from ..evaluate.intermediates import sources as intermediate_sources
from ..evaluate.update import updated_name
from ..frameworks.courses import COURSE_NAMES
from ..names import Name
from ..problem import Problem
from ..spec.heads import HEAD_OUTPUT
from ..spec.losses import SOFTMAX_OUTPUT

#: The name of the squared error of losses whose step term is scale · ‖y − output‖².
SQUARED_ERROR = "se"


@dataclass(frozen=True)
class Quantity:
    """An answerable scalar: its name, where it is in dependency order, how it is valued.

    Its value is the value of ``source`` (itself, except for ``se_t``: ``ell_t`` / scale).
    """

    name: Name
    section: Section
    position: int
    source: Name


def quantities(problem: Problem) -> list[Quantity]:
    """Every answerable scalar of ``problem`` in dependency order (forward, loss, backward, gradients)."""
    with mpmath.workdps(15):
        trace = Evaluator(problem).run(gradients=True)
        listing = [
            (section, name) for section, name, _ in scalar_values(problem, trace, gradients=True)
        ]
    squared = problem.loss.squared_error
    found: list[Quantity] = []
    named: dict[Name, list[Name]] = {}  # tanh_c_1 right after c_1, L^(2) after L
    for intermediate, source in intermediate_sources(problem, [name for _, name in listing]):
        named.setdefault(source, []).append(intermediate)
    for section, name in listing:
        found.append(Quantity(name, section, len(found), name))
        for intermediate in named.get(name, ()):
            found.append(Quantity(intermediate, INTERMEDIATE, len(found), name))
        if squared and section == LOSS and name.base == "ell":
            se = Name(SQUARED_ERROR, name.step, name.index, name.seq)
            found.append(Quantity(se, section, len(found), name))
    if problem.training is not None:  # W_f_new[1,2] from dL_dW_f[1,2]
        for section, name in listing:
            new = updated_name(problem, name) if section == GRADIENT else None
            if new is not None:
                found.append(Quantity(new, UPDATE, len(found), name))
    return found


# -- spellings ---------------------------------------------------------------------------

_REPLACE = {
    "δ": DELTA,
    "Δ": DELTA,
    "∂": "d",
    "ℓ": "ell",
    "\u0303": "~",  # combining tilde (c̃)
    "−": "-",
    "²": "^2",
    " ": "",
}
_PARTS = re.compile(
    r"(?P<base>.*?[A-Za-z~])_?(?P<step>\d+)?"
    r"(?:\[(?P<index>\d+(?:,\d+)*)\])?(?:\^\(?(?P<seq>\d+)\)?)?"
)
_SQUARE = re.compile(
    r"\((?P<a>[A-Za-z]\w*?)_?(?P<s>\d+)-(?P<b>[A-Za-z]\w*?)_?(?P<t>\d+)\)(?:\^2|\*\*2)"
    r"(?:\^\(?(?P<seq>\d+)\)?)?"
)
#: ``tanh(c_1)``, ``tanh(c_1[2])``: the named intermediate ``tanh_c_1``.
_APPLIED = re.compile(r"(?P<function>tanh)\((?P<quantity>[^()]+)\)(?P<rest>.*)")
_TILDE = re.compile(r"(?P<q>[A-Za-z])_?(?:~|tilde|bar|hat|hash)", re.I)
_TOTAL_LOSS = {"loss", "l", "mse", "sse", "e", "j", "cost", "total_loss", "error"}
_STEP_LOSS = {"ell", "l", "loss", "e", "j", "cost", "l_t"}
_SQUARED = {"se", "sq_err", "sqerr", "sq_error", "squared_error", "squared_err", "e2", "err2"}
#: The output head's values before the softmax (``y_hat``), and the softmax's (``p``).
_LOGITS = {"logits", "logit", "scores", "z_y", "zy"}
_PROBABILITIES = {"probs", "prob", "probabilities", "softmax", "y_pred", "yt_pred", "p_hat"}


#: Longest answer name that can name a quantity (longer ones match nothing).
MAX_NAME_LENGTH = 100


def _clean(key: str) -> str:
    text = unicodedata.normalize("NFD", key.strip())
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"^dL/d", TOTAL, text, flags=re.I)
    text = re.sub(r"^delta_*", DELTA, text)
    return text


def _bases(base: str, stepped: bool) -> Iterator[str]:
    """Canonical bases a written base may stand for, most likely first."""
    yield base
    low = base.lower()
    if not stepped and low in _TOTAL_LOSS:
        yield "L"
    if stepped and low in _STEP_LOSS:
        yield "ell"
    if low in _SQUARED:
        yield SQUARED_ERROR
    if low in _LOGITS:
        yield HEAD_OUTPUT
    if low in _PROBABILITIES:
        yield SOFTMAX_OUTPUT
    tilde = _TILDE.fullmatch(base)
    if tilde:
        yield f"{tilde['q']}_tilde"
    for prefix in (TOTAL, TOTAL.lower(), "d"):
        if base.startswith(prefix) and len(base) > len(prefix):
            rest = base[len(prefix) :]
            yield delta(rest)
            yield total(rest)
            tilde = _TILDE.fullmatch(rest)
            if tilde:
                yield delta(f"{tilde['q']}_tilde")
    if base.startswith("delta") and not base.startswith(DELTA):
        yield delta(base.removeprefix("delta"))
    if base.startswith(DELTA):
        tilde = _TILDE.fullmatch(base.removeprefix(DELTA))
        if tilde:
            yield delta(f"{tilde['q']}_tilde")
    if base.startswith(GRAD):
        yield total(base.removeprefix(GRAD))


def spellings(key: str) -> Iterator[Name]:
    """Structured names ``key`` may mean, most likely first (not yet checked against a problem)."""
    text = _clean(key)
    if len(text) > MAX_NAME_LENGTH:  # no quantity's name is this long (nor its step number)
        return
    square = _SQUARE.fullmatch(text)
    if square and square["s"] == square["t"]:
        seq = int(square["seq"]) if square["seq"] else None
        yield Name(SQUARED_ERROR, int(square["s"]), (), seq)
        return
    call = _APPLIED.fullmatch(text)
    if call:
        text = applied(call["function"], call["quantity"]) + call["rest"]
    parts = _PARTS.fullmatch(text)
    if not parts:
        return
    step = int(parts["step"]) if parts["step"] is not None else None
    index = tuple(int(i) for i in parts["index"].split(",")) if parts["index"] else ()
    seq = int(parts["seq"]) if parts["seq"] else None
    for base in dict.fromkeys(_bases(parts["base"], step is not None)):
        yield Name(base, step, index, seq)
        if step is None and len(index) == 1:  # h[1]: the step, for a stepped quantity
            yield Name(base, index[0], (), seq)


class Catalogue:
    """The answerable quantities of one problem, looked up by any accepted spelling."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.quantities = quantities(problem)
        self.by_name = {q.name: q for q in self.quantities}
        self.wholes: dict[Name, list[Name]] = {}
        for q in self.quantities:
            if q.name.index:
                self.wholes.setdefault(q.name.whole(), []).append(q.name)
        self._folded: dict[str, list[Name]] = {}
        for name in [*self.by_name, *self.wholes]:
            self._folded.setdefault(str(name).lower(), []).append(name)

    def _lookup(self, name: Name) -> Name | None:
        name = self._course_name(name)
        if name in self.by_name or name in self.wholes:
            return name
        if name.index and all(i == 1 for i in name.index):  # h_1[1] of a one-unit cell
            plain = name.whole()
            if plain in self.by_name:
                return plain
        folded = self._folded.get(str(name).lower(), [])
        return folded[0] if len(folded) == 1 else None

    def _course_name(self, name: Name) -> Name:
        """``name`` in the cell's notation when it is written in the layout's course's."""
        names = COURSE_NAMES.get(self.problem.layout, {})
        base = name.base.lower()
        for build, prefix in ((str, ""), (delta, DELTA), (total, TOTAL)):
            if base.startswith(prefix.lower()) and base[len(prefix) :] in names:
                return Name(build(names[base[len(prefix) :]]), name.step, name.index, name.seq)
        return name

    def resolve(self, key: str) -> Name:
        """The quantity (a scalar, or a whole vector or matrix) ``key`` names."""
        for candidate in spellings(key):
            found = self._lookup(candidate)
            if found is not None:
                return found
        texts = [str(n) for n in [*self.by_name, *self.wholes]]
        cleaned = _clean(key)
        close = (
            difflib.get_close_matches(cleaned, texts, n=4, cutoff=0.5)
            if len(cleaned) <= MAX_NAME_LENGTH
            else []
        )
        hint = f"closest: {', '.join(close)}" if close else f"for example {', '.join(texts[:4])}"
        if self.problem.forward_only:
            hint += "; a forward-only problem has no loss and no gradients"
        field = key if len(key) <= 40 else key[:37] + "..."
        raise InputError(field, f"the name of a quantity of this problem ({hint})", describe(key))

    def components(self, name: Name) -> list[Name]:
        """The scalars of ``name`` (itself for a scalar) in row-major order."""
        return self.wholes.get(name, [name])

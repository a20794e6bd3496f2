"""The LSTM layouts of course material (cell ``lstm``), and the gate order of ``xh_rows``.

``cs231n``: ``Wx`` (d × 4n), ``Wh`` (n × 4n), ``b`` (4n), gates i, f, o, g side by side.
``dls``: per gate ``W<g>`` = [U_g | W_g] over ``[a_prev; x]`` and a column ``b<g>``, with
the head ``Wy`` (V) and ``by`` (b_y, a column). ``xh_rows``: one ``W`` whose rows are
[x; h] and whose column blocks are the gates in a chosen order, and one ``b``.
"""

from __future__ import annotations

from typing import Any

from ..choices import Framework
from ..errors import InputError
from .blocks import Layout, Tensor

#: The layout whose gate order a problem chooses (``gates = "f, i, o, g"``), and its default.
ORDERED: Framework = "xh_rows"
DEFAULT_ORDER = "ifoc"

#: How a gate may be written in ``gates``: the cell's letters, and g or c̃ for the candidate.
_LETTERS = {"i": "i", "f": "f", "o": "o", "c": "c", "g": "c", "c̃": "c"}


def xh_rows(order: str = DEFAULT_ORDER) -> Layout:
    """``W`` ((d + n) × 4n, rows [x; h], gate columns in ``order``) and ``b`` (4n)."""
    return Layout(
        ORDERED,
        "lstm",
        (
            Tensor(
                "W",
                tuple(name for g in order for name in (f"W_{g}", f"U_{g}")),
                transpose=True,
                columns=2,
            ),
            Tensor("b", tuple(f"b_{g}" for g in order)),
        ),
    )


def course_layouts() -> list[Layout]:
    """The course layouts, ``xh_rows`` in its default order."""
    ifog = "ifoc"
    return [
        Layout(
            "cs231n",
            "lstm",
            (
                Tensor("Wx", tuple(f"W_{g}" for g in ifog), transpose=True),
                Tensor("Wh", tuple(f"U_{g}" for g in ifog), transpose=True),
                Tensor("b", tuple(f"b_{g}" for g in ifog)),
            ),
        ),
        Layout(
            "dls",
            "lstm",
            tuple(
                tensor
                for g in "fico"
                for tensor in (
                    Tensor(f"W{g}", (f"U_{g}", f"W_{g}"), columns=2),
                    Tensor(f"b{g}", (f"b_{g}",), column=True),
                )
            ),
            head=(Tensor("Wy", ("V",)), Tensor("by", ("b_y",), column=True)),
        ),
        xh_rows(),
    ]


def gate_order(raw: Any, field: str) -> str:
    """A gate order as written (``"f, i, o, g"``, ``"ifog"``) as the cell's letters (``"fioc"``)."""
    expected = 'the gates i, f, o and g (or c) in order, such as "i, f, o, g"'
    if not isinstance(raw, str):
        raise InputError(field, expected, type(raw).__name__)
    words = raw.replace(",", " ").split()
    parts = words if len(words) > 1 else list(raw.strip())
    letters = [_LETTERS.get(part.lower()) for part in parts]
    if None in letters or sorted(str(x) for x in letters) != sorted(DEFAULT_ORDER):
        raise InputError(field, expected, repr(raw))
    return "".join(str(x) for x in letters)


#: How each course writes the ``lstm`` cell's quantities where its names differ: answers
#: to ``check`` for a problem given in that layout may use them (``a_2``, ``cct_1``, and
#: ``delta_a_2``, ``dL_da_2`` alike). Keys are compared in lower case.
COURSE_NAMES: dict[str, dict[str, str]] = {
    "cs231n": {"g": "c_tilde", "a_i": "z_i", "a_f": "z_f", "a_o": "z_o", "a_g": "z_c"},
    "dls": {
        **{"a": "h", "cct": "c_tilde", "ft": "f", "it": "i", "ot": "o"},
        **{"gamma_f": "f", "gamma_u": "i", "gamma_i": "i", "gamma_o": "o"},
        **{"yt_pred": "p", "y_pred": "p"},
    },
    "xh_rows": {"g": "c_tilde", "z_g": "z_c"},
}


def gate_text(order: str) -> str:
    """A gate order as the layout's docs write it (the candidate as g): ``"i, f, o, g"``."""
    return ", ".join("g" if g == "c" else g for g in order)


#: Where each course keeps the sequence, the step and the component in its ``x`` (and the
#: sequence and the component in its ``h0`` / ``a0``).
X_AXES = {"cs231n": "ntd", "dls": "dnt"}


def course_sequences(layout: str, x: Any, h0: Any = None) -> list[dict[str, Any]]:
    """A course's batch ``x`` (and initial output ``h0``) as one ``[[sequence]]`` table each.

    ``cs231n``: x is N × T × D and h0 N × H; ``dls``: x is n_x × m × T_x and a0 n_a × m.
    Nested lists or NumPy arrays; the tables hold ``x`` (T × d) and ``h_0``, and the caller
    adds each sequence's targets.
    """
    if layout not in X_AXES:
        raise InputError("layout", f"one of {', '.join(X_AXES)}", repr(layout))
    x = x.tolist() if hasattr(x, "tolist") else x
    h0 = h0.tolist() if hasattr(h0, "tolist") else h0
    if X_AXES[layout] == "ntd":
        xs = [sequence for sequence in x]
        starts = None if h0 is None else list(h0)
    else:
        xs = [[[row[n][t] for row in x] for t in range(len(x[0][0]))] for n in range(len(x[0]))]
        starts = None if h0 is None else [[row[n] for row in h0] for n in range(len(h0[0]))]
    tables: list[dict[str, Any]] = [{"x": sequence} for sequence in xs]
    for table, start in zip(tables, starts or [], strict=False):
        table["h_0"] = start
    return tables

"""The fixed choices of sheets, engines and parameter layouts, in a module that imports
nothing heavy.

Each closed set of names is a ``Literal`` type (so that mypy checks what the runtime
validation checks) and a tuple of its names in order. The command line builds its
``--help`` from these names without loading SymPy; the modules that use them
(:mod:`lstm_sym.latex.sheet`, :mod:`lstm_sym.model`, :mod:`lstm_sym.frameworks.layouts`)
import them from here.
"""

from __future__ import annotations

from typing import Literal, get_args

#: A part of a sheet.
Part = Literal["forward", "loss", "backward", "summary"]
#: The parts of a sheet, in reading order.
PARTS: tuple[Part, ...] = get_args(Part)

#: A sheet's view: one line per component, or one per vector.
View = Literal["scalar", "vector"]
VIEWS: tuple[View, ...] = get_args(View)

#: Fewest decimal places a sheet may display (the most is the ``sheet_digits`` limit).
MIN_DIGITS = 1

#: An evaluation engine: ball arithmetic (proven digits, the default) or mpmath
#: (digits certified by agreement at rising precision).
Engine = Literal["arb", "mpmath"]
ENGINES: tuple[Engine, ...] = get_args(Engine)

#: A parameter layout.
Framework = Literal["lstm_sym", "pytorch", "pytorch_cell", "keras", "cs231n", "dls", "xh_rows"]

#: The native layout: one entry per parameter, named as in the cell.
NATIVE: Framework = "lstm_sym"

#: Layouts by name, with what they are.
FRAMEWORKS: dict[Framework, str] = {
    NATIVE: "one entry per parameter, named as in the cell (W_f, U_f, b_f, ...)",
    "pytorch": "torch.nn.LSTM / GRU / RNN state dict (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0)",
    "pytorch_cell": "torch.nn.LSTMCell / GRUCell / RNNCell state dict (weight_ih, weight_hh, bias_ih, bias_hh)",
    "keras": "Keras LSTM / GRU / SimpleRNN weights (kernel, recurrent_kernel, bias)",
    "cs231n": "CS231n's RNN assignment: Wx (d × 4n), Wh (n × 4n), b (4n), gates i, f, o, g",
    "dls": "the Deep Learning Specialization's LSTM: Wf, Wi, Wc, Wo over [a_prev; x], bf, ..., Wy, by",
    "xh_rows": "lecture notes' W ((d + n) × 4n, rows [x; h], gates i, f, o, g) and b (4n)",
}

#: The documentation site: help texts point here (an installed user has no docs/ folder).
DOCS_URL = "https://lstm-sym.readthedocs.io/en/latest/"

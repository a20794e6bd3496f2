"""The fixed choices of sheets and parameter layouts, in a module that imports nothing heavy.

The command line builds its ``--help`` from these names without loading SymPy; the modules
that use them (:mod:`lstm_sym.latex.sheet`, :mod:`lstm_sym.frameworks.layouts`) import them from here.
"""

from __future__ import annotations

#: The parts of a sheet, in reading order.
PARTS = ("forward", "loss", "backward", "summary")
#: A sheet's views: one line per component or one per vector.
VIEWS = ("scalar", "vector")
#: Fewest decimal places a sheet may display (the most is the ``sheet_digits`` limit).
MIN_DIGITS = 1

#: The native layout: one entry per parameter, named as in the cell.
NATIVE = "lstm_sym"

#: Layouts by name, with what they are.
FRAMEWORKS: dict[str, str] = {
    NATIVE: "one entry per parameter, named as in the cell (W_f, U_f, b_f, ...)",
    "pytorch": "torch.nn.LSTM / GRU / RNN state dict (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0)",
    "pytorch_cell": "torch.nn.LSTMCell / GRUCell / RNNCell state dict (weight_ih, weight_hh, bias_ih, bias_hh)",
    "keras": "Keras LSTM / GRU / SimpleRNN weights (kernel, recurrent_kernel, bias)",
}

#: The documentation site: help texts point here (an installed user has no docs/ folder).
DOCS_URL = "https://lstm-sym.readthedocs.io/en/latest/"

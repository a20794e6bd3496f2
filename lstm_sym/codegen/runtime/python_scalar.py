"""The elementary functions of scalar code over Python floats (the ``python`` target).

Copied into every such module (:func:`lstm_sym.codegen.runtime.copied_source`).
"""

from __future__ import annotations

import math

# fmt: off
_exp, _tanh, _log = math.exp, math.tanh, math.log
_sqrt, _pow = math.sqrt, math.pow  # ValueError for a root of a negative
# fmt: on

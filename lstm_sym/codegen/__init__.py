"""Generated NumPy (and mpmath) functions for the forward pass, the loss and every gradient.

:func:`lambdify` returns them in memory; ``lstm-sym codegen`` writes them as a standalone
module. Both come from the cell's step template: the emitters walk its equations and
print source text, so every cell, head and loss gets code without code of its own.
"""

from .api import Functions, lambdify
from .generate import BACKENDS, STYLES, module_source
from .plan import Plan

__all__ = ["BACKENDS", "STYLES", "Functions", "Plan", "lambdify", "module_source"]

"""Gradient flow through time: why an LSTM's cell state carries gradients a plain RNN loses.

:class:`GradientFlow` computes, certified, the norms of every adjoint ∂L/∂h_t and
∂L/∂c_t, the Jacobians ∂s_T/∂s_t between steps (every path, and the LSTM's direct
"carousel" path ∏ f), their spectral norms and radii, and which equation each adjoint
arrives through; what-if :class:`Override` s force a gate at chosen steps. See
docs/flow.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .certified import GradientFlow
    from .result import FlowSolution
    from .whatif import Override

__all__ = ["FlowSolution", "GradientFlow", "Override"]

#: Where each public name lives: loaded on first use, so that importing the package (as
#: ``lstm_sym.flow.naming`` users do) imports no SymPy.
_EXPORTS = {"GradientFlow": "certified", "FlowSolution": "result", "Override": "whatif"}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value

"""Gradient flow through time: why an LSTM's cell state carries gradients a plain RNN loses.

:class:`GradientFlow` computes, certified, the norms of every adjoint ∂L/∂h_t and
∂L/∂c_t, the Jacobians ∂s_T/∂s_t between steps (every path, and the LSTM's direct
"carousel" path ∏ f), their spectral norms and radii, and which equation each adjoint
arrives through; what-if :class:`Override` s force a gate at chosen steps. See
docs/flow.md.
"""

from __future__ import annotations

from .certified import GradientFlow
from .result import FlowSolution
from .whatif import Override

__all__ = ["FlowSolution", "GradientFlow", "Override"]

"""The functions of a vector-style module, in the order the module defines them."""

from __future__ import annotations

from ..plan import Plan
from ..source import Lines
from ..targets import Target
from .backward import VectorEmitter


def emit_functions(plan: Plan, target: Target, out: Lines) -> set[str]:
    """Emit ``_forward``, ``_forward_grad``, ``_loss_terms`` and ``_backward``; the helpers they call."""
    emitter = VectorEmitter(plan)
    emitter.emit_forward(out)
    out("", "")
    emitter.emit_forward(out, grad=True)
    out("", "")
    emitter.emit_loss(out)
    out("", "")
    emitter.emit_backward(out)
    out("", "")
    return emitter.helpers

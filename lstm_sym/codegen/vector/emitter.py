"""The vector emitter: batched NumPy code, matrix products over whole gate blocks.

Walks the plan's equations (as :mod:`lstm_sym.evaluate.evaluator` does) and emits source
text. One :class:`~.context.VectorContext` (the plan's layout, its rewritten backward, which
histories are kept) is handed to each function's emitter in turn:

* :mod:`.forward`: ``_forward`` and ``_forward_grad``, one loop over time, a step's whole
  affine block one matrix product;
* :mod:`.loss`: ``_loss_terms``, the loss equations once over whole histories;
* :mod:`.backward`: ``_backward``, the adjoint equations step by step from the last.

Code over whole histories (products, outer products, in-place pointwise chains) is
:mod:`.histories`. Arrays are time-major inside (``_x_seq[t]`` is contiguous); the public
functions take and return batch-major arrays. Every buffer comes from a workspace ``ws``
(a dict), which the public functions reuse between calls of the same sizes.
"""

from __future__ import annotations

from ..plan import Plan
from ..source import Lines
from ..targets import Target
from .backward import emit_backward
from .context import VectorContext
from .forward import emit_forward
from .loss import emit_loss


def emit_functions(plan: Plan, target: Target, out: Lines) -> set[str]:
    """Emit ``_forward``, ``_forward_grad``, ``_loss_terms`` and ``_backward``; the helpers they call."""
    ctx = VectorContext.build(plan, target)
    emit_forward(ctx, out)
    out("", "")
    emit_forward(ctx, out, grad=True)
    out("", "")
    emit_loss(ctx, out)
    out("", "")
    emit_backward(ctx, out)
    out("", "")
    return ctx.helpers

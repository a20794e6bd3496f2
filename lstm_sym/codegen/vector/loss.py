"""The loss terms of vector code: ``_loss_terms``, the loss equations once over whole histories.

Softmax losses first subtract each step's largest output component (:mod:`..softmax`), so
``exp`` never overflows.
"""

from __future__ import annotations

from ..softmax import SHIFT
from ..source import Lines, dim_var
from .context import VectorContext
from .histories import HistoryCode


def emit_loss(ctx: VectorContext, out: Lines) -> None:
    """``_loss_terms(P, dims, fw, _y_seq, ws)``: the loss equations over whole histories.

    It reads what both forward functions return, so it serves ``loss`` and ``loss_and_grad``.
    """
    plan = ctx.plan
    histories = HistoryCode(ctx, grad=False)
    out("def _loss_terms(P, dims, fw, _y_seq, ws):")
    with out.indent():
        out('"""The loss quantities (each step\'s term ell) over every step."""')
        out("steps, batch = _y_seq.shape[0], _y_seq.shape[1]", "dtype = _y_seq.dtype")
        for dim in plan.size_names:
            out(f"{dim_var(dim)} = dims[{dim!r}]")
        reads = {n for eq in plan.loss_equations for n in eq.operands()}
        ctx.emit_params(out, reads)
        targets = {eq.target for eq in plan.loss_equations}
        if plan.shift:
            reads.add(plan.shift)
        histories.bind_histories(out, reads - targets - {SHIFT})
        if plan.shift:  # the largest component, subtracted before exp (no overflow)
            logits = histories.history(plan.shift)
            out(f"{SHIFT}_seq = np.max({logits}, axis=-1, keepdims=True)")
        for eq in plan.loss_equations:
            histories.vectorised(out, eq)
        out("return {")
        with out.indent():
            for eq in plan.loss_equations:
                out(f"{eq.target!r}: {eq.target}_seq,")
            if plan.shift:
                out(f"{SHIFT!r}: {SHIFT}_seq,")
        out("}")

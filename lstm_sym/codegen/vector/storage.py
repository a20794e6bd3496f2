"""Which forward quantities the vector code keeps over every step, and where it reads them.

``_forward`` (for ``forward`` and ``loss``) keeps the history of every cell quantity: they
are its results. ``_forward_grad`` keeps only what the loss, the heads and the backward
read after the time loop; every other quantity is written into one buffer reused at every
step. Of a fused activation group whose members the backward reads only in part, it keeps
those members' own histories (``f_seq[t] = f``) instead of the whole group's.
"""

from __future__ import annotations

from functools import cached_property

from ..plan import Plan
from ..rewrite import Rewrite
from .buffers import Layout


class Storage:
    """The histories of the two forward functions of a plan's vector code."""

    def __init__(self, plan: Plan, layout: Layout, rewrite: Rewrite):
        self.plan = plan
        self.layout = layout
        self.rewrite = rewrite

    def keeps(self, name: str, grad: bool) -> bool:
        """Whether the forward keeps ``name``'s history (for gradients: only what is read later)."""
        return not grad or name in self.rewrite.read_after_forward

    def keeps_block(self, grad: bool) -> bool:
        return any(self.keeps(name, grad) for name in self.layout.columns)

    def keeps_group(self, k: int, grad: bool) -> bool:
        """Whether the fused activation group ``k`` has a history (``_act<k>_seq``)."""
        if grad and k in self.copied:
            return False
        return any(self.keeps(member, grad) for member in self.layout.activations[k][0])

    @cached_property
    def copied(self) -> dict[int, list[str]]:
        """Fused activations of which the backward reads only some members, by group."""
        plan = self.plan
        later = self.rewrite.read_after_forward
        forward_side = {
            n for eq in (*plan.output_equations, *plan.loss_equations) for n in eq.operands()
        }
        copied = {}
        for k, (members, _) in enumerate(self.layout.activations):
            needed = [m for m in members if m in later]
            if needed and len(needed) < len(members) and not forward_side & set(members):
                copied[k] = needed
        return copied

    @cached_property
    def copied_members(self) -> frozenset[str]:
        return frozenset(m for members in self.copied.values() for m in members)

    def history(self, name: str, grad: bool) -> str:
        """``name`` over every step: an array of shape (T, B, size)."""
        if grad and name in self.copied_members:
            return f"{name}_seq"
        return self.layout.history(name)

    def at_step(self, name: str, grad: bool) -> str:
        """``name`` at step ``t`` (shape (B, size))."""
        if grad and name in self.copied_members:
            return f"{name}_seq[t]"
        return self.layout.at_step(name)

    def forward_results(self, grad: bool) -> dict[str, str]:
        """What a forward function returns: name -> history text."""
        plan, layout = self.plan, self.layout
        outputs = {e.target for e in plan.output_equations}
        histories = {}
        for eq in plan.cell_equations:
            target = eq.target
            if target in plan.states or target in outputs:
                stored = True
            elif target in layout.columns:
                stored = self.keeps_block(grad)
            elif target in layout.activation_of:
                group = layout.activation_of[target][0]
                stored = self.keeps_group(group, grad) or (grad and target in self.copied_members)
            else:
                stored = self.keeps(target, grad)
            if stored:
                histories[target] = self.history(target, grad)
        histories.update({prev: self.history(prev, grad) for prev in plan.prev})
        histories.update({f"{state}_seq": f"{state}_seq" for state in plan.states})
        histories["_x_seq"] = "_x_seq"
        if layout.joined or layout.ones is not None:
            histories["_in_seq"] = "_in_seq"
        if plan.affine and self.keeps_block(grad):
            histories["_block_seq"] = "_block_seq"
        for k in range(len(layout.activations)):
            if self.keeps_group(k, grad):
                histories[f"_act{k}_seq"] = f"_act{k}_seq"
        for name in self.rewrite.kept.values():
            if self.keeps(name, grad):
                histories[f"{name}_seq"] = f"{name}_seq"
        for name in sorted(self.copied_members) if grad else []:
            histories[f"{name}_seq"] = f"{name}_seq"
        return histories

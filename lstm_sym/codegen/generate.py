"""Generate a module's source text for a plan and a target (a style and a backend)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .module import assemble, vector_wrappers
from .plan import Plan
from .runtime import copied_source, workspace
from .scalar.module import ScalarModule
from .source import Lines, prune
from .targets import BACKENDS, STYLES, Style, Target, target_for
from .vector.emitter import emit_functions


def vector_source(
    plan: Plan, target: Target, sizes: Mapping[str, int], source: str | None = None
) -> str:
    """The vector-style module of ``plan`` (any sizes: ``sizes`` is not read)."""
    out = Lines()
    helpers = emit_functions(plan, target, out)
    body = copied_source(workspace) + "\n\n" + prune(out.text()) + "\n" + vector_wrappers(plan)
    return assemble(plan, target, body, helpers, source, ("release_buffers",))


def scalar_source(
    plan: Plan, target: Target, sizes: Mapping[str, int], source: str | None = None
) -> str:
    """The scalar-style module of ``plan`` for fixed ``sizes`` (floats, or mpmath numbers)."""
    writer = ScalarModule(plan, sizes, target)
    body = prune(writer.text())
    if plan.loss.gradient_given:
        body = writer.seed_helper() + "\n\n" + body
    return assemble(plan, target, body, writer.helpers, source)


#: The module writer of each style.
WRITERS: dict[Style, Callable[[Plan, Target, Mapping[str, int], str | None], str]] = {
    "vector": vector_source,
    "scalar": scalar_source,
}


def module_source(
    plan: Plan,
    *,
    style: str = "vector",
    backend: str = "numpy",
    sizes: Mapping[str, int] | None = None,
    source: str | None = None,
) -> str:
    """The module text of ``plan`` in ``style`` for ``backend``."""
    target = target_for(style, backend)
    return WRITERS[target.style](plan, target, sizes or {}, source)


__all__ = ["BACKENDS", "STYLES", "WRITERS", "module_source", "scalar_source", "vector_source"]

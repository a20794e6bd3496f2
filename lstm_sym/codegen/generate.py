"""Generate a module's source text for a plan, a style and a backend."""

from __future__ import annotations

from collections.abc import Mapping

from .module import WORKSPACE, assemble, vector_wrappers
from .plan import Plan
from .scalar.module import ScalarModule
from .source import Lines, prune
from .vector.backward import VectorEmitter

#: Code styles: batched matrix code, or straight-line scalar code for tiny sizes.
STYLES = ("vector", "scalar")
#: Number backends of the generated code.
BACKENDS = ("numpy", "mpmath")


def vector_source(plan: Plan, *, source: str | None = None) -> str:
    """The vector-style NumPy module of ``plan``."""
    emitter = VectorEmitter(plan)
    out = Lines()
    emitter.emit_forward(out)
    out("", "")
    emitter.emit_forward(out, grad=True)
    out("", "")
    emitter.emit_loss(out)
    out("", "")
    emitter.emit_backward(out)
    out("", "")
    body = WORKSPACE + "\n\n" + prune(out.text()) + "\n" + vector_wrappers(plan)
    return assemble(plan, "vector", body, emitter.helpers, source, "numpy")


def scalar_source(
    plan: Plan, sizes: Mapping[str, int], *, backend: str = "numpy", source: str | None = None
) -> str:
    """The scalar-style module of ``plan`` for fixed ``sizes`` (floats, or mpmath numbers)."""
    flavour = "mpmath" if backend == "mpmath" else "scalar"
    writer = ScalarModule(plan, sizes, flavour)
    body = prune(writer.text())
    if plan.loss.gradient_given:
        body = writer.seed_helper() + "\n\n" + body
    return assemble(plan, "scalar", body, writer.helpers, source, backend)


def module_source(
    plan: Plan,
    *,
    style: str = "vector",
    backend: str = "numpy",
    sizes: Mapping[str, int] | None = None,
    source: str | None = None,
) -> str:
    """The module text of ``plan`` in ``style`` for ``backend``."""
    if style == "vector" and backend == "numpy":
        return vector_source(plan, source=source)
    return scalar_source(plan, sizes or {}, backend=backend, source=source)

"""The targets of generated code: one object per kind of module, answering every target question.

A :class:`Target` says how a module of its kind imports and prepares its functions, how it
writes numbers and elementary functions, and which helper functions it defines; the printer,
the emitters and :func:`~lstm_sym.codegen.module.assemble` ask it instead of testing names
(SymForce's ``CodegenConfig``). Three targets exist:

* ``numpy``: vector style, NumPy arrays over whole batches and histories;
* ``python``: scalar style, straight-line code over Python floats (the ``numpy`` backend's
  code for tiny sizes: it takes and returns NumPy arrays);
* ``mpmath``: scalar style over mpmath numbers at the working precision (the reference).

Adding one is described in ``lstm_sym/codegen/README.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import sympy

from ..errors import InputError
from ..spec.activations import kernels
from ..spec.kernels import CodeTarget
from .runtime import copied_source, mpmath_scalar, python_scalar

#: Code styles: batched matrix code, or straight-line scalar code for fixed tiny sizes.
Style = Literal["vector", "scalar"]


@dataclass(frozen=True, eq=False)
class Target:
    """One kind of generated module: its style, its number type and how it writes code."""

    #: the target's name: "numpy", "python", "mpmath"
    name: str
    style: Style
    #: the ``backend`` argument of :func:`~lstm_sym.codegen.lambdify` that selects it
    backend: str
    #: what the module docstring says of the style (after "style: vector")
    description: str
    #: the module's import lines
    imports: str
    #: module-level code between the imports and ``__all__`` (aliases, runtime helpers)
    preamble: str
    #: SymPy elementary function name -> the callable the code writes (``np.tanh``)
    functions: Mapping[str, str]
    #: the callables of square roots and other real rational powers
    sqrt: str
    power: str
    #: the constructor of the target's numbers: ``float``, or ``_mpf`` (mpmath at the
    #: working precision, where constants are written exactly: ``(_mpf(1) / 5)``)
    number_type: str = "float"
    #: the callable of ``Max`` ("" where the code has none: it would be elementwise)
    max: str = ""
    #: ``x**2`` of a name written ``(x*x)`` (a product is faster than ** on Python numbers)
    squares_as_products: bool = False
    #: which code of the activations' kernels the module carries (:meth:`Kernel.code`)
    kernel_code: CodeTarget = "numpy"
    #: activations with inline code (``Kernel.python_inline``) are written so, without a
    #: call, where their argument is a name
    inline: bool = False

    @property
    def floats(self) -> bool:
        """Whether the numbers are floats (Python floats, NumPy float arrays), not objects
        NumPy keeps in object arrays (mpmath numbers)."""
        return self.number_type == "float"

    @property
    def fixed_sizes(self) -> bool:
        """Whether the code is written for fixed sizes (straight-line code per component)."""
        return self.style == "scalar"

    def integer(self, value: int) -> str:
        """An integer as a number of the target: ``2.0``, ``_mpf(2)``."""
        return f"{value}.0" if self.floats else f"{self.number_type}({value})"

    def number(self, value: sympy.Expr) -> str:
        """A rational constant: ``0.2`` (the nearest double), ``(_mpf(1) / 5)`` (exact)."""
        if self.floats:
            return repr(float(value))
        rational = sympy.Rational(value)
        return f"({self.number_type}({int(rational.p)}) / {int(rational.q)})"

    def convert(self, text: str) -> str:
        """Source converting the number ``text`` to the target's number type."""
        return f"{self.number_type}({text})"

    @property
    def zero(self) -> str:
        return self.integer(0)

    @property
    def one(self) -> str:
        return self.integer(1)

    def helper_source(self, names: set[str]) -> str:
        """The source of the helper functions called ``names``, in sorted order: the code
        of their kernels."""
        found = {name: kernel.code(self.kernel_code) for name, kernel in kernels().items()}
        sources = {name: code for name, code in found.items() if code}
        missing = sorted(names - set(sources))
        if missing:
            raise ValueError(f"no {self.name} implementation of {', '.join(missing)}")
        return "\n\n".join(sources[name] for name in sorted(names))


NUMPY_VECTOR = Target(
    name="numpy",
    style="vector",
    backend="numpy",
    description="matrix products over batches, one loop over time",
    imports="import numpy as np\n",
    preamble="",
    functions={"tanh": "np.tanh", "exp": "np.exp", "log": "np.log"},
    sqrt="np.sqrt",
    power="np.power",
    kernel_code="numpy",
)

PYTHON_SCALAR = Target(
    name="python",
    style="scalar",
    backend="numpy",
    description="straight-line code per component, common subexpressions as _tmp names",
    imports="import math\n\nimport numpy as np\n",
    preamble=copied_source(python_scalar),
    functions={"tanh": "_tanh", "exp": "_exp", "log": "_log"},
    sqrt="_sqrt",
    power="_pow",
    max="max",
    squares_as_products=True,
    kernel_code="python",
    inline=True,
)

#: The same straight-line code over mpmath numbers at the working precision.
MPMATH_SCALAR = dataclasses.replace(
    PYTHON_SCALAR,
    name="mpmath",
    backend="mpmath",
    imports="import mpmath\nimport numpy as np\n",
    preamble=copied_source(mpmath_scalar),
    number_type="_mpf",
    kernel_code="mpmath",
    inline=False,
)

#: Every target by name, in the order styles and backends are listed.
TARGETS: dict[str, Target] = {t.name: t for t in (NUMPY_VECTOR, PYTHON_SCALAR, MPMATH_SCALAR)}
#: Code styles and number backends of the generated code.
STYLES: tuple[Style, ...] = tuple(dict.fromkeys(t.style for t in TARGETS.values()))
BACKENDS: tuple[str, ...] = tuple(dict.fromkeys(t.backend for t in TARGETS.values()))


def styles_of(backend: str) -> tuple[Style, ...]:
    """The styles ``backend`` has code in."""
    return tuple(t.style for t in TARGETS.values() if t.backend == backend)


def target_for(style: str, backend: str) -> Target:
    """The target of ``backend`` in ``style`` (a backend with one style has it whatever the
    style asked)."""
    targets = [t for t in TARGETS.values() if t.backend == backend]
    if not targets:
        raise InputError("backend", f"one of: {', '.join(BACKENDS)}", repr(backend))
    if len(targets) == 1:
        return targets[0]
    for target in targets:
        if target.style == style:
            return target
    raise InputError("style", f"one of: {', '.join(STYLES)}", repr(style))

"""Runtime code of generated modules, as real Python files copied into them as text.

Generated modules import only NumPy (and mpmath or math), so the functions they need at run
time travel inside them. Keeping that code here, in ordinary modules, lets ruff and mypy
check it and tests import it. The copied part of each module is the text between its
``# fmt: off`` and ``# fmt: on`` lines (the formatter leaves it as written, so generated
modules stay byte for byte the same).
"""

from __future__ import annotations

import inspect
import types

_START, _STOP = "# fmt: off\n", "# fmt: on\n"


def copied_source(module: types.ModuleType) -> str:
    """The part of ``module``'s source that generated modules carry."""
    text = inspect.getsource(module)
    start = text.index(_START) + len(_START)
    return text[start : text.index(_STOP, start)]

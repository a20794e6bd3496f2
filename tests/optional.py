"""Optional parts of the test environment: skip with what to install, or fail where required.

A test that needs TeX, PyTorch or the ``docs`` extra calls one of the ``need_*`` helpers.
Without the part the test is skipped, and the reason says what to install. CI
(``.ci/run``) sets ``LSTM_SYM_REQUIRE_LATEX=1``, ``LSTM_SYM_REQUIRE_TORCH=1``,
``LSTM_SYM_REQUIRE_DOCS=1``, ``LSTM_SYM_REQUIRE_NOTEBOOK=1`` and ``LSTM_SYM_REQUIRE_CLASS=1``:
there a missing part fails the test instead, so nothing that CI is meant to check is
skipped in silence.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

#: Each optional part: the switch that makes it required, and how to install it.
LATEX = (
    "LSTM_SYM_REQUIRE_LATEX",
    (
        "Debian: apt-get install texlive-latex-base texlive-latex-recommended texlive-latex-extra "
        "latexmk poppler-utils"
    ),
)
TORCH = ("LSTM_SYM_REQUIRE_TORCH", "pip install torch")
DOCS = ("LSTM_SYM_REQUIRE_DOCS", "pip install '.[docs]'")
NOTEBOOK = ("LSTM_SYM_REQUIRE_NOTEBOOK", "pip install '.[notebook]'")
KERAS = ("LSTM_SYM_REQUIRE_KERAS", "pip install '.[keras]' (run with KERAS_BACKEND=torch)")
#: Dask distributed (``--executor dask://``) and xmlschema (the LMS exports' validation).
CLASS = ("LSTM_SYM_REQUIRE_CLASS", "pip install '.[class]'")

#: The command-line tools the LaTeX tests run.
TEX_TOOLS = ("latexmk", "pdflatex", "pdftotext")
#: The modules of the docs extra that the site build needs.
DOCS_MODULES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def missing(part: tuple[str, str], what: str) -> NoReturn:
    """Skip the test because ``what`` is missing, or fail it when the part's switch is "1"."""
    switch, install = part
    reason = f"needs {what}: {install}"
    if os.environ.get(switch) == "1":
        pytest.fail(f"{switch}=1 but the test {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need_latex(*tools: str) -> None:
    """Skip (or fail, under LSTM_SYM_REQUIRE_LATEX=1) unless each TeX tool is on PATH."""
    absent = [tool for tool in tools or TEX_TOOLS if shutil.which(tool) is None]
    if absent:
        missing(LATEX, f"{', '.join(absent)} (TeX Live, poppler)")


def has_latex(*tools: str) -> bool:
    """Whether each TeX tool is on PATH; fails the test under LSTM_SYM_REQUIRE_LATEX=1 if not."""
    absent = [tool for tool in tools or TEX_TOOLS if shutil.which(tool) is None]
    if absent and os.environ.get(LATEX[0]) == "1":
        missing(LATEX, f"{', '.join(absent)} (TeX Live, poppler)")
    return not absent


def need_torch() -> ModuleType:
    """PyTorch, imported; skip (or fail, under LSTM_SYM_REQUIRE_TORCH=1) when it does not import."""
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        missing(TORCH, f"PyTorch ({type(error).__name__}: {error})")


def need_keras() -> ModuleType:
    """Keras on the torch backend; skip (or fail, under LSTM_SYM_REQUIRE_KERAS=1) without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        keras = importlib.import_module("keras")
    except ImportError as error:
        missing(KERAS, f"Keras ({type(error).__name__}: {error})")
    if keras.backend.backend() != "torch":
        missing(KERAS, f"Keras on the torch backend (it runs on {keras.backend.backend()})")
    return keras


def importable(module: str) -> bool:
    """Whether ``module`` can be imported (a missing parent package counts as missing)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def need_docs(*modules: str) -> None:
    """Skip (or fail, under LSTM_SYM_REQUIRE_DOCS=1) unless the docs extra's modules import."""
    absent = [module for module in modules or DOCS_MODULES if not importable(module)]
    if absent:
        missing(DOCS, f"the docs extra ({', '.join(absent)})")


def need_modules(part: tuple[str, str], *modules: str) -> dict[str, ModuleType]:
    """Import each module; skip (or fail, under the part's switch) naming those that do not."""
    found: dict[str, ModuleType] = {}
    absent = []
    for module in modules:
        try:
            found[module] = importlib.import_module(module)
        except ImportError:
            absent.append(module)
    if absent:
        missing(part, ", ".join(absent))
    return found

"""What an installed user meets first: a light ``--help``, one version, metadata that agrees."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

import lstm_sym
from lstm_sym._version import __version__
from lstm_sym.cli import DOCS_URL

ROOT = Path(__file__).resolve().parent.parent

#: Prints the lstm_sym and heavy modules loaded by ``python -m lstm_sym ARGS``.
_PROBE = """
import runpy, sys
sys.argv = ["lstm-sym", *sys.argv[1:]]
try:
    runpy.run_module("lstm_sym", run_name="__main__")
except SystemExit:
    pass
heavy = ("sympy", "mpmath", "numpy", "gmpy2")
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in heavy)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], *([c, "--help"] for c in ("solve", "sheet", "convert"))]
)
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    """`lstm-sym --help` (and each command's) parses arguments without importing SymPy or NumPy."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: lstm-sym" in result.stdout or __version__ in result.stdout
    assert result.stderr.strip() == "", result.stderr


def test_the_package_names_load_on_first_use() -> None:
    """Every name in lstm_sym.__all__ resolves; `lstm_sym.check` stays the function."""
    import lstm_sym.check.render  # binds the subpackage: must not replace the function

    for name in lstm_sym.__all__:
        assert getattr(lstm_sym, name) is not None, name
    assert callable(lstm_sym.check) and not isinstance(lstm_sym.check, types.ModuleType)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = lstm_sym.no_such_name  # type: ignore[attr-defined]


def test_one_version() -> None:
    """The version lives in lstm_sym/_version.py; the package and pyproject.toml read it there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "lstm_sym._version.__version__"
    assert lstm_sym.__version__ == __version__


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def test_one_documentation_site() -> None:
    """pyproject.toml, mkdocs.yml and --help name the same documentation site and repository."""
    urls = _project()["urls"]
    mkdocs = (ROOT / "mkdocs.yml").read_text()
    assert re.search(r"^site_url: (\S+)$", mkdocs, re.MULTILINE)[1] == DOCS_URL  # type: ignore[index]
    assert re.search(r"^repo_url: (\S+)$", mkdocs, re.MULTILINE)[1] == urls["Repository"]  # type: ignore[index]
    assert urls["Documentation"] == urls["Homepage"] == DOCS_URL
    assert urls["Issues"] == urls["Repository"] + "/issues"


def test_classifiers_say_what_is_true() -> None:
    """The Python versions claimed are the ones requires-python allows; the package ships types."""
    project = _project()
    assert project["requires-python"] == ">=3.11"
    versions = [
        c.rsplit(" ", 1)[1]
        for c in project["classifiers"]
        if c.count("::") == 2 and "Python :: 3." in c
    ]
    assert versions == ["3.11"]
    assert (
        "Typing :: Typed" in project["classifiers"] and (ROOT / "lstm_sym" / "py.typed").is_file()
    )


def test_sympy_is_a_tested_range() -> None:
    """SymPy is a range (the oldest and newest versions in it are tested), not one pinned version."""
    (sympy,) = [d for d in _project()["dependencies"] if d.startswith("sympy")]
    assert re.fullmatch(r"sympy>=\d+\.\d+,<\d+\.\d+", sympy), sympy

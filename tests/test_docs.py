"""Every documentation example runs: the ```pycon blocks of the pages and the module doctests."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import lstm_sym
from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"```pycon\n(.*?)```", re.S)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples(page: Path) -> None:
    """The page's Python examples give exactly the output shown (blocks share one namespace)."""
    globs: dict[str, object] = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for n, block in enumerate(BLOCK.findall(page.read_text())):
        test = parser.get_doctest(block, globs, f"{page.name}[{n}]", str(page), 0)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) in {page.name} failed"


MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(lstm_sym.__path__, "lstm_sym.")
    if m.name != "lstm_sym.__main__"
)


@pytest.mark.parametrize("module", ["lstm_sym", *MODULES])
def test_module_doctests(module: str) -> None:
    """The examples in docstrings run as written."""
    result = doctest.testmod(importlib.import_module(module), optionflags=FLAGS, verbose=False)
    assert result.failed == 0


CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def _commands(page: Path) -> list[tuple[list[str], str]]:
    """Each `$ ...` line of the page's console blocks with the output shown under it."""
    found = []
    for block in CONSOLE.findall(page.read_text()):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                output = []
                for following in lines[i + 1 :]:
                    if following.startswith("$ "):
                        break
                    output.append(following)
                found.append((shlex.split(line[2:]), "\n".join(output).strip()))
    return found


#: Pages whose console blocks test_cells_docs.py and test_sheet_docs.py run.
ELSEWHERE = {"cells.md", "classroom.md", "custom-cells.md", "frameworks.md", "sheets.md"}
COMMAND_PAGES = [p for p in PAGES if _commands(p) and p.name not in ELSEWHERE]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=lambda p: p.name)
def test_page_commands(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command on the page succeeds (or fails) and prints exactly what the page shows.

    Commands run one after another in one empty folder: `lstm-sym` through `main`, `python`
    in a fresh interpreter there (its output compared where the page shows some).
    """
    for args, expected in _commands(page):
        monkeypatch.chdir(tmp_path)
        if args[0] == "python":
            environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
            result = subprocess.run(
                [sys.executable, *args[1:]], env=environment, capture_output=True, text=True
            )
            assert result.returncode == 0, (args, result.stderr[-2000:])
            if expected:
                assert _lines(result.stdout + result.stderr) == _lines(expected), args
            continue
        assert args[0] == "lstm-sym", f"{page.name}: no runner for `$ {shlex.join(args)}`"
        args = [str(ROOT / a) if a.startswith("examples/") else a for a in args[1:]]
        code = main(args)
        captured = capsys.readouterr()
        shown = captured.out + captured.err
        assert code == (2 if "error:" in expected else 0), args
        assert _lines(shown) == _lines(expected), args

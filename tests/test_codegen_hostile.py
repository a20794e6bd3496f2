"""Generated modules stay inert whatever a problem file's name or cell description holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import EXAMPLES

import lstm_sym
from lstm_sym.cli import main
from lstm_sym.codegen.module import docstring_text

PAYLOAD = 'x"""\nimport os; os.system("touch {canary}")\n"""\\'
ESCAPES = ["\\", '"', '"""', '""""', '"' * 7, "\x00", "\r", "\x1b[2J", "\u2028", "end\\"]


def _hostile_problem(tmp_path: Path, canary: Path, file_name: str) -> Path:
    text = (EXAMPLES / "custom_cell.toml").read_text()
    payload = PAYLOAD.format(canary=canary).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace(
        'description = "minimal gated unit (Zhou et al. 2016)"',
        f'description = "{payload}"'.replace("\n", "\\n"),
    )
    path = tmp_path / file_name
    path.write_text(text)
    return path


@pytest.mark.parametrize("file_name", ["problem.toml", 'pro"""blem.toml'])
def test_hostile_description_and_file_name_are_only_text(tmp_path: Path, file_name: str) -> None:
    """Triple quotes in a file name or description neither break nor extend the module."""
    canary = tmp_path / "canary"
    problem = _hostile_problem(tmp_path, canary, file_name)
    functions = lstm_sym.lambdify(problem)
    assert functions.module.__doc__ is not None and "os.system" in functions.module.__doc__
    assert main(["codegen", str(problem), "-o", str(tmp_path / "mod.py")]) == 0
    tree = ast.parse((tmp_path / "mod.py").read_text())
    assert not any(
        isinstance(node, ast.Import) and node.names[0].name == "os" for node in tree.body
    )
    assert not canary.exists()


@pytest.mark.parametrize("text", ESCAPES, ids=repr)
def test_docstring_text_round_trips_inside_a_docstring(text: str) -> None:
    """Escaped text compiles inside triple quotes and reads back as the text itself."""
    source = '"""' + docstring_text(text) + '\n"""'
    assert ast.literal_eval(source) == text + "\n"

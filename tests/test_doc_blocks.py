"""Every fenced block of README.md and docs/*.md is run by a test, or says why it cannot be.

Runners: ``pycon`` blocks are doctests (test_docs.py); ``console`` blocks are run command
by command (test_docs.py, and test_cells_docs.py / test_sheet_docs.py for their pages);
``toml`` blocks parse, and whole problems load (here); a few blocks have a test of their
own (``RUN_BY``). A block that cannot run says why in ``NOT_RUN``. A new block that is
neither fails :func:`test_every_block_is_run_or_says_why`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import test_docs

import lstm_sym
from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_FENCE = re.compile(r"^```(?P<language>\S*)\n(?P<body>.*?)^```\s*$", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One fenced block: its page, its language and its text."""

    page: str
    language: str
    body: str

    @property
    def key(self) -> tuple[str, str]:
        """The page and the block's first line: how the tables below name a block."""
        return self.page, self.body.partition("\n")[0]


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, in order."""
    name = page.name if page.parent == ROOT / "docs" else page.relative_to(ROOT).as_posix()
    text = page.read_text(encoding="utf-8")
    return [Block(name, m["language"], m["body"]) for m in _FENCE.finditer(text)]


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]


def block(page: str, first_line: str) -> Block:
    """The block of ``page`` whose first line is ``first_line``."""
    found = [b for b in ALL_BLOCKS if b.key == (page, first_line)]
    assert len(found) == 1, f"{page}: no single block starting {first_line!r}"
    return found[0]


#: Blocks with a test of their own, by (page, first line).
RUN_BY = {
    ("README.md", "pip install . && lstm-sym solve examples/hw6.toml --grad --digits 30"): (
        ".ci/run, in a fresh virtual environment (test_ci_runs_the_readme_commands)"
    ),
    ("index.md", "pip install . && lstm-sym solve examples/hw6.toml --grad --digits 30"): (
        "the README's first command (test_index_shows_the_readme_command)"
    ),
    ("checking.md", "for answers in submissions/*.toml; do"): "test_checking_loop",
    ("flow.md", "lstm-sym flow examples/flow_cells.toml --plot flow-cells.png"): (
        "test_flow_docs.py::test_plot_commands"
    ),
    (
        "flow.md",
        "lstm-sym flow examples/flow_cells.toml --cells lstm --shift f=-4 --plot flow-forget-bias.png",
    ): "test_flow_docs.py::test_plot_commands",
    (
        "getting-started.md",
        "# HW6, Problem 1 (f, g): a one-unit LSTM with two inputs, unrolled over two time steps.",
    ): ("test_getting_started_shows_hw6"),
    (
        "problem-files.md",
        "examples/bad.toml: parameters.W_f: expected a 1×2 matrix (n=1 (from parameters.b_f), "
        "d=2 (from sequence[1].x)), found a list of 3 entries",
    ): "test_problem_files_mismatch_message",
    ("frameworks-check.md", "import torch, lstm_sym"): "test_gradcheck.py::test_docs_example",
    ("troubleshooting.md", "$ lstm-sym sheet examples/hw6.toml -o hw6.tex --pdf"): (
        "test_site.py::test_troubleshooting_quotes_the_real_latex_missing_error"
    ),
}

_EQUATIONS = "equations, shown as text"
#: Blocks that no test runs, by (page, first line), with the reason.
NOT_RUN = {
    (
        "getting-started.md",
        "pip install .                 # the tool and the library (Python ≥ 3.11)",
    ): ("installs packages"),
    (
        "benchmarks.md",
        "pip install '.[docs]'                          # matplotlib, for the plot",
    ): ("installs packages and runs every benchmark (minutes)"),
    (
        "cells.md",
        "f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      i_t = σ(W_i x_t + U_i h_{t−1} + b_i)",
    ): (_EQUATIONS),
    ("cells.md", "i_t = σ(W_ii x_t + W_hi h_{t−1} + b_ii + b_hi)    (and f, o alike)"): _EQUATIONS,
    ("cells.md", "c̃_t = g(W_c x_t + U_c h_{t−1} + b_c)                       block input"): (
        _EQUATIONS
    ),
    ("cells.md", "r_t = σ(W_ir x_t + W_hr h_{t−1} + b_ir + b_hr)"): _EQUATIONS,
    (
        "cells.md",
        "r_t = σ(W_r x_t + U_r h_{t−1} + b_r)        z_t = σ(W_z x_t + U_z h_{t−1} + b_z)",
    ): (_EQUATIONS),
    ("how-it-works.md", "z_f_2  := U_f*h_1 + W_f[1,1]*x_2[1] + W_f[1,2]*x_2[2] + b_f"): (
        "a sketch of the named program; the page's pycon examples print the real one"
    ),
    (
        "checking.md",
        "lstm-sym check PROBLEM ANSWERS [--format text|json] [--report out.md|out.tex] [--cell NAME]",
    ): "a synopsis; the command-line reference is generated from the parser",
    (
        "frameworks-check.md",
        "LSTM (float32, loss sum): PASS: every tensor within 64 ulps of the certified values",
    ): (
        "PyTorch's rounding errors vary with its version and CPU; test_docs_example checks the verdict line"
    ),
    (
        "frameworks-check.md",
        "lstm-sym gradcheck MODEL.pt INPUTS.npz [--loss L] [--batch-first] [--tolerance ULPS] [--format F]",
    ): "a synopsis; test_gradcheck.py::test_cli_state_dict_and_npz runs the command",
    (
        "sheets.md",
        "lstm-sym: error: LaTeX failed on hw6.tex: hw6.tex:3: Undefined control sequence. "
        "[l.3 \\nosuchcommand] (full log: hw6.log)",
    ): "an example of a LaTeX error; test_sheet_pdf.py checks the real message's form",
    ("classroom.md", "dask scheduler --port 8786 &"): (
        "starts a Dask scheduler and workers; test_classroom_executor.py runs the same work "
        "on a Dask LocalCluster"
    ),
}


def _runner(b: Block) -> str | None:
    """What runs ``b``, or None."""
    if b.key in RUN_BY:
        return RUN_BY[b.key]
    if b.language == "pycon":
        return "test_docs.py::test_page_examples"
    if b.language == "toml":
        return "test_toml_blocks"
    if b.language == "console":
        if b.page in test_docs.ELSEWHERE:
            return "test_cells_docs.py / test_sheet_docs.py / test_classroom_docs.py"
        return "test_docs.py::test_page_commands"
    return None


def test_every_block_is_run_or_says_why() -> None:
    """Each fenced block is run by some test or is listed in NOT_RUN with a reason."""
    loose = [b.key for b in ALL_BLOCKS if _runner(b) is None and b.key not in NOT_RUN]
    assert loose == [], "run these blocks in a test, or list them in NOT_RUN with why"
    both = [b.key for b in ALL_BLOCKS if _runner(b) is not None and b.key in NOT_RUN]
    assert both == []
    keys = {b.key for b in ALL_BLOCKS}
    stale = [key for key in [*NOT_RUN, *RUN_BY] if key not in keys]
    assert stale == [], "these blocks are no longer on their pages"
    assert all(b.language for b in ALL_BLOCKS), "every block names its language"


def test_runners_cover_their_pages() -> None:
    """The pycon runner reads every page; the console pages left to others are the ones they read."""
    import test_cells_docs
    import test_classroom_docs
    import test_sheet_docs

    pages = {test_sheet_docs.PAGE.name, test_classroom_docs.PAGE.name}
    assert set(test_cells_docs.PAGES) | pages == test_docs.ELSEWHERE
    assert {p.name for p in test_docs.COMMAND_PAGES} >= {"codegen.md", "solving.md"}
    assert test_docs.PAGES == PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_toml_blocks(page: Path) -> None:
    """Every ```toml block is valid TOML; one that is a whole problem file loads."""
    for b in blocks(page):
        if b.language != "toml":
            continue
        text = b.body
        data = tomllib.loads(text)
        if "parameters" in data and "sequence" in data and "file" not in data["parameters"]:
            problem = lstm_sym.loads_problem(text, source=f"{b.page} block")
            assert problem.params, b.key


def test_getting_started_shows_hw6() -> None:
    """docs/getting-started.md shows examples/hw6.toml as it is."""
    first_line = (ROOT / "examples" / "hw6.toml").read_text().partition("\n")[0]
    shown = block("getting-started.md", first_line).body
    assert shown == (ROOT / "examples" / "hw6.toml").read_text()


def test_index_shows_the_readme_command() -> None:
    """The site's front page shows the README's first command, word for word."""
    readme = blocks(ROOT / "README.md")[0].body.splitlines()
    assert blocks(ROOT / "docs" / "index.md")[0].body.splitlines() == readme[:1]


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run reads the commands from the README's first block (they cannot drift apart)."""
    script = (ROOT / ".ci" / "run").read_text()
    assert "readme_commands" in script and "README.md" in script
    first = blocks(ROOT / "README.md")[0]
    assert first.language == "bash" and len(first.body.splitlines()) == 2


def _shim(directory: Path) -> dict[str, str]:
    """An environment whose ``lstm-sym`` on PATH runs this checkout's lstm_sym."""
    directory.mkdir()
    script = directory / "lstm-sym"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lstm_sym "$@"\n')
    script.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{directory}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }


def test_checking_loop(tmp_path: Path) -> None:
    """docs/checking.md's autograder loop writes one JSON report per submission, with its exit code."""
    env = _shim(tmp_path / "bin")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(ROOT / "examples" / "hw6_answers.toml", submissions / "a.toml")  # MSE truncated
    (submissions / "b.toml").write_text("h_1 = 0.21741\nh_2 = -0.18988\n")
    code = block("checking.md", "for answers in submissions/*.toml; do").body
    result = subprocess.run(
        ["bash", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        "submissions/a.toml: exit 1",
        "submissions/b.toml: exit 0",
    ]
    reports = {p.name: json.loads(p.read_text()) for p in submissions.glob("*.json")}
    assert reports["a.json"]["all_correct"] is False and reports["b.json"]["all_correct"] is True


def test_problem_files_mismatch_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/problem-files.md quotes the errors for a W_f of the wrong size or transposed."""
    (tmp_path / "examples").mkdir()
    hw6 = (ROOT / "examples" / "hw6.toml").read_text()
    shown = next(b for b in blocks(ROOT / "docs" / "problem-files.md") if b.language == "text")
    monkeypatch.chdir(tmp_path)
    printed = []
    for w_f in ("[1, 2, 3]", "[[1], [2]]"):
        bad = re.sub(r"^W_f = .*$", f"W_f = {w_f}", hw6, count=1, flags=re.MULTILINE)
        assert bad != hw6
        (tmp_path / "examples" / "bad.toml").write_text(bad)
        assert main(["solve", "examples/bad.toml"]) == 2
        printed.append(capsys.readouterr().err.removeprefix("lstm-sym: error: "))
    assert "".join(printed) == shown.body

"""`lstm-sym check` as an autograder runs it: exit codes, JSON, reports, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_sym.cli import main

HW6 = "examples/hw6.toml"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_homework_text_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """The homework's answers: a table, the notes, exit code 1 (not all correct)."""
    code, out, err = run(["check", HW6, "examples/hw6_answers.toml"], capsys)
    assert code == 1 and err == ""
    assert "(y_2-h_2)^2  0.97986   rounding drift  0.97987" in out
    assert "MSE          0.5298    truncated       0.5299" in out
    assert "exactly what your own rounded h_2 = -0.18988 gives" in out


def test_all_correct_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """All answers correct: exit code 0."""
    answers = tmp_path / "a.toml"
    answers.write_text("h_1 = 0.21741\nh_2 = -0.18988\nloss = 0.5299\n")
    code, out, _ = run(["check", HW6, str(answers)], capsys)
    assert code == 0 and "3 answers: 3 correct" in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    """JSON: every answer with verdict, digits and explanation; counts; deterministic."""
    code, out, _ = run(["check", HW6, "examples/hw6_answers.toml", "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["all_correct"] is False
    assert data["counts"] == {"correct": 3, "truncated": 1, "rounding drift": 1, "wrong": 0}
    loss = data["answers"][-1]
    assert loss["name"] == "L" and loss["verdict"] == "truncated" and loss["rounded"] == "0.5299"
    assert run(["check", HW6, "examples/hw6_answers.toml", "--format", "json"], capsys)[1] == out


@pytest.mark.parametrize("suffix", [".md", ".tex"])
def test_report_files(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--report writes a Markdown or LaTeX feedback report (and still prints the table)."""
    target = tmp_path / f"feedback{suffix}"
    code, out, _ = run(["check", HW6, "examples/hw6_answers.toml", "--report", str(target)], capsys)
    assert code == 1 and "rounding drift" in out
    text = target.read_text()
    assert "0.5299" in text and "rounding drift" in text
    if suffix == ".tex":
        assert text.startswith("\\documentclass") and "(y\\texttt{\\char95}2-{}h" in text
    else:
        assert "| MSE | 0.5298 | truncated | 0.5299 |" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hh_1 = 0.2\n", "hh_1: expected the name of a quantity of this problem (closest: h_1"),
        ('h_1 = "abc"\n', "h_1: expected a decimal number"),
        ("h_1 = = 1\n", "TOML: expected valid TOML"),
    ],
)
def test_bad_answers_exit_2(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad answers files: exit code 2, one line on stderr, no report written."""
    answers = tmp_path / "a.toml"
    answers.write_text(content)
    report = tmp_path / "r.md"
    code, out, err = run(["check", HW6, str(answers), "--report", str(report)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and str(answers) in err
    assert not report.exists()


def test_bad_report_suffix(capsys: pytest.CaptureFixture[str]) -> None:
    """A report file that is neither .md nor .tex is refused before any work."""
    code, _, err = run(["check", HW6, "examples/hw6_answers.toml", "--report", "x.pdf"], capsys)
    assert code == 2 and "--report: expected a file name ending in .md or .tex" in err


def test_missing_answers_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing answers file is exit code 2 with one line."""
    code, _, err = run(["check", HW6, "no/such.toml"], capsys)
    assert code == 2 and err.startswith("lstm-sym: error: no/such.toml: file:")


def test_cell_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cell names the cell when the problem file does not."""
    problem = tmp_path / "p.toml"
    problem.write_text(Path(HW6).read_text().replace('cell = "lstm"\n', ""))
    answers = tmp_path / "a.toml"
    answers.write_text("h_1 = 0.21741\n")
    assert run(["check", str(problem), str(answers), "--cell", "lstm"], capsys)[0] == 0
    code, _, err = run(["check", str(problem), str(answers), "--cell", "lstm_noaf"], capsys)
    assert code == 2 and "parameters.p_i" in err

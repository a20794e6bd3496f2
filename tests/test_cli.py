"""The command line: `lstm-sym solve` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_sym.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_solve_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The text table lists every gate and state per step and the loss, aligned."""
    code, out, err = run(["solve", "examples/hw6.toml", "--digits", "30"], capsys)
    assert code == 0 and err == ""
    assert "  1  h          0.217414638709514483679932737588" in out
    assert "  2  c_tilde   -0.587525066488086430541713281657" in out
    assert "     L          0.529860676707024103785417863309" in out
    assert "Backward" not in out


def test_solve_gradients_json(capsys: pytest.CaptureFixture[str]) -> None:
    """JSON has every value as a decimal string, the backward pass and every gradient."""
    code, out, _ = run(
        ["solve", "examples/hw6.toml", "--grad", "--format", "json", "--digits", "6"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert data["values"]["forward"]["h_1"] == "0.217415"
    assert data["values"]["loss"]["L"] == "0.529861"
    assert data["values"]["backward"]["delta_c_1"] == "-0.617742"
    assert data["values"]["gradient"]["dL_dW_f[1,2]"] == "0.0339397"
    assert data["values"]["gradient"]["dL_dc_0"] == "-0.474750"
    assert data["cell"] == "lstm" and data["sizes"] == {"d": 2, "n": 1}


def test_solve_decimals_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--decimals rounds to decimal places; -o writes the file instead of stdout."""
    target = tmp_path / "out.txt"
    code, out, _ = run(["solve", "examples/hw6.toml", "--decimals", "4", "-o", str(target)], capsys)
    assert code == 0 and out == ""
    text = target.read_text()
    assert "0.5299" in text and "4 decimal places" in text


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    """Two runs print the same bytes."""
    first = run(["solve", "examples/hw6.toml", "--grad", "--format", "json"], capsys)[1]
    assert run(["solve", "examples/hw6.toml", "--grad", "--format", "json"], capsys)[1] == first


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """--help describes the subcommands and returns exit code 0."""
    assert main(["--help"]) == 0
    assert "solve" in capsys.readouterr().out
    assert main(["solve", "--help"]) == 0
    assert "--digits" in capsys.readouterr().out


def test_python_dash_m() -> None:
    """`python -m lstm_sym` runs the same command line."""
    result = subprocess.run(
        [sys.executable, "-m", "lstm_sym", "solve", "examples/hw6.toml", "--digits", "5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "0.21741" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "lstm_sym", "solve", "nope.toml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr

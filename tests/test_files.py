"""Outputs: atomic, ordinary permissions, never over unrelated files; Ctrl-C leaves nothing."""

from __future__ import annotations

import io
import os
import random
import signal
import stat
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from optional import need_latex

from lstm_sym import files, progress
from lstm_sym.cli import main
from lstm_sym.errors import InputError
from lstm_sym.files import write_atomic
from lstm_sym.latex.build import LatexError, build_pdf

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_write_atomic_gives_ordinary_permissions(tmp_path: Path) -> None:
    """A new output gets 0666 less the umask (not mkstemp's 0600); a replaced one keeps its mode."""
    umask = os.umask(0o022)
    try:
        new = write_atomic(tmp_path / "new.txt", "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        old = tmp_path / "old.txt"
        old.write_text("old")
        old.chmod(0o640)
        write_atomic(old, "new")
        assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_text() == "new"
    finally:
        os.umask(umask)


def test_write_atomic_failure_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing fails midway (here: an interrupt), the old file is intact and no temp file stays."""
    target = tmp_path / "out.txt"
    target.write_text("old")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_atomic_refuses_odd_names(tmp_path: Path) -> None:
    """A directory, a missing directory or a NUL in the name is one InputError."""
    for name in (tmp_path, tmp_path / "no" / "x.txt", f"{tmp_path}/a\0b"):
        with pytest.raises(InputError, match="output"):
            write_atomic(name, "x")


def test_outputs_never_replace_the_input(tmp_path: Path) -> None:
    """`solve`/`sheet` with -o naming the problem file are refused; the file is untouched."""
    problem = tmp_path / "p.toml"
    problem.write_text(HW6.read_text())
    for argv in (
        ["solve", str(problem), "-o", str(problem)],
        ["sheet", str(problem), "-o", str(problem)],
    ):
        code, _, err = _cli(argv)
        assert code == 2 and "the input file" in err
    assert problem.read_text() == HW6.read_text()


def test_pdf_needs_a_tex_name(tmp_path: Path) -> None:
    """`--pdf` with -o not ending in .tex is refused before anything is written."""
    code, _, err = _cli(["sheet", str(HW6), "-o", str(tmp_path / "notes.txt"), "--pdf"])
    assert code == 2 and "--pdf needs -o FILE.tex" in err
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(LatexError, match=r"must be a \.tex file"):
        build_pdf(tmp_path / "notes.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.latex
def test_failed_build_keeps_tex_and_log_and_says_where(tmp_path: Path) -> None:
    """A failing build leaves the .tex and its .log (named in the message), no PDF, no temp files."""
    need_latex("latexmk", "pdflatex")
    tex = tmp_path / "bad.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\undefinedthing\\end{document}\n")
    with pytest.raises(LatexError) as error:
        build_pdf(tex)
    assert f"full log: {tmp_path / 'bad.log'}" in str(error.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.log", "bad.tex"]


def test_help_and_version_return_from_main() -> None:
    """`--help` and `--version` return exit code 0 from main() instead of raising SystemExit."""
    for argv in (["--help"], ["solve", "--help"], ["--version"]):
        assert _cli(argv)[0] == 0


def test_messages_stay_one_line() -> None:
    """File names with newlines or control characters give a one-line error."""
    for name in ("a\nb.toml", "x\r", "\x1b[2J.toml", "a\0b"):
        code, _, err = _cli(["solve", name])
        assert code == 2 and err.count("\n") == 1 and err.startswith("lstm-sym: error:"), err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bar is drawn (and erased at the end) on a terminal; a pipe gets nothing."""
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.01)
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with progress.reporting(stream), progress.task("solving", 2) as bar:
            time.sleep(0.05)
            bar.advance("pass 2")
            time.sleep(0.05)
    assert "solving [" in terminal.getvalue() and "pass 2" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""
    with progress.task("outside", 1):  # without reporting(): never drawn
        pass


def _long_problem(path: Path, steps: int) -> Path:
    """An 8-unit LSTM over ``steps`` steps (seconds to solve)."""
    rng = random.Random(1)

    def vec(k: int) -> str:
        return "[" + ", ".join(str(rng.randint(-9, 9) / 10) for _ in range(k)) + "]"

    lines = ['cell = "lstm"', "[parameters]"]
    for gate in "fioc":
        lines += [f"W_{gate} = [{', '.join(vec(8) for _ in range(8))}]"]
        lines += [f"U_{gate} = [{', '.join(vec(8) for _ in range(8))}]", f"b_{gate} = {vec(8)}"]
    lines += ["[sequence]", f"x = [{', '.join(vec(8) for _ in range(steps))}]"]
    lines += [f"y = [{', '.join(vec(8) for _ in range(steps))}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ctrl_c_exits_130_with_one_line_and_no_files(tmp_path: Path) -> None:
    """A real SIGINT during a long `solve -o` exits 130, prints one line, leaves no file."""
    problem = _long_problem(tmp_path / "long.toml", 1000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = str(out_dir / "values.txt")
    ready = "import sys, lstm_sym.cli as cli; print('ready', file=sys.stderr, flush=True); "
    command = [sys.executable, "-c", ready + "sys.exit(cli.main())"]
    child = subprocess.Popen(
        [*command, "solve", str(problem), "--grad", "-o", target],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    assert child.stderr.readline() == b"ready\n"  # imports done: the solve is starting
    time.sleep(1.5)  # well inside the solve (which takes over 10 s)
    assert child.poll() is None, "the solve finished before the interrupt"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130
    assert err.decode() == "lstm-sym: interrupted\n"
    assert list(out_dir.iterdir()) == []


def test_unwritable_outputs_are_one_line_errors(tmp_path: Path) -> None:
    """Names too long, in unwritable places or at the length limit are exit 2, no temp file."""
    longest = "x" * 250 + ".txt"  # valid, but a temporary name built from it would not be
    for name in ("9" * 5000, "/proc/version/x.txt", "/proc/x.txt", str(tmp_path / longest)):
        code, _, err = _cli(["solve", str(HW6), "-o", name])
        if name.endswith(longest):
            assert code == 0 and (tmp_path / longest).is_file()
        else:
            assert code == 2 and err.count("\n") == 1 and "output" in err, (name, err)
    code, _, err = _cli(["convert", "9" * 5000 + ".npz", "--to", "pytorch"])
    assert code == 2 and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == [longest]

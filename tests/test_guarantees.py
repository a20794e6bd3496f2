"""docs/guarantees.md, attacked: each test tries to break one promise the page makes."""

from __future__ import annotations

import io
import json
import os
import random
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import tomllib
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lstm_sym.model
from lstm_sym.cli import EXIT_INTERNAL, main
from lstm_sym.convert import load
from lstm_sym.errors import InputError
from lstm_sym.limits import LimitError, limits_table
from lstm_sym.problem import load_problem
from lstm_sym.problem.toml import toml_string, toml_text

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "guarantees.md"
HW6 = ROOT / "examples" / "hw6.toml"
ANSWERS = ROOT / "examples" / "hw6_answers.toml"
#: A title that would clear a terminal, paint it red and fake a verdict (then flip the text).
EVIL_TITLE = "\x1b[2J\x1b[H\x1b[31mALL ANSWERS CORRECT\x07\u202e\x7f\x9b"
LATEX = ("latexmk", "pdflatex", "pdftotext")


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _one_error_line(err: str, start: str = "lstm-sym: error: ") -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n") and lines[0].startswith(start), err[:500]
    return lines[0]


def _problem(tmp_path: Path, name: str = "p.toml", **replace: str) -> Path:
    """A copy of the homework's problem file, with lines replaced (``title = ...``)."""
    text = HW6.read_text()
    for key, value in replace.items():
        line = f"{key} = {toml_string(value)}"
        text = re.sub(rf"(?m)^{key} = .*$", lambda _, line=line: line, text)
    path = tmp_path / name
    path.write_text(text)
    return path


def _child(argv: list[str], **env: str) -> subprocess.Popen[bytes]:
    """``lstm-sym ARGV`` in a child process, which prints ``ready`` once its imports are done."""
    ready = "import sys, lstm_sym.cli as cli; print('ready', file=sys.stderr, flush=True); "
    return subprocess.Popen(
        [sys.executable, "-c", ready + "sys.exit(cli.main())", *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def latex_tools() -> None:
    """Skip (or, with LSTM_SYM_REQUIRE_LATEX=1, fail) when the TeX tools are not installed."""
    missing = [tool for tool in LATEX if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed"
        if os.environ.get("LSTM_SYM_REQUIRE_LATEX") == "1":
            pytest.fail(f"LSTM_SYM_REQUIRE_LATEX=1 but {message}")
        pytest.skip(message)


# -- limits ----------------------------------------------------------------------------------


def test_limits_table_is_the_one_in_limits_py() -> None:
    """The page's limits table is exactly limits_table() (regenerate it when a limit changes)."""
    assert limits_table() in PAGE.read_text()


# -- exit codes ------------------------------------------------------------------------------


def test_exit_code_table_is_complete() -> None:
    """The page's exit-code table lists every code the command line returns, and no other."""
    table = re.findall(r"(?m)^\| (\d+) \|", PAGE.read_text().split("## Exit codes", 1)[1])
    assert [int(code) for code in table] == [0, 1, 2, EXIT_INTERNAL, 129, 130, 143]


def test_a_bug_never_reads_as_wrong_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """An uncaught exception in `check` or `solve` exits 70 with one line, never 1 or a traceback."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("division by zero \x1b[2J" + "x" * 10_000)

    monkeypatch.setattr(sys.modules["lstm_sym.check"], "check", broken)
    code, out, err = _cli(["check", str(HW6), str(ANSWERS)])
    line = _one_error_line(err, "lstm-sym: internal error: ZeroDivisionError: division by zero")
    assert code == EXIT_INTERNAL == 70 and out == ""
    assert "\x1b" not in line and len(line) < 500 and "please report" in line
    monkeypatch.setattr(lstm_sym.model.Model, "solve", broken)
    code, _, err = _cli(["solve", str(HW6)])
    assert code == 70 and _one_error_line(err, "lstm-sym: internal error:")


# -- parameter files -------------------------------------------------------------------------


def _odd_tensors() -> dict[str, Any]:
    """Tensors that torch.load(weights_only=True) accepts but that hold no real numbers."""
    import warnings

    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "sparse": torch.ones(1, 2).to_sparse(),
            "meta": torch.empty(1, 2, device="meta"),
            "quantized": torch.quantize_per_tensor(torch.ones(1, 2), 0.1, 0, torch.qint8),
            "nested": torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
            "complex": torch.tensor([[1.0 + 5.0j, 2.0]]),
            "bool": torch.tensor([[True, False]]),
        }


@pytest.mark.parametrize("kind", ["sparse", "meta", "quantized", "nested", "complex", "bool"])
def test_odd_tensors_are_refused_by_name(kind: str, tmp_path: Path) -> None:
    """Sparse, meta, quantized, nested, complex and bool tensors: one error naming the tensor."""
    torch = pytest.importorskip("torch")
    arrays = {key: torch.from_numpy(value) for key, value in _lstm_arrays().items()}
    arrays["W_f"] = _odd_tensors()[kind]
    torch.save(arrays, tmp_path / "w.pt")
    with pytest.raises(InputError, match=r"w\.pt:W_f: expected a non-empty 1-D or 2-D array"):
        load(tmp_path / "w.pt")


def _lstm_arrays() -> dict[str, np.ndarray[Any, Any]]:
    ones = {"W": np.ones((1, 2)), "U": np.ones((1, 1)), "b": np.ones(1)}
    return {f"{kind}_{gate}": value for kind, value in ones.items() for gate in "fioc"}


def test_large_integers_are_read_exactly(tmp_path: Path) -> None:
    """int64 and uint64 values beyond 2**53 (not exact as floats) are read as the integers they are."""
    big = np.array([[2**62 + 1, -(2**62) - 1]], dtype=np.int64)
    arrays = {**_lstm_arrays(), "W_f": big, "W_i": np.array([[2**64 - 1, 3]], dtype=np.uint64)}
    np.savez(tmp_path / "w.npz", **arrays)
    paths = [tmp_path / "w.npz"]
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.save({k: torch.from_numpy(v) for k, v in arrays.items()}, tmp_path / "w.pt")
        paths.append(tmp_path / "w.pt")
    for path in paths:
        params = load(path, cell="lstm").params
        assert params["W_f"] == [[2**62 + 1, -(2**62) - 1]], path
        assert params["W_i"] == [[2**64 - 1, 3]], path


def test_archives_zipfile_cannot_read_are_refused(tmp_path: Path) -> None:
    """An .npz or .pt asking for zip version 6.4, or spanning disks, is one error, not a crash."""
    buffer = io.BytesIO()
    np.savez(buffer, **_lstm_arrays())
    version = bytearray(buffer.getvalue())
    version[version.find(b"PK\x01\x02") + 6] = 64  # version needed to extract: 6.4
    torch = pytest.importorskip("torch")
    saved = io.BytesIO()
    torch.save({"W_f": torch.ones(2)}, saved)  # a zip64 archive
    spanning = bytearray(saved.getvalue())
    spanning[spanning.find(b"PK\x06\x07") + 4] = 1  # the zip64 directory's disk number
    cases = [(version, r"NotImplementedError: zip file version 6\.4"), (spanning, "BadZipFile")]
    for name in ("w.npz", "w.pt"):
        for raw, words in cases:
            (tmp_path / name).write_bytes(raw)
            with pytest.raises(InputError, match=words):
                load(tmp_path / name)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_a_stride_zero_tensor_is_measured_by_its_shape(tmp_path: Path) -> None:
    """A 1.5 KB .pt holding ones(1).expand(20000, 25000) is refused from its shape, in no memory."""
    torch = pytest.importorskip("torch")
    torch.save({"W_f": torch.ones(1).expand(20_000, 25_000)}, tmp_path / "w.pt")  # float32
    assert (tmp_path / "w.pt").stat().st_size < 4000
    before, start = _peak_rss(), time.perf_counter()
    with pytest.raises(LimitError, match="parameter_values"):
        load(tmp_path / "w.pt")
    assert time.perf_counter() - start < 2 and _peak_rss() - before < 500 * 2**20


def _npz_header(path: Path, descr: Any, shape: tuple[int, ...]) -> None:
    """An .npz whose one array's header claims ``descr`` and ``shape`` (no data follows)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W_f.npy", header.getvalue())


@pytest.mark.parametrize(
    ("descr", "words"),
    [
        (("<f8", (15000, 15000)), "a subarray dtype"),
        ([("a", "<f8"), ("b", "<f8")], "a structured dtype"),
        ("|O", "an object dtype"),
    ],
)
def test_npz_dtypes_are_judged_from_the_header(descr: Any, words: str, tmp_path: Path) -> None:
    """A header claiming 225 million numbers in one subarray element is refused before reading."""
    _npz_header(tmp_path / "w.npz", descr, (1,))
    before, start = _peak_rss(), time.perf_counter()
    with pytest.raises(InputError, match=rf"w\.npz:W_f: expected .* found {words}"):
        load(tmp_path / "w.npz")
    assert time.perf_counter() - start < 1 and _peak_rss() - before < 100 * 2**20


# -- special files ---------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipes_and_devices_are_refused_as_inputs(tmp_path: Path) -> None:
    """A FIFO as the problem or answers file is refused at once (it would block open() forever)."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for argv in (["solve", str(fifo)], ["check", str(HW6), str(fifo)]):
        child = _child(argv)
        try:
            _, err = child.communicate(timeout=60)
        finally:
            child.kill()
        line = _one_error_line(err.decode().removeprefix("ready\n"))
        assert child.returncode == 2 and "a named pipe (FIFO), not a regular file" in line
    for special in ("/dev/zero", str(tmp_path)):
        code, _, err = _cli(["solve", special])
        assert code == 2 and "not a regular file" in _one_error_line(err)


# -- outputs ---------------------------------------------------------------------------------


def test_outputs_replace_only_regular_files(tmp_path: Path) -> None:
    """-o never replaces a FIFO, a device or a link to one; a link to a file is written through."""
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    to_device, dangling = tmp_path / "null.txt", tmp_path / "dangling.txt"
    to_device.symlink_to("/dev/null")
    dangling.symlink_to(tmp_path / "missing.txt")
    for name, words in ((fifo, "a named pipe"), (to_device, "a link to a character device")):
        code, _, err = _cli(["solve", str(HW6), "-o", str(name)])
        assert code == 2 and words in _one_error_line(err)
    code, _, err = _cli(["solve", str(HW6), "-o", str(dangling)])
    assert code == 2 and "a link to a missing file" in _one_error_line(err)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and to_device.is_symlink() and dangling.is_symlink()
    assert not (tmp_path / "missing.txt").exists()
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old")
    target.chmod(0o600)
    link.symlink_to(target.name)
    assert _cli(["solve", str(HW6), "-o", str(link)])[0] == 0
    assert link.is_symlink() and "HW6 Problem 1" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    leftovers = {p.name for p in tmp_path.iterdir()}
    assert leftovers == {"fifo.txt", "null.txt", "dangling.txt", "target.txt", "link.txt"}


def test_new_outputs_get_the_umask_and_old_ones_keep_their_mode(tmp_path: Path) -> None:
    """A new output is 0666 less the umask (here 027); a replaced file keeps its mode (0604)."""
    old = os.umask(0o027)
    try:
        assert _cli(["solve", str(HW6), "-o", str(tmp_path / "new.txt")])[0] == 0
        kept = tmp_path / "kept.txt"
        kept.write_text("x")
        kept.chmod(0o604)
        assert _cli(["solve", str(HW6), "-o", str(kept)])[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604


def test_read_only_outputs_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the user may not write is refused, although renaming over it would succeed."""
    if os.geteuid() == 0:  # root may write any file: ask as its owner would, by the mode bits
        from lstm_sym import files

        def access(path: str | os.PathLike[str], mode: int) -> bool:
            bits = os.stat(path).st_mode
            return not (mode & os.W_OK) or bool(bits & stat.S_IWUSR)

        monkeypatch.setattr(files.os, "access", access)
    locked = tmp_path / "locked.txt"
    locked.write_text("keep")
    locked.chmod(0o444)
    code, _, err = _cli(["solve", str(HW6), "-o", str(locked)])
    assert code == 2 and "read-only" in _one_error_line(err) and locked.read_text() == "keep"


def test_no_output_replaces_an_input(tmp_path: Path) -> None:
    """Outputs (the PDF, log and report included) that are an input, by any name, are refused."""
    problem = _problem(tmp_path)
    pdf_named = _problem(tmp_path, "hw.pdf")
    log_named = _problem(tmp_path, "hw2.log")
    answers = tmp_path / "answers.toml"
    shutil.copyfile(ANSWERS, answers)
    os.link(problem, tmp_path / "hard.toml")
    os.link(problem, tmp_path / "hard.tex")
    (tmp_path / "soft.toml").symlink_to(problem)
    (tmp_path / "soft.md").symlink_to(answers)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for argv in (
        ["codegen", str(problem), "-o", str(problem)],
        ["codegen", str(problem), "-o", str(tmp_path / "hard.toml")],
        ["solve", str(problem), "-o", str(tmp_path / "soft.toml")],
        ["sheet", str(pdf_named), "-o", str(tmp_path / "hw.tex"), "--pdf"],
        ["sheet", str(log_named), "-o", str(tmp_path / "hw2.tex"), "--pdf"],
        ["check", str(problem), str(answers), "--report", str(tmp_path / "soft.md")],
        ["check", str(problem), str(answers), "--report", f"{tmp_path}/./hard.tex"],
    ):
        code, _, err = _cli(argv)
        assert code == 2 and "expected a file other than the input files" in _one_error_line(err)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# -- TOML written by convert -----------------------------------------------------------------


@given(st.text(), st.text(min_size=1))
def test_written_toml_reads_back_as_written(title: str, key: str) -> None:
    """toml_text escapes every character TOML forbids raw (DEL, controls): the text reads back."""
    data = {"title": title, "parameters": {key: title, "b": [Decimal("0.5")]}}
    assert tomllib.loads(toml_text(data)) == data


def test_convert_in_place_keeps_the_problem_readable(tmp_path: Path) -> None:
    """`convert p.toml -o p.toml` with DEL and escapes in the title writes a file that reads back."""
    problem = _problem(tmp_path, title=EVIL_TITLE)
    assert _cli(["convert", str(problem), "--to", "pytorch", "-o", str(problem)])[0] == 0
    assert load_problem(problem).title == EVIL_TITLE
    assert _cli(["convert", str(problem), "--to", "lstm_sym", "-o", str(problem)])[0] == 0
    assert load_problem(problem).title == EVIL_TITLE


# -- signals ---------------------------------------------------------------------------------


def _slow_problem(path: Path, steps: int, units: int = 8) -> Path:
    """An LSTM of ``units`` units over ``steps`` steps (slow to solve and to typeset)."""
    rng = random.Random(7)

    def vector(k: int) -> str:
        return "[" + ", ".join(str(rng.randint(-9, 9) / 10) for _ in range(k)) + "]"

    lines = ['cell = "lstm"', "[parameters]"]
    for gate in "fioc":
        lines += [f"W_{gate} = [{', '.join(vector(units) for _ in range(units))}]"]
        lines += [f"U_{gate} = [{', '.join(vector(units) for _ in range(units))}]"]
        lines += [f"b_{gate} = {vector(units)}"]
    lines += ["[sequence]", f"x = [{', '.join(vector(units) for _ in range(steps))}]"]
    lines += [f"y = [{', '.join(vector(units) for _ in range(steps))}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_stops_like_ctrl_c(sent: int, code: int, tmp_path: Path) -> None:
    """SIGTERM (timeout, systemd, CI) or SIGHUP during `solve -o`: 143/129, one line, no file."""
    problem = _slow_problem(tmp_path / "long.toml", 1000)
    out = tmp_path / "out"
    out.mkdir()
    child = _child(["solve", str(problem), "--grad", "-o", str(out / "values.txt")])
    assert child.stderr is not None and child.stderr.readline() == b"ready\n"
    time.sleep(1.0)
    assert child.poll() is None, "the solve finished before the signal"
    child.send_signal(sent)
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (code, b"lstm-sym: interrupted\n")
    assert list(out.iterdir()) == []


def _marked(marker: str) -> Iterator[tuple[int, str]]:
    """(pid, command) of every live process whose environment holds ``marker``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if state != "Z":
            yield int(entry.name), command


@pytest.mark.latex
@pytest.mark.usefixtures("latex_tools")
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_during_a_pdf_build_leave_nothing(sent: int, code: int, tmp_path: Path) -> None:
    """A signal while pdflatex runs: one line, no .tex/.pdf, no temp folder, no TeX left running."""
    problem = _slow_problem(tmp_path / "p.toml", 12, units=4)
    out, temporary = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    temporary.mkdir()
    marker = f"LSTM_SYM_TEST_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    argv = ["sheet", str(problem), "-o", str(out / "s.tex"), "--pdf", "--parts", "forward"]
    child = _child(argv, TMPDIR=str(temporary), **{name: value})
    try:
        deadline = time.monotonic() + 120
        while not any("pdflatex" in command for _, command in _marked(marker)):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "pdflatex never started"
            time.sleep(0.02)
        child.send_signal(sent)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert (child.returncode, err) == (code, b"ready\nlstm-sym: interrupted\n")
    assert list(out.iterdir()) == [] and list(temporary.iterdir()) == []
    deadline = time.monotonic() + 10
    while (left := list(_marked(marker))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], f"orphaned: {left}"


# -- what reaches a terminal -----------------------------------------------------------------


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if not (c.isprintable() or c in " \n")]


def test_text_from_files_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """Escape sequences in a title reach no output raw: solve, check, JSON and TOML alike."""
    problem = _problem(tmp_path, title=EVIL_TITLE)
    escaped = r"\u001b[2J\u001b[H\u001b[31mALL ANSWERS CORRECT\u0007\u202e\u007f\u009b"
    for argv in (["solve", str(problem)], ["check", str(problem), str(ANSWERS)]):
        code, out, _ = _cli(argv)
        assert code in (0, 1) and not _raw_controls(out) and escaped in out
    for argv in (
        ["solve", str(problem), "--format", "json"],
        ["check", str(problem), str(ANSWERS), "--format", "json"],
    ):
        code, out, _ = _cli(argv)
        assert not _raw_controls(out) and json.loads(out)["title"] == EVIL_TITLE
    code, out, _ = _cli(["convert", str(problem), "--to", "keras"])
    assert code == 0 and not _raw_controls(out) and tomllib.loads(out)["title"] == EVIL_TITLE


def test_error_lines_shorten_what_they_quote(tmp_path: Path) -> None:
    """A 1 MB key or argument gives an error line of at most ~1,000 characters, with the length."""
    problem = tmp_path / "p.toml"
    problem.write_text(HW6.read_text().replace("[parameters]", f"[parameters]\n{'k' * 10**6} = 1"))
    for argv in (["solve", str(problem)], ["solve", str(HW6), "--digits", "9" * 10**6]):
        code, _, err = _cli(argv)
        line = _one_error_line(err)
        assert code == 2 and len(line) < 1200 and "characters" in line, line


# -- LaTeX -----------------------------------------------------------------------------------


@pytest.mark.latex
@pytest.mark.usefixtures("latex_tools")
def test_a_title_of_300_combining_accents_compiles(tmp_path: Path) -> None:
    """300 accents on one letter (each a TeX group) stay within TeX's 255 grouping levels."""
    title = "Z" + "\u0301" * 300 + "algo \u0308" * 3
    tex = tmp_path / "z.tex"
    code, out, err = _cli(
        ["sheet", str(HW6), "--problem-only", "--title", title, "-o", str(tex), "--pdf"]
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "z.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "algo" in text and out == f"{tmp_path / 'z.pdf'}\n"


# -- rounding --------------------------------------------------------------------------------


def test_zero_decimal_places_round_to_whole_numbers() -> None:
    """`--decimals 0` rounds each value to a whole number, as 30 places rounded again would."""
    code, whole, err = _cli(["solve", str(HW6), "--grad", "--decimals", "0", "--format", "json"])
    assert code == 0, err
    _, fine, _ = _cli(["solve", str(HW6), "--grad", "--decimals", "30", "--format", "json"])

    def values(text: str) -> dict[str, Decimal]:
        sections = json.loads(text)["values"].values()
        return {name: Decimal(v) for section in sections for name, v in section.items()}

    expected = {
        name: value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        for name, value in values(fine).items()
    }
    assert values(whole) == expected
    code, _, err = _cli(["solve", str(HW6), "--decimals", "-1"])
    assert code == 2 and "decimals: expected an integer from 0 to" in _one_error_line(err)

"""Compile a sheet to PDF with ``latexmk`` (pdfLaTeX, never a shell escape).

The document is compiled in a private temporary directory; only a finished PDF is
copied next to the ``.tex`` file (atomically). A LaTeX failure becomes one readable
:class:`~lstm_sym.errors.LstmSymError` quoting TeX's first error and naming the log,
which is kept beside the ``.tex`` file. PDFs are reproducible: the build fixes the
creation date (``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import LstmSymError
from ..files import write_atomic

#: The command line: pdfLaTeX, no interaction, stop at the first error, no shell escape,
#: and no latexmkrc files (so nothing outside this command changes what runs).
LATEXMK_ARGS = (
    "-norc",
    "-pdf",
    "-interaction=nonstopmode",
    "-halt-on-error",
    "-no-shell-escape",
    "-file-line-error",
)
#: Seconds a build may take before it is stopped.
TIMEOUT = 300.0
#: The fixed creation date of every PDF (2000-01-01), for byte-identical builds.
SOURCE_DATE_EPOCH = "946684800"

_JOB = "sheet"
_ERROR = re.compile(r"^(?:!\s*|\S*\.tex:(?P<line>\d+):\s*)(?P<message>.+)$")


class LatexError(LstmSymError):
    """LaTeX could not build the PDF (or is not installed)."""


def latexmk_path() -> str | None:
    """Where ``latexmk`` is, or ``None`` when it is not installed."""
    return shutil.which("latexmk")


def build_pdf(
    tex: str | Path,
    *,
    timeout: float = TIMEOUT,
    keep_log: bool = False,
    source: str | bytes | None = None,
) -> Path:
    """Compile ``tex`` to a PDF beside it; returns the PDF's path.

    With ``source`` the document is that text, and ``tex`` is written too: after the PDF
    is built, or with the log when the build fails, so an interrupted build leaves no
    file at all. The LaTeX log is written beside the ``.tex`` file when the build fails,
    or always with ``keep_log`` (to look for overfull boxes, for example). TeX runs in a
    process group of its own, stopped as a whole on a timeout or an interrupt.
    """
    tex = Path(tex)
    if tex.suffix != ".tex":  # the PDF and log are named after it: never clobber other files
        raise LatexError(f"cannot build a PDF from {tex}: the source must be a .tex file")
    latexmk = latexmk_path()
    if latexmk is None:
        if source is not None:
            write_atomic(tex, source)
        raise LatexError(
            f"cannot build {tex.with_suffix('.pdf')}: latexmk is not installed "
            "(Debian: apt-get install texlive-latex-base texlive-latex-recommended "
            "texlive-latex-extra latexmk); the .tex file is ready to compile elsewhere"
        )
    if source is None:
        document = tex.read_bytes()
    else:
        document = source.encode("utf-8") if isinstance(source, str) else source
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="lstm-sym-latex-") as work:
        (Path(work) / f"{_JOB}.tex").write_bytes(document)
        log = Path(work) / f"{_JOB}.log"
        try:
            code, output = _run([latexmk, *LATEXMK_ARGS, f"{_JOB}.tex"], work, env, timeout)
        except subprocess.TimeoutExpired:
            if source is not None:
                write_atomic(tex, document)
            raise LatexError(f"building {tex.name} took longer than {timeout:g} s") from None
        pdf = Path(work) / f"{_JOB}.pdf"
        if code != 0 or not pdf.is_file():
            if source is not None:
                write_atomic(tex, document)
            raise _failure(tex, log, code, output)
        if source is not None:
            write_atomic(tex, document)
        if keep_log:
            write_atomic(tex.with_suffix(".log"), log.read_bytes())
        return write_atomic(tex.with_suffix(".pdf"), pdf.read_bytes())


def _run(command: list[str], work: str, env: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """Run ``command`` in a session of its own; returns its exit code and output.

    On a timeout or an interrupt every process of the session is killed before the
    exception goes on, so no TeX run outlives the build.
    """
    with subprocess.Popen(
        command,
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # latexmk and its pdflatex runs: one group, ours to stop
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except BaseException:  # the timeout, Ctrl-C or SIGTERM: stop TeX before cleaning up
            _kill_group(process)
            raise
    return process.returncode, output


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill every process of the group that ``process`` leads.

    Only while the leader is not yet reaped: until then no other process can get its id
    (after it, latexmk has waited for its own runs, and the id may belong to a stranger).
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.kill()


def _failure(tex: Path, log: Path, code: int, output: bytes) -> LatexError:
    """An error quoting TeX's first error, with the log saved beside the .tex file."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    if not text:
        last = output.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no output"]
        return LatexError(f"latexmk failed on {tex} (exit {code}): {last[0]}")
    saved = write_atomic(tex.with_suffix(".log"), text)
    return LatexError(f"LaTeX failed on {tex}: {first_error(text, tex.name)} (full log: {saved})")


def first_error(log: str, source: str = f"{_JOB}.tex") -> str:
    """TeX's first error message in a log, on one line (``file:line: message``)."""
    lines = log.splitlines()
    for i, row in enumerate(lines):
        match = _ERROR.match(row)
        if match is None:
            continue
        where = f"{source}:{match['line']}: " if match["line"] else ""
        message = where + match["message"].strip()
        context = next((r.strip() for r in lines[i + 1 : i + 8] if r.startswith("l.")), "")
        return f"{message} [{context}]" if context else message
    return "no error message in the log"

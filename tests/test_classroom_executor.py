"""The same class on every executor: here, a process pool, and a Dask cluster (LocalCluster)."""

from __future__ import annotations

from pathlib import Path

import pytest
from optional import CLASS, need_modules

from lstm_sym.classroom.classgrade import grade_class
from lstm_sym.classroom.csvfiles import Student
from lstm_sym.classroom.executor import Here, executor_for, results
from lstm_sym.classroom.synthetic import synthetic_submissions
from lstm_sym.classroom.template import load_template
from lstm_sym.classroom.variants import draw_class
from lstm_sym.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "hw6_variants.toml"
STUDENTS = [Student(f"s{k}", f"Student {k}") for k in range(1, 5)]
FILES = ("class.json", "keys.csv", "variants/v004.toml")


def _square(x: int) -> int:
    return x * x


def test_results_come_in_order() -> None:
    """Results are handed on in the order of the tasks, whichever finishes first."""
    with executor_for(2) as pool:
        assert list(results(pool, _square, [(k,) for k in range(20)])) == [k * k for k in range(20)]
    assert isinstance(Here().submit(_square, 3).result(), int)
    failed = Here().submit(int, "x")
    assert isinstance(failed.exception(), ValueError)


def test_an_executor_that_is_not_dask_is_an_input_error() -> None:
    """--executor takes a Dask scheduler's address, nothing else."""
    with (
        pytest.raises(InputError, match=r"--executor: expected dask://HOST:PORT"),
        executor_for(1, "tcp://127.0.0.1:1"),
    ):
        pass


def test_dask_gives_the_same_class(tmp_path: Path) -> None:
    """Variants and grades drawn on a Dask LocalCluster are the same bytes as here."""
    distributed = need_modules(CLASS, "distributed")["distributed"]
    template = load_template(TEMPLATE)
    draw_class(template, STUDENTS, str(tmp_path / "here"))
    submissions = tmp_path / "submissions.csv"
    submissions.write_text(synthetic_submissions(tmp_path / "here"), encoding="utf-8")
    grade_class(tmp_path / "here", submissions)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        draw_class(template, STUDENTS, str(tmp_path / "dask"), executor=address)
        grade_class(tmp_path / "dask", submissions, executor=address)
    for name in (*FILES, "grades/grades.csv", "grades/report.md", "grades/feedback/v002.md"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()

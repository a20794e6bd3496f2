"""Where a class's work runs: here, in a pool of processes, or on a Dask cluster.

Every stage (drawing variants, building PDFs, grading) hands out independent tasks
through the standard :class:`concurrent.futures.Executor` interface and collects the
results in submission order, so the output is the same bytes whichever runs them:

* ``jobs=1`` (the default): one after another, in this process;
* ``jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` of N processes;
* ``executor="dask://HOST:PORT"``: the workers of a running Dask scheduler, through
  :meth:`distributed.Client.get_executor` (``pip install 'lstm_sym[class]'``). Tasks
  return their files' contents, so the workers need no shared disk; start them with one
  thread each (``dask worker --nthreads 1``): a task holds a lock per process, since
  working precision is per process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

from ..errors import InputError

Result = TypeVar("Result")
DASK = "dask://"
#: Most processes of a pool.
MAX_JOBS = 256
#: Held while a task computes: mpmath's and Arb's working precision is per process.
PRECISION = threading.Lock()


class Here(Executor):
    """Runs each task at once, in this process (one job)."""

    def submit(self, fn: Callable[..., Result], /, *args: Any, **kwargs: Any) -> Future[Result]:
        future: Future[Result] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            if not isinstance(error, Exception):
                raise  # Ctrl-C and SIGTERM stop the run
            future.set_exception(error)
        return future


def check_jobs(jobs: int, executor: str | None) -> None:
    """Refuse a bad ``--jobs`` or ``--executor`` before any work."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise InputError("--jobs", f"a number of processes from 1 to {MAX_JOBS}", repr(jobs))
    if executor is not None and (not executor.startswith(DASK) or len(executor) == len(DASK)):
        raise InputError("--executor", "dask://HOST:PORT (a Dask scheduler)", repr(executor))


@contextlib.contextmanager
def executor_for(jobs: int = 1, executor: str | None = None) -> Iterator[Executor]:
    """The executor that ``jobs`` and ``executor`` ask for (shut down when the block ends)."""
    check_jobs(jobs, executor)
    if executor is not None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--executor", "Dask distributed installed (pip install 'lstm_sym[class]')", "none"
            ) from None
        address = "tcp://" + executor[len(DASK) :]
        try:
            client = Client(address, timeout=30, set_as_default=False)
        except OSError as error:
            raise InputError(
                "--executor", "a Dask scheduler that answers", f"{address}: {error}"
            ) from None
        with client:
            pool = client.get_executor(pure=False)
            yield pool
        return
    if jobs == 1:
        yield Here()
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def results(
    pool: Executor, task: Callable[..., Result], items: Iterable[tuple[Any, ...]]
) -> Iterator[Result]:
    """``task(*item)`` for every item, through ``pool``: results in the order of ``items``.

    Every task is submitted at once; each result is handed on as soon as it and those
    before it are done.
    """
    futures = [pool.submit(locked, task, *item) for item in items]
    try:
        for future in futures:
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def locked(task: Callable[..., Result], *args: Any) -> Result:
    """Run ``task`` holding this process's precision lock (threads of a Dask worker queue)."""
    with PRECISION:
        return task(*args)

"""Generated vector code reuses its work buffers between calls: results must never share them."""

from __future__ import annotations

import threading
from itertools import combinations

import numpy as np
import pytest
from codegen_cases import random_array_case
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_sym import CELLS, lambdify
from lstm_sym.codegen import Functions


def _call(fns: Functions, seed: int, n: int = 3, d: int = 2, steps: int = 4, batch: int = 3):
    case = random_array_case(fns.cell.name, "half_sse", seed, n=n, d=d, steps=steps, batch=batch)
    initial = [case.initial[s.name] for s in fns.cell.states]
    return fns.loss_and_grad(case.params, case.x, case.y, *initial), case


def _fresh(fns: Functions) -> Functions:
    """The same functions in a new module (no buffers kept)."""
    return lambdify(cell=fns.cell.name, loss="half_sse", style="vector")


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_results_survive_later_calls(cell: str) -> None:
    """Gradients and forward values of one call are not changed by the calls after it."""
    fns = lambdify(cell=cell, loss="half_sse", style="vector")
    (loss, grads), case = _call(fns, 1)
    kept = {name: value.copy() for name, value in grads.items()}
    outputs = fns.forward(case.params, case.x)
    kept_outputs = {name: value.copy() for name, value in outputs.items()}
    for seed in (2, 3):
        fns.loss(case.params, case.x, case.y)
        _call(fns, seed)
    for name, value in grads.items():
        np.testing.assert_array_equal(value, kept[name], err_msg=name)
    for name, value in outputs.items():
        np.testing.assert_array_equal(value, kept_outputs[name], err_msg=name)
    (again, regrads), _ = _call(fns, 1)
    assert again == loss
    for name, value in regrads.items():
        np.testing.assert_array_equal(value, kept[name], err_msg=name)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_gradients_are_separate_arrays(cell: str) -> None:
    """No two gradients share memory (two biases of one gate get one array each)."""
    fns = lambdify(cell=cell, loss="half_sse", style="vector")
    (_, grads), _ = _call(fns, 4)
    for (a, left), (b, right) in combinations(grads.items(), 2):
        assert not np.shares_memory(left, right), (a, b)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)),
        min_size=2,
        max_size=5,
    ),
    st.sampled_from(["lstm", "gru", "lstm_peephole"]),
)
def test_calls_of_changing_sizes_agree_with_a_fresh_module(
    sizes: list[tuple[int, int, int, int]], cell: str
) -> None:
    """A sequence of calls with changing sizes gives what a module used once gives."""
    fns = lambdify(cell=cell, loss="half_sse", style="vector")
    for k, (n, d, steps, batch) in enumerate(sizes):
        (loss, grads), _ = _call(fns, k, n=n, d=d, steps=steps, batch=batch)
        (expected, expected_grads), _ = _call(_fresh(fns), k, n=n, d=d, steps=steps, batch=batch)
        assert loss == expected
        for name, value in grads.items():
            np.testing.assert_array_equal(value, expected_grads[name], err_msg=name)


def test_threads_do_not_share_buffers() -> None:
    """Calls running at once in several threads each get their own buffers."""
    fns = lambdify(cell="lstm", loss="half_sse", style="vector")
    expected = {
        seed: _call(_fresh(fns), seed, n=16, d=8, steps=30, batch=16)[0] for seed in range(4)
    }
    failures: list[str] = []

    def work(seed: int) -> None:
        for _ in range(20):
            (loss, grads), _ = _call(fns, seed, n=16, d=8, steps=30, batch=16)
            if loss != expected[seed][0] or any(
                not np.array_equal(value, expected[seed][1][name]) for name, value in grads.items()
            ):
                failures.append(f"seed {seed}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_release_buffers() -> None:
    """release_buffers() frees what the module keeps; later calls allocate again."""
    fns = lambdify(cell="lstm", loss="half_sse", style="vector")
    (loss, _), _ = _call(fns, 5)
    assert fns.module._SPARE
    fns.release_buffers()
    assert not fns.module._SPARE
    assert _call(fns, 5)[0][0] == loss
    assert "release_buffers" in fns.module.__all__
    lambdify(cell="lstm", sizes={"n": 1, "d": 1}, style="scalar").release_buffers()

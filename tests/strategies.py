"""Hypothesis strategies: random LSTM problems with exact values."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from reference import GATES, Case

LOSSES = ("half_sse", "sse", "mse", "upstream")

exact = st.builds(Fraction, st.integers(-30, 30), st.sampled_from([1, 2, 4, 5, 8, 10, 20]))


def vector(size: int) -> st.SearchStrategy[list[Fraction]]:
    return st.lists(exact, min_size=size, max_size=size)


def matrix(rows: int, cols: int) -> st.SearchStrategy[list[list[Fraction]]]:
    return st.lists(vector(cols), min_size=rows, max_size=rows)


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    max_size: int = 3,
    max_steps: int = 4,
    max_batch: int = 2,
    losses: tuple[str, ...] = LOSSES,
) -> Case:
    d = draw(st.integers(1, max_size))
    n = draw(st.integers(1, max_size))
    steps = draw(st.integers(1, max_steps))
    batch = draw(st.integers(1, max_batch))
    loss = draw(st.sampled_from(losses))
    params: dict[str, list[list[Fraction]] | list[Fraction]] = {}
    for g in GATES:
        params[f"W_{g}"] = draw(matrix(n, d))
        params[f"U_{g}"] = draw(matrix(n, n))
        params[f"b_{g}"] = draw(vector(n))
    xs = [draw(st.lists(vector(d), min_size=steps, max_size=steps)) for _ in range(batch)]
    target = st.one_of(st.none(), vector(n)) if steps > 1 else vector(n)
    ys = [draw(st.lists(target, min_size=steps, max_size=steps)) for _ in range(batch)]
    if loss != "upstream" and all(y is None for seq in ys for y in seq):
        ys[0][-1] = draw(vector(n))
    h0 = [draw(vector(n)) for _ in range(batch)]
    c0 = [draw(vector(n)) for _ in range(batch)]
    dc_T = (
        [draw(vector(n)) for _ in range(batch)]
        if loss == "upstream" and draw(st.booleans())
        else None
    )
    return Case(d, n, params, xs, ys, h0, c0, loss, dc_T)

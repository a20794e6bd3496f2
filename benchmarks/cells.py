"""Cost of every built-in cell, of custom cells, and of PyTorch on the same problems.

Run: python benchmarks/cells.py [--steps T] [--size N] [--digits D]

For each cell: the one-off symbolic derivation of its step template (forward + backward),
and a certified solve with every gradient at D digits (T steps, n = d = N), each as a
ratio to the homework's lstm cell. Then the same cell written as a custom cell in the
problem file (parse + derive, and solve) against the built-in, and PyTorch's float64
forward + backward for the cells PyTorch has, measured side by side in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not an install

import sympy

import lstm_sym
from lstm_sym.derive import template
from lstm_sym.evaluate import compile as compiler
from lstm_sym.spec.cells import CELLS


def _problem(cell: str, steps: int, size: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)

    def value() -> str:
        return f"{rng.randint(-20, 20)}/{rng.choice([8, 16, 32])}"

    spec = CELLS[cell]
    sizes = {"n": size, "d": size}

    def values(shape: tuple[str, ...]) -> Any:
        dims = [sizes[d] for d in shape]
        if len(dims) == 2:
            return [[value() for _ in range(dims[1])] for _ in range(dims[0])]
        return [value() for _ in range(dims[0])]

    return {
        "cell": cell,
        "parameters": {p.name: values(p.shape) for p in spec.params},
        "sequence": {
            "x": [[value() for _ in range(size)] for _ in range(steps)],
            "y": [[value() for _ in range(size)] for _ in range(steps)],
        },
    }


def _clear() -> None:
    sympy.core.cache.clear_cache()  # a real derivation, not SymPy's memo of the last one
    template.step_template.cache_clear()
    template.terminal_template.cache_clear()
    compiler._COMPILED.clear()


def _best(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _derive(problem: lstm_sym.Problem) -> None:
    _clear()
    template.problem_templates(problem)


def _parse_and_derive(data: dict[str, Any]) -> None:
    _derive(lstm_sym.problem_from_dict(data))


def _solve(problem: lstm_sym.Problem, digits: int) -> None:
    lstm_sym.Model(problem).solve(digits, gradients=True)


def _torch_time(cell: str, data: dict[str, Any], repeat: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    modules = {"lstm_torch": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_torch": torch.nn.RNN}
    if cell not in modules:
        return None
    size = len(data["sequence"]["x"][0])
    module = modules[cell](size, size).double()
    x = torch.tensor(
        [[float(_fraction_value(v)) for v in row] for row in data["sequence"]["x"]],
        dtype=torch.float64,
    ).unsqueeze(1)
    y = torch.tensor(
        [[float(_fraction_value(v)) for v in row] for row in data["sequence"]["y"]],
        dtype=torch.float64,
    )

    def run() -> None:
        module.zero_grad()
        out, _ = module(x)
        loss = 0.5 * ((out[:, 0, :] - y) ** 2).sum()
        loss.backward()

    run()
    return _best(run, repeat)


def _fraction_value(text: str) -> float:
    num, den = text.split("/")
    return int(num) / int(den)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=4)
    parser.add_argument("--digits", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(
        f"T = {args.steps}, n = d = {args.size}, {args.digits} certified digits, with every gradient"
    )
    print(
        f"{'cell':<15} {'derive s':>9} {'x lstm':>7} {'solve s':>9} {'x lstm':>7} {'torch f64 s':>12} {'x torch':>9}"
    )
    base_derive = base_solve = None
    rows = []
    for name in ["lstm", *(c for c in CELLS if c != "lstm")]:
        data = _problem(name, args.steps, args.size)
        problem = lstm_sym.problem_from_dict(data)
        derive = statistics.median(_best(partial(_derive, problem), 1) for _ in range(args.repeat))
        _derive(problem)
        solve = _best(partial(_solve, problem, args.digits), args.repeat)
        if base_derive is None:
            base_derive, base_solve = derive, solve
        assert base_solve is not None
        torch_time = _torch_time(name, data, 20)
        torch_text = (
            f"{torch_time:12.6f} {solve / torch_time:9.0f}" if torch_time else f"{'-':>12} {'-':>9}"
        )
        rows.append(name)
        print(
            f"{name:<15} {derive:9.3f} {derive / base_derive:7.2f} {solve:9.3f} {solve / base_solve:7.2f} {torch_text}"
        )

    print()
    print("custom cell (equations in the problem file) vs the same built-in cell")
    print(
        f"{'cell':<15} {'parse+derive s':>15} {'built-in s':>11} {'solve s':>9} {'built-in s':>11} {'ratio':>6}"
    )
    for name in ("lstm", "gru", "lstm_fgr"):
        data = _problem(name, args.steps, args.size)
        custom = dict(data, cell={"name": f"my_{name}", "equations": CELLS[name].equations_text()})
        built_in = lstm_sym.problem_from_dict(data)

        parse_derive = _best(partial(_parse_and_derive, custom), args.repeat)
        derive = _best(partial(_derive, built_in), args.repeat)
        problem = lstm_sym.problem_from_dict(custom)
        _derive(problem)
        solve_custom = _best(partial(_solve, problem, args.digits), args.repeat)
        _derive(built_in)
        solve_built_in = _best(partial(_solve, built_in, args.digits), args.repeat)
        print(
            f"{name:<15} {parse_derive:15.3f} {derive:11.3f} {solve_custom:9.3f} {solve_built_in:11.3f} "
            f"{solve_custom / solve_built_in:6.2f}"
        )


if __name__ == "__main__":
    main()

"""The evaluation engines side by side: proven (Arb), certified (mpmath), and a hand-written loop.

    python benchmarks/bench_engine.py [--quick]

Measured in one run, CPU time (``time.process_time``: the machine is shared, so wall
time says more about the neighbours than about the code), best of a few runs, warm (the
step templates derived and compiled once before):

* **long sequence**: T = 1,000, d = n = 4, 50 digits, forward pass and every gradient:
  ``solve`` with the arb engine, with the mpmath engine, and a hand-written python-flint
  LSTM forward + BPTT loop computing the same numbers once at the first working precision
  (no proof, no names, no rounding: the practical floor);
* **homework** at 10,000 digits, forward + every gradient, proven, against the same
  hand-written loop;
* **wide**: d = n = 32, T = 100, batch 4, 30 digits, every gradient;
* **check**: a batch of 10 sequences (d = 3, n = 5, T = 4, upstream loss) with 13
  answers, 12 of them wrong, so that the mistake search runs;
* **linearity**: the proven solve at T = 100, 300, 1,000 and at batch sizes 8 to 64, with
  the fitted exponent of cost against size (linear: 1).

Targets (the Arb engine issue): long < 1 s and within 2× of the hand-written loop;
homework < 0.05 s; wide < 10 s; check < 3 s; exponents ≤ 1.05.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

from flint import arb, fmpq  # noqa: E402

from lstm_sym import Model, load_problem, problem_from_dict  # noqa: E402
from lstm_sym.check import check  # noqa: E402
from lstm_sym.evaluate.balls import bits_for, workprec  # noqa: E402
from lstm_sym.evaluate.certify import guard_digits  # noqa: E402

HW6 = ROOT / "examples" / "hw6.toml"
GATES = "fioc"


def cpu(function: Callable[[], Any], repeat: int = 3) -> float:
    """The best CPU time of ``repeat`` calls."""
    best = math.inf
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def random_problem(steps: int, d: int, n: int, batch: int = 1, seed: int = 7) -> dict[str, Any]:
    """A problem with exact random values p/q (|p/q| ≤ 2) as a problem-file dictionary."""
    rng = random.Random(seed)

    def value() -> str:
        return f"{rng.randint(-20, 20)}/{rng.choice([10, 16, 25])}"

    params: dict[str, Any] = {}
    for g in GATES:
        params[f"W_{g}"] = [[value() for _ in range(d)] for _ in range(n)]
        params[f"U_{g}"] = [[value() for _ in range(n)] for _ in range(n)]
        params[f"b_{g}"] = [value() for _ in range(n)]
    sequences = [
        {
            "x": [[value() for _ in range(d)] for _ in range(steps)],
            "y": [[value() for _ in range(n)] for _ in range(steps)],
        }
        for _ in range(batch)
    ]
    return {"parameters": params, "sequence": sequences if batch > 1 else sequences[0]}


# -- the practical floor: an LSTM written by hand in python-flint -----------------------


def _ball(text: str) -> arb:
    p, _, q = text.partition("/")
    return arb(fmpq(int(p), int(q or 1)))


def hand_loop(data: dict[str, Any], digits: int) -> tuple[arb, dict[str, Any]]:
    """Forward pass, half-SSE loss and BPTT for one sequence, at the first working precision
    of ``digits`` (the same ball arithmetic, none of the bookkeeping)."""
    with workprec(bits_for(digits + guard_digits(digits))):
        p = data["parameters"]
        W = {g: [[_ball(v) for v in row] for row in p[f"W_{g}"]] for g in GATES}
        U = {g: [[_ball(v) for v in row] for row in p[f"U_{g}"]] for g in GATES}
        b = {g: [_ball(v) for v in p[f"b_{g}"]] for g in GATES}
        seq = data["sequence"]
        xs = [[_ball(v) for v in x] for x in seq["x"]]
        ys = [[_ball(v) for v in y] for y in seq["y"]]
        n, d = len(b["f"]), len(xs[0])
        h, c = [arb(0)] * n, [arb(0)] * n
        tape = []
        loss = arb(0)
        for x, y in zip(xs, ys, strict=True):
            z = {
                g: [
                    sum((W[g][k][j] * x[j] for j in range(d)), b[g][k])
                    + sum((U[g][k][j] * h[j] for j in range(n)), arb(0))
                    for k in range(n)
                ]
                for g in GATES
            }
            f, i, o = ([1 / (1 + (-a).exp()) for a in z[g]] for g in "fio")
            g_ = [a.tanh() for a in z["c"]]
            c_new = [f[k] * c[k] + i[k] * g_[k] for k in range(n)]
            t = [a.tanh() for a in c_new]
            h_new = [o[k] * t[k] for k in range(n)]
            loss += sum(((h_new[k] - y[k]) ** 2 for k in range(n)), arb(0)) / 2
            tape.append((x, h, c, f, i, o, g_, c_new, t, h_new, y))
            h, c = h_new, c_new
        grads = {
            name: [[arb(0)] * len(row) for row in m]
            for name, m in (*((f"W_{g}", W[g]) for g in GATES), *((f"U_{g}", U[g]) for g in GATES))
        }
        grads.update({f"b_{g}": [[arb(0)] for _ in range(n)] for g in GATES})
        dh_next, dc_next = [arb(0)] * n, [arb(0)] * n
        for x, h_prev, c_prev, f, i, o, g_, _, t, h_new, y in reversed(tape):
            dh = [h_new[k] - y[k] + dh_next[k] for k in range(n)]
            dc = [dc_next[k] + dh[k] * o[k] * (1 - t[k] * t[k]) for k in range(n)]
            dz = {
                "f": [dc[k] * c_prev[k] * f[k] * (1 - f[k]) for k in range(n)],
                "i": [dc[k] * g_[k] * i[k] * (1 - i[k]) for k in range(n)],
                "o": [dh[k] * t[k] * o[k] * (1 - o[k]) for k in range(n)],
                "c": [dc[k] * i[k] * (1 - g_[k] * g_[k]) for k in range(n)],
            }
            for g in GATES:
                for k in range(n):
                    for j in range(d):
                        grads[f"W_{g}"][k][j] += dz[g][k] * x[j]
                    for j in range(n):
                        grads[f"U_{g}"][k][j] += dz[g][k] * h_prev[j]
                    grads[f"b_{g}"][k][0] += dz[g][k]
            dh_next = [
                sum((U[g][k][j] * dz[g][k] for g in GATES for k in range(n)), arb(0))
                for j in range(n)
            ]
            dc_next = [dc[k] * f[k] for k in range(n)]
        return loss, grads


# -- measurements -----------------------------------------------------------------------


def long_sequence(steps: int, rows: list[str]) -> None:
    data = random_problem(steps, 4, 4)
    model = Model(problem_from_dict(data))
    model.solve(5, gradients=True)  # derive and compile
    arb_time = cpu(lambda: model.solve(50, gradients=True), 2)
    mp_time = cpu(lambda: model.solve(50, gradients=True, engine="mpmath"), 1)
    hand = cpu(lambda: hand_loop(data, 50), 2)
    loss, _ = hand_loop(data, 50)
    proven = model.solve(50, gradients=True)
    assert abs(float(loss.mid()) - float(proven["L"])) <= 1e-9 * abs(float(proven["L"]))
    print(
        f"T = {steps}, d = n = 4, 50 digits, every gradient: arb {arb_time:.2f} s, "
        f"mpmath {mp_time:.2f} s, hand-written python-flint {hand:.2f} s"
    )
    rows.append(
        f"| T = {steps:,}, d = n = 4, 50 digits, forward + every gradient | {arb_time:.2f} s "
        f"| {mp_time:.2f} s ({mp_time / arb_time:.1f}×) | {hand:.2f} s ({arb_time / hand:.1f}×) |"
    )


def homework_10000(rows: list[str]) -> None:
    model = Model(load_problem(HW6))
    model.solve(10_000, gradients=True)
    data = {
        "parameters": {
            "W_f": [["1", "2"]],
            "W_i": [["-1", "0"]],
            "W_o": [["3", "0"]],
            "W_c": [["1", "2"]],
            "U_f": [["1/2"]],
            "U_i": [["2"]],
            "U_o": [["-1"]],
            "U_c": [["3/2"]],
            "b_f": ["1/5"],
            "b_i": ["-1/10"],
            "b_o": ["4/5"],
            "b_c": ["1/2"],
        },
        "sequence": {"x": [["1", "0"], ["1/2", "-1"]], "y": [["1/2"], ["4/5"]]},
    }
    arb_time = cpu(lambda: model.solve(10_000, gradients=True), 5)
    mp_time = cpu(lambda: model.solve(10_000, gradients=True, engine="mpmath"), 2)
    hand = cpu(lambda: hand_loop(data, 10_000), 5)
    print(
        f"homework, 10,000 digits, every gradient: arb {arb_time * 1e3:.1f} ms, "
        f"mpmath {mp_time * 1e3:.1f} ms, hand-written {hand * 1e3:.1f} ms"
    )
    rows.append(
        f"| homework, 10,000 digits, forward + every gradient (warm) | {arb_time * 1e3:.1f} ms "
        f"| {mp_time * 1e3:.1f} ms ({mp_time / arb_time:.1f}×) | {hand * 1e3:.1f} ms "
        f"({arb_time / hand:.1f}×) |"
    )


def wide(rows: list[str], size: int, steps: int) -> None:
    model = Model(problem_from_dict(random_problem(steps, size, size, batch=4)))
    model.solve(5, gradients=True)
    arb_time = cpu(lambda: model.solve(30, gradients=True), 1)
    print(f"d = n = {size}, T = {steps}, batch 4, 30 digits, every gradient: arb {arb_time:.2f} s")
    rows.append(
        f"| d = n = {size}, T = {steps}, batch 4, 30 digits, every gradient | {arb_time:.2f} s | | |"
    )


def check_batch(rows: list[str]) -> None:
    rng = random.Random(3)
    data = random_problem(4, 3, 5, batch=10, seed=11)
    data["loss"] = "upstream"
    for seq in data["sequence"]:
        del seq["y"]
        seq["dL_dh"] = [[f"{rng.randint(-9, 9)}/10" for _ in range(5)] for _ in range(4)]
    problem = problem_from_dict(data)
    solution = Model(problem).solve(8, decimals=True)
    # answers from every sequence: h_2[1] of each, and three more
    names = [f"h_2[1]^({k})" for k in range(1, 11)] + ["c_2[1]^(1)", "i_1[2]^(2)", "f_1[3]^(3)"]
    answers = {name: str(solution[name]) for name in names[:1]}
    for name in names[1:]:  # wrong in the last places
        answers[name] = str(solution[name] + Decimal("7E-8"))
    start = time.process_time()
    report = check(problem, answers)
    seconds = time.process_time() - start
    wrong = sum(1 for a in report.answers if a.verdict == "wrong")
    print(f"check, 10 sequences, 13 answers ({wrong} wrong): {seconds:.2f} s")
    rows.append(f"| check, batch of 10, 13 answers ({wrong} wrong) | {seconds:.2f} s | | |")


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) against log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def linearity(rows: list[str], steps: list[int], batches: list[int]) -> None:
    times = []
    for t in steps:
        model = Model(problem_from_dict(random_problem(t, 4, 4, seed=5)))
        model.solve(5, gradients=True)
        times.append(cpu(lambda model=model: model.solve(50, gradients=True), 2))
    slope = exponent(steps, times)
    cells = ", ".join(f"T = {t}: {s:.2f} s" for t, s in zip(steps, times, strict=True))
    print(f"cost against T: {cells}; exponent {slope:.2f}")
    rows.append(
        f"| cost against T (d = n = 4, 50 digits, gradients): {cells} | exponent {slope:.2f} | | |"
    )
    times = []
    for b in batches:
        model = Model(problem_from_dict(random_problem(20, 2, 2, batch=b, seed=9)))
        model.solve(5, gradients=True)
        times.append(cpu(lambda model=model: model.solve(30, gradients=True), 2))
    slope = exponent(batches, times)
    cells = ", ".join(f"B = {b}: {s:.2f} s" for b, s in zip(batches, times, strict=True))
    print(f"cost against batch: {cells}; exponent {slope:.2f}")
    rows.append(
        f"| cost against batch (T = 20, d = n = 2, 30 digits): {cells} | exponent {slope:.2f} | | |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    rows = [
        "| measurement | arb (proven) | mpmath (certified), ratio to arb | hand-written python-flint, arb's ratio to it |",
        "|---|---:|---:|---:|",
    ]
    long_sequence(100 if args.quick else 1000, rows)
    homework_10000(rows)
    wide(rows, 8 if args.quick else 32, 10 if args.quick else 100)
    check_batch(rows)
    linearity(
        rows,
        [30, 100] if args.quick else [100, 300, 1000],
        [4, 8] if args.quick else [8, 16, 32, 64],
    )
    print("\n" + "\n".join(rows))


if __name__ == "__main__":
    main()

"""Generated code against hand-written NumPy, PyTorch, JAX and sympy.lambdify: forward + backward.

    python benchmarks/bench_codegen.py [--quick] [--sizes K ...] [--crossover]

For each size (batch, T, d, n) in (1, 2, 2, 1), (64, 50, 32, 32), (256, 100, 128, 128),
one call of loss + every gradient (parameters, h_0, c_0, x) of the homework's LSTM with
the loss ½ Σ_t ‖y_t − h_t‖², side by side in one run:

* **generated**: ``lstm_sym.lambdify(cell="lstm", sizes=..., batch=...)`` (style chosen
  automatically: straight-line scalar code for the tiny size, vector code otherwise), and
  the vector style at every size for comparison;
* **hand NumPy**: ``benchmarks/_numpy_lstm.py``, CS231n-style ``lstm_forward``/``lstm_backward``;
* **torch**: ``nn.LSTM`` float64 and float32 autograd (CPU), gradients for x, h_0, c_0 too;
* **JAX**: ``jax.jit(jax.value_and_grad(...))`` of a ``lax.scan``, float64; compile time
  (first call) reported apart;
* **sympy.lambdify(cse=True)** of the scalar closed-form expressions of L and every
  gradient, where lstm_sym agrees to build them (the homework's size only).

Times are per call, the best of interleaved rounds after a warm-up (round-robin spreads
other load on the machine over every contender alike); ratios are baseline / generated.
The sympy.lambdify baseline is measured twice: with plain floats in and out, and with
arrays in and out converted as the generated functions take and return them.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _numpy_lstm  # noqa: E402
import numpy as np  # noqa: E402

from lstm_sym import lambdify  # noqa: E402
from lstm_sym.errors import TooLargeError  # noqa: E402

SIZES = ((1, 2, 2, 1), (64, 50, 32, 32), (256, 100, 128, 128))
GATES = ("f", "i", "o", "c")


def interleaved(
    calls: dict[str, Callable[[], Any]], *, budget: float, pause: float = 0.02
) -> dict[str, float]:
    """Best seconds per call of each function, measured in interleaved rounds.

    Round-robin rounds spread other load on the machine over every contender alike; the
    best round of each is the least disturbed one. A round times a contender's calls after
    one untimed call: the per-call time of a loop that keeps calling it, not that of a first
    call finding the caches full of another contender's arrays. PyTorch's and JAX's worker
    threads keep spinning for a while after a call, and on 2 cores they take the CPU the
    next contender needs: the harness pauses ``pause`` seconds between contenders so that
    they are idle, and each round starts one place later, so no contender always follows
    the same one.
    """
    number = {}
    for name, fn in calls.items():
        fn()
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-7)
        number[name] = max(1, int(0.02 / once))
    start = time.perf_counter()
    best = {name: float("inf") for name in calls}
    rounds = 0
    names = list(calls)
    while rounds < 3 or (time.perf_counter() - start < budget * len(calls) and rounds < 25):
        order = names[rounds % len(names) :] + names[: rounds % len(names)]
        for name in order:
            fn = calls[name]
            time.sleep(pause)
            fn()
            t0 = time.perf_counter()
            for _ in range(number[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / number[name])
        rounds += 1
    return best


def data(batch: int, steps: int, d: int, n: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    params = {}
    for g in GATES:
        params[f"W_{g}"] = rng.standard_normal((n, d)) / np.sqrt(d)
        params[f"U_{g}"] = rng.standard_normal((n, n)) / np.sqrt(n)
        params[f"b_{g}"] = rng.standard_normal(n) * 0.1
    return {
        "params": params,
        "x": rng.standard_normal((batch, steps, d)),
        "y": rng.standard_normal((batch, steps, n)),
        "h0": rng.standard_normal((batch, n)) * 0.5,
        "c0": rng.standard_normal((batch, n)) * 0.5,
    }


def as_float32(case: dict[str, Any]) -> dict[str, Any]:
    """The same problem in float32 (parameters and arrays)."""
    params = {name: value.astype(np.float32) for name, value in case["params"].items()}
    return {"params": params, **{k: v.astype(np.float32) for k, v in case.items() if k != "params"}}


def bench_generated(
    case: dict[str, Any], sizes: tuple[int, ...], style: str, budget: float
) -> tuple[Callable[[], Any], float]:
    batch, _, d, n = sizes
    fns = lambdify(cell="lstm", loss="half_sse", sizes={"n": n, "d": d}, batch=batch, style=style)
    p, x, y, h0, c0 = case["params"], case["x"], case["y"], case["h0"], case["c0"]
    loss, grads = fns.loss_and_grad(p, x, y, h0, c0)
    assert all(g.dtype == x.dtype for g in grads.values()), "gradients in the inputs' dtype"
    return (lambda: fns.loss_and_grad(p, x, y, h0, c0)), float(loss)


def bench_numpy(case: dict[str, Any], budget: float) -> tuple[Callable[[], Any], float]:
    stacked = _numpy_lstm.to_stacked(case["params"])
    args = (stacked, case["x"], case["y"], case["h0"], case["c0"])
    loss, _ = _numpy_lstm.loss_and_grad(*args)
    return (lambda: _numpy_lstm.loss_and_grad(*args)), loss


def bench_torch(
    case: dict[str, Any], dtype_name: str, budget: float
) -> tuple[Callable[[], Any], float] | None:
    try:
        import torch
    except ImportError:
        return None
    dtype = getattr(torch, dtype_name)
    p = case["params"]
    n, d = p["W_f"].shape
    lstm = torch.nn.LSTM(d, n, batch_first=True).to(dtype)
    order = ("i", "f", "c", "o")  # PyTorch's gate order i, f, g, o
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(np.concatenate([p[f"W_{g}"] for g in order])))
        lstm.weight_hh_l0.copy_(torch.tensor(np.concatenate([p[f"U_{g}"] for g in order])))
        lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate([p[f"b_{g}"] for g in order])))
        lstm.bias_hh_l0.zero_()

    def tensor(a: np.ndarray) -> Any:
        return torch.tensor(a, dtype=dtype, requires_grad=True)

    x, h0, c0 = tensor(case["x"]), tensor(case["h0"][None]), tensor(case["c0"][None])
    y = torch.tensor(case["y"], dtype=dtype)

    def step() -> float:
        lstm.zero_grad(set_to_none=True)
        for t in (x, h0, c0):
            t.grad = None
        out, _ = lstm(x, (h0, c0))
        loss = 0.5 * ((out - y) ** 2).sum()
        loss.backward()
        return float(loss)

    loss = step()
    return step, loss


def bench_jax(case: dict[str, Any], budget: float) -> tuple[Callable[[], Any], float, float] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    p = {k: jnp.asarray(v) for k, v in case["params"].items()}
    x, y = jnp.asarray(case["x"]), jnp.asarray(case["y"])
    h0, c0 = jnp.asarray(case["h0"]), jnp.asarray(case["c0"])

    def loss_fn(params: Any, x: Any, h0: Any, c0: Any) -> Any:
        wx = jnp.concatenate([params[f"W_{g}"] for g in GATES]).T
        wh = jnp.concatenate([params[f"U_{g}"] for g in GATES]).T
        b = jnp.concatenate([params[f"b_{g}"] for g in GATES])
        n = h0.shape[1]

        def cell(carry: Any, inputs: Any) -> Any:
            h, c = carry
            xt, yt = inputs
            a = xt @ wx + h @ wh + b
            f = jax.nn.sigmoid(a[:, :n])
            i = jax.nn.sigmoid(a[:, n : 2 * n])
            o = jax.nn.sigmoid(a[:, 2 * n : 3 * n])
            g = jnp.tanh(a[:, 3 * n :])
            c = f * c + i * g
            h = o * jnp.tanh(c)
            return (h, c), 0.5 * jnp.sum((yt - h) ** 2)

        _, losses = jax.lax.scan(cell, (h0, c0), (jnp.swapaxes(x, 0, 1), jnp.swapaxes(y, 0, 1)))
        return jnp.sum(losses)

    fn = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1, 2, 3)))
    start = time.perf_counter()
    loss, grads = fn(p, x, h0, c0)
    jax.block_until_ready(grads)
    compile_time = time.perf_counter() - start

    def call() -> None:
        jax.block_until_ready(fn(p, x, h0, c0))

    return call, compile_time, float(loss)


def _float_sigma(a: float) -> float:
    """The logistic sigmoid of a Python float, without overflow (for sympy.lambdify)."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _symbol_source(name: str) -> tuple[str, tuple[int, ...]]:
    """Where a closed form's symbol lives in the arrays: ``W_f[1,2]`` -> ("W_f", (0, 1))."""
    base, _, index = name.partition("[")
    numbers = tuple(int(k) - 1 for k in index.rstrip("]").split(",")) if index else (0,)
    if base.startswith(("x_", "y_")):  # x_t[k], y_t: sequence 1, step t
        step = int(base.split("_")[1]) - 1
        return base[0], (0, step, *numbers)
    if base in ("h_0", "c_0"):
        return base[0] + "0", (0, 0)
    if base.startswith("U_") or base.startswith("W_"):
        return base, numbers if len(numbers) == 2 else (0, 0)
    return base, (0,)


def bench_sympy(
    case: dict[str, Any], limit: float = 60.0
) -> tuple[Callable[[], Any], Callable[[], Any], float, float] | None:
    """sympy.lambdify(cse=True) of the homework's closed forms, unrolled for T = 2 and batch 1.

    Returns (floats in and out, arrays in and out as the generated functions take and give
    them, build time, loss of the case).
    """
    import sympy

    from lstm_sym import Model

    start = time.perf_counter()
    model = Model.load(ROOT / "examples" / "hw6.toml")
    names = ["L"] + [str(a.name) for a in model.program() if str(a.name).startswith("dL_d")]
    try:
        exprs = [model.closed_form(name) for name in names]
    except TooLargeError:
        return None
    symbols = sorted(set().union(*(sympy.sympify(e).free_symbols for e in exprs)), key=str)
    fn = sympy.lambdify(symbols, exprs, modules=[{"sigma": _float_sigma}, "math"], cse=True)
    build = time.perf_counter() - start
    if build > limit:
        return None
    sources = [_symbol_source(str(s)) for s in symbols]
    arrays = {**case["params"], "x": case["x"], "y": case["y"], "h0": case["h0"], "c0": case["c0"]}
    args = [float(arrays[key][index]) for key, index in sources]
    params, x, y, h0, c0 = case["params"], case["x"], case["y"], case["h0"], case["c0"]
    order = [name.partition("[")[0] for name in names[1:]]
    # the gradient numbers in order: dx (step 2 first), h_0, c_0, then the parameters
    shapes = {"dL_dh_0": (1, 1), "dL_dc_0": (1, 1)}
    shapes.update({f"dL_d{k}": v.shape for k, v in params.items()})

    views = []  # (gradient, start, stop, shape) in the closed forms' order, after dx
    position = 4
    for name in dict.fromkeys(order[4:]):
        size = int(np.prod(shapes[name]))
        views.append((name, position, position + size, shapes[name]))
        position += size

    def with_arrays() -> tuple[float, dict[str, np.ndarray]]:
        given = {**params, "x": x, "y": y, "h0": h0, "c0": c0}
        result = fn(*[given[key].item(index) for key, index in sources])
        result[1:5] = result[3:5] + result[1:3]  # dx of step 1 first
        flat = np.array(result[1:])
        grads = {name: flat[a:b].reshape(shape) for name, a, b, shape in views}
        grads["dL_dx"] = flat[0:4].reshape(1, 2, 2)
        return float(result[0]), grads

    loss = float(fn(*args)[0])
    return (lambda: fn(*args)), with_arrays, build, loss


#: (batch, T, d, n) around the point where vector code overtakes straight-line scalar code
CROSSOVER = (
    (1, 10, 4, 4),
    (2, 10, 4, 4),
    (1, 10, 6, 6),
    (1, 10, 7, 7),
    (3, 10, 4, 4),
    (1, 50, 6, 6),
    (4, 10, 4, 4),
    (1, 20, 8, 8),
    (8, 10, 4, 4),
)


def crossover(budget: float) -> None:
    """Scalar against vector style around lstm_sym.codegen.api.SCALAR_LIMIT."""
    from lstm_sym.codegen.api import SCALAR_LIMIT

    print(f"\nscalar against vector style (auto picks scalar up to {SCALAR_LIMIT})\n")
    print("| (batch, T, d, n) | batch × parameters | scalar | vector | scalar / vector | auto |")
    print("|---|---:|---:|---:|---:|---|")
    for batch, steps, d, n in CROSSOVER:
        case = data(batch, steps, d, n)
        calls = {
            style: bench_generated(case, (batch, steps, d, n), style, budget)[0]
            for style in ("scalar", "vector")
        }
        best = interleaved(calls, budget=budget)
        auto = lambdify(cell="lstm", sizes={"n": n, "d": d}, batch=batch).style
        work = batch * 4 * (n * d + n * n + n)
        print(
            f"| {(batch, steps, d, n)} | {work} | {fmt(best['scalar'])} | {fmt(best['vector'])} | "
            f"{best['scalar'] / best['vector']:.2f} | {auto} |",
            flush=True,
        )


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller time budget per measurement")
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=None, metavar="K", help="only these sizes (0, 1, 2)"
    )
    parser.add_argument(
        "--crossover", action="store_true", help="scalar against vector style on small sizes"
    )
    args = parser.parse_args()
    threads = {v: os.environ.get(v, "unset") for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    print(f"threads: {threads}; os.cpu_count() = {os.cpu_count()}", flush=True)
    budget = 0.5 if args.quick else 3.0
    if args.crossover:
        crossover(budget / 5)
        return 0
    rows = []
    chosen_sizes = SIZES if args.sizes is None else tuple(SIZES[k] for k in args.sizes)
    for sizes in chosen_sizes:
        case = data(*sizes)
        auto_fn, loss = bench_generated(case, sizes, "auto", budget)
        batch, _, d, n = sizes
        chosen = lambdify(cell="lstm", sizes={"n": n, "d": d}, batch=batch).style
        calls: dict[str, Callable[[], Any]] = {"generated": auto_fn}
        calls["generated_f32"], loss32 = bench_generated(as_float32(case), sizes, "auto", budget)
        assert abs(loss32 - loss) <= 1e-4 * max(1.0, abs(loss)), (loss32, loss)
        if chosen != "vector":
            calls["vector"] = bench_generated(case, sizes, "vector", budget)[0]
        calls["hand"], hand_loss = bench_numpy(case, budget)
        assert abs(hand_loss - loss) <= 1e-9 * max(1.0, abs(loss)), (hand_loss, loss)
        for dtype in ("float64", "float32"):
            result = bench_torch(case, dtype, budget)
            if result is not None:
                calls[f"torch_{dtype}"] = result[0]
                if dtype == "float64":
                    assert abs(result[1] - loss) <= 1e-9 * max(1.0, abs(loss)), (result[1], loss)
        jax_compile = None
        jax_found = bench_jax(case, budget)
        if jax_found is not None:
            calls["jax"], jax_compile, jax_loss = jax_found
            assert abs(jax_loss - loss) <= 1e-9 * max(1.0, abs(loss)), (jax_loss, loss)
        sym_build = None
        sym_found = bench_sympy(case) if sizes == SIZES[0] else None
        if sym_found is not None:
            calls["sympy"], calls["sympy_arrays"], sym_build, sym_loss = sym_found
            assert abs(sym_loss - loss) <= 1e-12 * max(1.0, abs(loss)), (sym_loss, loss)
            sym_grads = calls["sympy_arrays"]()[1]
            generated = lambdify(cell="lstm", sizes={"n": n, "d": d}, batch=batch)
            ours = generated.loss_and_grad(
                case["params"], case["x"], case["y"], case["h0"], case["c0"]
            )[1]
            for name, value in sym_grads.items():
                assert np.allclose(value, ours[name], rtol=1e-12, atol=1e-15), name
        best = interleaved(calls, budget=budget)
        auto = best["generated"]
        auto32 = best["generated_f32"]
        vector = best.get("vector", auto)
        hand = best["hand"]
        torch64 = (best["torch_float64"], 0.0) if "torch_float64" in best else None
        torch32 = (best["torch_float32"], 0.0) if "torch_float32" in best else None
        jax_result = (best["jax"], jax_compile, 0.0) if "jax" in best else None
        sym = (best["sympy"], sym_build, best["sympy_arrays"]) if "sympy" in best else None
        rows.append((sizes, auto, vector, auto32, hand, torch64, torch32, jax_result, sym))
        print(
            f"{sizes}: generated {fmt(auto)} (vector {fmt(vector)}, f32 {fmt(auto32)}), "
            f"hand NumPy {fmt(hand)}, "
            f"torch64 {fmt(torch64 and torch64[0])}, torch32 {fmt(torch32 and torch32[0])}, "
            f"JAX {fmt(jax_result and jax_result[0])} (compile {fmt(jax_result and jax_result[1])}), "
            f"sympy.lambdify {fmt(sym and sym[0])} (arrays {fmt(sym and sym[2])})",
            flush=True,
        )
    print()
    print(
        "| (batch, T, d, n) | generated | generated, vector style | generated f32 | hand NumPy | torch f64 | torch f32 | JAX jit (compile) | sympy.lambdify cse |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sizes, auto, vector, auto32, hand, t64, t32, jx, sym in rows:
        jax_text = f"{fmt(jx[0])} ({fmt(jx[1])})" if jx else "not installed"
        sym_text = (
            f"{fmt(sym[0])}; arrays in and out {fmt(sym[2])} (build {fmt(sym[1])})"
            if sym
            else "closed form refused (too large)"
        )
        print(
            f"| {sizes} | {fmt(auto)} | {fmt(vector)} | {fmt(auto32)} | {fmt(hand)} | {fmt(t64 and t64[0])} | "
            f"{fmt(t32 and t32[0])} | {jax_text} | {sym_text} |"
        )
    print()
    print(
        "| (batch, T, d, n) | hand NumPy / generated | torch f64 / generated | torch f32 / generated f32 | JAX / generated |"
    )
    print("|---|---:|---:|---:|---:|")
    for sizes, auto, _, auto32, hand, t64, t32, jx, _ in rows:

        def ratio(other: float | None, mine: float = auto) -> str:
            return "—" if other is None else f"{other / mine:.1f}×"

        print(
            f"| {sizes} | {ratio(hand)} | {ratio(t64 and t64[0])} | {ratio(t32 and t32[0], auto32)} | {ratio(jx and jx[0])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Independent reference implementations used by the tests (float64 NumPy, and PyTorch)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

GATES = ("f", "i", "o", "c")


@dataclass
class Case:
    """A random LSTM problem as plain numbers: the source of a problem file and of references."""

    d: int
    n: int
    params: dict[str, list[list[Fraction]] | list[Fraction]]
    xs: list[list[list[Fraction]]]  # [seq][t][k]
    ys: list[list[list[Fraction] | None]]  # [seq][t] target or None
    h0: list[list[Fraction]]
    c0: list[list[Fraction]]
    loss: str = "half_sse"
    dc_T: list[list[Fraction]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The problem-file structure (numbers as exact fraction strings)."""

        def text(v: Any) -> Any:
            if isinstance(v, list):
                return [text(u) for u in v]
            if v is None:
                return "none"
            return f"{v.numerator}/{v.denominator}"

        key = "dL_dh" if self.loss == "upstream" else "y"
        sequences = []
        for b in range(len(self.xs)):
            seq = {
                "x": text(self.xs[b]),
                key: text(self.ys[b]),
                "h_0": text(self.h0[b]),
                "c_0": text(self.c0[b]),
            }
            if self.dc_T is not None:
                seq["dL_dc_T"] = text(self.dc_T[b])
            sequences.append(seq)
        return {
            "loss": self.loss,
            "sizes": {"n": self.n, "d": self.d},
            "parameters": {k: text(v) for k, v in self.params.items()},
            "sequence": sequences,
        }


def _array(v: Any) -> np.ndarray:
    return np.array(
        [[float(u) for u in row] for row in v] if isinstance(v[0], list) else [float(u) for u in v]
    )


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = (1 + tanh(a/2))/2: no overflow for large |a|."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def numpy_forward(case: Case) -> tuple[list[list[dict[str, np.ndarray]]], float]:
    """Every gate and state per sequence and step, and the loss, in float64."""
    p = {k: _array(v) for k, v in case.params.items()}
    out: list[list[dict[str, np.ndarray]]] = []
    loss = 0.0
    count = sum(case.n for ys in case.ys for y in ys if y is not None)
    for b in range(len(case.xs)):
        h, c = _array(case.h0[b]), _array(case.c0[b])
        steps = []
        for t, x_raw in enumerate(case.xs[b]):
            x = _array(x_raw)
            z = {g: p[f"W_{g}"] @ x + p[f"U_{g}"] @ h + p[f"b_{g}"] for g in GATES}
            f, i, o = sigmoid(z["f"]), sigmoid(z["i"]), sigmoid(z["o"])
            g = np.tanh(z["c"])
            c = f * c + i * g
            h = o * np.tanh(c)
            steps.append(
                {
                    "f": f,
                    "i": i,
                    "o": o,
                    "c_tilde": g,
                    "c": c,
                    "h": h,
                    "z_f": z["f"],
                    "z_i": z["i"],
                    "z_o": z["o"],
                    "z_c": z["c"],
                }
            )
            y = case.ys[b][t]
            if y is not None:
                target = _array(y)
                if case.loss == "upstream":
                    loss += float(target @ h)
                else:
                    scale = {"half_sse": 0.5, "sse": 1.0, "mse": 1.0 / count}[case.loss]
                    loss += scale * float(np.sum((target - h) ** 2))
        if case.dc_T is not None:
            loss += float(_array(case.dc_T[b]) @ c)
        out.append(steps)
    return out, loss


def mp_value(expr: Any, cache: dict[Any, Any] | None = None) -> Any:
    """An exact SymPy number evaluated with mpmath at the working precision.

    Shared subtrees are evaluated once (SymPy's own ``evalf`` revisits them and is far
    slower on the deep expressions of exact gradients).
    """
    import mpmath
    import sympy

    from lstm_sym.spec.functions import sigma

    cache = {} if cache is None else cache
    if expr in cache:
        return cache[expr]
    if expr.is_Rational:
        value = mpmath.mpf(int(expr.p)) / int(expr.q)
    elif expr.is_Add:
        value = mpmath.fsum(mp_value(a, cache) for a in expr.args)
    elif expr.is_Mul:
        value = mpmath.fprod(mp_value(a, cache) for a in expr.args)
    elif expr.is_Pow:
        value = mp_value(expr.base, cache) ** mp_value(expr.exp, cache)
    elif isinstance(expr, sigma):
        value = 1 / (1 + mpmath.exp(-mp_value(expr.args[0], cache)))
    elif isinstance(expr, sympy.tanh):
        value = mpmath.tanh(mp_value(expr.args[0], cache))
    elif isinstance(expr, sympy.exp):
        value = mpmath.exp(mp_value(expr.args[0], cache))
    else:
        raise TypeError(f"unexpected node {expr.func}")
    cache[expr] = value
    return value

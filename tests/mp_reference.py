"""Independent mpmath references at high precision: textbook cells, BPTT, finite differences.

Written from the cells' published equations (as in ``cell_reference.py``), not from
lstm_sym's cell data, for checking certified digits at extreme values (saturated gates,
huge and tiny weights). Vectors are lists of mpf, matrices lists of rows.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath

Vec = list[Any]
Mat = list[list[Any]]
State = dict[str, Vec]


def sigmoid(a: Any) -> Any:
    return 1 / (1 + mpmath.exp(-a))


def sigmoid_prime(a: Any) -> Any:
    """σ'(a) = e^(−|a|)/(1 + e^(−|a|))², free of cancellation for any a."""
    e = mpmath.exp(-abs(a))
    return e / (1 + e) ** 2


def mv(m: Mat, v: Vec) -> Vec:
    return [mpmath.fsum(a * b for a, b in zip(row, v, strict=True)) for row in m]


def mtv(m: Mat, v: Vec) -> Vec:
    return [mpmath.fsum(m[r][k] * v[r] for r in range(len(m))) for k in range(len(m[0]))]


def add(*vectors: Vec) -> Vec:
    return [mpmath.fsum(parts) for parts in zip(*vectors, strict=True)]


def mul(a: Vec, b: Vec) -> Vec:
    return [u * v for u, v in zip(a, b, strict=True)]


def lstm(p: dict[str, Any], x: Vec, s: State) -> State:
    """The homework LSTM."""
    h, c = s["h"], s["c"]
    z = {g: add(mv(p[f"W_{g}"], x), mv(p[f"U_{g}"], h), p[f"b_{g}"]) for g in "fioc"}
    f, i, o = ([sigmoid(a) for a in z[g]] for g in "fio")
    g = [mpmath.tanh(a) for a in z["c"]]
    c = add(mul(f, s["c"]), mul(i, g))
    return {"f": f, "i": i, "o": o, "c_tilde": g, "c": c, "h": mul(o, [mpmath.tanh(a) for a in c])}


def greff(coupled: bool) -> Callable[[dict[str, Any], Vec, State], State]:
    """Greff et al. (2017): the peephole LSTM, or its coupled input-forget gate variant."""

    def step(p: dict[str, Any], x: Vec, s: State) -> State:
        h, c_prev = s["h"], s["c"]

        def bar(g: str, cell: Vec) -> Vec:
            return add(mv(p[f"W_{g}"], x), mv(p[f"U_{g}"], h), p[f"b_{g}"], mul(p[f"p_{g}"], cell))

        z = [mpmath.tanh(a) for a in add(mv(p["W_c"], x), mv(p["U_c"], h), p["b_c"])]
        i = [sigmoid(a) for a in bar("i", c_prev)]
        # 1 − σ(a) = σ(−a): the coupled forget gate without cancellation
        f = (
            [sigmoid(-a) for a in bar("i", c_prev)]
            if coupled
            else [sigmoid(a) for a in bar("f", c_prev)]
        )
        c = add(mul(z, i), mul(c_prev, f))
        o = [sigmoid(a) for a in bar("o", c)]
        return {
            "c_tilde": z,
            "i": i,
            "f": f,
            "o": o,
            "c": c,
            "h": mul([mpmath.tanh(a) for a in c], o),
        }

    return step


def gru(p: dict[str, Any], x: Vec, s: State) -> State:
    """torch.nn.GRU's documented equations (1 − z written σ(−a))."""
    h = s["h"]
    a_r = add(mv(p["W_ir"], x), p["b_ir"], mv(p["W_hr"], h), p["b_hr"])
    a_z = add(mv(p["W_iz"], x), p["b_iz"], mv(p["W_hz"], h), p["b_hz"])
    r = [sigmoid(a) for a in a_r]
    z = [sigmoid(a) for a in a_z]
    n = [
        mpmath.tanh(a)
        for a in add(mv(p["W_in"], x), p["b_in"], mul(r, add(mv(p["W_hn"], h), p["b_hn"])))
    ]
    keep = [sigmoid(-a) for a in a_z]
    return {"r": r, "z": z, "n": n, "h": add(mul(keep, n), mul(z, h))}


STEPS: dict[str, Callable[[dict[str, Any], Vec, State], State]] = {
    "lstm": lstm,
    "lstm_peephole": greff(False),
    "lstm_cifg": greff(True),
    "gru": gru,
}


def mp(value: Any) -> Any:
    """Fractions (nested in lists) as mpf at the current precision."""
    if isinstance(value, list):
        return [mp(v) for v in value]
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    return mpmath.mpf(value)


class Reference:
    """One problem (half_sse loss, one sequence) evaluated at the current mpmath precision."""

    def __init__(
        self, cell: str, params: dict[str, Any], xs: list[Vec], ys: list[Vec], initial: State
    ):
        self.cell, self.params, self.xs, self.ys, self.initial = cell, params, xs, ys, initial

    def leaves(self) -> dict[str, Any]:
        """Every input by the name of its gradient: ``dL_dW_f`` (matrix), ``dL_dx_1``, ``dL_dh_0``."""
        out = {f"dL_d{k}": v for k, v in self.params.items()}
        out.update({f"dL_dx_{t}": x for t, x in enumerate(self.xs, start=1)})
        out.update({f"dL_d{k}_0": v for k, v in self.initial.items()})
        return out

    def run(self, leaves: dict[str, Any] | None = None) -> tuple[list[State], Any]:
        """Every step's values and the loss, with ``leaves`` replacing the inputs."""
        values = leaves or self.leaves()
        params = {k: mp(values[f"dL_d{k}"]) for k in self.params}
        state = {k: mp(values[f"dL_d{k}_0"]) for k in self.initial}
        steps, loss = [], mpmath.mpf(0)
        for t, y in enumerate(self.ys, start=1):
            out = STEPS[self.cell](params, mp(values[f"dL_dx_{t}"]), state)
            loss += mpmath.fsum((a - b) ** 2 for a, b in zip(out["h"], mp(y), strict=True)) / 2
            state = {k: out[k] for k in self.initial}
            steps.append(out)
        return steps, loss

    def finite_differences(self, digits: int) -> dict[str, Any]:
        """∂L/∂(every input entry) by central differences, good to ~``digits`` + 10 digits.

        Run at a precision well above ``2·digits`` plus the decimal exponent of the smallest
        gradient (a saturated gate's gradient is about e^(−|a|)).
        """
        step = Fraction(1, 10 ** (digits + 10))
        out: dict[str, Any] = {}
        for name, value in self.leaves().items():
            for index in _indices(value):
                plus, minus = copy.deepcopy(self.leaves()), copy.deepcopy(self.leaves())
                _set(plus[name], index, _get(value, index) + step)
                _set(minus[name], index, _get(value, index) - step)
                out[_label(name, index, value)] = (self.run(plus)[1] - self.run(minus)[1]) / (
                    2 * mp(step)
                )
        return out


def lstm_gradients(ref: Reference) -> dict[str, Any]:
    """The homework LSTM's gradients by textbook BPTT (σ' and sech² without cancellation)."""
    p = {k: mp(v) for k, v in ref.params.items()}
    xs = [mp(x) for x in ref.xs]
    n = len(p["b_f"])
    states = [{k: mp(v) for k, v in ref.initial.items()}]
    zs = []
    for x in xs:
        s = states[-1]
        z = {g: add(mv(p[f"W_{g}"], x), mv(p[f"U_{g}"], s["h"]), p[f"b_{g}"]) for g in "fioc"}
        zs.append(z)
        states.append(lstm(p, x, s))
    grads: dict[str, Any] = {k: _zeros(v) for k, v in p.items()}
    out: dict[str, Any] = {}
    dh_next, dc_next = [mpmath.mpf(0)] * n, [mpmath.mpf(0)] * n
    for t in range(len(xs), 0, -1):
        s, prev, z, x = states[t], states[t - 1], zs[t - 1], xs[t - 1]
        dh = add(add(s["h"], [-v for v in mp(ref.ys[t - 1])]), dh_next)
        dc = add(mul(mul(dh, s["o"]), [mpmath.sech(a) ** 2 for a in s["c"]]), dc_next)
        dz = {
            "o": mul(mul(dh, [mpmath.tanh(a) for a in s["c"]]), [sigmoid_prime(a) for a in z["o"]]),
            "i": mul(mul(dc, s["c_tilde"]), [sigmoid_prime(a) for a in z["i"]]),
            "c": mul(mul(dc, s["i"]), [mpmath.sech(a) ** 2 for a in z["c"]]),
            "f": mul(mul(dc, prev["c"]), [sigmoid_prime(a) for a in z["f"]]),
        }
        for g in "fioc":
            for r in range(n):
                grads[f"b_{g}"][r] += dz[g][r]
                for k in range(len(x)):
                    grads[f"W_{g}"][r][k] += dz[g][r] * x[k]
                for k in range(n):
                    grads[f"U_{g}"][r][k] += dz[g][r] * prev["h"][k]
        out[f"dL_dx_{t}"] = add(*(mtv(p[f"W_{g}"], dz[g]) for g in "fioc"))
        dh_next = add(*(mtv(p[f"U_{g}"], dz[g]) for g in "fioc"))
        dc_next = mul(dc, s["f"])
    out["dL_dh_0"], out["dL_dc_0"] = dh_next, dc_next
    out.update({f"dL_d{k}": v for k, v in grads.items()})
    return {
        _label(name, index, value): _get(value, index)
        for name, value in out.items()
        for index in _indices(value)
    }


def values_by_label(steps: list[State], loss: Any) -> dict[str, Any]:
    """The forward values and the loss by printed name (``f_1``, ``c_2[1]``, ``L``)."""
    out = {"L": loss}
    for t, values in enumerate(steps, start=1):
        for name, vector in values.items():
            for k, v in enumerate(vector):
                out[f"{name}_{t}" + (f"[{k + 1}]" if len(vector) > 1 else "")] = v
    return out


def assert_correctly_rounded(printed: Decimal, reference: Any, digits: int, what: str) -> None:
    """``printed`` is ``reference`` rounded to ``digits`` significant digits (reference ≫ digits)."""
    if not printed:
        assert abs(reference) < mpmath.mpf(10) ** (-(mpmath.mp.dps - 30)), (what, reference)
        return
    assert len(printed.as_tuple().digits) == digits, (what, printed)
    ulp = mpmath.mpf(10) ** (printed.adjusted() - digits + 1)
    error = abs(mpmath.mpf(str(printed)) - reference)
    assert error <= ulp / 2 * (1 + mpmath.mpf(10) ** -6), (what, printed, reference)


def _zeros(value: Any) -> Any:
    return [_zeros(v) for v in value] if isinstance(value, list) else mpmath.mpf(0)


def _indices(value: Any) -> list[tuple[int, ...]]:
    if isinstance(value[0], list):
        return [(r, c) for r in range(len(value)) for c in range(len(value[0]))]
    return [(k,) for k in range(len(value))]


def _get(value: Any, index: tuple[int, ...]) -> Any:
    for k in index:
        value = value[k]
    return value


def _set(value: Any, index: tuple[int, ...], new: Any) -> None:
    for k in index[:-1]:
        value = value[k]
    value[index[-1]] = new


def _label(name: str, index: tuple[int, ...], value: Any) -> str:
    """The printed name of one entry: ``dL_dW_f[1,2]``, ``dL_db_f`` (1×1), ``dL_dx_1[2]``."""
    size = len(_indices(value))
    return name + ("" if size == 1 else "[" + ",".join(str(k + 1) for k in index) + "]")

"""Independent float64 implementations of every built-in cell, written from the papers' and
frameworks' equations (not from lstm_sym's cell data), and random exact problems for them."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]
State = dict[str, np.ndarray]


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def hard_sigmoid(a: np.ndarray) -> np.ndarray:
    """Keras 3: relu6(a + 3) / 6."""
    return np.minimum(np.maximum(a + 3.0, 0.0), 6.0) / 6.0


def hard_sigmoid_keras2(a: np.ndarray) -> np.ndarray:
    return np.clip(0.2 * a + 0.5, 0.0, 1.0)


def identity(a: np.ndarray) -> np.ndarray:
    return a


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "hard_sigmoid": hard_sigmoid,
    "hard_sigmoid_keras2": hard_sigmoid_keras2,
    "relu": lambda a: np.maximum(a, 0.0),
    "identity": identity,
}


def homework_lstm(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    """The homework's equations (DESIGN.md)."""
    gate, cand, out = (
        ACTIVATIONS[act.get(k, d)]
        for k, d in (("gate", "sigmoid"), ("candidate", "tanh"), ("output", "tanh"))
    )
    h, c = s["h"], s["c"]
    f = gate(p["W_f"] @ x + p["U_f"] @ h + p["b_f"])
    i = gate(p["W_i"] @ x + p["U_i"] @ h + p["b_i"])
    o = gate(p["W_o"] @ x + p["U_o"] @ h + p["b_o"])
    g = cand(p["W_c"] @ x + p["U_c"] @ h + p["b_c"])
    c = f * c + i * g
    return {"f": f, "i": i, "o": o, "c_tilde": g, "c": c, "h": o * out(c)}


def greff(variant: str) -> Callable[[Params, np.ndarray, State, dict[str, str]], State]:
    """Greff et al. (2017), Section II, in their notation: block input z, gates i f o,
    recurrent weights R, peepholes p, block output y; one of the eight variants."""

    def step(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
        g_act = ACTIVATIONS[act.get("candidate", "identity" if variant == "niaf" else "tanh")]
        h_act = ACTIVATIONS[act.get("output", "identity" if variant == "noaf" else "tanh")]
        sig = ACTIVATIONS[act.get("gate", "sigmoid")]
        y_prev, c_prev = s["h"], s["c"]
        peep = variant != "np"

        def bar(g: str, cell: np.ndarray) -> np.ndarray:
            total = p[f"W_{g}"] @ x + p[f"U_{g}"] @ y_prev + p[f"b_{g}"]
            if peep:
                total = total + p[f"p_{g}"] * cell
            if variant == "fgr":
                total = total + sum(p[f"R_{k}{g}"] @ s[k] for k in "ifo")
            return total

        z = g_act(p["W_c"] @ x + p["U_c"] @ y_prev + p["b_c"])
        i = np.ones_like(z) if variant == "nig" else sig(bar("i", c_prev))
        if variant == "nfg":
            f = np.ones_like(z)
        elif variant == "cifg":
            f = 1.0 - i
        else:
            f = sig(bar("f", c_prev))
        c = z * i + c_prev * f
        o = np.ones_like(z) if variant == "nog" else sig(bar("o", c))
        y = h_act(c) * o
        return {"c_tilde": z, "i": i, "f": f, "o": o, "c": c, "h": y}

    return step


def torch_lstm(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    """torch.nn.LSTM's documented equations."""
    h, c = s["h"], s["c"]
    i = sigmoid(p["W_ii"] @ x + p["b_ii"] + p["W_hi"] @ h + p["b_hi"])
    f = sigmoid(p["W_if"] @ x + p["b_if"] + p["W_hf"] @ h + p["b_hf"])
    g = np.tanh(p["W_ig"] @ x + p["b_ig"] + p["W_hg"] @ h + p["b_hg"])
    o = sigmoid(p["W_io"] @ x + p["b_io"] + p["W_ho"] @ h + p["b_ho"])
    c = f * c + i * g
    return {"i": i, "f": f, "c_tilde": g, "o": o, "c": c, "h": o * np.tanh(c)}


def torch_gru(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    """torch.nn.GRU's documented equations."""
    gate = ACTIVATIONS[act.get("gate", "sigmoid")]
    h = s["h"]
    r = gate(p["W_ir"] @ x + p["b_ir"] + p["W_hr"] @ h + p["b_hr"])
    z = gate(p["W_iz"] @ x + p["b_iz"] + p["W_hz"] @ h + p["b_hz"])
    n = np.tanh(p["W_in"] @ x + p["b_in"] + r * (p["W_hn"] @ h + p["b_hn"]))
    return {"r": r, "z": z, "n": n, "h": (1.0 - z) * n + z * h}


def cho_gru(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    """Cho et al. (2014), reset gate applied to h before the product."""
    h = s["h"]
    r = sigmoid(p["W_r"] @ x + p["U_r"] @ h + p["b_r"])
    z = sigmoid(p["W_z"] @ x + p["U_z"] @ h + p["b_z"])
    n = np.tanh(p["W_n"] @ x + p["U_n"] @ (r * h) + p["b_n"])
    return {"r": r, "z": z, "n": n, "h": z * h + (1.0 - z) * n}


def elman(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    hidden = ACTIVATIONS[act.get("hidden", "tanh")]
    return {"h": hidden(p["W_h"] @ x + p["U_h"] @ s["h"] + p["b_h"])}


def torch_rnn(p: Params, x: np.ndarray, s: State, act: dict[str, str]) -> State:
    return {"h": np.tanh(p["W_ih"] @ x + p["b_ih"] + p["W_hh"] @ s["h"] + p["b_hh"])}


#: cell name -> (one step, names of the states carried)
STEPS: dict[
    str, tuple[Callable[[Params, np.ndarray, State, dict[str, str]], State], tuple[str, ...]]
] = {
    "lstm": (homework_lstm, ("h", "c")),
    "lstm_peephole": (greff("vanilla"), ("h", "c")),
    **{
        f"lstm_{v}": (greff(v), ("h", "c"))
        for v in ("nig", "nfg", "nog", "niaf", "noaf", "np", "cifg")
    },
    "lstm_fgr": (greff("fgr"), ("h", "c", "i", "f", "o")),
    "lstm_torch": (torch_lstm, ("h", "c")),
    "gru": (torch_gru, ("h",)),
    "gru_cho": (cho_gru, ("h",)),
    "elman": (elman, ("h",)),
    "rnn_torch": (torch_rnn, ("h",)),
}


def to_array(value: Any) -> np.ndarray:
    if isinstance(value[0], list):
        return np.array([[float(v) for v in row] for row in value])
    return np.array([float(v) for v in value])


def run(
    cell: str,
    params: dict[str, Any],
    xs: list[list[Fraction]],
    initial: dict[str, list[Fraction]],
    activations: dict[str, str] | None = None,
) -> list[State]:
    """Every step's values (floats) of ``cell`` over the inputs ``xs``."""
    step, states = STEPS[cell]
    p = {k: to_array(v) for k, v in params.items()}
    state = {k: to_array(initial[k]) for k in states}
    out = []
    for x in xs:
        values = step(p, to_array(x), state, activations or {})
        state = {k: values[k] for k in states}
        out.append(values)
    return out


def exact_text(value: Any) -> Any:
    if isinstance(value, list):
        return [exact_text(v) for v in value]
    return f"{value.numerator}/{value.denominator}"

"""Course layouts (cs231n, dls, xh_rows): values and gradients against independent NumPy
implementations written in each course's own code shape, and exact round trips through
``convert``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cell_reference import sigmoid

import lstm_sym
from lstm_sym.convert import convert, load
from lstm_sym.frameworks.courses import course_sequences
from lstm_sym.frameworks.layouts import assemble, layouts_of

N, T, D, H, CLASSES = 2, 3, 3, 2, 3
RNG = np.random.default_rng(20261207)


def _dyadic(*shape: int) -> np.ndarray:
    """Numbers that float64 holds exactly, so both sides compute from the same values."""
    return RNG.integers(-24, 25, size=shape) / 16


X = _dyadic(N, T, D)  # batch-major, as the vision course keeps it
Y = _dyadic(N, T, H)
H0 = _dyadic(N, H)
LABELS = RNG.integers(0, CLASSES, size=(N, T))


# -- the vision course's RNN assignment: lstm_forward / lstm_backward, as the benchmarks'
# baseline writes them (benchmarks/_numpy_lstm.py) --------------------------------------


def _vision_course() -> Any:
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "_numpy_lstm.py"
    spec = importlib.util.spec_from_file_location("_numpy_lstm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COURSE = _vision_course()


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> Any:
    return COURSE.lstm_forward(x, h0, np.zeros_like(h0), Wx, Wh, b)


def lstm_backward(dh: np.ndarray, caches: list[Any]) -> tuple[np.ndarray, ...]:
    """dx, dh0, dWx, dWh, db (the assignment's returns)."""
    dx, dh0, _, dWx, dWh, db = COURSE.lstm_backward(dh, caches)
    return dx, dh0, dWx, dWh, db


# -- the deep-learning specialization's sequence models: per gate over [a_prev; x] --------


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def lstm_cell_forward(
    xt: np.ndarray, a_prev: np.ndarray, c_prev: np.ndarray, parameters: dict[str, np.ndarray]
) -> Any:
    p = parameters
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt)


def lstm_cell_backward(
    da_next: np.ndarray, dc_next: np.ndarray, cache: tuple[Any, ...], p: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dc = dc_next + ot * (1 - tanh_c**2) * da_next
    gates = {
        "o": da_next * tanh_c * ot * (1 - ot),
        "c": dc * it * (1 - cct**2),
        "i": dc * cct * it * (1 - it),
        "f": dc * c_prev * ft * (1 - ft),
    }
    concat = np.concatenate((a_prev, xt), axis=0)
    grads = {f"dW{g}": d @ concat.T for g, d in gates.items()}
    grads |= {f"db{g}": d.sum(axis=1, keepdims=True) for g, d in gates.items()}
    grads["da_prev"] = sum(p[f"W{g}"][:, :n_a].T @ d for g, d in gates.items())
    grads["dxt"] = sum(p[f"W{g}"][:, n_a:].T @ d for g, d in gates.items())
    grads["dc_prev"] = dc * ft
    return grads


def dls_forward_backward(
    x: np.ndarray, a0: np.ndarray, p: dict[str, np.ndarray], labels: np.ndarray
) -> Any:
    """x is (n_x, m, T_x); the loss is Σ_t Σ_m −log y_pred[label]: its value, ŷ and gradients."""
    steps = x.shape[2]
    a_next, c_next, caches, y_pred = a0, np.zeros_like(a0), [], []
    for t in range(steps):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, p)
        caches.append(cache)
        y_pred.append(yt)
    onehot = [np.eye(p["Wy"].shape[0])[:, labels[:, t]] for t in range(steps)]
    loss = -sum(np.log((y * o).sum(axis=0)).sum() for y, o in zip(y_pred, onehot, strict=True))
    grads = {key: np.zeros_like(value) for key, value in p.items()}
    da_prev, dc_prev = np.zeros_like(a0), np.zeros_like(a0)
    for t in reversed(range(steps)):
        dz = y_pred[t] - onehot[t]
        grads["dWy"] = grads.get("dWy", 0) + dz @ caches[t][0].T
        grads["dby"] = grads.get("dby", 0) + dz.sum(axis=1, keepdims=True)
        step = lstm_cell_backward(p["Wy"].T @ dz + da_prev, dc_prev, caches[t], p)
        da_prev, dc_prev = step["da_prev"], step["dc_prev"]
        for g in "fico":
            grads[f"dW{g}"] = grads.get(f"dW{g}", 0) + step[f"dW{g}"]
            grads[f"db{g}"] = grads.get(f"db{g}", 0) + step[f"db{g}"]
    return loss, y_pred, grads


# -- lecture notes: one W with rows [x; h] ------------------------------------------------


def xh_rows_forward(
    xs: np.ndarray, h: np.ndarray, W: np.ndarray, b: np.ndarray
) -> list[np.ndarray]:
    """z = [x; h]ᵀ W + b, gate columns i, f, o, g."""
    n, c, out = h.shape[0], np.zeros_like(h), []
    for x in xs:
        z = np.concatenate([x, h]) @ W + b
        i, f, o, g = (
            sigmoid(z[:n]),
            sigmoid(z[n : 2 * n]),
            sigmoid(z[2 * n : 3 * n]),
            np.tanh(z[3 * n :]),
        )
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return out


# -- lstm_sym's side ---------------------------------------------------------------------


def _problem(
    tmp_path: Path, layout: str, parameters: str, sequences: str, top: str = ""
) -> lstm_sym.Solution:
    text = f'{top}\n[parameters]\nlayout = "{layout}"\n{parameters}\n{sequences}'
    (tmp_path / "p.toml").write_text(text)
    problem = lstm_sym.load_problem(tmp_path / "p.toml")
    assert problem.layout == layout and problem.cell.name == "lstm"
    return lstm_sym.solve(problem, 20, gradients=True)


def _batch(layout: str = "cs231n", *, targets: str = "y") -> str:
    """The batch as [[sequence]] tables, made from the course's own x and h0 by
    course_sequences (cs231n: x is N × T × D; dls: x is n_x × m × T_x, a0 n_a × m)."""
    x, h0 = (X, H0) if layout == "cs231n" else (X.transpose(2, 0, 1), H0.T)
    out = []
    for b, table in enumerate(course_sequences(layout, x, h0)):
        data = Y[b].tolist() if targets == "y" else LABELS[b].tolist()
        out.append(f"[[sequence]]\nx = {table['x']!r}\nh_0 = {table['h_0']!r}\n")
        out.append(f"{targets} = {data!r}\n")
    return "".join(out)


def _value(solution: lstm_sym.Solution, name: str, b: int | None = None, *index: int) -> float:
    where = f"[{','.join(str(k + 1) for k in index)}]" if index else ""
    return float(solution[f"{name}{where}" + (f"^({b + 1})" if b is not None else "")])


def _gradients(solution: lstm_sym.Solution, layout: str) -> dict[str, np.ndarray]:
    """lstm_sym's parameter gradients, assembled into the layout's arrays."""
    grads: dict[str, Any] = {}
    for param in solution.problem.cell.params:
        value = np.array(solution.problem.params[param.name], dtype=object)
        grads[param.name] = [
            _value(solution, f"dL_d{param.name}", None, *index)
            for index in np.ndindex(*value.shape)
        ]
        if param.is_matrix:
            width = value.shape[1]
            flat = grads[param.name]
            grads[param.name] = [flat[r : r + width] for r in range(0, len(flat), width)]
    found = next(lay for lay in layouts_of(layout) if lay.cell == "lstm")  # type: ignore[arg-type]
    return {key: np.array(value, dtype=float) for key, value in assemble(found, grads).items()}


def _close(ours: Any, theirs: Any) -> None:
    assert np.asarray(ours, dtype=float) == pytest.approx(np.asarray(theirs), rel=1e-12, abs=1e-14)


def _cs231n_weights() -> dict[str, np.ndarray]:
    return {"Wx": _dyadic(D, 4 * H), "Wh": _dyadic(H, 4 * H), "b": _dyadic(4 * H)}


def test_cs231n_values_and_gradients(tmp_path: Path) -> None:
    """Wx, Wh, b saved with np.savez give the assignment's h, dx, dh0, dWx, dWh and db."""
    w = _cs231n_weights()
    np.savez(tmp_path / "lstm.npz", **w)
    solution = _problem(tmp_path, "cs231n", 'file = "lstm.npz"', _batch())
    h, caches = lstm_forward(X, H0, w["Wx"], w["Wh"], w["b"])
    dx, dh0, dWx, dWh, db = lstm_backward(h - Y, caches)  # L = ½ Σ (h − y)²
    assert float(solution["L"]) == pytest.approx(0.5 * ((h - Y) ** 2).sum(), rel=1e-13)
    for b, t, k in np.ndindex(N, T, H):
        _close(_value(solution, f"h_{t + 1}", b, k), h[b, t, k])
    for b, t, k in np.ndindex(N, T, D):
        _close(_value(solution, f"dL_dx_{t + 1}", b, k), dx[b, t, k])
    for b, k in np.ndindex(N, H):
        _close(_value(solution, "dL_dh_0", b, k), dh0[b, k])
    grads = _gradients(solution, "cs231n")
    for key, expected in (("Wx", dWx), ("Wh", dWh), ("b", db)):
        _close(grads[key], expected)


def _dls_parameters() -> dict[str, np.ndarray]:
    p = {f"W{g}": _dyadic(H, H + D) for g in "fico"}
    p |= {f"b{g}": _dyadic(H, 1) for g in "fico"}
    return p | {"Wy": _dyadic(CLASSES, H), "by": _dyadic(CLASSES, 1)}


def test_dls_values_and_gradients(tmp_path: Path) -> None:
    """The parameters dict, with Wy, by and softmax, gives the assignment's a, y_pred and
    every gradient (dWf ... dbo, dWy, dby) of the cross-entropy loss."""
    p = _dls_parameters()
    lines = "\n".join(f"{key} = {value.tolist()!r}" for key, value in p.items())
    top = 'head = "linear"\nloss = "cross_entropy"'
    solution = _problem(tmp_path, "dls", lines, _batch("dls", targets="labels"), top)
    stated = dict(solution.problem.conventions)["parameters"]
    assert "Wf = [U_f | W_f]; bf = [b_f] as a column" in stated
    assert stated.endswith("Wy = [V]; by = [b_y] as a column")
    x = X.transpose(2, 0, 1)  # (n_x, m, T_x), the course's shape
    loss, y_pred, grads = dls_forward_backward(x, H0.T, p, LABELS)
    assert float(solution["L"]) == pytest.approx(loss, rel=1e-13)
    for b, t, k in np.ndindex(N, T, CLASSES):
        _close(_value(solution, f"p_{t + 1}", b, k), y_pred[t][k, b])
    ours = _gradients(solution, "dls")
    for key in (*(f"W{g}" for g in "fico"), *(f"b{g}" for g in "fico")):
        _close(ours[key], grads[f"d{key}"])
    _close(
        [[_value(solution, "dL_dV", None, r, c) for c in range(H)] for r in range(CLASSES)],
        grads["dWy"],
    )
    _close([[_value(solution, "dL_db_y", None, r)] for r in range(CLASSES)], grads["dby"])


def test_xh_rows_values_and_gradients(tmp_path: Path) -> None:
    """W with rows [x; h] is the vision course's [Wx; Wh]: the same h, and dW = [dWx; dWh]."""
    w = _cs231n_weights()
    W = np.vstack([w["Wx"], w["Wh"]])
    lines = f"W = {W.tolist()!r}\nb = {w['b'].tolist()!r}"
    solution = _problem(tmp_path, "xh_rows", lines, _batch())
    for b in range(N):
        for t, h in enumerate(xh_rows_forward(X[b], H0[b], W, w["b"])):
            _close([_value(solution, f"h_{t + 1}", b, k) for k in range(H)], h)
    h, caches = lstm_forward(X, H0, w["Wx"], w["Wh"], w["b"])
    _, _, dWx, dWh, db = lstm_backward(h - Y, caches)
    grads = _gradients(solution, "xh_rows")
    _close(grads["W"], np.vstack([dWx, dWh]))
    _close(grads["b"], db)


@pytest.mark.parametrize("layout", ["cs231n", "dls", "xh_rows"])
def test_homework_round_trip_is_exact(tmp_path: Path, layout: str) -> None:
    """hw6 -> layout -> lstm_sym gives back the exact parameters, and the same solution."""
    convert("examples/hw6.toml", tmp_path / "course.toml", to=layout)  # type: ignore[arg-type]
    convert(tmp_path / "course.toml", tmp_path / "back.toml", to="lstm_sym")
    original = lstm_sym.load_problem("examples/hw6.toml")
    course = lstm_sym.load_problem(tmp_path / "course.toml")
    assert course.layout == layout
    assert dict(course.params) == dict(original.params)
    assert dict(lstm_sym.load_problem(tmp_path / "back.toml").params) == dict(original.params)


def test_npz_round_trip_through_every_course_layout_is_bitwise(tmp_path: Path) -> None:
    """cs231n .npz -> dls -> xh_rows -> pytorch -> keras -> cs231n .npz, bit for bit."""
    w = _cs231n_weights()
    np.savez(tmp_path / "in.npz", **w)
    source = tmp_path / "in.npz"
    for layout in ("dls", "xh_rows", "pytorch", "keras", "lstm_sym"):
        convert(source, tmp_path / f"{layout}.toml", to=layout)  # type: ignore[arg-type]
        source = tmp_path / f"{layout}.toml"
    convert(source, tmp_path / "out.npz", to="cs231n")
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == sorted(w)
        for key, value in w.items():
            assert np.array_equal(out[key], value), key


def test_dls_npz_with_head_round_trips(tmp_path: Path) -> None:
    """The whole parameters dict (Wy, by included) is read from an .npz and written back."""
    p = _dls_parameters()
    np.savez(tmp_path / "in.npz", **p)
    loaded = load(tmp_path / "in.npz")
    assert loaded.layout == "dls" and {"V", "b_y"} <= set(loaded.params)
    convert(tmp_path / "in.npz", tmp_path / "native.toml", to="lstm_sym")
    convert(tmp_path / "native.toml", tmp_path / "out.npz", to="dls")
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == sorted(p)
        for key, value in p.items():
            assert np.array_equal(out[key], value), key


@pytest.mark.parametrize(
    ("layout", "arrays", "message"),
    [
        ("cs231n", "Wx = [[1, 2, 3, 4]]\nWh = [[1, 2, 3]]\nb = [0, 0, 0, 0]", "Wh"),
        (
            "dls",
            "Wf = [[1, 2]]\nWi = [[1, 2]]\nWc = [[1, 2]]\nWo = [[1, 2]]\n"
            "bf = [0]\nbi = [[0]]\nbc = [[0]]\nbo = [[0]]",
            "bf",
        ),
        ("xh_rows", "W = [[1, 2, 3]]\nb = [0, 0, 0, 0]", "W"),
    ],
)
def test_misshapen_course_arrays_name_the_array(
    tmp_path: Path, layout: str, arrays: str, message: str
) -> None:
    """Arrays that do not fit the layout: one InputError naming the array."""
    (tmp_path / "p.toml").write_text(
        f'[parameters]\nlayout = "{layout}"\n{arrays}\n[sequence]\nx = [[1]]\ny = [0]\n'
    )
    with pytest.raises(lstm_sym.InputError, match=message):
        lstm_sym.load_problem(tmp_path / "p.toml")


def test_xh_rows_gate_order_is_chosen(tmp_path: Path) -> None:
    """`gates = "f, i, o, g"` reads W's column blocks in that order: the same h as the
    default order with the blocks moved, and convert --gates writes it back exactly."""
    w = _cs231n_weights()
    W = np.vstack([w["Wx"], w["Wh"]])
    blocks = {
        g: (W[:, k * H : (k + 1) * H], w["b"][k * H : (k + 1) * H]) for k, g in enumerate("ifog")
    }
    fiog = {key: np.hstack([blocks[g][j] for g in "fiog"]) for j, key in enumerate(("W", "b"))}
    lines = f'gates = "f, i, o, g"\nW = {fiog["W"].tolist()!r}\nb = {fiog["b"].tolist()!r}'
    solution = _problem(tmp_path, "xh_rows", lines, _batch())
    assert solution.problem.gates == "fioc"
    assert "b = [b_f, b_i, b_o, b_c]" in dict(solution.problem.conventions)["parameters"]
    for b in range(N):
        for t, h in enumerate(xh_rows_forward(X[b], H0[b], W, w["b"])):
            _close([_value(solution, f"h_{t + 1}", b, k) for k in range(H)], h)
    convert(tmp_path / "p.toml", tmp_path / "native.toml", to="lstm_sym")
    text = convert(tmp_path / "native.toml", None, to="xh_rows", gates="fiog")
    assert text is not None and 'gates = "f, i, o, g"' in text
    (tmp_path / "back.toml").write_text(text)
    assert dict(lstm_sym.load_problem(tmp_path / "back.toml").params) == dict(
        solution.problem.params
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'layout = "xh_rows"\ngates = "i, f, o"',
            "parameters.gates: expected the gates i, f, o and g",
        ),
        ('layout = "xh_rows"\ngates = 4', "parameters.gates"),
        ('layout = "cs231n"\ngates = "ifog"', "only the xh_rows layout"),
    ],
)
def test_bad_gate_orders_are_one_line_errors(tmp_path: Path, table: str, message: str) -> None:
    """A gate order that is not the four gates, or on a layout without one, is refused."""
    (tmp_path / "p.toml").write_text(
        f"[parameters]\n{table}\nW = [[1, 2, 3, 4]]\nb = [0, 0, 0, 0]\n[sequence]\nx = []\ny = []\n"
    )
    with pytest.raises(lstm_sym.InputError, match=message):
        lstm_sym.load_problem(tmp_path / "p.toml")


def test_convert_gates_needs_xh_rows(capsys: pytest.CaptureFixture[str]) -> None:
    """--gates with another layout, or a wrong order: exit 2 and one line."""
    from lstm_sym.cli import main

    for args in (["--to", "dls", "--gates", "fiog"], ["--to", "xh_rows", "--gates", "fiox"]):
        assert main(["convert", "examples/hw6.toml", *args]) == 2
        err = capsys.readouterr().err
        assert "--gates" in err and err.count("\n") == 1


def test_check_answers_in_the_course_notation() -> None:
    """Answers written with a course's names (a, cct, Γ_u, yt_pred; g, a_g) are checked as
    the cell's h, c̃, i, p; z_c; other layouts keep the cell's names only."""
    dls = lstm_sym.solve("examples/dls_lstm.toml", digits=12, gradients=True)
    answers: dict[str, Any] = {
        "a_1": str(dls["h_1"]),
        "cct_2": str(dls["c_tilde_2"]),
        "Gamma_u_1": str(dls["i_1"]),
        "yt_pred_2": [str(dls[f"p_2[{k}]"]) for k in (1, 2, 3)],
        "delta_a_2": str(dls["delta_h_2"]),
    }
    report = lstm_sym.check("examples/dls_lstm.toml", answers)
    assert {a.verdict for a in report.answers} == {"correct"} and len(report.answers) == 7
    cs231n = lstm_sym.solve("examples/cs231n_lstm.toml", digits=12)
    answers = {"g_2": str(cs231n["c_tilde_2"]), "a_g_1": str(cs231n["z_c_1"]), "g_1": "0.1"}
    verdicts = {
        a.key: a.verdict for a in lstm_sym.check("examples/cs231n_lstm.toml", answers).answers
    }
    assert verdicts == {"g_2": "correct", "a_g_1": "correct", "g_1": "wrong"}
    with pytest.raises(lstm_sym.InputError, match="g_2: expected the name of a quantity"):
        lstm_sym.check("examples/hw6.toml", {"g_2": "1"})


def test_course_sequences_refuses_other_layouts() -> None:
    """Only the layouts whose x has a known shape split it into sequences."""
    with pytest.raises(lstm_sym.InputError, match="layout: expected one of cs231n, dls"):
        course_sequences("keras", [[[0.0]]])
    assert course_sequences("dls", [[[1, 2]], [[3, 4]]]) == [{"x": [[1, 3], [2, 4]]}]

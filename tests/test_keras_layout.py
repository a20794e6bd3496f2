"""Keras layout: values against an independent NumPy implementation of Keras' equations
(kernel (d, k·n), recurrent_kernel (n, k·n), one bias, gate orders i,f,c,o and z,r,h), and
exact round trips through every layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cell_reference import hard_sigmoid, hard_sigmoid_keras2, sigmoid

import lstm_sym
from lstm_sym.cli import main
from lstm_sym.convert import convert, load

UNITS, INPUTS = 2, 3
RNG = np.random.default_rng(20240611)
X = RNG.integers(-16, 17, size=(3, INPUTS)) / 16
H0 = RNG.integers(-16, 17, size=UNITS) / 16
C0 = RNG.integers(-16, 17, size=UNITS) / 16
Y = RNG.integers(-16, 17, size=(3, UNITS)) / 16


def _dyadic(*shape: int) -> np.ndarray:
    return RNG.integers(-24, 25, size=shape) / 16


def keras_lstm(w: dict[str, np.ndarray], gate: Any = sigmoid) -> list[np.ndarray]:
    """keras.layers.LSTMCell.call, implementation 1, written out."""
    kernel, recurrent, bias = w["kernel"], w["recurrent_kernel"], w["bias"]
    h, c, out = H0, C0, []
    for x in X:
        z = x @ kernel + h @ recurrent + bias
        zi, zf, zc, zo = np.split(z, 4)
        i, f, o = gate(zi), gate(zf), gate(zo)
        c = f * c + i * np.tanh(zc)
        h = o * np.tanh(c)
        out.append(h)
    return out


def keras_gru(w: dict[str, np.ndarray], reset_after: bool) -> list[np.ndarray]:
    """keras.layers.GRUCell.call with either reset_after."""
    kernel, recurrent, bias = w["kernel"], w["recurrent_kernel"], w["bias"]
    u = UNITS
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, None)
    h, out = H0, []
    for x in X:
        x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3)
        if reset_after:
            assert recurrent_bias is not None
            r_z, r_r, r_h = np.split(h @ recurrent + recurrent_bias, 3)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            hh = np.tanh(x_h + r * r_h)
        else:
            z = sigmoid(x_z + h @ recurrent[:, :u])
            r = sigmoid(x_r + h @ recurrent[:, u : 2 * u])
            hh = np.tanh(x_h + (r * h) @ recurrent[:, 2 * u :])
        h = z * h + (1 - z) * hh
        out.append(h)
    return out


def keras_simple_rnn(w: dict[str, np.ndarray]) -> list[np.ndarray]:
    h, out = H0, []
    for x in X:
        h = np.tanh(x @ w["kernel"] + w["bias"] + h @ w["recurrent_kernel"])
        out.append(h)
    return out


def _weights(gates: int, bias_rows: int = 0) -> dict[str, np.ndarray]:
    bias = _dyadic(bias_rows, gates * UNITS) if bias_rows else _dyadic(gates * UNITS)
    return {
        "kernel": _dyadic(INPUTS, gates * UNITS),
        "recurrent_kernel": _dyadic(UNITS, gates * UNITS),
        "bias": bias,
    }


def _solve(
    tmp_path: Path, weights: dict[str, np.ndarray], extra: str = "", states: str = "h_0"
) -> lstm_sym.Solution:
    np.savez(tmp_path / "w.npz", **weights)
    initial = f"h_0 = {H0.tolist()!r}\n" + (f"c_0 = {C0.tolist()!r}\n" if "c_0" in states else "")
    text = (
        f'{extra}\n[parameters]\nlayout = "keras"\nfile = "w.npz"\n'
        f"[sequence]\nx = {X.tolist()!r}\ny = {Y.tolist()!r}\n{initial}"
    )
    (tmp_path / "p.toml").write_text(text)
    return lstm_sym.solve(lstm_sym.load_problem(tmp_path / "p.toml"), 18)


def _check(solution: lstm_sym.Solution, expected: list[np.ndarray]) -> None:
    for t, h in enumerate(expected, start=1):
        ours = [float(solution[f"h_{t}[{k}]"]) for k in range(1, UNITS + 1)]
        assert ours == pytest.approx(h.tolist(), rel=1e-12, abs=1e-14)


def test_keras_lstm(tmp_path: Path) -> None:
    """A Keras LSTM's kernel, recurrent_kernel and bias give Keras' outputs (cell lstm)."""
    weights = _weights(4)
    solution = _solve(tmp_path, weights, states="h_0 c_0")
    assert solution.problem.cell.name == "lstm"
    _check(solution, keras_lstm(weights))


@pytest.mark.parametrize(
    ("activation", "function"),
    [("hard_sigmoid", hard_sigmoid), ("hard_sigmoid_keras2", hard_sigmoid_keras2)],
)
def test_keras_lstm_with_hard_sigmoid(tmp_path: Path, activation: str, function: Any) -> None:
    """recurrent_activation='hard_sigmoid' is the gate slot: Keras 3's and Keras 2's versions."""
    weights = _weights(4)
    extra = f'activations = {{gate = "{activation}"}}'
    _check(_solve(tmp_path, weights, extra, states="h_0 c_0"), keras_lstm(weights, function))


@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_gru(tmp_path: Path, reset_after: bool) -> None:
    """Keras' GRU in both conventions: reset_after=True is gru, False is gru_cho."""
    weights = _weights(3, bias_rows=2 if reset_after else 0)
    solution = _solve(tmp_path, weights)
    assert solution.problem.cell.name == ("gru" if reset_after else "gru_cho")
    _check(solution, keras_gru(weights, reset_after))


def test_keras_simple_rnn(tmp_path: Path) -> None:
    """Keras' SimpleRNN is the elman cell."""
    weights = _weights(1)
    solution = _solve(tmp_path, weights)
    assert solution.problem.cell.name == "elman"
    _check(solution, keras_simple_rnn(weights))


@pytest.mark.parametrize(("gates", "rows"), [(4, 0), (3, 2), (3, 0), (1, 0)])
def test_keras_round_trip_is_bitwise(tmp_path: Path, gates: int, rows: int) -> None:
    """Keras .npz -> lstm_sym TOML -> pytorch TOML (when it has one) -> Keras .npz is bit for bit."""
    weights = _weights(gates, rows)
    np.savez(tmp_path / "in.npz", **weights)
    native = convert(tmp_path / "in.npz", tmp_path / "native.toml", to="lstm_sym")
    assert native is None
    cell = load(tmp_path / "native.toml").cell
    middle = tmp_path / "native.toml"
    if cell != "gru_cho":
        convert(middle, tmp_path / "torch.toml", to="pytorch")
        middle = tmp_path / "torch.toml"
    convert(middle, tmp_path / "out.npz", to="keras")
    with np.load(tmp_path / "out.npz") as out:
        for key, value in weights.items():
            assert np.array_equal(out[key], value), key


def test_homework_through_every_layout_is_unchanged(tmp_path: Path) -> None:
    """hw6 -> pytorch -> keras -> lstm_sym gives back the homework's exact parameters."""
    convert("examples/hw6.toml", tmp_path / "torch.toml", to="pytorch")
    convert(tmp_path / "torch.toml", tmp_path / "keras.toml", to="keras")
    convert(tmp_path / "keras.toml", tmp_path / "back.toml", to="lstm_sym")
    original = lstm_sym.load_problem("examples/hw6.toml")
    back = lstm_sym.load_problem(tmp_path / "back.toml")
    assert back.cell.name == "lstm"
    assert dict(back.params) == dict(original.params)


def test_pytorch_layout_example_solves_the_homework() -> None:
    """examples/pytorch_lstm.toml gives the homework's values to 30 digits."""
    ours = lstm_sym.solve("examples/pytorch_lstm.toml", 30, gradients=True)
    homework = lstm_sym.solve("examples/hw6.toml", 30, gradients=True)
    for name in ("h_1", "h_2", "c_2", "L", "dL_dh_0", "dL_dx_2[2]"):
        assert ours[name] == homework[name]
    assert ours["dL_db_hf"] == ours["dL_db_if"] == homework["dL_db_f"]


def test_convert_command_writes_atomically_and_deterministically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lstm-sym convert` prints or writes the same bytes each time."""
    assert main(["convert", "examples/keras_gru.toml", "--to", "lstm_sym"]) == 0
    first = capsys.readouterr().out
    assert (
        main(
            [
                "convert",
                "examples/keras_gru.toml",
                "--to",
                "lstm_sym",
                "-o",
                str(tmp_path / "a.toml"),
            ]
        )
        == 0
    )
    assert (tmp_path / "a.toml").read_text() == first
    assert 'cell = "gru_cho"' in first and "W_z = [[0.5, 2]]" in first
    assert (
        lstm_sym.solve(tmp_path / "a.toml", 20)["L"]
        == lstm_sym.solve("examples/keras_gru.toml", 20)["L"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["examples/gru.toml", "--to", "keras", "--cell", "lstm"], "cell"),
        (["examples/keras_gru.toml", "--to", "pytorch"], "pytorch can store"),
        (["examples/hw6.toml", "--to", "tensorflow"], "invalid choice"),
        (["examples/custom_cell.toml", "--to", "keras"], "custom cells"),
        (["nothing.npz", "--to", "keras"], "existing parameter file"),
    ],
)
def test_convert_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Impossible conversions and bad arguments: exit 2 and one line naming the problem."""
    assert main(["convert", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_layout_shape_mismatch_names_the_array(tmp_path: Path) -> None:
    """Arrays that fit no cell say which array is wrong and why."""
    weights = _weights(4)
    weights["bias"] = _dyadic(7)
    np.savez(tmp_path / "w.npz", **weights)
    (tmp_path / "p.toml").write_text(
        '[parameters]\nlayout = "keras"\nfile = "w.npz"\n[sequence]\nx = [[1, 2, 3]]\ny = [[0, 0]]\n'
    )
    with pytest.raises(lstm_sym.InputError, match="bias"):
        lstm_sym.load_problem(tmp_path / "p.toml")

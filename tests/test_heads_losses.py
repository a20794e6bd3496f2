"""The output head ŷ = V h + b_y and softmax cross-entropy against class labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import mpmath
import numpy as np
import pytest

import lstm_sym
from lstm_sym.testing import check_gradients

CLASSIFIER = "examples/classifier.toml"
X = [[1, 0], ["0.5", -1], [0, 1]]


def _classifier_numpy() -> tuple[list[np.ndarray], float]:
    W = np.array([[1, -1], [0.5, 2]])
    U = np.array([[0.5, 0], [-1, 0.25]])
    b = np.array([0.1, -0.2])
    V = np.array([[1, 0], [-1, 1], [0.5, 0.5]])
    b_y = np.array([0, 0.1, -0.1])
    h = np.zeros(2)
    loss, probabilities = 0.0, []
    for x, label in zip(([1, 0], [0.5, -1], [0, 1]), (2, 0, 1), strict=True):
        h = np.tanh(W @ np.array(x) + U @ h + b)
        logits = V @ h + b_y
        p = np.exp(logits) / np.exp(logits).sum()
        probabilities.append(p)
        loss -= np.log(p[label])
    return probabilities, loss


def test_classifier_values_match_numpy() -> None:
    """Softmax probabilities and the summed cross-entropy equal a NumPy computation."""
    solution = lstm_sym.solve(CLASSIFIER, 16)
    probabilities, loss = _classifier_numpy()
    assert float(solution["L"]) == pytest.approx(loss, rel=1e-14)
    for t, p in enumerate(probabilities, start=1):
        assert [float(solution[f"p_{t}[{k}]"]) for k in (1, 2, 3)] == pytest.approx(p, rel=1e-13)


def test_derived_gradient_is_softmax_minus_one_hot() -> None:
    """The symbolically derived ∂L/∂ŷ_t is p_t − onehot(label_t) (never typed in)."""
    solution = lstm_sym.solve(CLASSIFIER, 25, gradients=True)
    for t, label in enumerate((2, 0, 1), start=1):
        for k in (1, 2, 3):
            expected = solution[f"p_{t}[{k}]"] - (1 if k == label + 1 else 0)
            assert abs(solution[f"delta_y_hat_{t}[{k}]"] - expected) < Decimal("1e-24")


def test_classifier_gradients_match_finite_differences() -> None:
    """Every gradient of head + cross-entropy agrees with 50-digit central differences."""
    report = check_gradients(lstm_sym.load_problem(CLASSIFIER), dps=50)
    assert report.compared == 2 * 2 + 2 * 2 + 2 + 3 * 2 + 3 + 2 + 3 * 2
    assert report.max_abs_error < mpmath.mpf("1e-25"), str(report)


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = lstm_sym.problem.read_toml(CLASSIFIER)
    data = {**data, **changes}
    return data


def test_mean_is_sum_over_labelled_steps() -> None:
    """cross_entropy_mean divides by the number of labels; 'none' steps have no term."""
    labels = [2, "none", 1]
    total = lstm_sym.solve(
        lstm_sym.problem_from_dict(_data(sequence={"x": X, "labels": labels})), 20
    )
    mean = lstm_sym.solve(
        lstm_sym.problem_from_dict(
            _data(loss="cross_entropy_mean", sequence={"x": X, "labels": labels})
        ),
        20,
    )
    assert abs(total["L"] / 2 - mean["L"]) < Decimal("1e-19")
    assert "ell_2" not in total and "ell_3" in total


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([3, 0, 1], "a class index from 0 to 2"),
        ([True, 0, 1], "a class index"),
        (["1", 0, 1], "a class index"),
        ([0, 1], "3 class labels"),
    ],
)
def test_bad_labels(labels: list[Any], message: str) -> None:
    """Labels out of range, of the wrong type or count name the field."""
    data = _data(sequence={"x": X, "labels": labels})
    with pytest.raises(lstm_sym.InputError, match=message) as info:
        lstm_sym.problem_from_dict(data)
    assert "sequence[1].labels" in str(info.value)


def test_head_with_squared_error() -> None:
    """With a head, the existing losses compare y with ŷ (size m)."""
    data = _data(loss="half_sse", sequence={"x": [[1, 0]], "y": [[1, 0, "0.5"]]})
    problem = lstm_sym.problem_from_dict(data)
    solution = lstm_sym.solve(problem, 20, gradients=True)
    expected = (
        sum(
            (float(solution[f"y_hat_1[{k}]"]) - y) ** 2
            for k, y in zip((1, 2, 3), (1, 0, 0.5), strict=True)
        )
        / 2
    )
    assert float(solution["L"]) == pytest.approx(expected, rel=1e-14)
    assert check_gradients(problem, dps=50).max_abs_error < mpmath.mpf("1e-25")


def test_head_and_loss_name_clashes() -> None:
    """An unknown head, or cell names the head or loss need, are input errors."""
    with pytest.raises(lstm_sym.InputError, match="head: expected one of: none, linear"):
        lstm_sym.problem_from_dict(_data(head="softmax"))
    custom = {"equations": ["h = tanh(V @ x)"]}
    with pytest.raises(lstm_sym.InputError, match="'V' in custom"):
        lstm_sym.problem_from_dict(_data(cell=custom, parameters={"V": [[1, 0]], "b_y": [0]}))
    clash = {"equations": ["p = tanh(W @ x)", "h = p"]}
    with pytest.raises(lstm_sym.InputError, match="'p' in the cell"):
        lstm_sym.problem_from_dict(
            _data(
                cell=clash,
                head="none",
                parameters={"W": [[1, 0], [0, 1]]},
                sequence={"x": [[1, 0]], "labels": [1]},
            )
        )


def test_problem_states_its_conventions() -> None:
    """Problem.conventions names the cell, activations, head, parameter layout and loss."""
    conventions = dict(lstm_sym.load_problem(CLASSIFIER).conventions)
    assert conventions["output head"].startswith("ŷ_t = V h_t + b_y")
    assert conventions["loss"].startswith("cross_entropy")
    assert conventions["activations"] == "hidden: tanh"
    gru = dict(lstm_sym.load_problem("examples/keras_gru.toml").conventions)
    assert gru["reset gate"].startswith("before the recurrent product")
    assert gru["parameters"].startswith("keras: kernel = [transposed, W_z, W_r, W_n]")

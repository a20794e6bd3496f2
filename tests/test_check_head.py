"""check with an output head: logits and softmax probabilities answered directly."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_sym import load_problem
from lstm_sym.check import check
from lstm_sym.check.quantities import Catalogue
from lstm_sym.names import Name

ROOT = Path(__file__).resolve().parent.parent
CLASSIFIER = ROOT / "examples" / "classifier.toml"


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("y_hat_1[2]", Name("y_hat", 1, (2,))),
        ("logits_1[2]", Name("y_hat", 1, (2,))),
        ("scores_3", Name("y_hat", 3)),
        ("p_2[3]", Name("p", 2, (3,))),
        ("probs_2[3]", Name("p", 2, (3,))),
        ("softmax_1", Name("p", 1)),
        ("y_pred_2", Name("p", 2)),
        ("yt_pred_2[1]", Name("p", 2, (1,))),
    ],
)
def test_head_names(key: str, name: Name) -> None:
    assert Catalogue(load_problem(CLASSIFIER)).resolve(key) == name


def test_probabilities_follow_through_from_the_logits() -> None:
    report = check(
        load_problem(CLASSIFIER), ROOT / "tests" / "data" / "check" / "head_answers.toml"
    )
    by_key = {a.key: a for a in report.answers}
    assert by_key["y_pred_1[1]"].verdict == "correct"
    assert by_key["logits_2[3]"].verdict == "wrong"
    assert by_key["y_pred_2[1]"].verdict == "wrong"
    assert by_key["y_pred_2[1]"].follows_from == ("y_hat_2[3]",)
    assert report.first_wrong == "y_hat_2[3]"


def test_without_a_head_logits_name_nothing() -> None:
    from lstm_sym.errors import InputError

    with pytest.raises(InputError, match="logits_1: expected the name of a quantity"):
        Catalogue(load_problem(ROOT / "examples" / "hw6.toml")).resolve("logits_1")

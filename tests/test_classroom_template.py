"""Templates and draws: exact values, reproducible picks, shapes, and one-line errors."""

from __future__ import annotations

import copy
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sympy

from lstm_sym.classroom.config import ClassConfig, Points, Rules
from lstm_sym.classroom.draws import Draw, read_draw
from lstm_sym.classroom.template import load_template, template_from_dict
from lstm_sym.classroom.tomlout import dumps, number, string
from lstm_sym.errors import InputError
from lstm_sym.problem import loads_problem, parse_toml, problem_from_dict

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "hw6_variants.toml"


def _data() -> dict[str, Any]:
    return parse_toml(TEMPLATE.read_text(), source="hw6_variants.toml")


def test_choose_and_range_are_exact() -> None:
    """Values are exact rationals; a range includes both ends; exclude leaves values out."""
    assert read_draw({"choose": ["0.1", "1/3", 2]}, "f").values == (
        sympy.Rational(1, 10),
        sympy.Rational(1, 3),
        sympy.Integer(2),
    )
    ranged = read_draw({"range": ["-1", "1"], "step": "0.5", "exclude": ["0"]}, "f")
    assert [str(v) for v in ranged.values] == ["-1", "-1/2", "1/2", "1"]
    assert len(read_draw({"range": ["-1", "1"], "step": "0.1"}, "f").values) == 21


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        ({"choose": []}, r"f\.choose: expected a list of at least one value, found an empty list"),
        ({"choose": ["x"]}, r"f\.choose\[1\]: expected a number"),
        ({"choose": [0.5]}, r"f\.choose\[1\]: expected an exact number"),
        ({"range": ["1", "-1"], "step": "1"}, r"f\.range: expected \[low, high\] with low <= high"),
        ({"range": ["-1", "1"], "step": "0"}, r"f\.step: expected a positive step"),
        ({"range": ["-1", "1"]}, r"f\.step: expected the step between values"),
        ({"range": ["0", "1e9"], "step": "1"}, r"f: expected a range of at most 100,000 values"),
        ({"choose": [1], "range": [0, 1]}, r"f: expected a draw with either choose or range"),
        ({"choose": [1], "pick": 2}, r"f\.pick: expected one of choose, range, step, exclude"),
        ({"choose": [0], "exclude": [0]}, r"f: expected a draw with at least one value left"),
    ],
)
def test_bad_draws_are_one_line_errors(draw: dict[str, Any], message: str) -> None:
    """Every mistake in a draw names the field, what was expected and what was found."""
    with pytest.raises(InputError, match=message) as error:
        read_draw(draw, "f")
    assert "\n" not in str(error.value)


def test_picks_are_stable() -> None:
    """A pick depends only on seed, student, attempt and place: pinned, never Python's hash()."""
    draw = Draw("parameters.b_f", tuple(sympy.Integer(k) for k in range(100)))
    digest = hashlib.sha256(b"hw6\x00s01\x000\x00parameters.b_f").digest()
    assert draw.pick("hw6", "s01", 0) == int.from_bytes(digest, "big") % 100 == 49
    assert len({draw.pick("hw6", f"s{k}", 0) for k in range(30)}) > 15
    assert len({draw.pick("hw6", "s01", attempt) for attempt in range(10)}) > 5


def test_realize_fills_shapes_and_keeps_the_template() -> None:
    """Whole-matrix draws fill every entry; the template itself is never changed."""
    template = load_template(TEMPLATE)
    before = copy.deepcopy(template.data)
    data = template.realize("s01", 0)
    assert template.data == before
    assert len(data["parameters"]["W_f"]) == 2 and not isinstance(
        data["parameters"]["W_f"][0], list
    )
    assert isinstance(data["parameters"]["U_f"], sympy.Rational)
    problem = template.problem("s01", 0)
    assert problem.params["W_f"][0][0] in template.wholes["parameters.W_f"].draw.values
    assert template.realize("s01", 0) == data and template.realize("s02", 0) != data


def test_written_variant_reads_back_exactly(tmp_path: Path) -> None:
    """A variant written as TOML is the same problem: numbers exact, fractions as strings."""
    raw = _data()
    raw["parameters"]["U_f"] = {"choose": ["1/3"]}
    template = template_from_dict(raw)
    data = template.realize("s01", 0)
    text = dumps(data, "a header\nwith two lines\x1b")
    assert 'U_f = "1/3"' in text and "# with two lines\\x1b" in text
    again = loads_problem(text)
    first = problem_from_dict(data)
    assert again.params == first.params and again.sequences == first.sequences


def test_number_and_string_forms() -> None:
    """Decimals with every digit, other fractions as strings, text escaped."""
    assert number(sympy.Rational(1, 8)) == "0.125"
    assert number(sympy.Rational(-7, 1)) == "-7"
    assert number(sympy.Rational(2, 3)) == '"2/3"'
    assert string('a"b\\c\n\u202e') == '"a\\"b\\\\c\\u000a\\u202e"'


def test_steps_are_drawn_and_lists_cut() -> None:
    """steps = {choose = [...]} cuts x and y to the steps drawn; whole x/y draws fill T entries."""
    raw = _data()
    raw["sequence"]["steps"] = {"choose": [1, 2, 3]}
    raw["sequence"]["x"] = {"choose": ["-1", "1"]}
    raw["sequence"]["y"] = {"range": ["-1", "1"], "step": "0.5"}
    raw["classroom"]["asked"] = ["h_1"]
    raw["classroom"].pop("places")
    template = template_from_dict(raw)
    steps = {template.problem(f"s{k}", 0).sequences[0].steps for k in range(40)}
    assert steps == {1, 2, 3}
    data = template.realize("s01", 0)
    assert all(len(x) == 2 for x in data["sequence"]["x"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("classroom"), r"classroom: expected a \[classroom\] table"),
        (
            lambda d: d["classroom"].pop("asked"),
            r"classroom\.asked: expected a list of quantity names",
        ),
        (lambda d: d["classroom"].update(asked=["h_1", "h_1"]), r"expected each quantity once"),
        (
            lambda d: d["classroom"].update(places={"c_1": 3}),
            r"places\.c_1: expected a name listed in asked",
        ),
        (
            lambda d: d["classroom"].update(decimals=13),
            r"decimals: expected an integer from 0 to 12",
        ),
        (lambda d: d["classroom"].update(colour=1), r"classroom\.colour: expected one of asked"),
        (
            lambda d: d["classroom"].update(fairness={"gate_margin": "0.6"}),
            r"gate_margin: expected a number below 0.5",
        ),
        (
            lambda d: d["classroom"].update(fairness={"tie_margin": "-1"}),
            r"tie_margin: expected a number from 0 to 0.49",
        ),
        (
            lambda d: d["classroom"].update(fairness={"distinct": "most"}),
            r"distinct: expected an integer",
        ),
        (
            lambda d: d["classroom"].update(points={"right": 1}),
            r"points\.right: expected one of correct",
        ),
        (lambda d: d.pop("sizes"), r"parameters\.W_f: expected \[sizes\] to give n, d"),
        (
            lambda d: d["sequence"].update(steps=0),
            r"sequence\.steps: expected a whole number of steps",
        ),
        (
            lambda d: d["sequence"].update(x={"choose": [1]}),
            r"sequence\.x: expected steps in its sequence",
        ),
        (
            lambda d: d["parameters"].update(b_f={"choose": ["nan"]}),
            r"parameters\.b_f\.choose\[1\]",
        ),
        (lambda d: d["parameters"].update(W_q=1), r"parameters\.W_q: expected one of"),
    ],
)
def test_bad_templates_are_one_line_errors(change: Any, message: str) -> None:
    """A template's mistakes name the file and the field."""
    raw = _data()
    change(raw)
    with pytest.raises(InputError, match=message) as error:
        template_from_dict(raw, source="t.toml")
    assert str(error.value).startswith("t.toml: ") and "\n" not in str(error.value)


def test_settings_round_trip_through_class_json() -> None:
    """The settings a class records read back as the same settings."""
    config = ClassConfig.read(
        {
            "asked": ["h_1", "L"],
            "places": {"L": 4},
            "weights": {"L": 2},
            "fairness": {"distinct": 3, "gate_margin": "0.1", "nonzero_gradients": False},
            "points": {"truncated": "0.25"},
        }
    )
    assert ClassConfig.from_dict(config.to_dict()) == config
    assert config.rules == Rules(gate_margin=Decimal("0.1"), distinct=3, nonzero_gradients=False)
    assert Points.parse("wrong=0.1, drift=0", config.points).truncated == Decimal("0.25")
    with pytest.raises(InputError, match=r"--points: expected VERDICT=POINTS pairs"):
        Points.parse("wrong")

"""The fairness rules, judged with proven values, and what a class does with a refusal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lstm_sym.classroom.config import ClassConfig
from lstm_sym.classroom.csvfiles import Student
from lstm_sym.classroom.fairness import Bounds, assess
from lstm_sym.classroom.template import template_from_dict
from lstm_sym.classroom.variants import UnfairClass, draw_class
from lstm_sym.problem import load_problem, parse_toml, problem_from_dict

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"


def _homework(**parameters: Any) -> Any:
    data = parse_toml(HW6.read_text())
    data["parameters"].update(parameters)
    return data


def _config(asked: list[str], **fairness: Any) -> ClassConfig:
    return ClassConfig.read({"asked": asked, "decimals": 4, "fairness": fairness})


def test_bounds_round_only_when_the_interval_agrees() -> None:
    """Rounding, truncation and the distance from a tie are decided for the whole interval."""
    near = Bounds(Decimal("0.123449"), Decimal("0.123451"))
    assert near.rounded(4) is None and near.tie_distance(4) == 0
    clear = Bounds(Decimal("0.12342"), Decimal("0.12343"))
    assert clear.rounded(4) == Decimal("0.1234") and clear.tie_distance(4) == Decimal("0.2")
    negative = Bounds(Decimal("-0.12347"), Decimal("-0.12346"))
    assert negative.rounded(4) == Decimal("-0.1235") and negative.tie_distance(4) == Decimal("0.1")
    assert negative.rounded(4, truncate=True) == Decimal("-0.1234")


def test_the_homework_key() -> None:
    """The homework's key: L = 0.5299 at four places (0.5298 truncated), h_1 at five."""
    config = ClassConfig.read({"asked": ["h_1", "MSE"], "places": {"h_1": 5}})
    judged = assess(load_problem(HW6), config)
    assert [(k.name, k.value, k.truncated, k.more) for k in judged.key] == [
        ("h_1", "0.21741", "0.21741", "0.217414639"),
        ("L", "0.5299", "0.5298", "0.52986068"),
    ]


def test_a_saturated_gate_is_refused() -> None:
    """A forget gate at σ(10.2) is saturated: the rule names it and its value."""
    problem = problem_from_dict(_homework(W_f=[10, 2]))
    judged = assess(problem, _config(["h_1"]))
    assert "saturated gate: f_1 = 1.0000" in judged.refusals
    loose = assess(problem, _config(["h_1"], gate_margin="0"))
    assert not any(r.startswith("saturated") for r in loose.refusals)


def test_an_answer_on_a_tie_is_refused() -> None:
    """z_f_1 = W_f·x_1 + b_f = 1.23445 exactly sits on a tie at four places."""
    problem = problem_from_dict(_homework(b_f="0.23445", W_f=[1, 2]))
    judged = assess(problem, _config(["z_f_1"], gate_margin="0"))
    assert judged.refusals == ("answer near a rounding tie: z_f_1 at 4 places",)
    assert judged.key[0].value == ""  # a tie: no proven rounding to write
    assert assess(problem, _config(["z_f_1"], gate_margin="0", tie_margin="0")).key[0].value == ""


def test_a_zero_gradient_is_refused() -> None:
    """With x_2 = [0.5, 0] no input reaches W_f[1,2]: its gradient is exactly 0."""
    data = _homework()
    data["sequence"]["x"] = [[1, 0], [Decimal("0.5"), 0]]
    problem = problem_from_dict(data)
    judged = assess(problem, _config(["h_1"], gate_margin="0", tie_margin="0"))
    assert judged.refusals == ("zero gradient: dL_dW_f[1,2] rounds to 0 at 4 places",)
    off = _config(["h_1"], gate_margin="0", tie_margin="0", nonzero_gradients=False)
    assert assess(problem, off).fair


def test_an_answer_with_too_few_digits_is_refused() -> None:
    """At four places dL_dU_f = -0.0049... has two digits: two needed passes, three does not."""
    problem = load_problem(HW6)
    value = assess(problem, _config(["dL_dU_f"], gate_margin="0", tie_margin="0")).key[0].value
    digits = len(value.replace("-", "").replace("0.", "").lstrip("0"))
    three = _config(["dL_dU_f"], gate_margin="0", tie_margin="0", min_digits=digits + 1)
    assert assess(problem, three).refusals[0].startswith("answer with too few digits: dL_dU_f")


def test_an_invalid_draw_is_refused_not_raised() -> None:
    """A problem the engine refuses (beyond a limit) is a refusal, not a crash."""
    problem = problem_from_dict(_homework(W_f=["1e999", 2]))
    judged = assess(problem, _config(["h_1"]))
    assert not judged.fair


def _template(**fairness: Any) -> Any:
    data = _homework(b_i={"choose": ["0.1", "0.2", "0.3"]})  # h_1 does not depend on b_f
    data["sizes"] = {"n": 1, "d": 2}
    data["classroom"] = {"asked": ["h_1"], "decimals": 4, "fairness": fairness}
    return template_from_dict(data)


def test_a_class_redraws_until_the_answers_differ(tmp_path: Path) -> None:
    """Two students whose first draws agree: the second is drawn again, and the record says why."""
    template = _template(gate_margin="0")
    draw = template.draws["parameters.b_i"]
    first = {f"s{k}": draw.pick(template.config.seed, f"s{k}", 0) for k in range(10)}
    twins = next((a, b) for a in first for b in first if a < b and first[a] == first[b])
    students = [Student(k, k.upper()) for k in (*twins, "z")]
    record = draw_class(template, students, str(tmp_path / "c"))
    values = [a.key[0]["value"] for a in record.assigned]
    assert len(set(values)) == 3
    assert record.refusals.get("same answers as another variant", 0) >= 1
    assert any(
        n.startswith("same answers as another variant: v001") for n in record.assigned[1].refused
    )


def test_a_class_with_too_few_variants_is_refused(tmp_path: Path) -> None:
    """A fourth student cannot get a distinct h_1: one error naming the student and the rules."""
    students = [Student(k, k) for k in "abcd"]
    with pytest.raises(
        UnfairClass, match=r"no fair variant for student 'd' in 20 draws \(refused: .*same answers"
    ):
        draw_class(_template(gate_margin="0", max_draws=20), students, str(tmp_path / "c"))
    distinct_one = _template(gate_margin="0", max_draws=20, distinct=0)
    assert len(draw_class(distinct_one, students, str(tmp_path / "d")).assigned) == 4

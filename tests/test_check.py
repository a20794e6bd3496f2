"""Checking hand calculations: the homework's own answers, verdicts, names and bad answers files."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from lstm_sym import InputError, load_problem
from lstm_sym.check import CORRECT, DRIFT, TRUNCATED, WRONG, check, loads_answers
from lstm_sym.check.quantities import Catalogue

HW6 = "examples/hw6.toml"


def verdicts(report: object) -> dict[str, str]:
    return {a.name: a.verdict for a in report.answers}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def hw6_report():  # type: ignore[no-untyped-def]
    return check(HW6, "examples/hw6_answers.toml")


def test_homework_states_correct(hw6_report) -> None:  # type: ignore[no-untyped-def]
    """The homework's h_1 = 0.21741 and h_2 = -0.18988 are correct."""
    v = verdicts(hw6_report)
    assert v["h_1"] == CORRECT and v["h_2"] == CORRECT


def test_homework_loss_truncated(hw6_report) -> None:  # type: ignore[no-untyped-def]
    """The homework's loss 0.5298 is a truncation; correctly rounded it is 0.5299."""
    (loss,) = [a for a in hw6_report.answers if a.name == "L"]
    assert loss.verdict == TRUNCATED and loss.rounded == "0.5299"
    assert "0.5299" in loss.explanation


def test_homework_squared_errors(hw6_report) -> None:  # type: ignore[no-untyped-def]
    """0.07985 is correct; 0.97986 is not correctly rounded but is what the rounded h_2 gives."""
    by_name = {a.name: a for a in hw6_report.answers}
    assert by_name["se_1"].verdict == CORRECT
    se_2 = by_name["se_2"]
    assert se_2.verdict == DRIFT and se_2.rounded == "0.97987"
    assert "h_2 = -0.18988" in se_2.explanation and "h_2" in (se_2.drift or "")


def test_homework_report_not_all_correct(hw6_report) -> None:  # type: ignore[no-untyped-def]
    """Answers in dependency order; nothing wrong, but not all correct."""
    assert [a.name for a in hw6_report.answers] == ["h_1", "se_1", "h_2", "se_2", "L"]
    assert not hw6_report.all_correct and hw6_report.first_wrong is None
    assert hw6_report.counts() == {CORRECT: 3, TRUNCATED: 1, DRIFT: 1, WRONG: 0}


def test_correctly_rounded_loss_is_correct() -> None:
    """0.5299 (and 0.52986, and 0.530 to three places) are correct values of the loss."""
    report = check(
        HW6, {"loss": D("0.5299"), "L": D("0.52986")} if False else {"loss": D("0.5299")}
    )
    assert verdicts(report) == {"L": CORRECT}
    assert verdicts(check(HW6, {"L": D("0.52986")})) == {"L": CORRECT}
    assert verdicts(check(HW6, {"L": D("0.530")})) == {"L": CORRECT}


def test_digits_as_written() -> None:
    """Trailing zeros are claimed digits: 0.50 claims two places (wrong here), 0.5 one (correct)."""
    assert verdicts(check(HW6, loads_answers("L = 0.5"))) == {"L": CORRECT}
    assert verdicts(check(HW6, loads_answers("L = 0.50")))["L"] == WRONG
    assert verdicts(check(HW6, loads_answers('L = "0.53"'))) == {"L": CORRECT}


def test_wrong_shows_more_digits_and_difference() -> None:
    """A wrong answer shows the exact value to two more places and the difference."""
    (a,) = check(HW6, {"h_1": D("0.2300")}).answers
    assert a.verdict == WRONG and a.exact == "0.217415" and a.difference == "0.012585"
    assert "0.217415" in a.explanation


def test_vector_answers() -> None:
    """A list answers a whole vector or matrix, component by component."""
    report = check(
        HW6, loads_answers('"dL/dW_f" = [-0.01697, 0.03394]\ndL_dW_c = [[-0.1541, 0.2524]]')
    )
    assert verdicts(report) == {
        "dL_dW_f[1,1]": CORRECT,
        "dL_dW_f[1,2]": CORRECT,
        "dL_dW_c[1,1]": CORRECT,
        "dL_dW_c[1,2]": CORRECT,
    }
    assert [a.key for a in report.answers][:2] == ["dL/dW_f[1,1]", "dL/dW_f[1,2]"]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("h1", "h_1"),
        ("h_1", "h_1"),
        ("h[1]", "h_1"),
        ("H_1", "h_1"),
        ("c~_2", "c_tilde_2"),
        ("c̃_2", "c_tilde_2"),
        ("ctilde_2", "c_tilde_2"),
        ("c_tilde_2", "c_tilde_2"),
        ("chash2", "c_tilde_2"),
        ("dL/dW_f", "dL_dW_f"),
        ("dL_dW_f[1,2]", "dL_dW_f[1,2]"),
        ("∂L/∂U_c", "dL_dU_c"),
        ("delta_h_1", "delta_h_1"),
        ("δc_1", "delta_c_1"),
        ("dL/dh_2", "delta_h_2"),
        ("dL_dh_0", "dL_dh_0"),
        ("loss", "L"),
        ("L", "L"),
        ("MSE", "L"),
        ("ell_2", "ell_2"),
        ("loss_1", "ell_1"),
        ("(y_2-h_2)^2", "se_2"),
        ("(y2 - h2)**2", "se_2"),
        ("se_1", "se_1"),
        ("z_f_1", "z_f_1"),
        ("z_f1", "z_f_1"),
        ("cbar_2", "c_tilde_2"),
        ("chat_2", "c_tilde_2"),
        ("deltah_1", "delta_h_1"),
        ("dh_1", "delta_h_1"),
        ("(h_1-y_1)^2", "se_1"),
        ("sq_err_1", "se_1"),
        ("squared_error_2", "se_2"),
        ("ℓ_1", "ell_1"),
        ("grad_W_f", "dL_dW_f"),
        ("dW_f", "dL_dW_f"),
        ("J", "L"),
        ("cost", "L"),
        ("delta_c_tilde_2", "delta_c_tilde_2"),
        ("dL/dx_2[1]", "dL_dx_2[1]"),
    ],
)
def test_name_spellings(written: str, canonical: str) -> None:
    """Common spellings of a quantity's name resolve to its canonical name."""
    assert str(Catalogue(load_problem(HW6)).resolve(written)) == canonical


def test_unknown_name_suggests_closest() -> None:
    """A name that matches nothing is an error naming the closest real names."""
    with pytest.raises(InputError) as caught:
        check(HW6, {"hh_1": D("0.2")})
    assert "hh_1" in str(caught.value) and "closest: h_1" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('h_1 = "abc"', "a decimal number"),
        ('h_1 = "1/3"', "a decimal number"),
        ("h_1 = true", "a decimal number"),
        ("h_1 = [0.2, 0.3]", "one number for h_1"),
        ('"dL/dW_f" = [0.2]', "2 numbers for dL_dW_f"),
        ("h_1 = 0.2\nh1 = 0.3", "one answer for h_1"),
        ("h_1 = = 2", "valid TOML"),
        ("", "at least one answer"),
        ("[h]\nx = 1", "a number or a list"),
    ],
)
def test_bad_answers(text: str, message: str) -> None:
    """Bad answers files are one clear InputError naming the field."""
    with pytest.raises(InputError, match=None) as caught:
        check(HW6, loads_answers(text, source="answers.toml"))
    assert message in str(caught.value)


def test_follow_through() -> None:
    """After a wrong h_1, answers computed from the student's own h_1 are follow-through."""
    # h_1 wrong (0.3 instead of 0.21741); h_2 then computed from h_1 = 0.3 exactly
    from lstm_sym.check.replay import Carry, evaluate
    from lstm_sym.evaluate.evaluator import Evaluator
    from lstm_sym.names import Name
    from lstm_sym.numbers import exact_decimal, round_decimals

    problem = load_problem(HW6)
    values = evaluate(
        Evaluator(problem), 40, gradients=False, hook=Carry(problem, {Name("h", 1): D("0.30000")})
    )
    h_2 = round_decimals(exact_decimal(values[Name("h", 2)]), 5)
    report = check(problem, {"h_1": D("0.30000"), "c_1": D("0.22605"), "h_2": h_2})
    by_name = {a.name: a for a in report.answers}
    assert by_name["c_1"].verdict == CORRECT
    assert by_name["h_1"].verdict == WRONG and not by_name["h_1"].follows_from
    assert by_name["h_2"].verdict == WRONG and by_name["h_2"].follows_from == ("h_1",)
    assert "follow-through" in by_name["h_2"].explanation
    assert report.first_wrong == "h_1"


def test_independent_errors_are_separate() -> None:
    """A wrong answer that the earlier wrong value does not explain is a new first error."""
    report = check(HW6, {"h_1": D("0.30000"), "L": D("7.00000")})
    by_name = {a.name: a for a in report.answers}
    assert by_name["L"].verdict == WRONG and by_name["L"].follows_from == ()
    assert report.first_wrong == "h_1"


def test_rounding_drift_reports_digits() -> None:
    """An answer reproduced by rounding every intermediate says at how many digits it was rounded."""
    # exact δc_1 = -0.617742...; rounding every value to 4 places on the way gives -0.6176
    (a,) = check(HW6, {"delta_c_1": D("-0.6176")}).answers
    assert a.verdict == DRIFT and a.rounded == "-0.6177"
    assert a.drift == "rounding every intermediate value to 4 decimal places"
    (b,) = check(HW6, {"delta_c_1": D("-0.6185")}).answers
    assert b.verdict == WRONG


def test_follow_through_names_the_cause() -> None:
    """Follow-through names only the earlier wrong answers that explain it."""
    report = check(
        HW6,
        {"h_1": D("0.30000"), "delta_f_1": D("0.50000"), "h_2": D("-0.17037")},
    )
    by_name = {a.name: a for a in report.answers}
    assert by_name["h_2"].follows_from == ("h_1",)


def test_batch_and_vector_names() -> None:
    """Components and sequences of a batch are named h_2[1]^(2), also written h2[1]^2."""
    problem = load_problem("examples/batch_d3_n2.toml")
    catalogue = Catalogue(problem)
    assert str(catalogue.resolve("h2[1]^2")) == "h_2[1]^(2)"
    assert str(catalogue.resolve("h_3^(1)")) == "h_3^(1)"
    exact = {k: v for k, v in __import__("lstm_sym").solve(problem, 6, decimals=True).items()}
    report = check(problem, {"h_2^(2)": [exact["h_2[1]^(2)"], exact["h_2[2]^(2)"]]})
    assert [a.verdict for a in report.answers] == [CORRECT, CORRECT]
    assert [a.key for a in report.answers] == ["h_2^(2)[1]", "h_2^(2)[2]"]


def test_exact_ties() -> None:
    """At an exact tie (z_c_1 = 1.5 to no places) both neighbours are correct, others are not."""
    assert verdicts(check(HW6, {"z_c_1": D("2")})) == {"z_c_1": CORRECT}
    assert verdicts(check(HW6, {"z_c_1": D("1")})) == {"z_c_1": CORRECT}
    (a,) = check(HW6, {"z_c_1": D("2")}).answers
    assert "tie" in a.explanation and a.rounded == "2"
    assert verdicts(check(HW6, {"z_c_1": D("1.6")}))["z_c_1"] != CORRECT


@pytest.mark.parametrize("example", ["custom_cell", "classifier", "pytorch_lstm", "keras_gru"])
def test_other_examples(example: str) -> None:
    """Custom cells, output heads with cross-entropy and framework layouts are checked alike."""
    from lstm_sym import solve

    problem = load_problem(f"examples/{example}.toml")
    exact = solve(problem, 6, gradients=True, decimals=True)
    chosen = dict(list(exact.items())[::4])
    assert check(problem, chosen).all_correct
    name, value = next(iter(chosen.items()))
    (a, *_) = check(problem, {name: value + D("0.5")}).answers
    assert a.verdict == WRONG


def test_an_enormous_answer_name_is_one_short_error() -> None:
    """A 5,000-digit step number in a name is refused in one short line, not by int()."""
    with pytest.raises(InputError) as error:
        check("examples/hw6.toml", {"h_" + "9" * 5000: "0.1"})
    assert len(str(error.value)) < 300 and "\n" not in str(error.value)


def _upstream(problem: object, name: str) -> set[str]:
    """Every quantity ``name`` is computed from, through the scalar program's assignments."""
    from lstm_sym.model import Model

    program = Model(problem).program(view="scalar")  # type: ignore[arg-type]
    reads = {str(a.name): {str(s) for s in a.expr.free_symbols} for a in program}
    found: set[str] = set()
    stack = [name]
    while stack:
        for parent in reads.get(stack.pop(), ()):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def test_drift_names_only_answers_it_depends_on() -> None:
    """A drift note credits only earlier answers upstream of it (not dL_dh_0 or dL_dx_1 for dL_dx_2)."""
    import re

    from lstm_sym.check.replay import Rounding, evaluate
    from lstm_sym.evaluate.evaluator import Evaluator
    from lstm_sym.numbers import exact_decimal, round_decimals

    problem = load_problem(HW6)
    values = evaluate(Evaluator(problem), 40, gradients=True, hook=Rounding(4))
    report = check(
        problem, {str(n): round_decimals(exact_decimal(v), 4) for n, v in values.items()}
    )
    notes = {a.name: a.drift or "" for a in report.answers}
    assert notes["dL_dx_2[1]"].startswith("carried your rounded")
    assert not re.search(r"dL_dh_0|dL_dc_0|dL_dx_1", notes["dL_dx_2[1]"])
    carried = {k: re.findall(r"(\S+) = ", v) for k, v in notes.items() if v.startswith("carried")}
    assert len(carried) >= 10
    # a quantity the program does not name (se_t, tanh_c_t, delta_h_rec_t) by its source
    from lstm_sym.check.quantities import Catalogue

    sources = {str(q.name): str(q.source) for q in Catalogue(problem).quantities}
    for name, credited in carried.items():
        upstream = _upstream(problem, sources.get(name, name)) | {sources.get(name, name)}
        assert {sources.get(c, c) for c in credited} <= upstream, name


@pytest.mark.parametrize(
    "answers",
    [
        {"h_1[1]": "0.5"},
        {"h_1[1]": "0.5", "L": "1.2"},
        {"p_1[1]": "0.3", "L": "2.0"},
    ],
)
def test_a_probability_rounded_to_zero_explains_nothing(answers: dict[str, str]) -> None:
    """Replaying a classifier's softmax rounded to 1 place takes a p of 0 through y·log p
    (0·log 0): that replay explains no answer, and every answer still gets a verdict."""
    report = check(load_problem("examples/classifier.toml"), answers)
    assert len(report.answers) == len(answers)
    assert {a.verdict for a in report.answers} <= {CORRECT, DRIFT, TRUNCATED, WRONG}
    assert report.answers[0].verdict == WRONG

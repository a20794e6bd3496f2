"""Flow quantities by name: `solve --flow`, answers to `check`, and the package's exports."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstm_sym
from lstm_sym import InputError, Model, check
from lstm_sym.cli import main
from lstm_sym.flow import GradientFlow
from lstm_sym.flow.naming import IMPLICIT_END, end_of, parse_value, value_name, with_end
from lstm_sym.names import Name

HW6 = "examples/hw6.toml"
BATCH = "examples/batch_d3_n2.toml"


def test_solve_flow_json_has_the_flow_commands_values(capsys: pytest.CaptureFixture[str]) -> None:
    """`solve --flow` adds a flow section whose every value is the flow command's, renamed."""
    assert main(["solve", HW6, "--flow", "--digits", "6", "--format", "json"]) == 0
    section = json.loads(capsys.readouterr().out)["values"]["flow"]
    assert main(["flow", HW6, "--digits", "6", "--format", "json"]) == 0
    table = json.loads(capsys.readouterr().out)["values"]
    renamed = {str(value_name(Name.parse(k) or Name(k), 2)): v for k, v in table.items()}
    assert {k: section[k] for k in renamed} == renamed
    assert section["norm_dL_dc_1"] == table["norm_delta_c_1"] == "0.617742"
    assert section["direct_dc_2_dc_0"] == table["dcT_dc_direct_0"] == "0.179088"
    assert section["radius_J_1"] == table["rho_J_1"] == "1.14528"
    assert section["dc_2_dc_0"] == table["norm_dcT_dc_0"] == "0.307050"  # every path, n = 1


def test_solve_flow_text_and_api(capsys: pytest.CaptureFixture[str]) -> None:
    """The text has a Gradient flow section; ∂c_2/∂c_1 = f_2, to the digits asked for."""
    assert main(["solve", HW6, "--flow", "--digits", "6"]) == 0
    out = capsys.readouterr().out
    section = out[out.index("Gradient flow") :].splitlines()
    assert "  1  norm_dL_dc                 0.617742" in section
    assert "  1  dc_2_dc                    0.233028" in section
    solution = Model.load(HW6).solve(6, flow=True)
    assert solution["dc_2_dc_1"] == solution["f_2"] == solution["direct_dc_2_dc_1"]
    assert solution.sections[Name("norm_dL_dh", 0)] == "flow"
    places = lstm_sym.solve(HW6, 3, decimals=True, flow=True)
    assert places["norm_dL_dh_via_z_o_next_0"] == Decimal("0.002")
    assert "flow" not in Model.load(HW6).solve(6).sections.values()


def test_jacobian_entries_of_a_two_unit_batch() -> None:
    """For n = 2 each ∂c_T/∂c_t is a 2×2 matrix of named entries, per sequence of the batch."""
    solution = lstm_sym.solve(BATCH, 8, flow=True)
    entries = [f"dc_3_dc_1[{i},{j}]^(2)" for i in (1, 2) for j in (1, 2)]
    blocks = GradientFlow.load(BATCH).jacobian("c", 3, 1, digits=8, seq=2)
    assert [solution[e] for e in entries] == [v for row in blocks for v in row]
    assert solution["direct_dc_3_dc_3[2]^(1)"] == 1


def test_names_parse_back_and_as_written_by_hand() -> None:
    """Every value name parses back to itself; ∂, δ, ‖…‖, `/` and the table's names are read."""
    for name in lstm_sym.solve(BATCH, 3, flow=True).by_name:
        if parse_value(str(name)) is not None:
            assert Name.parse(str(name)) == name == parse_value(str(name))
    for written, canonical in [
        ("‖∂L/∂c_1‖", "norm_dL_dc_1"),
        ("norm_delta_c_1", "norm_dL_dc_1"),
        ("‖δc_1‖", "norm_dL_dc_1"),
        ("∂c_2/∂c_1", "dc_2_dc_1"),
        ("dcT_dc_direct_0", "direct_dc_2_dc_0"),
        ("norm_dcT_dc_direct_0", "norm_direct_dc_2_dc_0"),
        ("rho_dcT_dc_1", "radius_dc_2_dc_1"),
        ("rho_J_2^(1)", "radius_J_2^(1)"),
    ]:
        found = parse_value(written)
        assert found is not None and str(with_end(found, lambda seq: 2)) == canonical, written
    for program_name in ("dL_dh_0", "h_1", "delta_c_1", "J", "dL_dW_f[1,2]"):
        assert parse_value(program_name) is None


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from(list("dLchJT_0129[],^()‖/∂δ normrhoradiusdirectsharevia")), max_size=30)
)
def test_any_written_key_is_read_or_refused(key: str) -> None:
    """No key breaks the reader; a value name it reads (T explicit) parses back to itself."""
    name = parse_value(key)
    if name is not None and IMPLICIT_END not in name.base:
        assert Name.parse(str(name)) == name
        assert end_of(name) is None or str(end_of(name)) in name.base


def test_check_gives_verdicts_on_flow_answers() -> None:
    """Flow answers are correct, truncated or wrong like any answer; others are unaffected."""
    answers = {
        "h_1": "0.2174",
        "‖∂L/∂c_1‖": "0.6177",  # the homework's ‖∂L/∂c_1‖
        "dc_2_dc_1": "0.2330",  # ∂c_2/∂c_1 = f_2
        "direct_dc_2_dc_0": "0.1790",  # f_2 f_1 = 0.179088, cut off
        "dc_1_dc_0": "0.7685",  # f_1: T read from the name
        "share_dL_dc_via_c_next_1": "0.3169",
        "norm_dL_dh_1": "0.4535",
    }
    report = check(HW6, answers)
    verdicts = {a.key: (a.name, a.verdict) for a in report.answers}
    assert verdicts == {
        "h_1": ("h_1", "correct"),
        "‖∂L/∂c_1‖": ("norm_dL_dc_1", "correct"),
        "dc_2_dc_1": ("dc_2_dc_1", "correct"),
        "direct_dc_2_dc_0": ("direct_dc_2_dc_0", "truncated"),
        "dc_1_dc_0": ("dc_1_dc_0", "correct"),
        "share_dL_dc_via_c_next_1": ("share_dL_dc_via_c_next_1", "correct"),
        "norm_dL_dh_1": ("norm_dL_dh_1", "wrong"),
    }
    wrong = report.answers[-1]
    assert wrong.explanation == "wrong: the exact value is 0.453848"
    assert wrong.latex == r"\lVert \partial L / \partial h_{1} \rVert"
    assert report.first_wrong == "norm_dL_dh_1" and report.work is None
    truncated = next(a for a in report.answers if a.verdict == "truncated")
    assert truncated.explanation == "truncated: correctly rounded to 4 places it is 0.1791"


def test_check_a_matrix_answer_by_components() -> None:
    """A list answers every entry of ∂c_T/∂c_t; a component may be answered alone."""
    exact = GradientFlow.load(BATCH).jacobian("c", 3, 1, digits=3, seq=2)
    rows = [[str(v) for v in row] for row in exact]
    rows[1][0] = str(exact[1][0] + Decimal("0.01"))
    report = check(BATCH, {"dc_3_dc_1^(2)": rows, "dc_3_dc_0[1,1]^(1)": "5"})
    verdicts = [(a.key, a.verdict) for a in report.answers]
    assert verdicts[:4] == [
        ("dc_3_dc_1^(2)[1,1]", "correct"),
        ("dc_3_dc_1^(2)[1,2]", "correct"),
        ("dc_3_dc_1^(2)[2,1]", "wrong"),
        ("dc_3_dc_1^(2)[2,2]", "correct"),
    ]
    assert verdicts[4][1] == "wrong"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"dc_5_dc_1": "0.2"}, "dc_5_dc_1: expected an end step T from 0 to 2, found 5"),
        ({"norm_dL_dq_1": "0.2"}, "expected the name of a flow quantity of this problem"),
        ({"dc_2_dc_1": ["0.2", "0.3"]}, "expected one number for dc_2_dc_1, found a list of 2"),
        ({"dc_2_dc_1": "0.2", "∂c_2/∂c_1": "0.2"}, "expected one answer for dc_2_dc_1"),
        ({"dcT_dc_1^(3)": "0.2"}, "expected a sequence from 1 to 1, as ^(b), found ^(3)"),
    ],
)
def test_check_refuses_bad_flow_answers(answers: dict[str, object], message: str) -> None:
    """An unknown flow name, an end step past the sequence, a wrong shape: one clear error."""
    with pytest.raises(InputError, match=re.escape(message)):
        check(HW6, answers)


def test_package_exports_the_gradient_flow() -> None:
    """`lstm_sym.GradientFlow` and `lstm_sym.FlowSolution` are public, from the top level."""
    from lstm_sym.flow import FlowSolution

    assert lstm_sym.GradientFlow is GradientFlow and lstm_sym.FlowSolution is FlowSolution
    assert {"GradientFlow", "FlowSolution"} <= set(lstm_sym.__all__)

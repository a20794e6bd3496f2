"""Gradient flow through time: identities, what-ifs, cells compared, goldens and the command."""

from __future__ import annotations

import builtins
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import mpmath
import pytest
from goldens import check_golden
from optional import need_docs

from lstm_sym import Model
from lstm_sym.cli import main
from lstm_sym.flow import GradientFlow, Override
from lstm_sym.flow.compare import load_cells
from lstm_sym.numbers import round_significant, to_decimal
from lstm_sym.problem import load_problem

HW6 = "examples/hw6.toml"
GRU = "examples/gru.toml"

COMPARE = """
title = "hw6 data, three cells"
cell = "lstm"
loss = "half_sse"
[parameters]
W_f = [1, 2]
W_i = [-1, 0]
W_o = [3, 0]
W_c = [1, 2]
U_f = 0.5
U_i = 2
U_o = -1
U_c = 1.5
b_f = 0.2
b_i = -0.1
b_o = 0.8
b_c = 0.5
[sequence]
x = [[1, 0], [0.5, -1], [0, 1]]
y = ["none", 0.8, -0.3]
h_0 = 0.1
c_0 = 0.2
[flow]
cells = ["lstm", "elman"]
[flow.parameters.elman]
W_h = [1, 2]
U_h = 0.5
b_h = 0.2
[flow.parameters.gru]
W_ir = [1, -1]
W_hr = 0.5
b_ir = 0.1
b_hr = 0
W_iz = [0.5, 2]
W_hz = -1
b_iz = -0.2
b_hz = 0.1
W_in = [2, 1]
W_hn = 1.5
b_in = 0.3
b_hn = -0.1
"""


@pytest.fixture
def compare_file(tmp_path: Path) -> Path:
    path = tmp_path / "compare.toml"
    path.write_text(COMPARE)
    return path


def test_direct_path_is_the_product_of_forget_gates() -> None:
    """∂c_T/∂c_t along the carousel is ∏_{k>t} f_k, certified to every digit."""
    flow = GradientFlow.load(HW6).solve(digits=20)
    values = Model.load(HW6).numeric(60)
    f = {t: values[name] for name in values if name.base == "f" for t in [name.step]}
    with mpmath.workdps(60):
        for t, expected in ((2, mpmath.mpf(1)), (1, f[2]), (0, f[2] * f[1])):
            assert flow[f"dcT_dc_direct_{t}"] == round_significant(to_decimal(expected, 20), 20)


def test_gru_direct_path_is_the_product_of_update_gates() -> None:
    """A GRU's direct path h_{t−1} → h_t is z_t: its product over steps is ∏ z."""
    flow = GradientFlow.load(GRU).solve(digits=15)
    values = Model.load(GRU).numeric(50)
    z = {name.step: v for name, v in values.items() if name.base == "z"}
    with mpmath.workdps(50):
        product = z[1] * z[2]
    assert flow["dhT_dh_direct_0"] == round_significant(to_decimal(product, 15), 15)


def test_elman_has_no_direct_path(compare_file: Path) -> None:
    """An Elman RNN's h_t reads h_{t−1} only through U h: there is no direct path to show."""
    ((_, elman),) = [(c, p) for c, p in load_cells(compare_file, ["elman"])]
    flow = GradientFlow(elman).solve(digits=4)
    assert not any("direct" in base for base in flow.bases())
    assert flow.path_labels("h") == ["ell", "z_h_next"]


@pytest.mark.parametrize("path", [HW6, GRU])
def test_parts_add_up_to_the_adjoint(path: str) -> None:
    """The parts of ∂L/∂s_t over every path sum to the adjoint the backward pass computed."""
    flow = GradientFlow.load(path)
    trace = flow.trace(40)
    calculation = flow.calculation()
    with mpmath.workdps(40):
        for s in calculation.states:
            for t in range(3):
                parts = calculation.parts(trace, 0, s, t)
                total = [mpmath.fsum(column) for column in zip(*parts.values(), strict=True)]
                adjoint = calculation._adjoint(trace, 0, s, t)
                assert all(
                    abs(a - b) < mpmath.mpf(10) ** -35 for a, b in zip(total, adjoint, strict=True)
                )


def test_full_jacobian_between_any_two_steps_composes(compare_file: Path) -> None:
    """∂c_3/∂c_0 = ∂c_3/∂s_1 · ∂s_1/∂c_0: products over any two steps agree with the table."""
    flow = GradientFlow(load_problem(compare_file))
    table = flow.solve(digits=10)
    assert flow.jacobian("c", 3, 0, digits=10)[0][0].copy_abs() == table["norm_dcT_dc_0"]
    assert flow.jacobian("h", 1, 1, digits=10) == ((1,),)
    assert (
        flow.solve(digits=10, end=2)["norm_dcT_dc_0"]
        == flow.jacobian("c", 2, 0, digits=10)[0][0].copy_abs()
    )


def test_closed_forget_gate_leaves_the_other_paths() -> None:
    """Seed part (b): with f_2 ≈ 0 the carousel into c_1 closes, the paths through h_1 stay."""
    given = GradientFlow.load(HW6).solve(digits=6)
    closed = GradientFlow.load(HW6, overrides=[Override("f", load_value("0.001"), (2,))]).solve(6)
    assert closed["dcT_dc_direct_1"] == Decimal("0.00100000")  # f_2 itself, now 0.001
    carousel, through_h = closed["norm_delta_c_via_c_next_1"], closed["norm_delta_c_via_h_1"]
    assert carousel < given["norm_delta_c_via_c_next_1"] / 100
    assert through_h > 400 * carousel  # ∂L/∂c_1 now arrives through h_1 ...
    for gate in ("z_i", "z_o", "z_c"):  # ... which reaches step 2's i, o and c̃
        assert closed[f"norm_delta_h_via_{gate}_next_1"] > 0
    assert closed["norm_dcT_dc_0"] > 100 * closed["dcT_dc_direct_0"]


def load_value(text: str) -> Any:
    from lstm_sym.numbers import parse_number

    return parse_number(text, "value")


def test_shift_and_set_agree_on_a_preactivation() -> None:
    """Shifting z_f by s equals setting z_f to its value plus s (both at one step)."""
    values = Model.load(HW6).solve(30)
    z = values["z_f_2"]
    shifted = GradientFlow.load(
        HW6, overrides=[Override("z_f", load_value("-3"), (2,), shift=True)]
    )
    set_ = GradientFlow.load(HW6, overrides=[Override("z_f", load_value(str(z - 3)), (2,))])
    a, b = shifted.solve(8), set_.solve(8)
    assert a["norm_delta_c_1"] == b["norm_delta_c_1"]


def test_golden_tables() -> None:
    """The flow table of the homework, as given and with f_2 = 0.001 (CSV and text)."""
    given = GradientFlow.load(HW6).solve(digits=6)
    check_golden("flow_hw6.csv", given.to_csv())
    check_golden("flow_hw6.txt", given.to_text())
    closed = GradientFlow.load(HW6, overrides=[Override("f", load_value("0.001"), (2,))])
    check_golden("flow_hw6_f2_0.001.csv", closed.solve(digits=6).to_csv())


def test_cli_table_json_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`lstm-sym flow` prints the table, writes JSON and a plot; the same as the library's."""
    need_docs("matplotlib")
    plot = tmp_path / "flow.png"
    assert main(["flow", HW6, "--plot", str(plot)]) == 0
    assert capsys.readouterr().out == GradientFlow.load(HW6).solve(6).to_text()
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert main(["flow", HW6, "--format", "json", "--digits", "4"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"]["dcT_dc_direct_0"] == "0.1791"
    assert data["end"] == [2]


def test_cli_compares_cells(
    compare_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--cells runs every cell on the same data; the default list is the file's [flow] cells."""
    assert main(["flow", str(compare_file), "--digits", "3", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert {row.split(",")[0] for row in rows[1:]} == {"lstm", "elman"}
    need_docs("matplotlib")
    svg = tmp_path / "cells.svg"
    assert main(["flow", str(compare_file), "--cells", "gru,elman,lstm", "--plot", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "== gru ==" in out and "== elman ==" in out and "== lstm ==" in out
    assert b"<svg" in svg.read_bytes()


def test_cli_what_if(capsys: pytest.CaptureFixture[str]) -> None:
    """--set f=0.001 --at 2 prints the flow as given and under the what-if."""
    assert main(["flow", HW6, "--set", "f=0.001", "--at", "2"]) == 0
    out = capsys.readouterr().out
    assert "== as given ==" in out and "what if: f = 0.001 at step 2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "q=1"], "what-if name: expected a quantity of the lstm cell"),
        (["--set", "f=1.5"], "value of f: expected a number strictly between 0 and 1"),
        (["--set", "f"], "--set: expected NAME=VALUE"),
        (["--set", "f=0.5", "--at", "7"], "steps of f: expected steps from 1 to 2"),
        (["--set", "f=0.5", "--at", "x"], "--at: expected step numbers"),
        (["--set", "f=0.5", "--at", "1-999999999"], "--at: expected steps from 1 to 100000"),
        (["--at", "2"], "--at needs --set or --shift"),
        (["--plot", "out.jpg"], "--plot: expected a file name ending in .png, .pdf or .svg"),
        (["--cells", "gru"], "flow.parameters.gru: expected the gru cell's parameters"),
        (["--to", "5"], "end: expected a step from 0 to 2"),
        (["-o", HW6], "-o examples/hw6.toml is the input file"),
        (["--digits", "0"], "digits: expected an integer from 1 to"),
    ],
)
def test_cli_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad options exit 2 with one line naming the option, before any output is written."""
    assert main(["flow", HW6, *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1


def test_cli_without_matplotlib(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without matplotlib, --plot exits 2 naming the extra to install; nothing is written."""
    real = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    plot = tmp_path / "flow.png"
    assert main(["flow", HW6, "--plot", str(plot)]) == 2
    captured = capsys.readouterr()
    assert "pip install 'lstm_sym[docs]'" in captured.err
    assert captured.out == "" and not plot.exists()


def test_plots_are_deterministic(tmp_path: Path) -> None:
    """The same flow plots to the same bytes (SVG and PDF carry no date or random ids)."""
    need_docs("matplotlib")
    from lstm_sym.flow.plot import save_plot

    entries = [("", GradientFlow.load(HW6).solve(4))]
    for suffix in ("svg", "pdf"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        save_plot(entries, first)
        save_plot(entries, second)
        assert first.read_bytes() == second.read_bytes()

"""Generated code: agreement with certified values, every cell, styles, backends, modules, CLI."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import warnings
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import mpmath
import numpy as np
import pytest
from codegen_cases import ArrayCase, as_array, exact_values, random_array_case
from goldens import check_golden
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import need_torch

import lstm_sym
from lstm_sym import CELLS, LOSSES, Name, lambdify
from lstm_sym.cli import main
from lstm_sym.codegen import Functions
from lstm_sym.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
RTOL = 1e-12


@lru_cache(maxsize=256)
def functions(cell: str, loss: str, head: str, style: str, n: int, d: int, m: int) -> Functions:
    """Generated functions, cached across examples (generation is the slow part)."""
    return lambdify(cell=cell, loss=loss, head=head, style=style, sizes={"n": n, "d": d, "m": m})


def close(
    actual: np.ndarray, expected: np.ndarray, what: str, rtol: float = RTOL, scale: float = 0.0
) -> None:
    """Agreement relative to the size of the array, or to ``scale`` (normwise: near-0 components cancel)."""
    scale = max(scale, float(np.max(np.abs(expected))), 1e-300)
    error = float(np.max(np.abs(np.asarray(actual, dtype=float) - expected))) / scale
    assert error <= rtol, f"{what}: relative error {error:.3g}"


def check_case(case: ArrayCase, fns: Functions) -> None:
    """Every forward quantity, the loss and every gradient against lstm_sym's mpmath values.

    Gradients are compared normwise (relative to the largest gradient component), L relative
    to Σ |loss terms| (signed terms of the upstream loss may cancel).
    """
    values = exact_values(case)
    batch = case.x.shape[0]
    initial = [case.initial[s.name] for s in fns.cell.states]
    extra = {"final": case.final} if fns.loss_kind.gradient_given else {}
    loss, grads = fns.loss_and_grad(case.params, case.x, case.y, *initial, **extra)
    assert fns.loss(case.params, case.x, case.y, *initial, **extra) == pytest.approx(
        loss, rel=1e-14
    )
    terms = sum(abs(float(v)) for k, v in values.items() if k.base.startswith("ell"))
    close(np.array([loss]), np.array([float(values[Name("L")])]), "L", scale=terms)
    pairs = []
    for param in fns.cell.params:
        got = grads[f"dL_d{param.name}"]
        pairs.append(
            (
                param.name,
                got,
                as_array(
                    values, f"dL_d{param.name}", got.shape, step=False, batch=batch, seq=False
                ),
            )
        )
    for state in fns.cell.states:
        got = grads[f"dL_d{state.name}_0"]
        pairs.append(
            (
                state.name,
                got,
                as_array(values, f"dL_d{state.name}", got.shape, step=False, batch=batch),
            )
        )
    pairs.append(
        (
            "x",
            grads["dL_dx"],
            as_array(values, "dL_dx", grads["dL_dx"].shape, step=True, batch=batch),
        )
    )
    largest = max(float(np.max(np.abs(expected))) for _, _, expected in pairs)
    for what, got, expected in pairs:
        close(got, expected, f"dL_d{what}", scale=largest)
    for name, got in fns.forward(case.params, case.x, *initial).items():
        close(got, as_array(values, name, got.shape, step=True, batch=batch), name)


@st.composite
def problems(draw: st.DrawFn) -> tuple[ArrayCase, Functions]:
    cell = draw(st.sampled_from(sorted(CELLS)))
    loss = draw(st.sampled_from(sorted(LOSSES)))
    head = "linear" if LOSSES[loss].target == "class" else draw(st.sampled_from(["none", "linear"]))
    style = draw(st.sampled_from(["vector", "scalar"]))
    n, d, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 3))
    steps, batch = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    case = random_array_case(
        cell, loss, draw(st.integers(0, 10**6)), n=n, d=d, m=m, steps=steps, batch=batch, head=head
    )
    return case, functions(cell, loss, head, style, n, d, m)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_agrees_with_certified_values(problem: tuple[ArrayCase, Functions]) -> None:
    """Random cells, losses, heads, styles, shapes and batches agree with mpmath to 1e-12."""
    check_case(*problem)


@pytest.mark.parametrize("style", ["vector", "scalar"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_every_builtin_cell(cell: str, style: str) -> None:
    """Every built-in cell works in both styles (T = 3, batch 2, n = 2, d = 3)."""
    case = random_array_case(cell, "half_sse", 11, n=2, d=3, steps=3, batch=2)
    check_case(case, functions(cell, "half_sse", "none", style, 2, 3, 2))


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_with_a_head(loss: str) -> None:
    """Every loss, after an output head, on a GRU (vector style)."""
    case = random_array_case("gru", loss, 5, n=2, d=2, m=3, steps=3, batch=2, head="linear")
    check_case(case, functions("gru", loss, "linear", "vector", 2, 2, 3))


def test_custom_cell() -> None:
    """A cell defined in a problem file gets generated code too."""
    problem = lstm_sym.load_problem(ROOT / "examples" / "custom_cell.toml")
    fns = lambdify(problem, style="vector")
    scalar = lambdify(problem, style="scalar")
    values = lstm_sym.Model(problem).numeric(30, gradients=True)
    params = {k: np.array(v, dtype=float) for k, v in problem.params.items()}
    seq = problem.sequences[0]
    x = np.array([[[float(v) for v in xt] for xt in seq.x]])
    y = np.array([[[float(v) for v in yt] for yt in seq.targets]])
    initial = [np.array([[float(v) for v in seq.initial[s.name]]]) for s in problem.cell.states]
    for generated in (fns, scalar):
        loss, grads = generated.loss_and_grad(params, x, y, *initial)
        assert float(loss) == pytest.approx(float(values[Name("L")]), rel=RTOL)
        for param in problem.cell.params:
            got = grads[f"dL_d{param.name}"]
            close(
                got,
                as_array(values, f"dL_d{param.name}", got.shape, step=False, batch=1, seq=False),
                param.name,
            )


def test_state_defined_by_an_affine_equation() -> None:
    """A state that is an affine equation's target (h = W x + U h_prev + b) in both styles."""
    problem = lstm_sym.problem_from_dict(
        {
            "loss": "half_sse",
            "cell": {
                "name": "linear",
                "description": "a linear recurrence",
                "equations": ["h = W @ x + U @ h_prev + b"],
            },
            "parameters": {"W": [[1, 2], ["1/2", -1]], "U": [["1/4", 0], [1, "-1/2"]], "b": [1, 0]},
            "sequence": {"x": [[1, 0], ["1/2", -1], [2, 1]], "y": [[1, 0], [0, 1], [1, 1]]},
        }
    )
    values = lstm_sym.Model(problem).numeric(30, gradients=True)
    params = {k: np.array(v, dtype=float) for k, v in problem.params.items()}
    x = np.array([[[1, 0], [0.5, -1], [2, 1]]])
    y = np.array([[[1, 0], [0, 1], [1, 1]]])
    for style in ("vector", "scalar"):
        fns = lambdify(problem, style=style)
        loss, grads = fns.loss_and_grad(params, x, y)
        assert float(loss) == pytest.approx(float(values[Name("L")]), rel=RTOL)
        for param in problem.cell.params:
            got = grads[f"dL_d{param.name}"]
            want = as_array(values, f"dL_d{param.name}", got.shape, step=False, batch=1, seq=False)
            close(got, want, f"{style} dL_d{param.name}")
        h = fns.forward(params, x)["h"]
        close(h, as_array(values, "h", h.shape, step=True, batch=1), f"{style} h")


def test_mpmath_backend_any_precision() -> None:
    """The mpmath backend gives 50-digit values equal to lstm_sym's evaluator."""
    case = random_array_case("lstm", "mse", 3, n=2, d=2, steps=2, batch=2)
    fns = lambdify(cell="lstm", loss="mse", sizes={"n": 2, "d": 2}, backend="mpmath")
    values = exact_values(case, dps=60)
    with mpmath.workdps(50):
        loss, grads = fns.loss_and_grad(
            case.params, case.x, case.y, case.initial["h"], case.initial["c"]
        )
        assert abs(loss - values[Name("L")]) <= mpmath.mpf(10) ** -45 * abs(values[Name("L")])
        assert grads["dL_dW_f"].dtype == object
        ref = values[Name("dL_dW_f", None, (1, 2))]
        assert abs(grads["dL_dW_f"][0, 1] - ref) <= mpmath.mpf(10) ** -45 * abs(ref)


def test_against_torch_autograd() -> None:
    """lstm_torch's generated gradients equal torch.nn.LSTM float64 autograd."""
    torch = need_torch()
    rng = np.random.default_rng(1)
    batch, steps, d, n = 3, 4, 3, 2
    lstm = torch.nn.LSTM(d, n, batch_first=True).double()
    x = torch.tensor(rng.standard_normal((batch, steps, d)), requires_grad=True)
    h0 = torch.tensor(rng.standard_normal((1, batch, n)), requires_grad=True)
    c0 = torch.tensor(rng.standard_normal((1, batch, n)), requires_grad=True)
    y = rng.standard_normal((batch, steps, n))
    out, _ = lstm(x, (h0, c0))
    loss = ((out - torch.tensor(y)) ** 2).mean()
    loss.backward()
    params: dict[str, np.ndarray] = {}
    for gate, k in zip("ifgo", range(4), strict=True):
        rows = slice(k * n, (k + 1) * n)
        params[f"W_i{gate}"] = lstm.weight_ih_l0.detach().numpy()[rows]
        params[f"W_h{gate}"] = lstm.weight_hh_l0.detach().numpy()[rows]
        params[f"b_i{gate}"] = lstm.bias_ih_l0.detach().numpy()[rows]
        params[f"b_h{gate}"] = lstm.bias_hh_l0.detach().numpy()[rows]
    fns = lambdify(cell="lstm_torch", loss="mse", style="vector")
    ours, grads = fns.loss_and_grad(
        params, x.detach().numpy(), y, h0[0].detach().numpy(), c0[0].detach().numpy()
    )
    assert float(ours) == pytest.approx(loss.item(), rel=1e-12)
    stacked = np.concatenate([grads[f"dL_dW_i{g}"] for g in "ifgo"])
    close(stacked, lstm.weight_ih_l0.grad.numpy(), "weight_ih")
    close(
        np.concatenate([grads[f"dL_dW_h{g}"] for g in "ifgo"]),
        lstm.weight_hh_l0.grad.numpy(),
        "weight_hh",
    )
    close(
        np.concatenate([grads[f"dL_db_h{g}"] for g in "ifgo"]),
        lstm.bias_hh_l0.grad.numpy(),
        "bias_hh",
    )
    close(grads["dL_dx"], x.grad.numpy(), "x")
    close(grads["dL_dh_0"], h0.grad.numpy()[0], "h_0")
    close(grads["dL_dc_0"], c0.grad.numpy()[0], "c_0")


@pytest.mark.parametrize("style", ["vector", "scalar"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_for_huge_preactivations(style: str, dtype: type) -> None:
    """Pre-activations of ±1000 give no warning, NaN or inf; float32 in gives float32 out."""
    rng = np.random.default_rng(2)
    for cell in sorted(CELLS):
        fns = functions(cell, "half_sse", "none", style, 2, 2, 2)
        params = {
            p.name: (rng.standard_normal([2] * len(p.shape)) * 500).astype(dtype)
            for p in fns.cell.params
        }
        x = (rng.choice([-1.0, 1.0], (2, 3, 2)) * 1000).astype(dtype)
        y = rng.standard_normal((2, 3, 2)).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss, grads = fns.loss_and_grad(params, x, y)
            out = fns.forward(params, x)
        assert np.isfinite(loss) and np.asarray(loss).dtype == dtype, cell
        for value in [*grads.values(), *out.values()]:
            assert value.dtype == dtype and np.all(np.isfinite(value)), cell


@pytest.mark.parametrize("style", ["vector", "scalar"])
@pytest.mark.parametrize("loss", ["cross_entropy", "cross_entropy_mean"])
def test_softmax_losses_with_huge_logits(style: str, loss: str) -> None:
    """Logits of about ±2,000: no warning, NaN or inf, and the certified values to 1e-12."""
    case = random_array_case("gru", loss, 8, n=2, d=2, m=3, steps=3, batch=2, head="linear")
    big = [[f"{Fraction(v) * 1000}" for v in row] for row in case.data["parameters"]["V"]]
    case.data["parameters"]["V"] = big
    case.params["V"] = case.params["V"] * 1000
    fns = functions("gru", loss, "linear", style, 2, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fns.forward(case.params, case.x, case.initial["h"])
        assert float(np.max(np.abs(out["y_hat"]))) > 1000
        check_case(case, fns)


def test_float32_agrees_with_float64() -> None:
    """float32 inputs are computed in float32 (vector style) and agree to float32 accuracy."""
    case = random_array_case("lstm", "half_sse", 4, n=3, d=2, steps=4, batch=2)
    fns = functions("lstm", "half_sse", "none", "vector", 3, 2, 2)
    loss64, grads64 = fns.loss_and_grad(case.params, case.x, case.y)
    small = {k: v.astype(np.float32) for k, v in case.params.items()}
    loss32, grads32 = fns.loss_and_grad(small, case.x.astype(np.float32), case.y.astype(np.float32))
    assert loss32.dtype == np.float32 and float(loss32) == pytest.approx(float(loss64), rel=1e-5)
    close(grads32["dL_dW_f"], grads64["dL_dW_f"], "W_f", rtol=1e-4)


def test_one_vector_module_serves_any_batch_and_length() -> None:
    """Sizes, batch and T are read from the arrays in vector style."""
    fns = lambdify(cell="elman", loss="sse", style="vector")
    for n, d, batch, steps in ((1, 1, 1, 1), (3, 2, 4, 7)):
        case = random_array_case("elman", "sse", 9, n=n, d=d, steps=steps, batch=batch)
        check_case(case, fns)


@pytest.mark.parametrize("style", ["vector", "scalar"])
def test_no_steps_and_no_sequences(style: str) -> None:
    """T = 0 or batch 0: loss 0, zero gradients of the right shapes (every cell)."""
    rng = np.random.default_rng(6)
    for cell in sorted(CELLS):
        fns = functions(cell, "half_sse", "none", style, 2, 3, 2)
        params = {
            p.name: rng.standard_normal([2 if k == "n" else 3 for k in p.shape])
            for p in fns.cell.params
        }
        for batch, steps in ((2, 0), (0, 3)):
            x, y = np.zeros((batch, steps, 3)), np.zeros((batch, steps, 2))
            loss, grads = fns.loss_and_grad(params, x, y)
            assert loss == 0 and grads["dL_dx"].shape == x.shape, cell
            for name, value in params.items():
                assert grads[f"dL_d{name}"].shape == value.shape and not grads[f"dL_d{name}"].any()
            assert all(v.shape[:2] == (batch, steps) for v in fns.forward(params, x).values())
    upstream = functions("lstm", "upstream", "none", style, 2, 3, 2)
    final = {"c": rng.standard_normal((2, 2))}
    params = {
        p.name: rng.standard_normal([2 if k == "n" else 3 for k in p.shape])
        for p in upstream.cell.params
    }
    _, grads = upstream.loss_and_grad(params, np.zeros((2, 0, 3)), np.zeros((2, 0, 2)), final=final)
    np.testing.assert_array_equal(grads["dL_dc_0"], final["c"])


def test_bad_arguments_are_clear_errors() -> None:
    """Missing parameters and wrong shapes raise one clear ValueError; bad options InputError."""
    case = random_array_case("lstm", "half_sse", 1, n=2, d=2, steps=2, batch=1)
    for style in ("vector", "scalar"):
        fns = functions("lstm", "half_sse", "none", style, 2, 2, 2)
        with pytest.raises(ValueError, match="missing U_f"):
            fns.loss({k: v for k, v in case.params.items() if k != "U_f"}, case.x, case.y)
        with pytest.raises(ValueError, match="W_f"):
            fns.loss({**case.params, "W_f": np.zeros((2, 5))}, case.x, case.y)
        with pytest.raises(ValueError, match="y: expected shape"):
            fns.loss(case.params, case.x, case.y[:, :1])
    with pytest.raises(InputError, match="style"):
        lambdify(cell="lstm", style="fast")
    with pytest.raises(InputError, match="sizes"):
        lambdify(cell="lstm", style="scalar")
    with pytest.raises(InputError, match="backend"):
        lambdify(cell="lstm", backend="jax")


def test_auto_style() -> None:
    """Tiny known sizes give straight-line scalar code; large or unknown sizes vector code."""
    assert lambdify(HW6).style == "scalar"
    assert lambdify(cell="lstm", sizes={"n": 32, "d": 32}, batch=64).style == "vector"
    assert lambdify(cell="lstm").style == "vector"


# -- modules -----------------------------------------------------------------------------


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_writes_an_importable_module(tmp_path: Path) -> None:
    """`lstm-sym codegen` writes a module whose values are the homework's."""
    target = tmp_path / "hw6_lstm.py"
    assert main(["codegen", str(HW6), "-o", str(target)]) == 0
    module = _import(target)
    problem = lstm_sym.load_problem(HW6)
    params = {k: np.array(v, dtype=float) for k, v in problem.params.items()}
    x = np.array([[[1.0, 0.0], [0.5, -1.0]]])
    solution = lstm_sym.solve(HW6, digits=15, gradients=True)
    out = module.forward(params, x)
    assert out["h"][0, :, 0] == pytest.approx(
        [float(solution["h_1"]), float(solution["h_2"])], rel=1e-14
    )
    loss, grads = module.loss_and_grad(params, x, np.array([[[0.5], [0.8]]]))
    assert float(loss) == pytest.approx(float(solution["L"]), rel=1e-14)
    assert grads["dL_dU_c"][0, 0] == pytest.approx(float(solution["dL_dU_c"]), rel=1e-13)
    assert set(grads) == {f"dL_d{p.name}" for p in problem.cell.params} | {
        "dL_dh_0",
        "dL_dc_0",
        "dL_dx",
    }


@pytest.mark.parametrize(
    "args", [["--style", "vector"], ["--style", "scalar"], ["--backend", "mpmath"]]
)
def test_modules_import_only_numpy(tmp_path: Path, args: list[str]) -> None:
    """Generated modules import NumPy (scalar style: also math; mpmath backend: mpmath) only."""
    target = tmp_path / "m.py"
    assert main(["codegen", str(HW6), "-o", str(target), *args]) == 0
    imports = {
        line.split()[1]
        for line in target.read_text().splitlines()
        if line.startswith(("import ", "from "))
    }
    allowed = {"__future__", "numpy", "math"} | ({"mpmath"} if "mpmath" in args else set())
    assert imports <= allowed and "numpy" in imports


def test_cli_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad options and bad problem files are one line on stderr, exit 2, nothing written."""
    target = tmp_path / "m.py"
    assert main(["codegen", str(HW6), "--style", "fast", "-o", str(target)]) == 2
    assert main(["codegen", str(tmp_path / "missing.toml"), "-o", str(target)]) == 2
    assert not target.exists()
    assert capsys.readouterr().err.count("\n") == 2


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
@pytest.mark.parametrize("style", ["vector", "scalar"])
def test_generated_module_passes_ruff(tmp_path: Path, style: str) -> None:
    """Generated modules pass `ruff check` with the project's rules."""
    target = tmp_path / "m.py"
    lambdify(HW6, style=style).write_module(target)
    lambdify(cell="gru", loss="cross_entropy", head="linear").write_module(tmp_path / "gru.py")
    result = subprocess.run(
        [
            "ruff",
            "check",
            "--no-cache",
            "--config",
            str(ROOT / "pyproject.toml"),
            str(target),
            str(tmp_path / "gru.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_generation_is_deterministic() -> None:
    """The same problem gives the same module text in a fresh process."""
    code = "import lstm_sym; print(lstm_sym.lambdify('examples/hw6.toml').source, end='')"
    fresh = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert fresh.stdout == lambdify("examples/hw6.toml").source


GOLDENS = {"hw6_lstm.py": {}, "hw6_lstm_vector.py": {"style": "vector"}}


@pytest.mark.parametrize("golden", sorted(GOLDENS))
def test_golden_modules(golden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The homework's generated modules match the golden files (LSTM_SYM_UPDATE_GOLDENS=1 rewrites)."""
    monkeypatch.chdir(ROOT)
    check_golden(golden, lambdify("examples/hw6.toml", **GOLDENS[golden]).source)

"""Program names in one place: template ↔ program names both ways, and no other module spells them."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import mpmath
import pytest
from test_program import SCALAR_PARAMETER  # a size-1 parameter read by a vector

from lstm_sym import Name, load_problem, loads_problem
from lstm_sym.check.replay import Carry, evaluate
from lstm_sym.derive import naming
from lstm_sym.derive.naming import (
    DELTA,
    GRAD,
    NEXT,
    PREV,
    TOTAL,
    Naming,
    delta,
    delta_of,
    given_gradient,
    grad,
    grad_of,
    helper,
    incoming,
    incoming_of,
    initial_gradient,
    is_helper,
    prev,
    prev_of,
    total,
    total_of,
)
from lstm_sym.derive.program import Program
from lstm_sym.evaluate.evaluator import Evaluator
from lstm_sym.spec.cells import State
from lstm_sym.spec.custom import lower

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lstm_sym"
HW6 = (ROOT / "examples" / "hw6.toml").read_text()


def test_template_names_and_their_inverses() -> None:
    """Every rule builds a name, and its inverse takes it apart (``None`` for other names)."""
    assert (delta("f"), grad("W_f"), total("W_f"), prev("h")) == (
        "delta_f",
        "grad_W_f",
        "dL_dW_f",
        "h_prev",
    )
    assert incoming("c") == "delta_c_next" and helper("grad_alpha", "z_h") == "grad_alpha__z_h"
    assert is_helper("grad_alpha__z_h") and not is_helper("grad_W_f")
    assert given_gradient("c") == "dL_dc_T" and initial_gradient("h", 2) == Name("dL_dh", 0, (), 2)
    for build, inverse in (
        (delta, delta_of),
        (grad, grad_of),
        (total, total_of),
        (prev, prev_of),
        (incoming, incoming_of),
    ):
        for name in ("f", "W_f", "c_tilde", "z_h"):
            assert inverse(build(name)) == name
        assert inverse("c_tilde") is None and inverse("") is None
    assert delta_of("delta_") is None  # a prefix alone names nothing


def test_template_names_become_program_names() -> None:
    """Parameters and totals have no step; previous states and their adjoints are one back."""
    lstm = Naming.of(load_problem("examples/hw6.toml").cell)
    assert lstm.locate("W_f") == ("W_f", None)
    assert lstm.locate("grad_W_f") == ("dL_dW_f", None)
    assert lstm.locate("grad_b__z_h") == ("dL_db__z_h", 0)  # one step's share
    assert lstm.locate("h_prev") == ("h", -1)
    assert lstm.locate("delta_c_prev") == ("delta_c", -1)
    assert lstm.locate("delta_c_prev", first=True) == ("dL_dc", -1)  # ∂L/∂c_0 at t = 1
    assert lstm.locate("delta_x") == ("dL_dx", 0)
    assert lstm.locate("delta_f") == ("delta_f", 0)
    assert lstm.name("delta_c_prev", 1) == Name("dL_dc", 0)
    assert lstm.name("delta_c_prev", 3, 2) == Name("delta_c", 2, (), 2)
    assert lstm.name("h_prev", 2, 1) == Name("h", 1, (), 1)
    assert lstm.name("U_f", 2, 1) == Name("U_f")
    assert lstm.name("h", None, 1, last=4) == Name("h", 4, (), 1)  # the terminal loss
    assert lstm.name("g_h", None, 1, last=4) == Name("g_h", None, (), 1)


def test_program_names_go_back_to_template_names() -> None:
    """The inverse: what computes a program name (``None``: nothing a step computes)."""
    lstm = Naming.of(load_problem("examples/hw6.toml").cell)
    assert lstm.template(Name("dL_dh", 0)) == ("delta_h_prev", 1)
    assert lstm.template(Name("dL_dx", 2, (1,))) == ("delta_x", 2)
    assert lstm.template(Name("dL_db__z_h", 2)) == ("grad_b__z_h", 2)
    assert lstm.template(Name("delta_c", 2)) == ("delta_c", 2)
    assert lstm.template(Name("f", 1, (), 3)) == ("f", 1)
    for nothing in (Name("dL_dW_f"), Name("h", 0), Name("dL_dx", 0), Name("L"), Name("W_f")):
        assert lstm.template(nothing) is None, nothing


@pytest.mark.parametrize(
    "text", [HW6, SCALAR_PARAMETER, (ROOT / "examples" / "batch_d3_n2.toml").read_text()]
)
def test_every_stepped_program_name_round_trips(text: str) -> None:
    """Each computed name of a program maps to the template equation that defines it, and back."""
    problem = loads_problem(text)
    program = Program(problem, gradients=True)
    names = Naming.of(problem.cell)
    checked = 0
    for assignment in program:
        whole = assignment.name.whole()
        if whole.step is None:
            continue  # totals over the steps, the terminal loss and L
        found = names.template(whole)
        assert found is not None, whole
        target, t = found
        b = (whole.seq or 1) - 1
        assert program.template_at(b, t).equation(target) is not None, whole
        steps = problem.sequences[b].steps
        assert names.name(target, t, whole.seq, last=steps) == whole
        checked += 1
    assert checked > 10


def test_gradients_list_every_input_of_the_program() -> None:
    """Parameters first, then each sequence's initial states and inputs, whole."""
    problem = load_problem("examples/hw6.toml")
    lstm = Naming.of(problem.cell)
    listed = [(g.kind, str(g.name), g.of) for g in lstm.gradients(problem)]
    assert listed[0] == ("parameter", "dL_dW_f", "W_f")
    assert listed[-4:] == [
        ("initial", "dL_dh_0", "h"),
        ("initial", "dL_dc_0", "c"),
        ("input", "dL_dx_1", "x"),
        ("input", "dL_dx_2", "x"),
    ]
    assert len(listed) == len(problem.cell.params) + 4
    assert [g.kind for g in lstm.gradients(problem, parameters=False, inputs=False)] == [
        "initial",
        "initial",
    ]


def test_carried_gradients_are_carried_where_they_are_computed() -> None:
    """∂L/∂x_t and ∂L/∂h_0 given by name replace the adjoints the evaluator computes."""
    problem = load_problem("examples/hw6.toml")
    given = {Name("dL_dx", 1, (2,)): Decimal("0.125"), Name("dL_dh", 0): Decimal("-0.5")}
    values = evaluate(Evaluator(problem), 30, gradients=True, hook=Carry(problem, given))
    for name, value in given.items():
        assert values[name] == mpmath.mpf(str(value))


def test_sections_are_one_literal_set() -> None:
    assert (naming.FORWARD, naming.LOSS, naming.BACKWARD, naming.GRADIENT) == (
        "forward",
        "loss",
        "backward",
        "gradient",
    )


def test_program_and_assignment_reprs_are_short() -> None:
    program = Program(load_problem("examples/hw6.toml"))
    assert repr(program) == (
        "<Program lstm, loss=half_sse, d=2, n=1, T=2, B=1: scalar view with gradients>"
    )
    assert repr(program["h_1"]) == "<Assignment forward: h_1 := o_1*tanh(c_1)>"
    long = repr(program["delta_h_1"])
    assert long.startswith("<Assignment backward: delta_h_1 := U_c*delta_z_c_2 + ")
    assert long.endswith("...>") and len(long) < 100


def test_stages_before_derive_agree_with_the_naming() -> None:
    """``spec`` and ``problem`` come before ``derive`` and spell a few names themselves."""
    assert {DELTA, GRAD, TOTAL} <= set(lower._RESERVED_PREFIXES)
    assert lower.PREV == PREV and State("h", "n").prev == prev("h")
    upstream = HW6.replace('loss = "half_sse"', 'loss = "upstream"').replace(
        "y = [0.5, 0.8]", f'dL_dh = [0.3, "none"]\n{given_gradient("c")} = 0.25'
    )
    assert loads_problem(upstream).sequences[0].terminal


# -- no module but derive/naming.py spells a derived name --------------------------------

#: Literals that start a derived name, and f-string pieces that end in a prefix (``dL_d{x}``)
#: or start with a suffix (``{s}_prev``). ``dL_d<state>`` in prose is a placeholder.
_STARTS = re.compile(rf"^(?:{TOTAL}|{DELTA}|{GRAD})(?!<)")
_ENDS = re.compile(rf"(?:{TOTAL}|{DELTA}|{GRAD})$")
_SUFFIX = re.compile(rf"^(?:{PREV}|{NEXT})\b")
#: Stages before ``derive`` may not import it (see test_stages_before_derive_agree_with_the_naming).
_BEFORE_DERIVE = ("spec", "problem")


def _spellings(source: str) -> dict[int, str]:
    """Hand-built derived names in ``source``, by line."""
    tree = ast.parse(source)
    documentation = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in documentation and _STARTS.match(node.value):
                found.setdefault(node.lineno, repr(node.value))
        elif isinstance(node, ast.JoinedStr):
            parts = node.values
            for k, part in enumerate(parts):
                if not isinstance(part, ast.Constant) or not isinstance(part.value, str):
                    continue
                after = k + 1 < len(parts) and isinstance(parts[k + 1], ast.FormattedValue)
                before = k > 0 and isinstance(parts[k - 1], ast.FormattedValue)
                if (after and _ENDS.search(part.value)) or (before and _SUFFIX.match(part.value)):
                    found[node.lineno] = ast.unparse(node)
    return found


def test_the_scan_finds_hand_built_names() -> None:
    source = (
        'a = "dL_d" + p\nb = f"delta_{q}"\nc = f"x = {q}_prev"\nd = f"grads[\'dL_d{x}\']"\n'
        'e = "delta_h"\n"""dL_dW_f in a docstring"""\nf = "dL_d<state>_0 (prose)"\n'
    )
    assert sorted(_spellings(source)) == [1, 2, 3, 4, 5]


def test_no_module_builds_a_derived_name_by_hand() -> None:
    """``dL_d…``, ``delta_…``, ``grad_…``, ``…_prev``, ``…_next`` are built in naming.py only."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative == Path("derive/naming.py") or relative.parts[0] in _BEFORE_DERIVE:
            continue
        spelled = _spellings(path.read_text())
        found += [f"{relative}:{line}: {text}" for line, text in sorted(spelled.items())]
    assert not found, "\n".join(found)

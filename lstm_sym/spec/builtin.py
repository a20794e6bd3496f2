"""The built-in cells: registry entries, nothing else (:mod:`lstm_sym.spec` registers them).

Every cell here is data (:class:`~lstm_sym.spec.cells.Cell`): parameters, states and equations.
The builders below only save typing; no other module knows these cells by name.

* the LSTM with forget gate (``lstm``, the homework's cell),
* the peephole ("vanilla") LSTM and Greff et al.'s eight variants,
* the LSTM in PyTorch's convention (gate order i, f, g, o; two biases per gate),
* the GRU with the reset gate after the recurrent product (PyTorch ``nn.GRU``, Keras
  ``reset_after=True``) and before it (Cho et al. 2014, Keras ``reset_after=False``),
* the Elman RNN, with one bias (Keras ``SimpleRNN``) or two (PyTorch ``nn.RNN``).
"""

from __future__ import annotations

from typing import Any

import sympy

from ..equations import Equation, affine, pointwise
from ..names import template_symbol as s
from .cells import (
    ActivationSlot,
    Cell,
    Param,
    State,
    act,
    gate_equations,
    gate_params,
    register_cell,
    slotted_cell,
)

GREFF = (
    'K. Greff, R. K. Srivastava, J. Koutník, B. R. Steunebrink and J. Schmidhuber, "LSTM: A '
    'Search Space Odyssey", IEEE Transactions on Neural Networks and Learning Systems 28(10), '
    "2222-2232, 2017 (arXiv:1503.04069)"
)
CHO = (
    'K. Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for Statistical '
    'Machine Translation", EMNLP 2014 (arXiv:1406.1078)'
)
ELMAN = 'J. L. Elman, "Finding Structure in Time", Cognitive Science 14(2), 179-211, 1990'
TORCH_LSTM = "PyTorch torch.nn.LSTM / torch.nn.LSTMCell documentation"
TORCH_GRU = "PyTorch torch.nn.GRU / torch.nn.GRUCell documentation; Keras GRU(reset_after=True)"

GATE = ActivationSlot("gate", "sigmoid", "the gates (Keras recurrent_activation)")
CANDIDATE = ActivationSlot(
    "candidate", "tanh", "the candidate (Greff et al.'s g; Keras activation)"
)
OUTPUT = ActivationSlot("output", "tanh", "applied to c in h (Greff et al.'s h; Keras activation)")
HIDDEN = ActivationSlot(
    "hidden", "tanh", "the new state (Keras SimpleRNN activation; PyTorch nonlinearity)"
)

_LSTM_LATEX = {"c_tilde": r"\tilde{c}", "z_c": r"z_{\tilde{c}}"}


# -- the LSTM with forget gate ---------------------------------------------------------

#: The activation slots of the LSTM family (Keras: ``recurrent_activation`` is ``gate``,
#: ``activation`` is ``candidate`` and ``output``; Greff et al.: σ, g and h).
LSTM_SLOTS = (
    ActivationSlot("gate", "sigmoid", "the gates f, i, o (Keras recurrent_activation)"),
    ActivationSlot("candidate", "tanh", "the candidate c̃ (Greff et al.'s g; Keras activation)"),
    OUTPUT,
)

LSTM = register_cell(
    slotted_cell(
        name="lstm",
        description="LSTM with forget gate: gates f, i, o and candidate c̃.",
        latex_description=r"LSTM with forget gate: gates $f$, $i$, $o$ and candidate $\tilde{c}$.",
        params=gate_params("f") + gate_params("i") + gate_params("o") + gate_params("c"),
        states=(State("h", "n"), State("c", "n")),
        spec=(
            *gate_equations("f", "gate"),
            *gate_equations("i", "gate"),
            *gate_equations("o", "gate"),
            *gate_equations("c", "candidate", "c_tilde"),
            pointwise("c", s("f") * s("c_prev") + s("i") * s("c_tilde")),
            pointwise("h", s("o") * act("output")(s("c"))),
        ),
        activations=LSTM_SLOTS,
        latex=dict(_LSTM_LATEX),
        family="LSTM",
        reference="Hochreiter & Schmidhuber (1997) with the forget gate of Gers, Schmidhuber & Cummins (2000)",
        conventions=(
            ("gate order", "f, i, o, c̃ (each gate its own W, U, b)"),
            ("biases", "one per gate"),
        ),
        latex_conventions={
            "gate order": r"$f$, $i$, $o$, $\tilde{c}$ (each gate its own $W$, $U$, $b$)",
        },
    )
)


# -- the peephole LSTM and Greff et al.'s variants -------------------------------------


def _greff(
    name: str,
    description: str,
    latex_description: str,
    *,
    gates: tuple[str, ...] = ("i", "f", "o"),
    peepholes: bool = True,
    coupled: bool = False,
    full_recurrence: bool = False,
    candidate: str = "tanh",
    output: str = "tanh",
) -> Cell:
    """One LSTM of Greff et al.'s Section II family (c̃ is their block input z, U their R)."""
    params: list[Param] = list(gate_params("c"))
    spec: list[Equation] = list(gate_equations("c", "candidate", "c_tilde"))
    recurrent_gates = tuple(g for g in ("i", "f", "o") if g in gates) if full_recurrence else ()

    def gate(g: str, peephole_on: str) -> None:
        params.extend([Param(f"W_{g}", ("n", "d")), Param(f"U_{g}", ("n", "n"))])
        params.extend(Param(f"R_{k}{g}", ("n", "n")) for k in recurrent_gates)
        bias = s(f"b_{g}")
        if peepholes:
            params.append(Param(f"p_{g}", ("n",)))
            bias += s(f"p_{g}") * s(peephole_on)
        params.append(Param(f"b_{g}", ("n",)))
        products: tuple[tuple[str, str], ...] = (("W_" + g, "x"), ("U_" + g, "h_prev"))
        products += tuple((f"R_{k}{g}", f"{k}_prev") for k in recurrent_gates)
        spec.append(affine(f"z_{g}", *products, bias=bias))
        spec.append(pointwise(g, act("gate")(s(f"z_{g}"))))

    if "i" in gates:
        gate("i", "c_prev")
    if "f" in gates:
        gate("f", "c_prev")
    elif coupled:
        spec.append(pointwise("f", 1 - s("i")))
    i = s("i") if "i" in gates else sympy.S.One
    f = s("f") if "f" in gates or coupled else sympy.S.One
    spec.append(pointwise("c", f * s("c_prev") + i * s("c_tilde")))
    if "o" in gates:
        gate("o", "c")
    o = s("o") if "o" in gates else sympy.S.One
    spec.append(pointwise("h", o * act("output")(s("c"))))

    slots = (
        ActivationSlot("gate", "sigmoid", "the gates i, f, o (Keras recurrent_activation)"),
        ActivationSlot("candidate", candidate, CANDIDATE.description),
        ActivationSlot("output", output, OUTPUT.description),
    )
    conventions = [
        ("notation", "Greff et al.'s block input z is c̃ here, their R is U and their y is h"),
        ("gate order", "c̃, " + ", ".join(gates)),
        ("biases", "one per gate"),
    ]
    latex_conventions = {
        "notation": r"Greff et al.'s block input $z$ is $\tilde{c}$ here, their $R$ is $U$ "
        r"and their $y$ is $h$",
        "gate order": ", ".join([r"$\tilde{c}$", *(f"${g}$" for g in gates)]),
    }
    if peepholes:
        conventions.append(
            ("peepholes", "diagonal: p_i ⊙ c_{t−1}, p_f ⊙ c_{t−1}, p_o ⊙ c_t (vectors, pointwise)")
        )
        latex_conventions["peepholes"] = (
            r"diagonal: $p_i \odot c_{t-1}$, $p_f \odot c_{t-1}$, $p_o \odot c_t$ "
            "(vectors, pointwise)"
        )
    states = [State("h", "n"), State("c", "n")]
    states.extend(State(g, "n") for g in recurrent_gates)
    return register_cell(
        slotted_cell(
            name=name,
            description=description,
            latex_description=latex_description,
            params=tuple(params),
            states=tuple(states),
            spec=tuple(spec),
            activations=slots,
            latex=dict(_LSTM_LATEX),
            family="LSTM variants (Greff et al. 2017)",
            reference=GREFF,
            conventions=tuple(conventions),
            latex_conventions=latex_conventions,
        )
    )


_greff(
    "lstm_peephole",
    "Peephole ('vanilla') LSTM of Gers & Schmidhuber and Greff et al.: p_i, p_f on c_{t−1}, p_o on c_t.",
    r"Peephole (``vanilla'') LSTM of Gers \& Schmidhuber and Greff et al.: $p_i$, $p_f$ on "
    r"$c_{t-1}$, $p_o$ on $c_t$.",
)
#: Greff et al.'s eight variants of the peephole LSTM: what each changes, as text and LaTeX.
_GREFF_VARIANTS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("nig", "no input gate (i = 1)", r"no input gate ($i = 1$)", {"gates": ("f", "o")}),
    ("nfg", "no forget gate (f = 1)", r"no forget gate ($f = 1$)", {"gates": ("i", "o")}),
    ("nog", "no output gate (o = 1)", r"no output gate ($o = 1$)", {"gates": ("i", "f")}),
    (
        "niaf",
        "no input activation function (c̃ = z_c)",
        r"no input activation function ($\tilde{c} = z_{\tilde{c}}$)",
        {"candidate": "identity"},
    ),
    (
        "noaf",
        "no output activation function (h = o ⊙ c)",
        r"no output activation function ($h = o \odot c$)",
        {"output": "identity"},
    ),
    ("np", "no peepholes", "no peepholes", {"peepholes": False}),
    (
        "cifg",
        "coupled input and forget gate (f = 1 − i)",
        r"coupled input and forget gate ($f = 1 - i$)",
        {"gates": ("i", "o"), "coupled": True},
    ),
    (
        "fgr",
        "full gate recurrence (R_ki k_{t−1} into every gate; i, f, o are states)",
        r"full gate recurrence ($R_{ki} k_{t-1}$ into every gate; $i$, $f$, $o$ are states)",
        {"full_recurrence": True},
    ),
)
for _variant, _text, _latex, _options in _GREFF_VARIANTS:
    _greff(
        f"lstm_{_variant}",
        f"Greff et al.'s {_variant.upper()}: {_text}.",
        f"Greff et al.'s {_variant.upper()}: {_latex}.",
        **_options,
    )


# -- PyTorch's LSTM --------------------------------------------------------------------


def _torch_gates(*gates: tuple[str, str, str]) -> tuple[tuple[Param, ...], tuple[Equation, ...]]:
    """For each (gate, slot, target): parameters W_i<gate>, W_h<gate>, b_i<gate>, b_h<gate>
    and the gate's two equations (its activation named ``target``, or the gate)."""
    params: tuple[Param, ...] = ()
    equations: tuple[Equation, ...] = ()
    for gate, slot, target in gates:
        params += _torch_params(gate)
        equations += (
            affine(
                f"z_{gate}",
                (f"W_i{gate}", "x"),
                (f"W_h{gate}", "h_prev"),
                bias=s(f"b_i{gate}") + s(f"b_h{gate}"),
            ),
            pointwise(target or gate, act(slot)(s(f"z_{gate}"))),
        )
    return params, equations


def _torch_params(gate: str) -> tuple[Param, ...]:
    """``W_i<gate>`` (n × d), ``W_h<gate>`` (n × n), ``b_i<gate>`` and ``b_h<gate>`` (n)."""
    return (
        Param(f"W_i{gate}", ("n", "d")),
        Param(f"W_h{gate}", ("n", "n")),
        Param(f"b_i{gate}", ("n",)),
        Param(f"b_h{gate}", ("n",)),
    )


def _torch_lstm() -> Cell:
    # PyTorch's candidate g_t is named c_tilde (as in the cell lstm): "g" is the
    # upstream loss's given gradient, and a cell must not reuse a loss's names.
    params, spec = _torch_gates(
        ("i", "gate", ""), ("f", "gate", ""), ("g", "candidate", "c_tilde"), ("o", "gate", "")
    )
    spec += (
        pointwise("c", s("f") * s("c_prev") + s("i") * s("c_tilde")),
        pointwise("h", s("o") * act("output")(s("c"))),
    )
    return slotted_cell(
        name="lstm_torch",
        description="LSTM as PyTorch's nn.LSTM/nn.LSTMCell: gates i, f, g, o; biases b_i* and b_h*.",
        latex_description=r"LSTM as PyTorch's \texttt{nn.LSTM}/\texttt{nn.LSTMCell}: gates $i$, "
        r"$f$, $g$, $o$; biases $b_{\mathrm{i}*}$ and $b_{\mathrm{h}*}$.",
        params=params,
        states=(State("h", "n"), State("c", "n")),
        spec=spec,
        activations=(GATE, CANDIDATE, OUTPUT),
        latex={"c_tilde": r"\tilde{c}"},
        family="LSTM",
        reference=TORCH_LSTM,
        conventions=(
            ("gate order", "i, f, g, o (the row blocks of weight_ih_l0 and weight_hh_l0)"),
            (
                "biases",
                "two per gate, b_i* (bias_ih) and b_h* (bias_hh), each with its own gradient",
            ),
            (
                "names",
                "W_ii, W_hi, b_ii, b_hi, ... as in PyTorch's documentation; its candidate g_t is c̃",
            ),
        ),
        latex_conventions={
            "gate order": r"$i$, $f$, $g$, $o$ (the row blocks of \texttt{weight\_ih\_l0} and "
            r"\texttt{weight\_hh\_l0})",
            "biases": r"two per gate, $b_{\mathrm{i}*}$ (\texttt{bias\_ih}) and $b_{\mathrm{h}*}$ "
            r"(\texttt{bias\_hh}), each with its own gradient",
            "names": r"$W_{\mathrm{ii}}$, $W_{\mathrm{hi}}$, $b_{\mathrm{ii}}$, $b_{\mathrm{hi}}$, "
            r"\ldots{} as in PyTorch's documentation; its candidate $g_t$ is $\tilde{c}_t$",
        },
    )


register_cell(_torch_lstm())


# -- GRU -------------------------------------------------------------------------------

_GRU_SLOTS = (
    ActivationSlot("gate", "sigmoid", "the gates r, z (Keras recurrent_activation)"),
    ActivationSlot("candidate", "tanh", "the candidate n (Keras activation)"),
)
_GRU_UPDATE = pointwise("h", (1 - s("z")) * s("n") + s("z") * s("h_prev"))


def _torch_gru() -> Cell:
    params, spec = _torch_gates(("r", "gate", ""), ("z", "gate", ""))
    return slotted_cell(
        name="gru",
        family="GRU",
        reference=TORCH_GRU,
        latex={"z_hn": r"z_{hn}"},
        description="GRU, reset gate after the recurrent product (PyTorch nn.GRU; Keras reset_after=True).",
        latex_description=r"GRU, reset gate after the recurrent product (PyTorch \texttt{nn.GRU}; "
        r"Keras \texttt{reset\_after=True}).",
        params=(*params, *_torch_params("n")),
        states=(State("h", "n"),),
        spec=(
            *spec,
            affine("z_hn", ("W_hn", "h_prev"), bias="b_hn"),
            affine("z_n", ("W_in", "x"), bias=s("b_in") + s("r") * s("z_hn")),
            pointwise("n", act("candidate")(s("z_n"))),
            _GRU_UPDATE,
        ),
        activations=_GRU_SLOTS,
        conventions=(
            ("gate order", "r, z, n (PyTorch rows); Keras stores z, r, h"),
            (
                "reset gate",
                "after the recurrent product: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))",
            ),
            ("update", "h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}"),
            (
                "biases",
                "two per gate, b_i* (input) and b_h* (recurrent), each with its own gradient",
            ),
        ),
        latex_conventions={
            "gate order": r"$r$, $z$, $n$ (PyTorch rows); Keras stores $z$, $r$, $h$",
            "reset gate": r"after the recurrent product: $n = \tanh(W_{\mathrm{in}} x "
            r"+ b_{\mathrm{in}} + r \odot (W_{\mathrm{hn}} h + b_{\mathrm{hn}}))$",
            "update": r"$h_t = (1 - z) \odot n + z \odot h_{t-1}$",
            "biases": r"two per gate, $b_{\mathrm{i}*}$ (input) and $b_{\mathrm{h}*}$ (recurrent), "
            "each with its own gradient",
        },
    )


register_cell(_torch_gru())


register_cell(
    slotted_cell(
        name="gru_cho",
        description="GRU of Cho et al. 2014, reset gate before the recurrent product (Keras reset_after=False).",
        latex_description=r"GRU of Cho et al.\ 2014, reset gate before the recurrent product "
        r"(Keras \texttt{reset\_after=False}).",
        params=gate_params("r") + gate_params("z") + gate_params("n"),
        states=(State("h", "n"),),
        spec=(
            *gate_equations("r", "gate"),
            *gate_equations("z", "gate"),
            pointwise("h_r", s("r") * s("h_prev")),
            affine("z_n", ("W_n", "x"), ("U_n", "h_r"), bias="b_n"),
            pointwise("n", act("candidate")(s("z_n"))),
            _GRU_UPDATE,
        ),
        activations=_GRU_SLOTS,
        family="GRU",
        reference=CHO + "; Keras GRU(reset_after=False)",
        conventions=(
            ("gate order", "r, z, n; Keras stores z, r, h"),
            ("reset gate", "before the recurrent product: n = tanh(W_n x + U_n (r ⊙ h) + b_n)"),
            ("update", "h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}"),
            ("biases", "one per gate"),
        ),
        latex_conventions={
            "gate order": r"$r$, $z$, $n$; Keras stores $z$, $r$, $h$",
            "reset gate": r"before the recurrent product: $n = \tanh(W_n x + U_n (r \odot h) + b_n)$",
            "update": r"$h_t = (1 - z) \odot n + z \odot h_{t-1}$",
        },
    )
)


# -- Elman RNN -------------------------------------------------------------------------

register_cell(
    slotted_cell(
        name="elman",
        description="Elman RNN: h = tanh(W_h x + U_h h_prev + b_h) (Keras SimpleRNN).",
        latex_description=r"Elman RNN: $h_t = \tanh(W_h x_t + U_h h_{t-1} + b_h)$ "
        r"(Keras \texttt{SimpleRNN}).",
        params=gate_params("h"),
        states=(State("h", "n"),),
        spec=(*gate_equations("h", "hidden"),),
        activations=(HIDDEN,),
        family="RNN",
        reference=ELMAN,
        conventions=(("biases", "one"),),
    )
)

_RNN_TORCH_PARAMS, _RNN_TORCH_SPEC = _torch_gates(("h", "hidden", ""))
register_cell(
    slotted_cell(
        name="rnn_torch",
        description="Elman RNN as PyTorch's nn.RNN: h = tanh(W_ih x + b_ih + W_hh h_prev + b_hh).",
        latex_description=r"Elman RNN as PyTorch's \texttt{nn.RNN}: $h_t = \tanh(W_{\mathrm{ih}} x_t "
        r"+ b_{\mathrm{ih}} + W_{\mathrm{hh}} h_{t-1} + b_{\mathrm{hh}})$.",
        params=_RNN_TORCH_PARAMS,
        states=(State("h", "n"),),
        spec=_RNN_TORCH_SPEC,
        activations=(HIDDEN,),
        family="RNN",
        reference="PyTorch torch.nn.RNN / torch.nn.RNNCell documentation; " + ELMAN,
        conventions=(("biases", "two, b_ih (bias_ih) and b_hh (bias_hh)"),),
        latex_conventions={
            "biases": r"two, $b_{\mathrm{ih}}$ (\texttt{bias\_ih}) and $b_{\mathrm{hh}}$ "
            r"(\texttt{bias\_hh})"
        },
    )
)

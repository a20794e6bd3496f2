r"""The flow quantities as single named values: what ``solve --flow`` prints and ``check`` accepts.

The flow table (:class:`~lstm_sym.flow.result.FlowSolution`, ``lstm-sym flow``) names a
quantity once for every t, with the end step T left symbolic (``norm_dcT_dc``). As single
values they get the names a hand calculation writes, in the program's style (``dL_dc_1``
is ∂L/∂c_1, ``dL_dW_f[1,2]`` a gradient's component), for every state s of the cell (h and
c for an LSTM), step t and end step T (the last step unless another is asked for):

| name | value |
|---|---|
| ``norm_dL_ds_t`` | ‖∂L/∂s_t‖, the Euclidean norm of the adjoint |
| ``norm_dL_ds_via_<path>_t`` | the norm of the part of ∂L/∂s_t through one path (``c_next``: c_{t+1}, the forget gate's; ``h``: h_t; ``z_o_next``: step t+1's o; ``ell``: the loss at t; ``terminal``) |
| ``share_dL_ds_via_<path>_t`` | that norm over the sum of every path's norm |
| ``norm_J_t``, ``radius_J_t`` | spectral norm and radius of J_t = ∂(states_t)/∂(states_{t−1}) |
| ``ds_T_ds_t``, ``ds_T_ds_t[i,j]`` | ∂s_T/∂s_t over every path (one number when s has one unit) |
| ``norm_ds_T_ds_t``, ``radius_ds_T_ds_t`` | its spectral norm and spectral radius |
| ``direct_ds_T_ds_t[k]`` | the direct path alone: ∏_{k=t+1}^T f_k for an LSTM's c |
| ``norm_direct_ds_T_ds_t`` | its largest entry in size |

So the homework's ∂c_2/∂c_1 = f_2 is ``dc_2_dc_1`` (and ``direct_dc_2_dc_1``), ‖∂L/∂c_1‖ is
``norm_dL_dc_1``. A batch adds ``^(b)``. Like every name, each is a :class:`~lstm_sym.names.Name`
whose string parses back to it (``norm_dc_2_dc_1`` has base ``norm_dc_2_dc`` and step 1).

Answers may also use the flow table's names (``norm_delta_c_1``, ``dcT_dc_direct_0``,
``rho_J_2``; T is then the last step) and ∂, δ, ``/`` and ‖…‖ as written by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ..derive.naming import DELTA, TOTAL, delta, total
from ..names import Name

#: Stands for the end step in a written name that leaves it implicit (``dcT_dc_1``).
IMPLICIT_END = "{T}"

_ADJOINT = re.compile(rf"(?P<stat>norm|share)_{DELTA}(?P<rest>.+)")
_PRODUCT = re.compile(r"(?:(?P<stat>norm|rho)_)?d(?P<s>[A-Za-z]\w*?)T_d(?P=s)(?P<direct>_direct)?")
_VALUE = re.compile(
    rf"(?:(?:norm|share)_{TOTAL}[A-Za-z]\w*"  # adjoints and their paths
    r"|(?:norm|radius)_J"  # step Jacobians
    r"|(?:norm_direct_|direct_|norm_|radius_)?d(?P<s>[A-Za-z]\w*?)_(?P<end>\d+|\{T\})_d(?P=s))"
)


_VIA = "_via_"


def adjoint_norm(state: str, path: str = "") -> str:
    """The flow table's ‖∂L/∂s_t‖ (``norm_delta_c``), or its part through ``path``."""
    return f"norm_{delta(state)}" + (_VIA + path if path else "")


def adjoint_share(state: str, path: str) -> str:
    """The flow table's share of ∂L/∂s_t through ``path`` (``share_delta_c_via_c_next``)."""
    return f"share_{delta(state)}{_VIA}{path}"


def path_of(base: str, state: str) -> str | None:
    """The path of a flow table name ``norm_delta_<state>_via_<path>`` (else ``None``)."""
    prefix = adjoint_norm(state) + _VIA
    return base.removeprefix(prefix) if base.startswith(prefix) else None


def value_name(name: Name, end: int) -> Name:
    """The value name of the flow table's ``name`` (a sequence whose end step is ``end``)."""
    base = name.base
    adjoint = _ADJOINT.fullmatch(base)
    if adjoint:
        base = f"{adjoint['stat']}_{total(adjoint['rest'])}"
        return Name(base, name.step, name.index, name.seq)
    if base in ("norm_J", "rho_J"):
        return Name(base.replace("rho_", "radius_"), name.step, name.index, name.seq)
    product = _PRODUCT.fullmatch(base)
    if product is None:
        raise ValueError(f"not a flow quantity: {name}")
    return Name(_product_base(product, str(end)), name.step, name.index, name.seq)


def _product_base(product: re.Match[str], end: str) -> str:
    s = product["s"]
    stat = {None: "", "norm": "norm_", "rho": "radius_"}[product["stat"]]
    direct = "direct_" if product["direct"] else ""
    return f"{stat}{direct}d{s}_{end}_d{s}"


def end_of(name: Name) -> int | None:
    """The end step T a value name names (None: none, or ``IMPLICIT_END``)."""
    match = _VALUE.fullmatch(name.base)
    if match is None or match["end"] in (None, IMPLICIT_END):
        return None
    return int(match["end"])


def with_end(name: Name, end: Callable[[int | None], int]) -> Name:
    """``name`` with an implicit end step made explicit (``end(seq)``: that sequence's T)."""
    if IMPLICIT_END not in name.base:
        return name
    return Name(
        name.base.replace(IMPLICIT_END, str(end(name.seq))), name.step, name.index, name.seq
    )


_WRITTEN = {"∂": "d", "δ": DELTA, "ρ": "rho", "−": "-", " ": "", "/": "_"}
_NORM = re.compile(r"(?:‖|\|\|)(?P<inner>.+?)(?:‖|\|\|)(?P<after>.*)")


def parse_value(key: str) -> Name | None:
    """The value name a written key stands for (``IMPLICIT_END`` for T), or None.

    ``‖∂L/∂c_1‖``, ``norm_delta_c_1`` and ``norm_dL_dc_1`` all give ``norm_dL_dc_1``;
    ``dcT_dc_direct_0`` gives ``direct_dc_{T}_dc_0``.
    """
    text = unicodedata.normalize("NFC", key.strip())
    if len(text) > 100:
        return None
    norm = _NORM.fullmatch(text)
    if norm:
        text = "norm_" + norm["inner"] + norm["after"]
    for old, new in _WRITTEN.items():
        text = text.replace(old, new)
    text = re.sub(rf"{DELTA}+", DELTA, text)
    text = re.sub(r"(?:^|(?<=_))rho_", "radius_", text)
    name = Name.parse(text)
    if name is None:
        return None
    base = name.base.replace("_" + DELTA, "_" + TOTAL)
    if base.startswith(DELTA):
        base = TOTAL + base.removeprefix(DELTA)
    product = _PRODUCT.fullmatch(base.replace("radius_", "rho_", 1))
    if product:
        base = _product_base(product, IMPLICIT_END)
    elif base.startswith(TOTAL) or base == "J":
        return None  # the program's own ∂L/∂c_1, or a loss named J: not a flow value
    if not _VALUE.fullmatch(base):
        return None
    return Name(base, name.step, name.index, name.seq)


def describe(name: Name) -> str:
    """LaTeX for a value name (``\\lVert \\partial L / \\partial c_{1} \\rVert``)."""
    match = _VALUE.fullmatch(name.base)
    step = f"{{{name.step}}}"
    seq = f"^{{({name.seq})}}" if name.seq is not None else ""
    if match is None:
        return rf"\mathrm{{{name.base}}}_{step}"
    base = name.base
    if match["s"]:
        s, end = match["s"], match["end"]
        core = rf"\partial {s}_{{{end}}}{seq} / \partial {s}_{step}{seq}"
        if "direct_" in base:
            core = rf"\left({core}\right)^{{\mathrm{{direct}}}}"
    elif base.endswith("_J"):
        core = rf"J_{step}{seq}"
    else:
        state, _, path = base.split("_" + TOTAL, 1)[1].partition(_VIA)
        core = rf"\partial L / \partial {state}_{step}{seq}"
        if path:
            via = path.replace("_", r"\_")
            core = rf"\left({core}\right)_{{\mathrm{{via}}\ \mathrm{{{via}}}}}"
    if base.startswith("radius_"):
        return rf"\rho\left({core}\right)"
    if base.startswith("share_"):
        return rf"\mathrm{{share}}\left({core}\right)"
    if base.startswith("norm_"):
        return rf"\lVert {core} \rVert"
    if name.index:
        return rf"\left({core}\right)_{{{','.join(map(str, name.index))}}}"
    return core

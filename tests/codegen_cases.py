"""Random problems for generated code: exact problem files and the same data as arrays."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from lstm_sym import Model, problem_from_dict
from lstm_sym.names import Name
from lstm_sym.spec.cells import get_cell
from lstm_sym.spec.heads import with_head
from lstm_sym.spec.losses import get_loss


@dataclass
class ArrayCase:
    """One random problem: the problem-file data and the arrays the generated code takes."""

    cell: str
    loss: str
    head: str
    sizes: dict[str, int]
    data: dict[str, Any]
    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    initial: dict[str, np.ndarray]
    final: dict[str, np.ndarray]


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return [_text(v) for v in value]
    return f"{value.numerator}/{value.denominator}"


def random_array_case(
    cell: str,
    loss: str,
    seed: int,
    *,
    n: int,
    d: int,
    steps: int,
    batch: int,
    head: str = "none",
    m: int = 2,
) -> ArrayCase:
    """A deterministic random problem with dyadic values (exact in binary floating point)."""
    rng = random.Random(seed)

    def values(shape: tuple[int, ...]) -> list[Any]:
        if not shape:
            return Fraction(rng.randint(-24, 24), 16)  # type: ignore[return-value]
        return [values(shape[1:]) for _ in range(shape[0])]

    spec = with_head(get_cell(cell), head)
    kind = get_loss(loss)
    sizes = {"n": n, "d": d, "m": m, "1": 1}
    params = {p.name: values(tuple(sizes[k] for k in p.shape)) for p in spec.params}
    out_size = sizes["m"] if head != "none" else n
    xs = [values((steps, d)) for _ in range(batch)]
    if kind.target == "class":
        ys: list[Any] = [[rng.randrange(out_size) for _ in range(steps)] for _ in range(batch)]
    else:
        ys = [values((steps, out_size)) for _ in range(batch)]
    initial = {s.name: [values((sizes[s.size],)) for _ in range(batch)] for s in spec.states}
    final = (
        {"c": [values((n,)) for _ in range(batch)]}
        if kind.gradient_given and "c" in {s.name for s in spec.states}
        else {}
    )
    sequences = []
    for b in range(batch):
        seq: dict[str, Any] = {"x": _text(xs[b])}
        if kind.target == "class":
            seq[kind.data_key] = ys[b]
        else:
            seq[kind.data_key] = _text(ys[b])
        seq.update({f"{k}_0": _text(v[b]) for k, v in initial.items()})
        seq.update({f"dL_d{k}_T": _text(v[b]) for k, v in final.items()})
        sequences.append(seq)
    data: dict[str, Any] = {
        "cell": cell,
        "loss": loss,
        "sizes": {
            k: v for k, v in sizes.items() if k in ("n", "d") or (k == "m" and head != "none")
        },
        "parameters": {k: _text(v) for k, v in params.items()},
        "sequence": sequences,
    }
    if head != "none":
        data["head"] = head

    def array(v: Any) -> np.ndarray:
        return np.array(v, dtype=float)

    return ArrayCase(
        cell,
        loss,
        head,
        sizes,
        data,
        {k: array(v) for k, v in params.items()},
        array(xs),
        np.array(ys) if kind.target == "class" else array(ys),
        {k: array(v) for k, v in initial.items()},
        {k: array(v) for k, v in final.items()},
    )


def exact_values(case: ArrayCase, dps: int = 30) -> dict[Name, mpmath.mpf]:
    """Every scalar of the case from lstm_sym's mpmath evaluator."""
    return Model(problem_from_dict(case.data)).numeric(dps, gradients=True)


def as_array(
    values: dict[Name, Any],
    base: str,
    shape: tuple[int, ...],
    *,
    step: bool,
    batch: int,
    seq: bool = True,
) -> np.ndarray:
    """Collect the named scalars ``base`` into an array (batch, T, size) or a parameter shape."""
    out = np.zeros(shape)
    for index in np.ndindex(*shape):
        if step:
            b, t, k = index
            size = shape[2]
            name = Name(base, t + 1, (k + 1,) if size > 1 else (), b + 1 if batch > 1 else None)
        elif seq:
            b, k = index
            size = shape[1]
            name = Name(base, 0, (k + 1,) if size > 1 else (), b + 1 if batch > 1 else None)
        else:
            cells = int(np.prod(shape))
            one = tuple(i + 1 for i in index) if cells > 1 else ()
            name = Name(base, None, one, None)
        out[index] = float(values[name])
    return out

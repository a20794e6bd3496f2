"""Measure PyTorch's CPU float32 nn.LSTM against certified values: the table of
docs/frameworks-check.md (python docs/make_float32_table.py; about a minute)."""

from __future__ import annotations

import torch

import lstm_sym

#: (d, n, T, B) of each row
SIZES = [(3, 5, 4, 2), (8, 16, 8, 2), (16, 32, 8, 2), (32, 64, 16, 4)]
SEEDS = (0, 1, 2)


def row(d: int, n: int, steps: int, batch: int) -> str:
    """One Markdown row: the largest errors over the seeds."""
    worst = {"h": 0.0, "grad": 0.0, "L": 0.0, "element": 0.0}
    for seed in SEEDS:
        torch.manual_seed(seed)
        report = lstm_sym.gradcheck(torch.nn.LSTM(d, n), torch.randn(steps, batch, d))
        assert report.passed, report.to_text()
        grads = [c.scaled_ulps for c in report.checks if c.name.startswith("grad")]
        worst["h"] = max(worst["h"], report["h"].scaled_ulps)
        worst["grad"] = max(worst["grad"], *grads)
        worst["L"] = max(worst["L"], report["L"].scaled_ulps)
        worst["element"] = max(worst["element"], *(c.ulps for c in report.checks))
    cells = [f"{worst[k]:.1f}" for k in ("h", "grad", "L")] + [f"{worst['element']:,.0f}"]
    return f"| {d} | {n} | {steps} | {batch} | " + " | ".join(cells) + " |"


def main() -> None:
    print("| d | n | T | B | h (scaled) | gradients (scaled) | L | worst element |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sizes in SIZES:
        print(row(*sizes), flush=True)


if __name__ == "__main__":
    main()

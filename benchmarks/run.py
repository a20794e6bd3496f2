"""Run every benchmark, one after another: `python benchmarks/run.py [--quick]`.

Each script prints its own table (and Markdown for benchmarks/RESULTS.md). Benchmarks
whose optional dependencies are missing (PyTorch, JAX, LaTeX) say so and skip that part.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_FLAGS = {
    "bench_solve.py": ["--quick"],
    "bench_codegen.py": ["--quick"],
    "fuzz.py": ["--quick"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")) + sorted(
        p for p in HERE.glob("*.py") if not p.name.startswith(("bench_", "run", "_"))
    ):
        print(f"\n=== {script.name} ===", flush=True)
        flags = QUICK_FLAGS.get(script.name, []) if quick else []
        if subprocess.run([sys.executable, str(script), *flags], check=False).returncode:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`make bench`: every benchmark in turn, then one table of figures against their targets.

    .venv/bin/python bench/run_all.py [--quick]

Each benchmark prints its own full report (kept in bench/results/*.md by hand) and RESULT
lines (bench/report.py). --quick runs smaller sizes: a check that they work, not figures.
A benchmark that fails is listed as such; the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")

BENCHMARKS = {
    "analysis": (["bench/analysis.py"], ["bench/analysis.py", "--quick", "--runs", "1"]),
    "call import": (
        ["bench/call_import.py"],
        ["bench/call_import.py", "--rows", "20000", "--runs", "1"],
    ),
    "intake": (["bench/intake.py"], ["bench/intake.py", "--seconds", "3", "--runs", "1"]),
    "fan-out": (["bench/fanout.py"], ["bench/fanout.py", "--citizens", "200"]),
    "through the product": (["bench/loop.py"], ["bench/loop.py", "--file", "second"]),
    "processing": (
        ["bench/processing.py"],
        ["bench/processing.py", "--stored", "1000,10000", "--items", "100"],
    ),
    "dashboards": (
        ["bench/dashboards.py"],
        ["bench/dashboards.py", "--items", "20000", "--responses", "10000", "--runs", "2"],
    ),
    "inbox": (
        ["bench/inbox.py"],
        ["bench/inbox.py", "--items", "20000", "--replies", "200", "--runs", "2"],
    ),
    "benchmark export": (
        ["bench/benchmark_export.py"],
        ["bench/benchmark_export.py", "--items", "20000", "--responses", "10000"],
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows: list[list[str]] = []
    for name, (full, quick) in BENCHMARKS.items():
        print(f"\n===== {name}", flush=True)
        started = time.monotonic()
        process = subprocess.run(
            [PYTHON, *(quick if args.quick else full)], cwd=ROOT, capture_output=True, text=True
        )
        print(process.stdout, end="")
        print(process.stderr[-2000:], end="", file=sys.stderr)
        lines = process.stdout.splitlines()
        found = [line.split("\t")[1:] for line in lines if line.startswith("RESULT\t")]
        if process.returncode != 0 or not found:
            rows.append([name, "failed", f"exit {process.returncode}", "", "gap"])
        rows.extend([name, *row] for row in found)
        print(f"({time.monotonic() - started:.0f} s)", flush=True)
    widths = [max(len(row[i]) for row in rows + [HEADER]) for i in range(len(HEADER))]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0


HEADER = ["benchmark", "measure", "figure", "target", "met"]

if __name__ == "__main__":
    sys.exit(main())

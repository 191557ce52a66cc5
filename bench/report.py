"""One line per measured figure, which `make bench` (bench/run_all.py) gathers into a table:

RESULT <tab> measure <tab> figure <tab> target <tab> met | gap
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path


def result(measure: str, figure: str, target: str, met: bool) -> None:
    print("\t".join(("RESULT", measure, figure, target, "met" if met else "gap")), flush=True)


def arguments(doc: str, **defaults: int) -> argparse.Namespace:
    """The command line of a benchmark whose options are all counts: ``--items`` and so on,
    with these defaults; the description is the first line of ``doc``."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    for name, default in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    return parser.parse_args()


def machine() -> str:
    """Cores, CPU model, Python and system: what a figure was measured on."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )

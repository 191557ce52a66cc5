"""One line per measured figure, which `make bench` (bench/run_all.py) gathers into a table:

RESULT <tab> measure <tab> figure <tab> target <tab> met | gap
"""

from __future__ import annotations


def result(measure: str, figure: str, target: str, met: bool) -> None:
    print("\t".join(("RESULT", measure, figure, target, "met" if met else "gap")), flush=True)

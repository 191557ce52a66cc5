"""Time of find_personal_data per text, on texts of about 40 words it has not seen.

Usage: python bench/redaction_speed.py [--warm FILE ...] [--timed FILE] [--words 40]

The name lists and word frequencies are loaded by a first call (reported apart), the
per-word caches are warmed on the --warm files, then the --timed file's texts are joined in
order into texts of at least --words words and each is timed once, in CPU time (the machine
is shared: wall time counts the other processes too).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.privacy import find_personal_data  # noqa: E402

DATA = ROOT / "bench" / "data"


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def _joined(texts: list[str], words: int) -> list[str]:
    joined, current = [], []
    for text in texts:
        current.append(text)
        if sum(len(part.split()) for part in current) >= words:
            joined.append(" ".join(current))
            current = []
    return joined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warm",
        nargs="*",
        type=Path,
        default=[
            DATA / "redaction_blind_names.jsonl",
            DATA / "redaction_blind_names_3.jsonl",
            DATA / "redaction_blind.jsonl",
        ],
    )
    parser.add_argument("--timed", type=Path, default=DATA / "redaction_blind_names_4.jsonl")
    parser.add_argument("--words", type=int, default=40)
    args = parser.parse_args()

    warm = [text for path in args.warm for text in _texts(path)]
    start = time.process_time()
    find_personal_data(warm[0])
    print(f"first call (lists loaded): {1000 * (time.process_time() - start):.0f} ms")
    for text in warm:
        find_personal_data(text)
    sample = _joined(_texts(args.timed), args.words)
    times = []
    for text in sample:
        start = time.process_time()
        find_personal_data(text)
        times.append(time.process_time() - start)
    words = statistics.mean(len(text.split()) for text in sample)
    p95 = sorted(times)[int(0.95 * len(times))]
    print(
        f"{len(sample)} texts of {words:.0f} words on average: median "
        f"{1000 * statistics.median(times):.3f} ms, mean {1000 * statistics.mean(times):.3f} ms,"
        f" p95 {1000 * p95:.3f} ms"
    )


if __name__ == "__main__":
    main()

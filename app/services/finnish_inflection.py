"""The base forms a word may be an inflection of, for finding inflected names in a list.

Finnish names take case endings ("Matille", "Virtaselle", "Laineelle", "Mäelle", "Tuomaksen")
with consonant gradation (Mati- → Matti) and the -nen/-se- and -i/-e- stem changes of family
names (Virtasen → Virtanen, Järven → Järvi); the other four languages add a genitive -s
("Annas", "Larsens") or 's. Plain string functions: no list is read here.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.services.name_words import ORDINARY_WORDS

# Finnish case endings (longest first) and the genitive -s / 's of the other languages; not
# the translative -ksi ("becoming"), which names take rarely and words often ("Onneksi").
ENDINGS = sorted(
    "lle llä lla ltä lta ssä ssa stä sta seen hin na nä ta tä n a ä lle'".split(),
    key=len,
    reverse=True,
)
CASE_ENDINGS = tuple(ending for ending in ENDINGS if len(ending) == 3)
VOWELS = "aeiouyäö"


def base_forms(word: str, at_start: bool = False, e_stems: bool = True) -> Iterator[str]:
    """The word and the base forms it may be an inflection of (lower case).

    A sentence's first word is read as inflected by a short ending only as a genitive of a
    name that is no ordinary word: "Eeron", "Mettes", "Matille", but not "Olen", "Toivon",
    "Then", "Kenttä", "Tomta" (Ole-n, Toivo-n, The-n, Kent-tä, Tom-ta). ``e_stems``: also
    the old nouns whose -i becomes -e- (Järven → Järvi), which are family names, never
    given ones (Toini's genitive is Toinin: "Toinen" is no Toini).
    """
    lowered = word.lower().rstrip("'’").replace("’", "'")
    if lowered.endswith("'s"):
        yield lowered[:-2]
    yield lowered
    stem = lowered.replace(":", "")
    for ending in ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            if at_start and len(ending) < 3:
                if ending == "n" and len(stem) > 4 and stem[:-1] not in ORDINARY_WORDS:
                    yield from _bases(stem[:-1], e_stems)
            else:
                yield from _bases(stem[: -len(ending)], e_stems)
    if len(stem) > 4 and stem[-1] == "n" and stem[-2] == stem[-3] and not at_start:
        yield stem[:-2]  # illative: Annaan, Mattiin
    if stem.endswith("s"):
        yield stem[:-1]  # Nordic genitive: Annas, Larsens


# Finnish consonant gradation, the weak grade of a stem's last consonant and its strong
# grade: Mati- → Matti, Lahde- → Lahte- (Lahti), Hanne- → Hante-, Mäe- → Mäke- (Mäki).
_GRADATION = (
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("ht", "hd"),
    ("t", "d"),
    ("p", "v"),
    ("nk", "ng"),
    ("mp", "mm"),
    ("lt", "ll"),
    ("nt", "nn"),
    ("rt", "rr"),
)
VOWELS = "aeiouyäö"


def _bases(base: str, e_stems: bool) -> Iterator[str]:
    yield base
    if base.endswith("se") or base.endswith("s"):
        yield base.rstrip("e")[:-1] + "nen"  # Virtaselle, Virtasen, Virtasta → Virtanen
    if base.endswith("i") and len(base) > 3:
        yield base[:-1]  # Johanssonille → Johansson
    if base.endswith("ee"):
        yield base[:-1]  # Laineelle → Laine
    if base.endswith("kse"):
        yield base[:-3] + "s"  # Tuomaksen → Tuomas, Markukselle → Markus
    for stem in _strong_grades(base):
        yield stem
        if e_stems and len(stem) > 3 and stem.endswith("e") and not stem.endswith("ee"):
            yield stem[:-1] + "i"  # Järve- → Järvi, Lahte- → Lahti, Mäke- → Mäki


def _strong_grades(base: str) -> Iterator[str]:
    """``base`` and its strong grades, when it ends in one consonant (cluster) and a vowel."""
    yield base
    if len(base) < 3 or base[-1] not in VOWELS:
        return
    head, vowel = base[:-1], base[-1]
    for strong, weak in _GRADATION:
        if head.endswith(weak) and (len(weak) == 2 or head[-2:-1] in VOWELS + "lrn"):
            yield head[: -len(weak)] + strong + vowel
    if head[-1] in VOWELS and len(head) <= 4:
        yield head + "k" + vowel  # Mäe- → Mäke-, Koe- → Koke-

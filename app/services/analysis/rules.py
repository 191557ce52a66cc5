"""Keyword rules: phrases that send an item to an e-service (and so to its department).

Phrases and texts are both normalised (lower case, Snowball stem, diacritics folded), so a
rule written as "rakennuslupa" also fires on "rakennusluvasta" and "Rakennuslupahakemuksen",
and "søknad om barnehageplass" on "soknaden om barnehageplass". A phrase word matches a text
word when

* they are equal, or
* the phrase word has 5+ letters and the text word starts with it — Nordic compounds put the
  qualifier first ("bygglov" → "bygglovsansökan", "barnehage" → "barnehagesøknaden"), or
* the phrase word has 6+ letters and they differ only in its last letter — Finnish stems
  alternate there ("hakemus" → "hakemuks-", "ilmoittautumin" → "ilmoittautumis-").

The highest priority wins; among equal priorities the longest matched phrase, then the
earlier rule. When rules of the best priority name different e-services, the analysis leaves
the choice to the model, unless the best match spans the others' words
(``deciding_match``). Admins' rules on the staff site have priority 100 by default, well
above the seed rules derived from the catalog (names 20, keywords 10, weak keywords 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.services.analysis.catalog import Catalog
from app.services.analysis.normalisation import normalise

NAME_PRIORITY = 20
KEYWORD_PRIORITY = 10
WEAK_KEYWORD_PRIORITY = 5

_MIN_PREFIX = 5  # a shorter phrase word ("sfo", "nav", "e-id") must match a word exactly
_MIN_ALTERNATING = 6


@dataclass(frozen=True)
class KeywordRule:
    """``language`` None applies the rule to every language (phrases are then normalised with
    the text's language). ``department`` None: the e-service's department, from the catalog.
    ``weak``: a catalog's weak words (or a name made only of them), which the e-service
    model may overrule; an admin's rule is a decision and never weak."""

    eservice: str | None
    language: str | None
    phrases: tuple[str, ...]
    priority: int = 100
    department: str | None = None
    name: str = field(default="", compare=False)  # for the staff site's test box and logs
    weak: bool = False

    def __post_init__(self) -> None:
        if self.eservice is None and self.department is None:
            raise ValueError("a keyword rule needs an e-service or a department")
        object.__setattr__(self, "phrases", tuple(self.phrases))


@dataclass(frozen=True)
class RuleMatch:
    rule: KeywordRule
    phrase: str  # the phrase as written in the rule
    start: int  # index of the first matched word in the normalised text
    end: int  # index after the last matched word

    def covers(self, other: RuleMatch) -> bool:
        """Whether this match spans every word of ``other``: "pre-school enrolment" covers
        "school enrolment", "børnehaveklasse" covers "børnehave" (the longer phrase, the more
        specific)."""
        return self.start <= other.start and other.end <= self.end


@lru_cache(maxsize=20_000)
def _phrase_words(phrase: str, language: str) -> tuple[str, ...]:
    return tuple(normalise(phrase, language).split())


def _word_matches(phrase_word: str, word: str) -> bool:
    if word == phrase_word:
        return True
    size = len(phrase_word)
    if size >= _MIN_PREFIX and word.startswith(phrase_word):
        return True
    return size >= _MIN_ALTERNATING and len(word) >= size - 1 and word.startswith(phrase_word[:-1])


def find_phrase(words: Sequence[str], phrase_words: Sequence[str]) -> int:
    """Index of the first place where ``phrase_words`` match consecutive ``words``, or -1."""
    count = len(phrase_words)
    if count == 0 or count > len(words):
        return -1
    for start in range(len(words) - count + 1):
        if _matches_at(words, start, phrase_words):
            return start
    return -1


def _matches_at(words: Sequence[str], start: int, phrase_words: Sequence[str]) -> bool:
    if start + len(phrase_words) > len(words):
        return False
    return all(_word_matches(p, words[start + k]) for k, p in enumerate(phrase_words))


# Every way a phrase word can match a text word keeps their first four letters equal (a
# shorter phrase word must be equal to the word), so phrases are looked up by those.
_KEY_LETTERS = 4


class RuleSet:
    """Rules compiled for matching: phrases normalised once per language and indexed by the
    first letters of their first word, so a text is matched in one pass over its words
    instead of one pass per phrase. Build one when the rules change and reuse it."""

    def __init__(self, rules: Iterable[KeywordRule]) -> None:
        self.rules: tuple[KeywordRule, ...] = tuple(rules)
        self._by_language: dict[str, dict[str, list[tuple[int, str, tuple[str, ...]]]]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def _index(self, language: str) -> dict[str, list[tuple[int, str, tuple[str, ...]]]]:
        index = self._by_language.get(language)
        if index is None:
            index = {}
            for order, rule in enumerate(self.rules):
                if rule.language is not None and rule.language != language:
                    continue
                for phrase in rule.phrases:
                    words = _phrase_words(phrase, rule.language or language)
                    if words:
                        index.setdefault(words[0][:_KEY_LETTERS], []).append((order, phrase, words))
            self._by_language[language] = index
        return index

    def matches(self, words: Sequence[str], language: str) -> list[RuleMatch]:
        """Every rule that fires on the normalised ``words``, best first."""
        index = self._index(language)
        best: dict[int, tuple[int, RuleMatch]] = {}  # rule order -> (phrase length, match)
        for start, word in enumerate(words):
            for order, phrase, phrase_words in index.get(word[:_KEY_LETTERS], ()):
                if not _matches_at(words, start, phrase_words):
                    continue
                length = sum(len(w) for w in phrase_words)
                if order not in best or length > best[order][0]:
                    end = start + len(phrase_words)
                    best[order] = (length, RuleMatch(self.rules[order], phrase, start, end))
        ranked = sorted(
            best.items(), key=lambda pair: (-self.rules[pair[0]].priority, -pair[1][0], pair[0])
        )
        return [match for _, (_, match) in ranked]


@lru_cache(maxsize=32)
def _rule_set(rules: tuple[KeywordRule, ...]) -> RuleSet:
    return RuleSet(rules)


def as_rule_set(rules: RuleSet | Iterable[KeywordRule]) -> RuleSet:
    """``rules`` compiled (a recently seen list of rules is compiled only once)."""
    return rules if isinstance(rules, RuleSet) else _rule_set(tuple(rules))


def matching_rules(
    words: Sequence[str], language: str, rules: RuleSet | Iterable[KeywordRule]
) -> list[RuleMatch]:
    """Every rule that fires on the normalised ``words`` of a text in ``language``, best first."""
    return as_rule_set(rules).matches(words, language)


def deciding_match(matches: Sequence[RuleMatch]) -> RuleMatch | None:
    """The match that routes (``matches`` best first): the best, unless a rule of its priority
    names another e-service at words it does not span; then None, and the model decides."""
    if not matches:
        return None
    top = matches[0]
    for rival in matches[1:]:
        if (
            rival.rule.priority == top.rule.priority
            and rival.rule.eservice != top.rule.eservice
            and not top.covers(rival)
        ):
            return None
    return top


def match_rules(
    text: str, language: str, rules: RuleSet | Sequence[KeywordRule]
) -> KeywordRule | None:
    """The rule that decides the e-service of ``text``, or None when no rule fires."""
    matches = matching_rules(normalise(text, language).split(), language, rules)
    return matches[0].rule if matches else None


def explain_rules(
    text: str, language: str, rules: RuleSet | Sequence[KeywordRule]
) -> list[RuleMatch]:
    """All rules that fire on ``text``, best first, with the phrase that fired: what the staff
    site's rule test box shows."""
    return matching_rules(normalise(text, language).split(), language, rules)


def rules_from_catalog(
    catalog: Catalog,
    name_priority: int = NAME_PRIORITY,
    keyword_priority: int = KEYWORD_PRIORITY,
    weak_priority: int = WEAK_KEYWORD_PRIORITY,
    include_keywords: bool = True,
) -> list[KeywordRule]:
    """Seed rules: each e-service's name in each language (its official name is what a
    citizen copies from the page), and, when ``include_keywords``, its keywords and weak
    keywords."""
    rules: list[KeywordRule] = []
    for code, entry in catalog.eservices.items():
        department = entry["department"]
        for language, name in sorted(entry.get("names", {}).items()):
            if name:
                weak = _only_weak_words(name, language, entry)
                priority = weak_priority if weak else name_priority
                rules.append(
                    KeywordRule(code, language, (name,), priority, department, f"name:{code}", weak)
                )
        if not include_keywords:
            continue
        for key, priority, weak in (
            ("keywords", keyword_priority, False),
            ("weak_keywords", weak_priority, True),
        ):
            for language, phrases in sorted(entry.get(key, {}).items()):
                if phrases:
                    rules.append(
                        KeywordRule(
                            code,
                            language,
                            tuple(phrases),
                            priority,
                            department,
                            f"{key}:{code}",
                            weak,
                        )
                    )
    return rules


# Words this short in a name are the glue between its weak words ("med", "log ind").
_GLUE_LETTERS = 3


def _only_weak_words(name: str, language: str, entry: dict[str, Any]) -> bool:
    """Whether an e-service's ``name`` says nothing but its weak words: "Log ind med MitID"
    and "Innlogging med BankID" name how a citizen logs in, which a report of another
    e-service's fault names too ("Logger ind med MitID, men mine jobsøgninger er tomme").
    Such a name then loses to any other e-service's rule, as its weak words do; alone it
    still routes there."""
    weak = {
        word
        for phrase in (entry.get("weak_keywords") or {}).get(language, ())
        for word in _phrase_words(phrase, language)
    }
    words = [word for word in _phrase_words(name, language) if len(word) > _GLUE_LETTERS]
    return bool(words) and all(word in weak for word in words)

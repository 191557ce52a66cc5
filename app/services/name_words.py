"""How a word is used in the five languages of the feedback, for telling names from words.

Words of the five languages that some list of names holds too ("Anna", "Per", "till", "man",
"August", "Wilma"), and two cheap facts that the name rules in ``names_in_text`` lean on:

* how common a word is as an ordinary word: wordfreq's "small" lists for Finnish, Swedish,
  Danish, Norwegian Bokmål and English (maintained, offline, inside the wheel; words used at
  least once per million). A capitalised word that no list of names holds is taken as a
  name only in a person's place *and* when no word list holds it either ("Semhar",
  "Ghebremedhin", "Ngozi"); a wider list's name there only when it is rare as a word
  ("Bilal", "Svetlana"); a surname alone that is among the most frequent words is a title's
  ("Stark autentisering");
* whether a text reads as English: English "at" names an office or a place ("Pat at Urban
  Environment"), Danish and Norwegian "at" is a conjunction ("sagde at Hanne Vinther er
  syg"), so a rule about "at" holds only in English text.

The lists are loaded on first use (about 0.3 s and 18 MB, once per process), not at import,
so that importing the application stays cheap.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# Names that are also ordinary words of the five languages, capitalised at the start of a
# sentence ("Anna palautetta", "Per post", "My name", "Inga problem", "Tom sida", "Olen
# yrittänyt") or always (months): alone they count only inside a sentence and not as months;
# in a full name, always.
ORDINARY_WORDS = frozenset(
    """
    aina alli anna armas aamu eli helmi hilja ilona into kai kaino lahja lumi oiva rauha satu
    sini sulo suvi taimi toivo tuuli tyyne usko veli onni sama olen ole oli
    alla bo bror dag del dina ebbe inga juni liv maj mina my per sten stig sol tom ulf vera
    else mai rut vilja ask björn ville ingen inge kan vil han hun hon hans
    august april may june mark will bill grace hope rose frank joy faith dawn iris ruby amber
    holly ivy lily heather crystal penny summer autumn guy sue pat rob jay art max ray don
    dean carol jack
    hall hagen rask
    """.split()
)
# Function words and everyday words of the five languages (pronouns, articles, prepositions,
# conjunctions, auxiliaries, common adverbs, and words met in feedback), many of which some
# name list holds too ("till", "man", "andre", "bara", "tai", "jo", "om"): in lower case they
# are these words whatever the cue before them ("vår dotter till …", "när man ringer", "på
# vegne av andre"), and capitalised they are no name at a sentence's start ("Tai sitten").
COMMON_WORDS = frozenset(
    """
    a af again aika aina ainoa aivan al all alla alle allerede allt also alt always am an and
    anden andet andra andre anna annan annars annat annen annet any april apu are as asia
    asiasta ask asked at att august autumn av back bara bare be been being berre bett big bil
    bin black blank ble blev bli blir bog bok bor borde bot both bra branch brev bus but by call
    called came can car clear close come could da dag date day de dear del dem den der dere
    deres det di din dina dine ditt do doctor don down du där då dålig dårlig each egen ei eight
    eikä el eli eller else en ene enemmän english ennen epost er era ert et ett että even ever
    fee feil fejl fel fem few fick field fik fikk fin finns first fit five fler flera flere
    floor for foran four front fråga får för gamle gammal gammel gang gave get gik gikk give go
    god good got green grey grund gång går ha had hagen hall halls hallå han har has have he hei
    heidän heille heitä hej hel hela hele hello help her here heti hi him his hitaasti hjelp
    hjälp hjælp ho holder hon hope how hull hun huono hur hva hvem hvilke hvilken hvilket hvor
    hyvin hyvä hän hänelle hänen här i ibn ihan ikke ilman in inga inge ingen ingenting inget
    inte is iso it its itse ja jag jaga januar jeg jeres jo job joka jokin joku jonka jono jos
    joskus jota jotain ju juni just jälkeen kaikki kamala kan kanssa karta kautta kerta kiitos
    kirje knapp knew know koko kom kommer kort koska koskaan ku kuin kuitenkin kuka kukaan kun
    kuukausi kyllä kysymys la lang lar last le lika like lilla lille link lisäksi lite liten
    litt little long lot love mac madam made mai mail maj make maks man mange many mark mars
    matka max may me med meg meget meidän meille meitä mejl men menee meni mer mest might miks
    miksi mikä milloin min mina mine minulle minun minä miss missä miten mitt mitä mitään moi
    more most mr mrs much mukaan must mut mutta muu muut my mycket mye myös mä må måde månad
    måned många måste måte ne need nei nej never new next ni niin nine no noe noen nog nogen
    noget noi nok nopeasti not now nu nuo ny nya nye nyt nämä när nää nå någon något några når
    oak och också of off often og også oikea ok okay old ole olemme olen olet olette oleva oli
    olin olisi ollut om on once one only oon oot open or osa other our out ovat over owe own
    page pages paid paljon pay per pieni pitäisi pitää please post posti price puhelin päivä på
    rad rahat raja rask read reader real redan rigtig riktig rita room roska run rätt sa saa sai
    said sain sak sama same samma samme saw say se sedan see seg sekä selv sen send sent seven
    shall she should sida side siden siellä sig siitä silti sin sina sine sinulle sinun sinä sir
    sit sitt sitten sitä sivu six själv ska skal skulle small smart snow snälla so sole som some
    sorry spørgsmål spørsmål start still stop stor street such summer svar sä sähköposti sätt så
    taas tack tai tak take takk te teidän teille telefon tell ten terve than thanks that the
    their them then there these they think this those three tid til till ting to toi told tom
    too took tosi tried try tule tulee tuli tuo tur two tämä tämän tässä tästä tätä täytyy tää
    täällä uge uke under unna up us use used usein ute uusi vaan vad vaikka vain valid vall van
    vanha var vara varit vasta vastaus vecka veit vel vem very veta vi vid vielä viikko vil
    vilka vilken vilket vill ville visa vit voi voin voisi von vor vores vort vuosi vähän väl
    väärä vår våra våre vårt vært wait walker want was way we weeks well were what when where
    which who why will wish work worked would write wrote yes yli you zu är även år över
    danish finnish swedish norwegian icelandic british irish scottish welsh american polish
    german french spanish italian russian ukrainian estonian turkish somali arabic mi ang
    mun sun young elderly woman lady girl boy gentleman person someone anonymous unknown mor far
    mamma pappa äiti isä datter dotter sønn søn bror søster syster nabo granne naapuri
    """.split()
)
# Pronouns and quantifiers that are also names never name the one who calls or writes, even
# capitalised ("Alla ringde", "Han ringde", "Man skriver").
PRONOUNS = frozenset("alla ingen inga inge han hun hon man my mina del kan vil".split())
# Words that are names and also always capitalised in their other sense: months, and the
# Finnish holidays that are also first names ("Vappuna", "Juhannus"); English weekdays and
# holidays, capitalised in a name's place ("it's Monday again").
MONTHS = frozenset(
    """january february march april may june july august vappu juhannus monday tuesday
    wednesday thursday friday saturday sunday christmas easter""".split()
)
# E-services and the companies behind them whose names are also first names: alone they are
# the service ("Wilmaan ei pääse", "Aula-beskeden"); in a full name or introduced, a person.
SERVICE_NAMES = frozenset("wilma helmi ilmari aula kela elisa vilma daisy mina".split())

_LANGUAGES = ("fi", "sv", "da", "nb", "en")
# Zipf frequency (log10 of uses per billion words): 3 is once per million words, the least
# a "small" list holds; below this a word is rare in all five languages.
_RARE_ZIPF = 3.5
# The least a "small" list holds: below it a word is in no list.
_KNOWN_ZIPF = 3.0

# Function words that only one side uses: English, or Danish/Norwegian (where "at" is "that"
# or the infinitive's "to"). Swedish and Finnish never write "at" alone.
_ENGLISH_WORDS = frozenset(
    "the and is was are to for my with from of you it this that have has but not be would"
    " could please thanks".split()
)
_SCANDINAVIAN_WORDS = frozenset(
    "og er ikke jeg det har på med til af av som hun han ble blev vi der kan skal mig meg"
    " sagde sa sige si så".split()
)
_TOKEN_RE = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, float], ...]:
    # Imported here: wordfreq pulls in regex, langcodes and ftfy, which only this needs.
    from wordfreq import get_frequency_dict

    return tuple(get_frequency_dict(language, wordlist="small") for language in _LANGUAGES)


@lru_cache(maxsize=4096)
def zipf(word: str) -> float:
    """The highest Zipf frequency of ``word`` as written in lower case in any of the five
    languages; 0.0 when no list holds it."""
    lowered = word.lower()
    highest = max(table.get(lowered, 0.0) for table in _frequencies())
    return math.log10(highest * 1e9) if highest else 0.0


def english_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English alone: capitalised English words in a title or
    an office's name ("Urban Environment") are no Nordic surnames ("Kjetil Rød", "Lie")."""
    frequency = _frequencies()[_LANGUAGES.index("en")].get(word.lower(), 0.0)
    return math.log10(frequency * 1e9) if frequency else 0.0


def is_rare_word(word: str) -> bool:
    """Rare as an ordinary word in all five languages: each part of a hyphenated word."""
    return all(zipf(part) < _RARE_ZIPF for part in word.split("-") if part)


def is_unknown_word(word: str) -> bool:
    """In none of the five lists (used less than once per million words): for a word that no
    list of names holds either, "rare" is not enough, since Nordic e-services and offices are
    rare words too ("Bygglov" 3.5, "Färdtjänst" 3.2); unknown names are in no list at all
    ("Semhar", "Ngozi", "Chukwuemeka")."""
    return all(zipf(part) < _KNOWN_ZIPF for part in word.split("-") if part)


@lru_cache(maxsize=256)
def reads_as_english(text: str) -> bool:
    """More English function words in ``text`` than Danish or Norwegian ones."""
    english = scandinavian = 0
    for token in _TOKEN_RE.findall(text.lower()):
        english += token in _ENGLISH_WORDS
        scandinavian += token in _SCANDINAVIAN_WORDS
    return english >= scandinavian

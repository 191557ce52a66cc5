"""People's names written in free text, whoever they are ("Lars Mäkinen soitti", "Matille").

``privacy`` finds the contact's own names from what the agent entered; this module finds the
names nobody entered: callers' relatives, staff, the citizen's name in an e-mail signature.
The names come from ``name_lists`` (Faker's person lists and the first-name dictionary in
the gender-guesser wheel), inflected forms are traced back to them by ``finnish_inflection``,
and ``name_words`` tells ordinary words and how frequent a word is. The lists are used with
rules of case and context instead of alone:

* a known first name followed by a capitalised word is a full name ("Jens Berg"), and a
  capitalised word right before a known last name is its first name ("Mirja Mäkinen"); so
  is a wider first name before a capitalised word ("Priya Sharma", "Sigrún Heggheim");
* a Nordic first or last name standing alone counts when capitalised — also when inflected
  the Finnish way ("Matille", "Virtaselle", "Laineelle", "Mäelle") — except where the word is
  also an ordinary word that starts a sentence, a month, a place or an e-service ("Anna",
  "Per", "August", "Bergen", "Wilma");
* after "my name is", "nimeni on", "jag heter", "Mvh" …, a title ("rouva", "fru", "Mr"), a
  relative ("dottern", "naboen min") or "ask for" one to three capitalised words are a name
  even when no list knows them; after "I'm", "olen", "det er", "hej" or a verb of calling
  someone ("soitin", "ringde upp", "I called") a listed name of any list counts, in any case
  ("jeg heter silje", "I'm olga petrova");
* a listed first name in any case before a verb of calling or writing ("pernille skriver",
  "ingrid heter jag") or signing off at the end ("– signe", "/Kristjan"), and an all-caps
  first and last name ("JUHA KORHONEN") are names;
* after a call log's header or an introducer ("opkald: lise faber, …", "Call: yuki sato,
  asked", "asiakas rantanen"), one to three words in any case are a name when the first is
  listed, up to where the header's field ends;
* after "I'm", "olen", "jag är" two or three capitalised words are a name ("I'm Kwame
  Mensah"), and so is a listed Finnish or patronymic surname starting a sentence
  ("Virtanen ei vastaa"), but not a place: after "in", "i", a saint, in the inessive.
* a word found in a name is a name wherever it recurs in the text ("Elias Björk … Björk
  är"), and so are names joined to one by and/or and a full name in brackets after one;
  places only a person fills ("the Ramirez family", "can Helmi call me", "it's Olu again",
  "tack till linnea på …") take a name listed or not; an all-caps message is also read in
  lower case.

* a word no list holds is a name in a person's place only when it is rare as a word in all
  five languages: beside a name by "and" ("Dawit and Selam Tekle", "Yonas Tesfaye og Semhar
  Ghebremedhin"), a genitive before a relative or a teacher ("Ngozi's mum"), a wider given
  name before where one works ("Bilal at the pool", "Rustam fra Tadsjikistan"); a word
  frequent in some language is a title's or an office's ("Stark autentisering", "Urban
  Environment"), and a name beside a company's legal form or a shop's word is the business's
  ("Routa Oy", "Café Vera").

Other all-caps and CamelCase words (SFO, MitID, BankID) are never names: they are product
names and acronyms, which is how e-service names are written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.services.finnish_inflection import CASE_ENDINGS, VOWELS, base_forms
from app.services.name_lists import known_names
from app.services.name_words import (
    COMMON_WORDS,
    MONTHS,
    ORDINARY_WORDS,
    PRONOUNS,
    SERVICE_NAMES,
    english_zipf,
    is_rare_word,
    is_unknown_word,
    reads_as_english,
    zipf,
)

# A name right before one of these words names a street, a square or a building, not a
# person: "Karl Johans gate", "H.C. Andersens Boulevard", "Dronning Louises Bro".
_PLACE_WORDS = frozenset(
    """gate gata gatan gaten vej vei veien vejen väg vägen torg torget torv plass plassen plads
    pladsen allé alle boulevard street road avenue square lane katu tie kuja polku tori aukio
    gade gaden stræde strædet vænge vænget stien stigen kajen brygge bryggen
    puisto park parken bro broen bron bridge silta garden gardens kyrka kirke kirkko church
    cathedral chapel kapell kapellet domkyrka domkyrkan domkirke domkirken tuomiokirkko museum
    museet museo hospital sjukhus sykehus sygehus sairaala stadium stadion arena
    """.split()
)
# A name before one of these names an e-service or an app: "Freja eID", "Mina sidor".
_PRODUCT_WORDS = frozenset("eid id app appen appi sovellus sidor sider".split())
# A street named after a person in one word ("Birger Jarlsgatan", "Mannerheimintie") or a
# king ("Haakon VIIs gate", "Olav Vs gate": the numeral is skipped).
_STREET_ENDING_RE = re.compile(
    r"(?i)..(?:gatan|gata|gaten|gade|gaden|vägen|vejen|veien|katu|kadun|kadulla|ntie|ntien"
    r"|ntiellä|pladsen|plassen|torget)$"
)
_REGNAL_NUMBER_RE = re.compile(r"[IVX]{1,4}s?")
# Not a name but a weekday, a verb or a holiday: "Tor 14.03" (torsdag), "Drew up a plan",
# "Christmas Eve".
_DATE_AFTER_RE = re.compile(r"[ \u00a0]+\d{1,2}[./]\d{1,2}")
_VERB_PARTICLE_AFTER_RE = re.compile(r"[ \u00a0]+(?:up|down|out|off|away|back)(?!\w)")
_HOLIDAY_BEFORE_RE = re.compile(
    r"(?i)(?<!\w)(?:christmas|xmas|easter|new\s+year's|new\s+year’s|midsummer|hallows)[ \u00a0]+$"
)
# A capitalised word after one of these names a school, a kindergarten or a library
# ("förskolan Solrosen", "päiväkoti Tähtönen").
_INSTITUTION_WORDS = frozenset(
    """förskolan förskola skolan skola päiväkoti päiväkodin koulu koulun børnehaven børnehave
    barnehage barnehagen skole skolen school kindergarten daghemmet bibliotek biblioteket
    kirjasto""".split()
)
# "in Kallio", "i Bagarmossen", "vid Slussen", "på Solrosen" (a kindergarten).
_LOCATIVE_RE = re.compile(r"(?i)(?<!\w)(?:in|i|vid|ved|near|nära|nær)[ \u00a0]+$")
# "Pat at Urban Environment": after "at" a capitalised word names an office or a place.
_AT_RE = re.compile(r"(?i)(?<!\w)at[ \u00a0]+$")
_FACILITY_AFTER_RE = re.compile(
    r"(?i)[ \u00a0]+(?:koulu|kirjasto|uimahalli|terveysasema|kirkko|päiväko|puisto|tori|asema"
    r"|sairaala|neuvola|nuorisotalo|palvelupiste|liikuntahalli|urheilukenttä|ranta|metro)"
)
# Getting hold of someone: "fik fat i", "fick tag i", "fikk tak i" (else "i Sofia" is a city).
_HOLD_OF_RE = re.compile(r"(?i)(?<!\w)(?:fat|tag|tak)[ \u00a0]+i[ \u00a0]+$")
_ON_RE = re.compile(r"(?i)(?<!\w)på[ \u00a0]+$")
_SAINT_RE = re.compile(r"(?<!\w)(?:Sankt|Sankta|St\.|S:t|S:ta|Skt\.|Sct\.|Pyhän)[ \u00a0]+$")
# After a first name that is also a word, what makes it the name: "Onni ja Toivo", "Will from
# the youth centre", "Jette fra Borgerservice", "Per på servicetorget".
_PERSON_AFTER_RE = re.compile(
    r"(?:[ \u00a0]+(?:ja|och|og|and|&)[ \u00a0]+(?P<other>[A-ZÅÄÖÆØ][a-zåäöæøéü]+)"
    r"|[ \u00a0]+(?:from|fra|från|frå|på)[ \u00a0]"
    # "Grace at the front desk"; not "Will at least …", "Will at the end of the day …"
    r"|[ \u00a0]+at[ \u00a0]+(?!(?:least|all|last|once|first|home|times|some|any|the[ \u00a0]+"
    r"(?:end|same|moment|time|start|latest|least))(?!\w)))"
)
# A signature or a sender that is an association, a company or a board, not a person:
# "Mvh Bostadsrättsföreningen", "Terveisin Asukasyhdistys", "Hilsen Styret".
_ORGANISATION_RE = re.compile(
    r"(?i)(?:förening|föreningen|forening|foreningen|yhdistys|taloyhtiö|klubb|klubben|klubi"
    r"|styrelsen|styret|bestyrelsen|hallitus|kommun|kommune|kaupunki|laget|seura|gruppen"
    # an office in one word: "Mvh Borgerservice", "Terveisin Asiakaspalvelu"
    r"|service|tjeneste|tjenesten|tjänst|tjänsten|palvelu|palvelut|kontor|kontoret|toimisto"
    r"|forvaltning|forvaltningen|förvaltning|förvaltningen|keskus|enheten|enheden)$"
)
_OFFICE_AFTER_RE = re.compile(
    r"(?i)[ \u00a0]+(?:kaupunki|kaupungin|kunta|kunnan|kommun|kommune|förvaltning|forvaltning"
    r"|kontor|afdeling|avdeling|avdelning|kundtjänst|kundeservice|kundservice|toimisto|palvelu"
    r"|keskus|virasto|yksikkö|enhet|enhed|team|office|department|council|services?)"
)
_INITIAL_AFTER = re.compile(r"[ \u00a0][A-ZÅÄÖÆØ]\.")
_INITIAL_BEFORE = re.compile(r"(?:^|(?<=[\s(]))[A-ZÅÄÖÆØ]\.[ \u00a0]$")
# A name in lower case takes a lower-case initial ("j. lindqvist"); a capitalised one does
# not, since "t." is the Finnish sign-off ("t. Pekka").
_LOWER_INITIAL_BEFORE = re.compile(r"(?:^|(?<=[\s(]))[a-zåäöæø]\.[ \u00a0]$")

_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)[ \u00a0]$")
_WORD_AFTER_RE = re.compile(r"[ \u00a0]([^\W\d_]+)")
_QUOTED_WORD_RE = re.compile(r"[\"“”«»][^\W\d_]+[\"“”«»]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’:][^\W\d_]+)*")
# A quoted message starts with a capital too: "står det 'Inga ansökningar'".
_SENTENCE_END_RE = re.compile(r"[.!?…:;\n\"«»“”‘’'(]\s*$")
_ABBREVIATION_RE = re.compile(
    r"(?:^|[^\w.])(?:[A-ZÅÄÖÆØ]|vedr|ang|bl|pga|esim|ks|mm|dvs|ca|jf|fx|nr|kl|klo|ref|tlf|puh|tel)"
    r"\.[ \u00a0]$",
    re.IGNORECASE,
)
# Lower-case particles inside a full name: "Gustaf af Klercker", "Ludwig van Beethoven".
_PARTICLE_RE = re.compile(r"[ \u00a0](?:af|av|von|van|de|der|den|da|di|du|la|le|zu|el|al)[ \u00a0]")
_SPACE = frozenset({" ", "\u00a0"})
# The tests of one word (which lists hold it, in which case) are pure and asked many times a
# text: cached, words repeat across texts too. Bounded, a few MB at most.
_WORD_CACHE = 16384
# Zipf frequency of a word used thirty times per million words or more in some language
# (a famous surname such as Niinistö stays below).
_FREQUENT_ZIPF = 4.5
# A hundred times per million: "stark", "green", "young"; not "berg", "lund" (4.5 to 4.7).
_VERY_FREQUENT_ZIPF = 5.0

# After these, one to three capitalised words are a name whether or not a list knows them.
_INTRODUCER = r"""
    (?:my|his|her|their)\s+name\s+is|name\s*:|i\s+am\s+called|named|signed
  | (?:hans|hennes|hendes)\s+(?:namn|navn)\s+(?:är|er)|navnet\s+(?:hans\s+|hennes\s+)?er
  | nimensä\s+on|nimeltään|nimellä
  | nimeni\s+on|nimi\s*:|nimi\s+on|nimi
  | jag\s+heter|mitt\s+namn\s+är|namn\s*:|(?:heter|hette|heiter|hedder|hed|het)(?:\s+{hedge})*
  | jeg\s+hedder|jeg\s+heter|mitt\s+navn\s+er|navn\s*:
  | terveisin|ystävällisin\s+terveisin|t\.|hälsningar|mvh|med\s+vänliga\s+hälsningar
  | med\s+venlig\s+hilsen|venlig\s+hilsen|med\s+vennlig\s+hilsen|vennlig\s+hilsen|hilsen
  | regards|best\s+regards|kind\s+regards|sincerely|yours|br|terkuin|best\s+wishes
  | yours\s+(?:faithfully|sincerely|truly)|warm\s+regards|vänliga\s+hälsningar
  | rouva|herra|neiti|fru|herr|hr\.|fr\.|mr\.?|mrs\.?|ms\.?|miss|dr\.?
  | asiakas|kund|kunden|borger|borgeren|innbygger|innbyggeren|invånaren|caller|customer
  | asukas|invånare|beboer|beboeren|bebuar|tenant
  | resident|citizen
  | soittaja|yhteyshenkilö|kontaktperson|contact\s+person|handläggare
  | innringer|innringeren|uppringare|uppringaren|opringer|virkailija|työntekijä|neuvoja
  | elev|eleven|eleverna|eleverne|elevene|oppilas|pupil
  | ilmoittaja|hakija|ohjaaja|sökande|sökanden|anmälare|anmälaren|handledare|ansøgeren
  | søkeren|anmelderen|vejleder|veileder|applicant|reporter|instructor|caseworker
  | case\s+worker|social\s+worker|adviser|advisor|counsellor|counselor
  | (?:someone|somebody|a\s+(?:man|woman|lady|guy|gentleman|person))\s+(?:called|named)
  | sagsbehandler|saksbehandler|käsittelijä|sosiaaliohjaaja|socialsekreterare
  | spør\s+etter|spørg\s+efter|spurgte\s+efter|spurte\s+etter|fråga\s+efter|frågade\s+efter
  | ask\s+for|asked\s+for|på\s+vegne\s+av|på\s+vegne\s+af|on\s+behalf\s+of
  | (?:{possessive})\s+(?:{relative})|(?:{relative_definite})(?:\s+(?:{possessive}))?
  | familjen|familien|familie|perhe|perheen
  | (?:datter|dotter|sønn|søn|bror|søster|syster|barnebarn|barnbarn)(?:\s+(?:min|mi|mitt|mine))?
  | siblings|twins|grandchildren|søsken|søskende|syskon|syskonen|sisarukset|kaksoset
  | tvillingerne|tvillingene|tvillingarna
  | (?:poja|tyttäre|äidi|isä|vaimo|miehe|sisko|velje|lapse|naapuri|ystävä)(?:lle|lta|ltä)
    (?:ni|mme|nsa|nsä)?
  | rektor|rektorn|rektoren|rehtori|skoleleder|skolelederen|skolleder|skolledaren
  | lærer|lærar|lærerinde|lärare|opettaja|teacher|principal|headteacher|coach
  | læge|lege|läkare|lääkäri|sygeplejerske|sykepleier|sjuksköterska|sairaanhoitaja|nurse
  | kurator|kuraattori|pastor|präst|prest|præst|pappi|pedagog|pædagog|pedagogi|assistent
"""
# What may stand between a naming verb and an uncertain name: "hedder vist nok frederik",
# "hette nåt i stil med Waleed".
_HEDGE = r"""(?:vist|nok|visst|vel|kanske|kanskje|måske|muligvis|typ|nåt|något|noe|noget|noko
  |i\s+stil\s+med|something|like|probably|maybe|perhaps|ehkä|kai|muistaakseni)"""
# Relatives and neighbours: "min far", "my daughter", "dottern", "naboen min", "poikani".
_RELATIVE = r"""
    daughter|son|wife|husband|mother|mum|mom|father|dad|neighbour|neighbor|friend|partner
  | dotter|son|fru|man|mamma|pappa|mor|far|granne|vän|sambo|datter|søn|sønn|kone|mann|nabo
  | venn|veninde|venninne|barn|bror|søster|syster|mormor|farmor|morfar|farfar|bestemor
  | mand|hustru|ektemann|kæreste|kjæreste|samboer|children|kids|boys|girls
  | brother|sister|grandmother|grandfather|grandson|granddaughter|uncle|aunt|cousin|niece
  | nephew|onkel|tante|moster|faster|morbror|farbror|kusin|fætter|kusine|fetter
"""
_RELATIVE_DEFINITE = r"""
    dottern|sonen|grannen|datteren|dattera|sønnen|naboen|kona|mannen|barnet|tyttäreni|poikani
  | vaimoni|mieheni|äitini|isäni|naapurini|ystäväni|lapseni|tyttäremme|poikamme|veljeni
  | siskoni|mummoni|pappani|barnen|børnene|barna|ungene|lapset|lapsemme
  | (?:tyttäre|poja|vaimo|miehe|äidi|isä|naapuri|ystävä|lapse|velje|sisko)(?:nsa|nsä|mme|nne)
"""
# After these only a listed name counts, in any case ("I'm olga petrova", "olen tero").
_GREETING = r"""
    name|namn|navn|i'm|i’m|im|i\s+am|this\s+is|it's|its|olen|oon|täällä|tässä|det\s+er|det\s+är|här\s+är|jeg\s+er
  | jag\s+är|eg\s+er|hei|hej|hi|hello|moi|dear|hyvä|kära|kjære|kære|kiitos|tack|takk|tak|thanks
  | (?:tack|takk|tak|thanks|thank\s+you)\s+(?:till|til|to)|ask|thank\s+you|many\s+thanks
  | thanks\s+again|tusen\s+takk|tusind\s+tak|tack\s+så\s+mycket|kiitos\s+paljon
"""
_INTRODUCERS = _INTRODUCER.format(
    possessive="min|mitt|mi|mine|my|our|vår|vårt|våre|vores|vor|meidän|sin|sitt|sine|his|her|their",
    hedge=_HEDGE,
    relative=_RELATIVE,
    relative_definite=_RELATIVE_DEFINITE,
)
# Between the cue and the name: a quote ("someone called 'Mo'") or an initial ("Yours
# faithfully, R. Venkataraman").
# The cue patterns are matched against lower-cased text: without IGNORECASE, Python's re runs
# them four times as fast, and they run before every capitalised word.
_CUE_TAIL = r"[\s,:(\"'“”‘’«»]+(?:[a-zåäöæø]\.[ \u00a0]?)?$"
_INTRODUCER_RE = re.compile(r"(?x)(?<!\w)(?:" + _INTRODUCERS + r")" + _CUE_TAIL)
# A call log's header or the sender of a message: "opkald: lise faber, …", "Call: yuki sato,
# asked …", "Klage fra Per Arne Stene (…)". After these (and after an introducer), one to
# three words in any case are a name when the first is in a list and the name ends where
# the header's field ends (a comma, a bracket, a number, a verb of calling).
_HEADER = r"""
    opkald|opringning|samtale|samtal|anrop|uppringning|soittopyyntö|puhelu|notat|anteckning
  | call|phone\s+call|call\s+note|caller|visit|besøk|besøg|besök|käynti|asiakaskäynti
  | (?:klage|henvendelse|melding|besked|beskjed|e-?mail|e-?post|brev|message|letter|complaint
    |viesti|soitto|kirje|palaute|meddelande|samtal|klagomål|feedback|request|mail|call)
    \s+(?:fra|från|frå|from|av|af|lähettäjä)
"""
_HEADER_RE = re.compile(r"(?x)(?<!\w)(?:" + _HEADER + r")[\s,:(]+$")
# What may follow a name at the end of a header's field.
_FIELD_END_RE = re.compile(r"[ \u00a0]*(?:$|[,;:()\[\]/.!?–—\d]|-[ \u00a0]|\n)")

# Verbs of calling, talking and writing to someone: "soitin Tarjalle", "ringde upp Lisbeth".
_CALLED = r"""
  | called|rang|phoned|spoke\s+(?:to|with|w/)|talked\s+(?:to|with|w/)|wrote\s+to|e-?mailed
  | soitin|soitti|soitettiin|puhuin|kirjoitin|ringde(?:\s+upp|\s+till)?|pratade\s+med
  | talade\s+med|skrev\s+till?|ringte(?:\s+til|\s+opp)?|ringede(?:\s+til|\s+op)?
  | snakket\s+med|snakka\s+med|talte\s+med
  | (?:överlämnat|överlämnad|vidarebefordrat|skickat|kopplad|kopplade\s+mig|forwarded|passed
    |handed\s+over|transferred|referred|put\s+through|overdraget|videresendt|overført|henvist
    |viderestillet|satt\s+over|sendt\s+videre)\s+(?:till|til|to)
  | siirretty|siirsin|välitetty|välitin|ohjattu
  | kysy|kysyin|kysykää|ring(?:\s+til|\s+till)?|ringe(?:\s+til)?|ringa(?:\s+till)?|soita
  | soittakaa
"""
# Saying who one is: after these two or three capitalised words are a name, listed or not.
_SELF_RE = re.compile(
    r"(?i)(?<!\w)(?:i'm|i’m|i\s+am|olen|oon|jag\s+är|jeg\s+er|eg\s+er|this\s+is|här\s+är"
    r"|tässä\s+on|täällä)[\s,:]+$"
)
_GREETING_RE = re.compile(r"(?x)(?<!\w)(?:" + _GREETING + _CALLED + r")[\s,:]+$")
# The name comes right before these: "pernille skriver:", "ingrid heter jag", "Anna soitti".
_SAYS_AFTER_RE = re.compile(
    r"""(?ix)[ \u00a0]+(?:soitti|soittaa|kirjoittaa|kirjoitti|kysyi|ringde|ringer|ringte
    |ringede|skriver|skriv|skrev|heter\s+jag|heiter\s+eg|hedder\s+jeg|called|calls|rang|writes
    |wrote|here|asked|asks|said|says|kysyy|sanoi|frågade|frågar|sa|sade|säger|spurte|spør
    |spurgte|spørger|sier|sagde|siger|wants|wanted|needs|haluaa|halusi|önskar|ønsker|ønsket
    |vill|ville|vil)(?!\w)"""
)
# A person's role in the case right after the name: "stina, vårdnadshavare", "liv (datter)".
_ROLE_AFTER_RE = re.compile(
    r"""(?ix)[ \u00a0]*[,(][ \u00a0]*(?:vårdnadshavare|förälder|huoltaja|vanhempi|forælder
    |forelder|foresatt|pårørende|anhörig|omainen|guardian|parent|mother|father|mamma|pappa
    |mor|far|äiti|isä|datter|dotter|sønn|søn|son|daughter|tytär|poika|nabo|granne|naapuri
    |neighbour|neighbor|tolk|tulkki|interpreter|elev|oppilas|pupil|student)(?!\w)"""
)
# A sign-off at the end of the text: "– signe", "-Kristjan", "/Anna", a name on its own line.
_SIGN_OFF_RE = re.compile(
    r"(?:\n|(?<!\S)[-–—/][ \u00a0]*)(?P<name>[^\W\d_]+(?:[ \u00a0][^\W\d_]+)?)\W*$"
    # "cheers mate, dave", "Thanks again, Olli": a closing word, then the name after a comma.
    r"|(?i:(?<!\w)(?:cheers|thanks|thx|regards|terveisin|kiitos|hälsningar|hilsen|mvh|tack"
    r"|takk|tak)(?!\w))[^\n,A-ZÅÄÖÆØ]{0,20},[ \u00a0]*(?P<after_comma>[^\W\d_]+)\W*$"
)


_PREFIXED_SURNAME_RE = re.compile(r"(?:Mc|Mac|O['’]|D['’])[A-ZÅÄÖÆØ][a-zåäöæøéü]+$")


@lru_cache(maxsize=_WORD_CACHE)
def _is_capitalised(word: str) -> bool:
    # "Anna-Liisa", "Mäkinen", "O'Brien", "McAllister"; not "SFO", "MitID", "BankID", "eLasku".
    if not word[0].isupper():
        return False
    if _PREFIXED_SURNAME_RE.match(word):
        return True
    if any(part[:1].islower() for part in word.split("-")[1:]):
        return False  # "Wilma-tunnukset", "BankID-appen": a compound, not a double name
    letters = [c for c in word if c.isalpha()]
    return (
        len(letters) >= 2
        and letters[0].isupper()
        and not any(c.isupper() for c in word[1:].split("-")[0][1:] if c.isalpha())
        and not word.isupper()
    )


@lru_cache(maxsize=_WORD_CACHE)
def _kind(word: str, at_start: bool = False) -> str | None:
    """ "first", "last", "wider" or None: what the lists know ``word`` (or its base form) as."""
    names = known_names()
    parts = word.split("-")
    if len(parts) == 2 and all(p[:1].isupper() for p in parts if p):
        # Anna-Liisa, Sven-Erik: the last half carries the inflection.
        halves = base_forms(parts[1])
        if parts[0].lower() in names.first and any(lem in names.first for lem in halves):
            return "first"
    if any(lemma in names.first for lemma in base_forms(word, at_start, e_stems=False)):
        return "first"
    lemmas = list(base_forms(word, at_start))
    if any(lemma in names.last for lemma in lemmas):
        return "last"
    wider = (names.wider_first, names.wider_last, names.rare_first)
    if any(lemma in names for lemma in lemmas for names in wider):
        return "wider"
    return None


@lru_cache(maxsize=_WORD_CACHE)
def _is_place(word: str) -> bool:
    names = known_names()
    lowered = word.lower()
    if lowered in names.first:
        # A first name as written is no inflected place: "Malin" is no genitive of Mali.
        return lowered in names.places
    return any(lemma in names.places for lemma in base_forms(word))


@lru_cache(maxsize=_WORD_CACHE)
def _is_listed_first_name(word: str) -> bool:
    """A first name of any list, as written (any case): "silje", "TERO", "Kristjan"."""
    lowered = word.lower()
    names = known_names()
    if "-" in lowered:
        # A double first name: "anne-mette", "LARS-ERIK".
        return all(_is_listed_first_name(part) for part in word.split("-"))
    return (
        len(lowered) > 2
        and lowered not in ORDINARY_WORDS
        and lowered not in COMMON_WORDS
        and (lowered in names.first or lowered in names.wider_first)
        and not (word.islower() and lowered in names.unsure_first)
    )


# Nordic surnames by their shape, for the word after a first name written in lower case or
# capitals ("kari heggheim", "JUHA KETOLA"): patronymics, farm and nature names.
_SURNAME_SHAPE = re.compile(
    r"(?:nen|sen|sson|dal|dahl|heim|vik|stad|rud|berg|lund|strand|gaard|gård|holm|ström|qvist"
    r"|kvist|gren|bakken|haug|moen|sæter|seter|mäki|niemi|koski|salo|järvi|lahti|saari|la|lä)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=_WORD_CACHE)
def _is_listed_last_name(word: str) -> bool:
    names = known_names()
    return any(lemma in names.last or lemma in names.wider_last for lemma in base_forms(word))


@lru_cache(maxsize=_WORD_CACHE)
def _is_surname(word: str) -> bool:
    """A listed last name, or a word of a surname's shape that is no common word."""
    lowered = word.lower()
    shaped = len(word) > 4 and bool(_SURNAME_SHAPE.search(word)) and lowered not in COMMON_WORDS
    return shaped or _is_listed_last_name(word)


def _first_name_before(word: str, last_name: str) -> bool:
    """Whether ``word`` is the unknown first name of ``last_name`` ("Mirja Mäkinen").

    An inflected last name inflects its first name too ("Mirjalle Mäkiselle"): a word without
    the same ending before it ("Lähetetty Virtaselle") is no first name.
    """
    if word.lower() in ORDINARY_WORDS or _kind(last_name) != "last":
        return False
    base_form = last_name.lower() in known_names().last
    return base_form or word[-2:].lower() == last_name[-2:].lower()


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start]
    if start == 0 or not text[:start].strip():
        return True
    if _QUOTED_WORD_RE.match(text, start - 1):
        return False  # 'ei "Mikkonen" vaan "Mikkola"': one word quoted, not a message
    # The dot of an initial or an abbreviation ends no sentence: "J. Andersson", "Vedr. Ole".
    return bool(_SENTENCE_END_RE.search(before)) and not _ABBREVIATION_RE.search(
        text[max(0, start - 8) : start]
    )


@lru_cache(maxsize=1024)
def _cue_before(text: str, start: int) -> str | None:
    """ "introduced" (after "jag heter", "Mvh", "rouva", "dottern"), "greeted" (after "hej",
    "I'm", "olen") or None."""
    before = text[max(0, start - 60) : start].lower()
    if _INTRODUCER_RE.search(before):
        return "introduced"
    if _GREETING_RE.search(before):
        return "greeted"
    return None


def find_names_in_text(text: str) -> list[tuple[int, int]]:
    """(start, end) of each person's name in ``text``, full names as one span."""
    if _is_shouted(text):
        # "TILL KARLSSON PÅ BYGGLOV … ESIM. JÄRVELÄ": read with each word capitalised, as a
        # name would be written in the same message in ordinary case.
        titled = _WORD_RE.sub(lambda word: word.group().capitalize(), text)
        if len(titled) == len(text):
            return _find_names(text) + _find_names(titled.lower())
    return _find_names(text)


def _is_acronym(text: str, start: int, end: int) -> bool:
    """A lone word in capitals that no Nordic list holds as a name: "IBAN", "EDU" ("Forwarded
    to EDU", "rejects their IBAN"). Only the other countries' lists hold such words, as
    someone's name elsewhere; a name in capitals in an ordinary sentence is a Nordic one
    ("asiakas KORHONEN") or stands beside the rest of the name ("Ahmed HASSAN")."""
    written = text[start:end]
    if not _WORD_RE.fullmatch(written) or len(written) < 2 or not written.isupper():
        return False
    before = _WORD_BEFORE_RE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER_RE.match(text, end)
    beside = [m.group(1) for m in (before, after) if m]
    if any(word[:1].isupper() for word in beside):
        return False
    return _listed_as(written) in ("wider", None)


def _is_shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and not any(c.islower() for c in letters)


def _find_names(text: str) -> list[tuple[int, int]]:
    words = list(_WORD_RE.finditer(text))
    capitalised = [word for word in words if _is_capitalised(word.group())]
    found = (
        _capitalised_names(text, capitalised)
        + _names_in_any_case(text, words, {word.start() for word in capitalised})
        + _sign_off_name(text)
        + _names_after_cues(text, words)
        + _names_in_slots(text)
    )
    found += _more_of_the_same(text, words, found)
    spans = []
    for start, end in found:
        if _names_a_street(text, start, end) or _names_a_business(text, start, end):
            continue
        if _is_acronym(text, start, end):
            continue
        if _INITIAL_AFTER.match(text, end):
            end += 3  # "Matti V."
        initial = _LOWER_INITIAL_BEFORE if text[start].islower() else _INITIAL_BEFORE
        if initial.search(text[max(0, start - 4) : start]):
            start -= 3  # "J. Andersson", "j. lindqvist"
        if text[end : end + 1] in ("'", "’") and text[end - 1 : end] in ("s", "x", "z"):
            end += 1  # "Anders' lärare"
        spans.append((start, end))
    return spans


# Places in a sentence that only a person fills, whether or not a list knows the name: "the
# Ramirez family", "can Helmi call me", "it's Olu again", "I'm Kwame and".
_CAPITALISED = (
    r"(?P<name>(?:[OD]['’](?=[A-ZÅÄÖÆØ]))?[A-ZÅÄÖÆØ][^\W\d_]+(?:[-'’][A-ZÅÄÖÆØ]?[^\W\d_]+)?)"
)
# Here a team fits too ("can Support call me"), so some list must know the word.
_LISTED_SLOT_RES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?i:(?<!\w)(?:can|could|will|would|kan|kunne|kunde|skulle|voisiko|voiko)[ \u00a0]+)"
        + _CAPITALISED
        + r"(?i:[ \u00a0]+(?:call|ring|phone|e-?mail|contact|text|ringa|ringe|ringja|soittaa"
        r"|maila|mejla|svara|answer|reply)(?!\w))",
    )
)
_SLOT_RES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?i:(?<!\w)the[ \u00a0]+)" + _CAPITALISED + r"(?i:[ \u00a0]+(?:family|household)(?!\w))",
        r"(?i:(?<!\w)(?:it's|it’s|it\s+is|this\s+is|det\s+er|det\s+är|täällä\s+on|här\s+är)"
        r"[ \u00a0]+)"
        + _CAPITALISED
        + r"(?i:[ \u00a0]+(?:again|here|speaking|igen|igjen|taas|her|här|jälleen)(?!\w))",
        r"(?i:(?<!\w)(?:i'm|i’m|i\s+am|jag\s+är|jeg\s+er|eg\s+er)[ \u00a0]+)"
        + _CAPITALISED
        + r"(?=[ \u00a0]*[,.!]|(?i:[ \u00a0]+(?:and|och|og|from|från|fra|frå)(?!\w)))",
    )
)
# A nickname in quotes inside a full name: 'Kristiina "Kikka" Mattila'.
_NICKNAME_RE = re.compile(
    r"(?P<first>[A-ZÅÄÖÆØ][^\W\d_]+)[ \u00a0]+[\"“”'‘’«»][A-ZÅÄÖÆØ][^\W\d_-]*(?:-[^\W\d_]+)?"
    r"[\"“”'‘’«»][ \u00a0]+(?P<last>[A-ZÅÄÖÆØ][^\W\d_]+)"
)
# The person at an office thanked or written to, in any case: "tack till linnea på biblan",
# "TILL KARLSSON PÅ BYGGLOV", "Thanks to Grace at Citizen Services".
# Also the person one was helped by or spoke with: "great help from dave at the front desk",
# "Kind words for Svetlana at Social Services", "pratade med Lisa i receptionen".
_TO_AT_RE = re.compile(
    r"(?i)(?<!\w)(?P<cue>till|til|to|from|for|with|med|fra|från|frå)[ \u00a0]+"
    r"(?P<name>[^\W\d_]+)[ \u00a0]+(?:på|i|at|hos|ved|vid|in|from|fra|från|frå)(?!\w)"
)
# A given name from another list before where the person works or comes from: "Bilal at
# the sports hall", "Rustam fra Tadsjikistan", "Lakshmi at the library".
_FROM_AFTER_RE = re.compile(r"(?i)[ \u00a0]+(?:at|på|hos|from|fra|från|frå)[ \u00a0]+\S")
_JOINED_AFTER_RE = re.compile(
    r"(?P<other>[A-ZÅÄÖÆØ][^\W\d_]+)[ \u00a0]+(?:og|och|and|ja|&)[ \u00a0]+$"
)
# Names written side by side with a name found: "Otto och Wilma", "Waleed eller Walid".
_AND = r"[ \u00a0]+(?:ja|och|og|and|&|or|eller|tai|vai|sekä|samt)[ \u00a0]+"
_AND_BEFORE_RE = re.compile(rf"(?i)^{_AND}$")
_AND_AFTER_RE = re.compile(rf"(?i){_AND}")
# A person's full name repeated in brackets: "Olu again (Oluwaseun Adeyemi)"; one word in
# brackets is more often a town ("Kenneth Lindroos (Helsingfors)").
_BRACKETED_NAME_RE = re.compile(
    r"(?:[ \u00a0]+[a-zåäöæø]+){0,2}[ \u00a0]*\("
    r"(?P<name>[A-ZÅÄÖÆØ][^\W\d_]+(?:[ \u00a0-][A-ZÅÄÖÆØ][^\W\d_]+){1,2})\)"
)


# A genitive before a relative, a teacher or a child's place is a person's: "Ngozi's mum",
# "Lauges klasselærer", "Idas barnehageplass" (the noun may be a compound that ends so).
_GENITIVE_RE = re.compile(
    r"(?P<name>[A-ZÅÄÖÆØ][^\W\d_]+?(?:s|(?=['’]s)))(?:['’]s)?[ \u00a0]+(?P<noun>[^\W\d_]+)"
)
_PERSONS_NOUN_RE = re.compile(
    r"(?i)(?:mum|mom|mother|dad|father|teacher|sister|brother|son|daughter|mor|far|mamma|pappa"
    r"|bror|søster|syster|datter|dotter|sønn|søn|lærer|lärare|lærar|lærerinde|pædagog|pedagog"
    r"|kontaktperson|klasse|klass|class|søknad|ansøgning|ansökan"
    # a child's place; a bare "plass" is also a square's ("Christian Frederiks plass")
    r"|(?:barnehage|børnehave|vuggestue|skole|sfo|dagis|förskole|förskola)(?:plass|plads|plats))$"
)
# The Finnish "named X" as one word: "Anneli-nimisen virkailijan", "Ahmed-niminen poika".
_NAMED_COMPOUND_RE = re.compile(
    r"(?P<name>[A-ZÅÄÖÆØ][^\W\d_]+)-nimi(?:nen|sen|selle|seltä|sellä|stä|set|siä|sten)(?!\w)"
)


def _names_in_slots(text: str) -> list[tuple[int, int]]:
    spans = _genitives_of_persons(text)
    spans += [match.span("name") for match in _NAMED_COMPOUND_RE.finditer(text)]
    for pattern in (*_LISTED_SLOT_RES, *_SLOT_RES):
        for match in pattern.finditer(text):
            name = match.group("name")
            listed = any(_kind(part) for part in name.split("-"))
            if pattern in _LISTED_SLOT_RES and not listed:
                continue
            if _is_capitalised(name) and not _fills_no_slot(name):
                spans.append(match.span("name"))
    for match in _NICKNAME_RE.finditer(text):
        first, last = match.group("first"), match.group("last")
        if not (_is_capitalised(first) and _is_capitalised(last)):
            continue
        if _kind(first) in ("first", "wider") or _is_surname(last):
            spans.append(match.span())
    for match in _TO_AT_RE.finditer(text):
        name = match.group("name")
        if name.islower() and (name in ORDINARY_WORDS or name in PRONOUNS):
            continue  # "takk til hun i skranken"
        listed = _listed_as(name) in ("first", "last") or _is_listed_first_name(name)
        if match.group("cue").lower() not in ("till", "til", "to"):
            # A wider list holds words of every language: a new cue takes them only when rare.
            listed = _listed_as(name) in ("first", "last") or (listed and is_rare_word(name))
        if listed and not (_is_common(name) or _is_place(name) or name.lower() in MONTHS):
            if not set(base_forms(name)) & SERVICE_NAMES:
                spans.append(match.span("name"))
    return spans


def _genitives_of_persons(text: str) -> list[tuple[int, int]]:
    """A capitalised genitive before a person's noun, listed as a name or rare as a word."""
    spans = []
    for match in _GENITIVE_RE.finditer(text):
        name = match.group("name")
        apostrophe = match.group()[len(name) : len(name) + 1] in ("'", "’")
        stem = name if apostrophe else name[:-1]
        if not _PERSONS_NOUN_RE.search(match.group("noun")) or not _is_capitalised(name):
            continue
        if _fills_no_slot(stem) or _fills_no_slot(name) or _is_common(stem):
            continue
        # The wider lists hold words of every language ("Parents class"): those count rare.
        if {_kind(name), _kind(stem)} & {"first", "last"}:
            spans.append(match.span("name"))
        elif _is_rare_name(stem) and not _is_definite_noun(stem):
            spans.append(match.span("name"))
    return spans


def _is_rare_name(word: str) -> bool:
    """A wider list's name rare as a word ("Aryan"), or a word in no list at all ("Ngozi")."""
    return is_rare_word(word) if _kind(word) == "wider" else is_unknown_word(word)


def _is_definite_noun(word: str) -> bool:
    """A Nordic noun with its article, rare as written but not without it: "Borgerens
    svigermor" (borger-en-s), "Barnets mamma"."""
    lowered = word.lower()
    return lowered.endswith(("en", "et")) and not is_rare_word(lowered[:-2])


def _fills_no_slot(name: str) -> bool:
    """A word that is no person's name in a person's place: a common word, a place, a month,
    an e-service ("it's Kela again"; not "can Helmi call me": Helmi is a first name), a
    nationality by its ending ("I'm Ghanaian and", "the Nordic family of apps"), a compound
    longer than any given name ("det är Stadsbyggnadskontoret igen")."""
    lowered = name.lower()
    service = bool(set(base_forms(name)) & SERVICE_NAMES) and _kind(name) != "first"
    nationality = lowered.endswith(("ian", "ean", "ese", "ish", "ic")) and not _kind(name)
    long_compound = max(len(part) for part in name.split("-")) > 12
    ordinary = _is_common(name) or _is_place(name) or lowered in MONTHS
    return ordinary or service or nationality or long_compound


def _more_of_the_same(
    text: str, words: list[re.Match[str]], spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Once a word is part of a name, it is a name wherever it recurs in the text ("Elias
    Björk … Björk är", "Tom's wife. Tom can't"), in its inflections too; so are names joined
    to a name by "and"/"or" ("Otto och Wilma") and a name in brackets after one."""
    capitalised: set[str] = set()
    any_case: set[str] = set()
    for start, end in spans:
        for part in _WORD_RE.findall(text[start:end]):
            lowered = next(base_forms(part))  # "Tom's" → "tom"
            if len(lowered) > 2 and not _is_common(lowered):
                (capitalised if part[0].isupper() else any_case).add(lowered)
    extra: list[tuple[int, int]] = []
    ends = {end: start for start, end in spans}
    starts = {start for start, _ in spans}
    added: dict[int, int] = {}  # end → start of the names found beside a name
    all_cases = any_case | capitalised
    prefixes = {name[:2] for name in any_case}, {name[:2] for name in all_cases}
    covered = bytearray(len(text) + 1)  # 1 where a name was found: a lookup per word
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    for word in words:
        written = word.group()
        if covered[word.start()]:
            continue
        upper = written[0].isupper()
        known, known_prefixes = (all_cases, prefixes[1]) if upper else (any_case, prefixes[0])
        joined = _joined_to_a_name(text, word, ends) or _joined_before_a_name(text, word, starts)
        if _continues_a_name(text, word, added):
            start = added.pop(word.start() - 1)
            extra.remove((start, word.start() - 1))
            added[word.end()] = start
            extra.append((start, word.end()))
            ends[word.end()] = start
            continue
        if joined:
            added[word.end()] = word.start()
        if joined or _recurs(text, word, known, known_prefixes):
            extra.append(word.span())
            ends[word.end()] = word.start()
    for end in list(ends):
        bracketed = _BRACKETED_NAME_RE.match(text, end)
        if bracketed and not _any_place(list(_WORD_RE.finditer(bracketed.group("name")))):
            extra.append(bracketed.span("name"))
    return extra + _listed_with_a_name(text, spans + extra)


# A list of single capitalised words ending in "and": "Aoife, Siddharth and Chukwuemeka",
# "Marjo, Teuvo ja Sakari".
_NAME_LIST_RE = re.compile(
    r"[A-ZÅÄÖÆØ][^\W\d_]+(?:,[ \u00a0]+[A-ZÅÄÖÆØ][^\W\d_]+)+,?"
    r"[ \u00a0]+(?:and|och|og|ja|&)[ \u00a0]+[A-ZÅÄÖÆØ][^\W\d_]+"
)


def _listed_with_a_name(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every item of a list of which one item is a name found, when it could be a name
    beside a name ("Siddharth", "Chukwuemeka" beside "Aoife")."""
    starts = {start for start, _ in spans}
    extra = []
    for listing in _NAME_LIST_RE.finditer(text):
        items = list(_WORD_RE.finditer(text, listing.start(), listing.end()))
        items = [item for item in items if item.group()[0].isupper()]
        if not any(item.start() in starts for item in items):
            continue
        for item in items:
            if item.start() not in starts and _pairs_with(text, item, "A"):
                extra.append(item.span())
    return extra


def _recurs(text: str, word: re.Match[str], known: set[str], prefixes: set[str]) -> bool:
    # An inflection keeps the name's first two letters (Järven, Mäelle): a cheap test first.
    written = word.group()
    if written[:2].lower() not in prefixes:
        return False
    if not known.intersection(base_forms(written)):
        return False
    if _is_common(word.group()) and _starts_sentence(text, word.start()):
        return False
    # "asiakas kallio, … Kallion uimahallin": the district of the same name.
    return not _names_a_place(text, word, listed=True)


def _joined_to_a_name(text: str, word: re.Match[str], ends: dict[int, int]) -> bool:
    """A first name after "and"/"or" and a name in the same case: "Otto och Wilma",
    "Yonas Tesfaye og Semhar Ghebremedhin"."""
    for end in range(max(0, word.start() - 8), word.start()):
        if end in ends and _AND_BEFORE_RE.match(text[end : word.start()]):
            return _pairs_with(text, word, text[ends[end]])
    return False


def _joined_before_a_name(text: str, word: re.Match[str], starts: set[int]) -> bool:
    """A first name before "and"/"or" and a name: "Dawit and Selam Tekle", "Kasia och
    Tomasz", "Olusegun and Fiona"."""
    joined = _AND_AFTER_RE.match(text, word.end())
    return bool(joined) and joined.end() in starts and _pairs_with(text, word, text[joined.end()])


def _pairs_with(text: str, word: re.Match[str], other_initial: str) -> bool:
    """Whether ``word`` written beside a name by "and"/"or" is a name too: in the same case,
    a listed first name; capitalised, also a word no list holds that is rare as a word in
    all five languages (inside a sentence: a sentence's first word is capitalised anyway)."""
    written = word.group()
    if written[0].isupper() != other_initial.isupper():
        return False
    if written.islower():  # "silje og mailen" is no pair of names
        return _is_listed_first_name(written) or _is_inflected_first_name(written)
    if not _is_capitalised(written) or _is_common(written) or _fills_no_slot(written):
        return False
    kind = _kind(written)
    if kind in ("first", "wider"):
        return True
    unknown = kind is None and not _starts_sentence(text, word.start())
    return unknown and is_unknown_word(written)


def _continues_a_name(text: str, word: re.Match[str], added: dict[int, int]) -> bool:
    """The family name after a first name found beside a name ("… og Semhar Ghebremedhin"):
    capitalised, right after it, a listed surname or a word rare in all five languages."""
    end = word.start() - 1
    if end not in added or text[end] not in _SPACE:
        return False
    written = word.group()
    if not _is_capitalised(written) or _is_common(written) or _fills_no_slot(written):
        return False
    return _is_surname(written) or (_kind(written) is None and is_unknown_word(written))


# A company's legal form, and what a shop or a café is called before its name: "Routa Oy",
# "As Oy Pihlajarinne", "Café Vera", "Salon Liv".
_COMPANY_FORM_RE = re.compile(
    r"(?<!\w)(?:Oy|Oyj|Ab|AB|Ky|Ay|AS|ASA|A/S|ApS|I/S|Ltd|Inc|GmbH|HB|KB|Tmi)(?!\w)"
)
_BUSINESS_BEFORE_RE = re.compile(
    r"(?i)(?<!\w)(?:café|cafe|kafé|kahvila|salon|salong|restaurang|restaurant|ravintola|hotel"
    r"|hotell|hotelli|pizzeria|kiosk|butik|butikk|shop|studio|Oy|AB)[ \u00a0]+$"
)


_COMPANY_AFTER_RE = re.compile(
    r"(?:[ \u00a0]+[A-ZÅÄÖÆØ][^\W\d_]*){0,2}?[ \u00a0]+" + _COMPANY_FORM_RE.pattern
)


def _names_a_business(text: str, start: int, end: int) -> bool:
    """The name in a company's ("Kivi Systems Ab") or a shop's ("Café Vera")."""
    if _COMPANY_FORM_RE.search(text[start:end]):
        return True
    if _COMPANY_AFTER_RE.match(text, end):
        return True
    return bool(_BUSINESS_BEFORE_RE.search(text, max(0, start - 12), start))


def _names_a_street(text: str, start: int, end: int) -> bool:
    """ "Peter Fabers Gade", "Aleksis Kiven kadun", "Birger Jarlsgatan", "Olav Vs gate";
    also "Freja eID", "Park Skole"."""
    following = [w.strip(".,;:!?)\"'") for w in text[end : end + 30].split()]
    if following and _REGNAL_NUMBER_RE.fullmatch(following[0]):
        following = following[1:]
    last_word = text[start:end].split()[-1]
    if last_word.lower() in _PLACE_WORDS | _INSTITUTION_WORDS or _STREET_ENDING_RE.search(
        last_word
    ):
        return True
    if not following:
        return False
    lemmas = set(base_forms(following[0]))
    # "Astrid Lindgrens skola", "Aleksis Kiven koulun": a full name before a school names it.
    named_after = " " in text[start:end].strip() and bool(lemmas & _INSTITUTION_WORDS)
    return named_after or following[0].lower() in _PRODUCT_WORDS or bool(lemmas & _PLACE_WORDS)


def _capitalised_names(text: str, words: list[re.Match[str]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        word = words[index]
        cue = _cue_before(text, word.start())
        count = _full_name_length(text, words, index, cue)
        if count:
            spans.append((word.start(), words[index + count - 1].end()))
            index += count
            continue
        if _single_name(text, word, cue):
            spans.append((word.start(), word.end()))
        index += 1
    return spans


def _following_names(text: str, words: list[re.Match[str]], index: int) -> int:
    """How many capitalised words from ``index`` on are written as one name (up to three)."""
    count = 1
    while index + count < len(words) and count < 3:
        previous, nxt = words[index + count - 1], words[index + count]
        gap = text[previous.end() : nxt.start()]
        if not (gap in _SPACE or _PARTICLE_RE.fullmatch(gap)) or nxt.group().lower() in MONTHS:
            break
        if _REGNAL_NUMBER_RE.fullmatch(nxt.group()):
            break  # "Olav Vs gate"
        count += 1
    return count


def _full_name_length(text: str, words: list[re.Match[str]], index: int, cue: str | None) -> int:
    """How many words from ``index`` on are a full name: 0, 2 or 3."""
    count = _following_names(text, words, index)
    start = words[index].start()
    if count == 1 or _after_institution(text, start):
        return 0
    names = words[index : index + count]
    cue_word = names[0].group() + " "
    if _INTRODUCER_RE.search(cue_word.lower()) or _SELF_RE.search(cue_word):
        return 0  # "Rektor Lindahl", "Mrs O'Brien": the first word introduces the name
    verb = _SAYS_AFTER_RE.fullmatch(" " + names[0].group())
    if verb and _kind(names[0].group()) != "first":
        return 0  # "Ringde Sjöberg på …": the verb, then the name (but "Ville Peltonen")
    if cue == "introduced":
        return 0 if _signs_for_organisation(text, words[index]) else count
    if _starts_sentence(text, start) and _is_common(names[0].group()):
        return 0  # "Har D-nummer", "The English storytime"
    at = _AT_RE.search(text, max(0, start - 8), start) and reads_as_english(text)
    if at and not _is_surname(names[-1].group()):
        return 0  # "at Urban Environment": an office, a place
    if cue == "greeted" and _introduces_self(text, start) and not _any_place(names):
        return count  # "I'm Kwame Mensah", "olen Jiang Wei"
    if count == 3 and _says_after(text, names[2]) and _kind(names[0].group()):
        return 3  # "Nguyen Van Minh called"
    if not _is_two_word_name(text, names[0], names[1].group(), cue):
        return 0
    # "Per Arne Stene", "Knud Erik Larsen": a double first name.
    return 3 if count == 3 and _kind(names[1].group()) == "first" else 2


def _is_two_word_name(text: str, word: re.Match[str], family: str, cue: str | None) -> bool:
    given = word.group()
    kind, family_kind = _kind(given), _kind(family) or _surname_by_ending(family)
    if _is_place(family) and family_kind is None:
        return False
    if family_kind is None and english_zipf(family) >= _FREQUENT_ZIPF:
        return False  # "Urban Environment": a first name, then a frequent English word
    if kind == "first":
        # "My Danish CPR", "Per Post": an ordinary word starting a sentence needs a surname.
        ordinary = _starts_sentence(text, word.start()) and given.lower() in ORDINARY_WORDS
        return not ordinary or _is_listed_last_name(family)
    if kind == "wider" or (cue == "greeted" and family_kind is not None):
        return True  # "Priya Sharma", "this is Rajesh Kumar", "Zainab Al-Hashimi ringde"
    return _first_name_before(given, family)


def _introduces_self(text: str, start: int) -> bool:
    return bool(_SELF_RE.search(text, max(0, start - 20), start))


def _any_place(words: list[re.Match[str]]) -> bool:
    return any(
        _is_place(w.group()) or _is_common(w.group()) or set(base_forms(w.group())) & SERVICE_NAMES
        for w in words
    )


def _after_institution(text: str, start: int) -> bool:
    before = text[max(0, start - 20) : start].split()
    return bool(before) and before[-1].lower() in _INSTITUTION_WORDS


def _single_name(text: str, word: re.Match[str], cue: str | None) -> bool:
    """Whether one capitalised word alone is a name."""
    written = word.group()
    if _INTRODUCER_RE.search(written.lower() + " "):
        return False  # "Asukas soitti", "Borger (Mrs. Thompson)": the title, the role
    if cue == "introduced":
        service = bool(set(base_forms(written)) & SERVICE_NAMES) and _kind(written) != "first"
        # A frequent word no list holds is what the cue word is about: "pupil Transport".
        frequent = _kind(written) is None and zipf(written) >= _FREQUENT_ZIPF
        return not (service or frequent or _signs_for_organisation(text, word))
    initial = _starts_sentence(text, word.start())
    if _HOLIDAY_BEFORE_RE.search(text, max(0, word.start() - 15), word.start()) or (
        initial
        and (
            _DATE_AFTER_RE.match(text, word.end())
            or _VERB_PARTICLE_AFTER_RE.match(text, word.end())
        )
    ):
        return False
    kind = _kind(written, initial) or (None if initial else _surname_by_ending(written))
    if kind is None or _after_institution(text, word.start()):
        return False
    if _reads_as_a_title(text, word, kind):
        return False
    if _names_a_place(text, word, listed=_kind(written, initial) is not None):
        return False
    lemmas = set(base_forms(written))
    if lemmas & SERVICE_NAMES or ((kind != "first" or initial) and _is_place(written)):
        return False
    lowered = written.lower()
    if initial and kind in ("first", "wider") and lowered in ORDINARY_WORDS:
        # "Onni ja Toivo ovat …", "Will from the youth centre", "Per på servicetorget".
        after = _PERSON_AFTER_RE.match(text, word.end())
        if after is None:
            # "Anna och mamma ringde", "Will and I": a person joined to a person
            joined = _AND_A_WORD_RE.match(text, word.end()) or _AND_I_RE.match(text, word.end())
            person = joined is not None and _PERSON_WORD_RE.fullmatch(joined.group("other"))
            return bool(person) and lowered not in PRONOUNS
        return not after.group("other") or _kind(after.group("other")) == "first"
    if initial and (_joined_to_a_thing(text, word) or _NUMBER_AFTER_RE.match(text, word.end())):
        return False  # "Stein og grus", "Saga eller verklighet?", "Kaj 4 ved havnen"
    if kind == "wider":
        # "Rania ringde"; not "Alla ringde", "Man ringer", nor a service named with another
        # ("Helsenorge og Altinn sier").
        joined = _JOINED_AFTER_RE.search(text, max(0, word.start() - 40), word.start())
        if joined and _kind(joined.group("other")) is None:
            return False
        placed = _FROM_AFTER_RE.match(text, word.end()) is not None and is_rare_word(written)
        return lowered not in COMMON_WORDS and (
            cue == "greeted" or _says_after(text, word) or placed
        )
    if initial and kind == "last":
        # "Virtanen ei vastaa", "Larsson på miljöförvaltningen lovade": a listed surname of a
        # Finnish or patronymic shape starts a sentence about its bearer; not one that is
        # also a demonym ("Suomalainen palvelu", "Ruotsalainen yritys").
        shaped = _surname_by_ending(written) is not None
        demonym = lowered.endswith(("lainen", "läinen"))
        return lowered in known_names().last and shaped and not demonym
    ordinary = lowered in MONTHS or (initial and lowered in COMMON_WORDS)
    return not ordinary


_NEXT_WORD_RE = re.compile(r"[ \u00a0]+(?P<next>[A-ZÅÄÖÆØ][^\W\d_]+)")


def _reads_as_a_title(text: str, word: re.Match[str], kind: str) -> bool:
    """A capitalised word of a title or an office's name, not a person: a surname alone that
    is among the most frequent words of some language ("Stark autentisering", "Hei, Strong
    ei vastaa"), a first name before a frequent English word ("Urban Environment")."""
    written = word.group()
    if written.lower() in ORDINARY_WORDS or _says_after(text, word):
        return False  # an ordinary word has rules of its own; "Green rang" is a person
    if kind != "first":
        return zipf(written) >= _VERY_FREQUENT_ZIPF
    following = _NEXT_WORD_RE.match(text, word.end())
    if following is None or _kind(following.group("next")) is not None:
        return False
    return english_zipf(following.group("next")) >= _FREQUENT_ZIPF


# A word joined to a sentence's first word by "and"/"or": a thing when it is no pronoun, no
# relative and no name ("Ester och andra kemikalier"); a person's "Signe og jeg", "Anna och
# mamma", "Tove och barnen".
_AND_A_WORD_RE = re.compile(
    r"[ \u00a0]+(?i:ja|och|og|and|&|eller|or|tai)[ \u00a0]+(?P<other>[a-zåäöæø]+)(?![\w'’])"
)
_AND_I_RE = re.compile(r"[ \u00a0]+(?i:and|&)[ \u00a0]+(?P<other>I)(?![\w'’])")
_PERSON_WORD_RE = re.compile(
    r"(?x)(?:I|jeg|jag|eg|minä|mä|hun|han|hon|hän|vi|me|we|min|mi|mitt|mine|my|hans|hennes|hendes"
    r"|hänen|sin|sitt|sine|his|her|their|our|vår|vores|meidän"
    # definite forms: "og broren Sindre", "och systern", "og mora"
    r"|(?:bro|broder|bror|søster|syster|mor|far|mamma|pappa)(?:en|n|a|er|na|ne)?"
    # a family, friends, colleagues, a dog: "Anders och familjen", "Kari og hunden"
    r"|famil(?:y|jen|ien|ie)|perhe|perheeni|friends|venner|vänner|kollegaer|kolleger"
    r"|colleagues|työkaverit|hunden|hund|koira|koiran|dog|katten|kissa|cat"
    r"|(?:äiti|isä|vaimo|mies|poika|tytär|lapset|sisko|veli|mummo|ukki|naapuri|ystävä|kaveri)"
    r"(?:ni|si|nsa|nsä|mme)?|" + _RELATIVE + "|" + _RELATIVE_DEFINITE + ")"
)


# A sentence's first word before a small number is a numbered place ("Kaj 4 ved havnen",
# "Hall 2"), unless the number is an age ("Emil 7 år", "Oskar 5 v.") or starts a phone
# number ("Jonne 044 900 1230").
_NUMBER_AFTER_RE = re.compile(
    r"[ \u00a0]+[1-9]\d{0,2}(?![\w.,:/])(?![ \u00a0]*(?:\d|år|v\b|vuot|years?|yrs|-year"
    r"|måneder|månader|mån|kk))"
)


def _joined_to_a_thing(text: str, word: re.Match[str]) -> bool:
    joined = _AND_A_WORD_RE.match(text, word.end())
    if joined is None:
        return False
    other = joined.group("other")
    return not (_PERSON_WORD_RE.fullmatch(other) or _is_listed_first_name(other))


def _signs_for_organisation(text: str, word: re.Match[str]) -> bool:
    """An introduced word that names an association, an office or a city: "Mvh
    Bostadsrättsföreningen", "Mvh Teknisk förvaltning", "Terveisin, Espoon kaupunki"."""
    written = word.group()
    if _ORGANISATION_RE.search(written) or _OFFICE_AFTER_RE.match(text, word.end()):
        return True
    if _OFFICE_AFTER_RE.fullmatch(" " + written):
        return True  # "Citizen Services"
    return _is_place(written) and _kind(written) != "first"


def _names_a_place(text: str, word: re.Match[str], listed: bool) -> bool:
    """A name inflected "in" (Kalliossa), or after "in", "i", "vid" without a genitive ("in
    Kallio", "i Bagarmossen"), or a saint's ("Sankt Hans", "S:t Eriks"), names a place; so
    does a word of a surname's shape that no list holds after "på" ("på Solrosen")."""
    written = word.group().lower()
    if written.endswith(("ssa", "ssä")):
        return True
    if _kind(written) != "first" and _FACILITY_AFTER_RE.match(text, word.end()):
        return True  # "Kallion koulussa", "Tapiolan kirjasto": the district's
    before = text[max(0, word.start() - 8) : word.start()]
    if _SAINT_RE.search(before):
        return True
    if written.endswith(("s", "'")):
        return False  # a genitive: "i Annas rum", "in Kallio's"
    if _AT_RE.search(before) and reads_as_english(text):
        return True  # not Danish "sagde at Hanne …": there "at" is "that"
    if written.endswith("n") and listed:
        return False  # "Virtasen"
    if _HOLD_OF_RE.search(before) and _kind(written) == "first" and not _is_place(written):
        return False  # "fik fat i Signe", "fick tag i Malin": getting hold of a person
    return bool(_LOCATIVE_RE.search(before) or (not listed and _ON_RE.search(before)))


# Nordic surnames by their ending: Finnish -nen (and its inflected -se- stem), Swedish -sson
# and -ström/-qvist, Danish and Norwegian -sen. Inside a sentence, a capitalised word of this
# shape is a surname: the languages' nouns are not capitalised there, but place names ending
# in a place word are ("Rådhuspladsen"), and so are Danish and Norwegian nouns in -else with
# their article ("Skattestyrelsen").
_SURNAME_ENDING = re.compile(
    r"(?:nen|s(?:e(?:n|lle|llä|lla|ltä|lta|ssä|ssa|stä|sta))|sson|ström|qvist|kvist|sen)$",
    re.IGNORECASE,
)
_NOUN_ENDING = re.compile(
    r"(?:elsen|pladsen|plassen|gatan|gaten|vägen|vejen|veien|torget|parken|kirken|haven)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=_WORD_CACHE)
def _surname_by_ending(word: str) -> str | None:
    if len(word) <= 5 or _is_place(word) or word[1:2] == "-":
        return None  # "T-banen", "S-tog": a letter and a noun
    match = _SURNAME_ENDING.search(word)
    if match is None:
        return None
    stem = word[: match.start()].lower()
    # The Nordic -sen and -son names are patronymics, a first name before the ending
    # (Jens-en, Lars-son, Mikkel-sen); Finnish -nen names have a vowel before it (Virta-nen,
    # Korho-sen). "Sydhavnen", "Bagarmossen" (a harbour, a bog) are neither.
    if _listed_as(stem) or _listed_as(stem + word[match.start()].lower()):
        return "last"
    if stem.endswith("mi") and stem[-3:-2] in VOWELS:
        return None  # a Finnish verbal noun: "Vihkimisen varaus" (vihki-minen), "Hakemisen"
    if _NOUN_ENDING.search(word) or not (is_rare_word(word) or _is_listed_last_name(word)):
        return None  # a noun with its article, frequent as a word: "Kommunen", "Stationen"
    if stem[-1:] in VOWELS or match.group().lower() in ("ström", "qvist", "kvist"):
        return "last"
    return None


def _names_in_any_case(
    text: str, words: list[re.Match[str]], capitalised: set[int]
) -> list[tuple[int, int]]:
    """Names not written capitalised, and capitalised ones that are also ordinary words:

    * a Nordic first and last name in lower case: "liisa virtanen";
    * a first and last name in capitals: "JUHA KORHONEN", "VIRTANEN ANNA";
    * a listed first name in lower case or capitals after a cue ("jeg heter silje", "olen
      tero", "I'm olga petrova") or before a verb of calling or writing ("pernille skriver",
      "ingrid heter jag"), with a last name after it;
    * an ordinary word that is a first name before such a verb ("Per ringde", "Anna soitti").
    """
    spans = []
    for index, word in enumerate(words):
        written = word.group()
        nxt = words[index + 1] if index + 1 < len(words) else None
        if nxt is not None and text[word.end() : nxt.start()] not in _SPACE:
            nxt = None
        if word.start() in capitalised:
            listed = written.lower() in ORDINARY_WORDS and _kind(written) == "first"
            if listed and written.lower() not in PRONOUNS and _says_after(text, word):
                spans.append((word.start(), word.end()))
        elif nxt is not None and (
            _is_full_name_in_one_case(written, nxt.group()) or _is_surname_first(text, written, nxt)
        ):
            spans.append((word.start(), nxt.end()))
        elif written.islower() and _listed_as(written) == "last" and not _is_common(written):
            if _says_after(text, word):
                spans.append((word.start(), word.end()))  # "j. lindqvist soitti"
        elif _is_listed_first_name(written) and written.lower() not in PRONOUNS:
            cued = _cue_before(text, word.start()) is not None
            if cued or _says_after(text, word) or _ROLE_AFTER_RE.match(text, word.end()):
                surname = nxt is not None and nxt.start() not in capitalised
                end = nxt.end() if surname and _is_surname(nxt.group()) else word.end()
                spans.append((word.start(), end))
        elif _is_inflected_first_name(written) and _cue_before(text, word.start()):
            spans.append(word.span())  # "kiitos tuomakselle", "soitin liisalle"
    return spans


def _is_inflected_first_name(word: str) -> bool:
    """A listed first name in lower case with a Finnish case ending ("tuomakselle")."""
    names = known_names()
    if not word.islower() or len(word) < 5 or not word.endswith(CASE_ENDINGS):
        return False
    if _is_common(word) or word in ORDINARY_WORDS:
        return False
    lemmas = list(base_forms(word, e_stems=False))[1:]
    return any(
        lemma in names.first and lemma not in names.unsure_first and lemma not in COMMON_WORDS
        for lemma in lemmas
    )


def _names_after_cues(text: str, words: list[re.Match[str]]) -> list[tuple[int, int]]:
    """A name in any case right after an introducer or a call log's header: "asiakas
    jokinen", "herr olofsson)", "opkald: emre öztürk, tolk …", "Call: yuki sato, asked"."""
    spans = []
    for index, word in enumerate(words):
        count = _name_run(text, words, index)
        if count and _after_a_header_or_cue(text, word.start()):
            spans.append((word.start(), words[index + count - 1].end()))
    return spans


def _after_a_header_or_cue(text: str, start: int) -> bool:
    # The introducers were looked for already (cached): only the headers are left.
    if _cue_before(text, start) == "introduced":
        return True
    return bool(_HEADER_RE.search(text[max(0, start - 60) : start].lower()))


def _name_run(text: str, words: list[re.Match[str]], index: int) -> int:
    """How many words from ``index`` on are a name written in one case: the first in a list
    (of any country), then first names, up to a last name; a word no list holds only where
    the field ends after it."""
    first = words[index].group()
    kind = _listed_as(first)
    if kind is None or _is_common(first):
        return 0
    if kind == "wider" and first.islower() and zipf(first) >= _VERY_FREQUENT_ZIPF:
        return 0  # "på vegne av ham", "(mann, ca. 70)": a pronoun, a noun another list holds
    count = 1
    # A name that is also a word ("liv", "bo", "oli") needs its field's end or a listed last
    # name after it.
    ordinary = first.lower() in ORDINARY_WORDS
    if ordinary and _FIELD_END_RE.match(text, words[index].end()):
        return 1
    while kind != "last" and count < 3 and index + count < len(words):
        previous, word = words[index + count - 1], words[index + count]
        written = word.group()
        same_case = written.istitle() == first.istitle()
        if text[previous.end() : word.start()] not in _SPACE or not same_case:
            break
        ends_field = bool(_FIELD_END_RE.match(text, word.end()) or _says_after(text, word))
        kind = _listed_as(written) or (None if ordinary else _surname_by_ending(written))
        if _SAYS_AFTER_RE.match(" " + written) or (_is_common(written) and not ends_field):
            break
        if kind is None and (ordinary or not ends_field):
            break
        count += 1
    # A word only the other countries' lists hold ("mor", "young") is a name alone only where
    # the field ends after it.
    last = words[index + count - 1]
    foreign = all(_listed_as(w.group()) in ("wider", None) for w in words[index : index + count])
    ends = _FIELD_END_RE.match(text, last.end()) or _says_after(text, last)
    return 0 if (ordinary and count == 1) or (foreign and not ends) else count


@lru_cache(maxsize=_WORD_CACHE)
def _is_common(word: str) -> bool:
    lowered = word.lower()
    return lowered in COMMON_WORDS and lowered not in ORDINARY_WORDS


@lru_cache(maxsize=_WORD_CACHE)
def _listed_as(word: str) -> str | None:
    """ "first", "last" or "wider": the list that holds ``word`` as written, uninflected
    (Anne-Mette: both halves), or None."""
    names = known_names()
    kinds = set()
    for part in word.lower().split("-"):
        if part in names.first:
            kinds.add("first")
        elif part in names.last:
            kinds.add("last")
        elif part in names.wider_first or part in names.rare_first or part in names.wider_last:
            kinds.add("wider")
        else:
            return None
    return "last" if kinds == {"last"} else "first" if "first" in kinds else "wider"


def _says_after(text: str, word: re.Match[str]) -> bool:
    return bool(_SAYS_AFTER_RE.match(text, word.end()))


def _is_surname_first(text: str, family: str, given: re.Match[str]) -> bool:
    """A note's "jarvinen tuomas, soittopyyntö": a listed surname of a Nordic shape, then a
    first name, in lower case, where the field ends."""
    return (
        family.islower()
        and given.group().islower()
        and _listed_as(family) == "last"
        and _surname_by_ending(family) is not None
        and _is_listed_first_name(given.group())
        and bool(_FIELD_END_RE.match(text, given.end()))
    )


def _is_full_name_in_one_case(given: str, family: str) -> bool:
    if given.islower() and family.islower():
        first = given in known_names().first and given not in COMMON_WORDS
        return (
            first
            and len(given) > 2
            and given not in ORDINARY_WORDS
            and (_is_listed_last_name(family))
        )
    if given.isupper() and family.isupper() and len(given) > 2 and len(family) > 2:
        return (_is_listed_first_name(given) and _is_surname(family)) or (
            _is_surname(given) and _is_listed_first_name(family)
        )
    return False


def _sign_off_name(text: str) -> list[tuple[int, int]]:
    """A listed first name signing off the text after a dash, a slash or a line break; when
    capitalised, one of any list ("/Bosse", a nickname the dictionary knows from elsewhere)."""
    offset = max(0, len(text) - 60)
    match = _SIGN_OFF_RE.search(text, offset)
    if not match:
        return []
    group = "name" if match.group("name") else "after_comma"
    first = match.group(group).split()[0]
    listed = _is_capitalised(first) and _listed_as(first) is not None and not _is_common(first)
    if not (listed or _is_listed_first_name(first)) or _is_place(first):
        return []  # "Mvh Karl Berg, Vasa": the town after the name
    return [(match.start(group), match.end(group))]

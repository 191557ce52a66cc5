"""Short per-language cue lists, turned into extra tokens for the classifiers.

Negative feedback about an e-service mostly reports a failure without any emotional word
("the upload gives error 500"), which is why general sentiment lexicons miss it (DESIGN.md,
"Offline text analysis"). A few phrases per language that mean "it does not work", "we'll
see", "thanks", "could you …" let a model trained on a few hundred items generalise beyond
the words it has seen. Each matching cue adds a token such as ``cuefailure`` to the text the
classifiers see; the models learn how much each one counts for each field.

Patterns are matched on folded text (lower case, no diacritics: see ``normalisation.fold``), so
"fungerar inte" also matches "Fungerar inte" and "ei toimi" also "Ei tōimi". They are
word-prefix patterns: ``\\bvirhe`` matches "virhe", "virheen", "virheilmoitus".
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.services.analysis.normalisation import fold

# category -> language -> patterns (regular expressions on folded text).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    # Something in the service fails or blocks the user.
    "failure": {
        "fi": (
            r"\bei (?:toimi|toimin|onnistu|pysty|paase|pase|lataudu|tallennu|hyvaksy|nay|"
            r"paivity|tule|saa|voi|anna|aukea|avaudu|mene)",
            r"\b(?:kaatu|jumitt|jumiutu|katke|havi|katoa|virhe|vika|bugi|rikki|heittaa ulos)",
            r"\bmahdoton",
            r"\bturha",
        ),
        "sv": (
            r"\b(?:fungerar|funkar|gar|gick|laddar|sparas|fungerade) (?:inte|ej)",
            r"\bkan (?:inte|ej)\b",
            r"\b(?:misslyck|felmeddel|felkod|krasch|hanger sig|hangde sig|trasig|omojlig)",
            r"\bfel\b",
            r"\butloggad",
            r"\bhittar (?:inte|ingenting)",
        ),
        "da": (
            r"\b(?:virker|fungerer|fungerede|virkede|kan) ikke",
            r"\b(?:fejl|afvis|gik ned|gar ned|frys|fros|smidt ud|umulig)",
            r"\bikke (?:muligt|virke|fungere)",
        ),
        "nb": (
            r"\b(?:fungerer|virker|funker|fungerte|virket|funka|far|fikk|gar|kan) ikke",
            r"\b(?:feil|gikk galt|gar galt|krasj|henger seg|hang seg|umulig|avvis)",
            r"\bikke (?:mulig|fungere|virke)",
            r"\blogget ut",
        ),
        "en": (
            r"\b(?:doesnt|does not|dont|do not|didnt|did not|wont|will not|cant|cannot|can not|"
            r"couldnt|could not|isnt|is not|wasnt) (?:work|load|accept|let|save|open|take|"
            r"find|show|update|get|do|be able)",
            r"\bnot (?:working|loading|possible|syncing|updating)",
            r"\b(?:error|failed|fails|failure|broken|crash|stuck|freez|frozen|impossible|"
            r"rejects|logged out|times out|timed out|spinning|unable to)",
        ),
    },
    # An error code or error page quoted by the user.
    "errorcode": {
        "fi": (r"\b(?:virhe\w*|koodi) ?\d{3}\b",),
        "sv": (r"\b(?:fel\w*|kod) ?\d{3}\b",),
        "da": (r"\b(?:fejl\w*|kode) ?\d{3}\b",),
        "nb": (r"\b(?:feil\w*|kode) ?\d{3}\b",),
        "en": (r"\b(?:error|code|http) ?\d{3}\b", r"\b[45]0\d error\b"),
    },
    # Scepticism and resignation: neutral rather than positive, even with a "works" in it.
    "sceptic": {
        "fi": (r"\bsaa nahda", r"\bkatsotaan nyt", r"\bno joo", r"\blopulta"),
        "sv": (r"\b(?:vi )?far se\b", r"\still slut", r"\bnja\b"),
        "da": (r"\b(?:vi )?far se\b", r"\bma se\b", r"\still sidst", r"\bomsider"),
        "nb": (r"\b(?:vi )?far se\b", r"\btil slutt", r"\bomsider"),
        "en": (r"\bwell see\b", r"\bwe will see", r"\bremains to be seen", r"\beventually"),
    },
    # Gratitude and praise words.
    "thanks": {
        "fi": (
            r"\bkiito",
            r"\bkiitti",
            r"\bhyvaa tyota",
            r"\bkatev",
            r"\bsujui",
            r"\bhienosti",
            r"\bselkea",
            r"\bnopeasti",
            r"\btyytyvai",
        ),
        "sv": (
            r"\btack\b",
            r"\btackar",
            r"\bsmidig",
            r"\btoppen",
            r"\bbra\b",
            r"\benkel",
            r"\bsnabbt?\b",
            r"\btydlig",
            r"\bunderbar",
            r"\bhjalpsam",
        ),
        "da": (
            r"\btak\b",
            r"\btusind tak",
            r"\bnem\b",
            r"\bhurtig",
            r"\bsuper\b",
            r"\bfint\b",
            r"\bgodt?\b",
            r"\bdejlig",
        ),
        "nb": (
            r"\btakk\b",
            r"\btusen takk",
            r"\benkel",
            r"\braskt?\b",
            r"\bgreit\b",
            r"\bbra\b",
            r"\bfantastisk",
            r"\bnydelig",
            r"\bhyggelig",
        ),
        "en": (
            r"\bthanks?\b",
            r"\bthank you",
            r"\bgreat\b",
            r"\bstraightforward",
            r"\beasy",
            r"\bgood job",
            r"\blovely",
            r"\bwonderful",
            r"\buseful",
            r"\bquick(?:ly)?\b",
            r"\bclearly",
        ),
    },
    # A contrast after praise: mixed feelings are neutral.
    "contrast": {
        "fi": (r"\bmutta\b", r"\bmuuten\b", r"\bsen sijaan"),
        "sv": (r"\bmen\b", r"\bdaremot", r"\bannars"),
        "da": (r"\bmen\b", r"\bderimod", r"\bellers"),
        "nb": (r"\bmen\b", r"\bderimot", r"\bellers"),
        "en": (r"\bbut\b", r"\bthough\b", r"\bhowever", r"\botherwise"),
    },
    # Annoyance and disappointment in so many words.
    "upset": {
        "fi": (
            r"\braivostutt",
            r"\barsytt",
            r"\bturhautt",
            r"\bsekava",
            r"\bhankala",
            r"\bvaikea",
            r"\bkamala",
            r"\bsurkea",
            r"\bpettymy",
            r"\bepaselva",
            r"\bliian (?:vaikea|pitka|monimutkai)",
        ),
        "sv": (
            r"\birrite",
            r"\bforvirr",
            r"\bkrangl",
            r"\bbesvik",
            r"\bupprord",
            r"\bdalig",
            r"\bsvar att",
            r"\bfor mycket",
            r"\binte okej",
            r"\bkrangligt",
            r"\botrevlig",
        ),
        "da": (
            r"\birrite",
            r"\bforvirr",
            r"\bbesvaerlig",
            r"\bskuffe",
            r"\bubehagelig",
            r"\bdarlig",
            r"\bsvaert",
            r"\bfor (?:meget|kompliceret|svaer)",
            r"\bkompliceret",
            r"\bfrustre",
        ),
        "nb": (
            r"\birrite",
            r"\bforvirr",
            r"\btungvint",
            r"\bskuffe",
            r"\bsint\b",
            r"\bdarlig",
            r"\bvanskelig",
            r"\bfor mye",
            r"\bkomplisert",
            r"\bfrustre",
            r"\bumulig",
            r"\bskjonner ingenting",
        ),
        "en": (
            r"\bfrustrat",
            r"\bannoy",
            r"\bconfus",
            r"\bdisappoint",
            r"\bupset",
            r"\bunhappy",
            r"\bterrible",
            r"\bawful",
            r"\buseless",
            r"\bridiculous",
            r"\btoo (?:many|much|complicated|hard)",
            r"\breally\?",
            r"\bagain\b",
        ),
    },
    # Things got better.
    "improved": {
        "fi": (r"\bparempi", r"\bparantunut", r"\bparemmin", r"\bhelpompi", r"\bselkeampi"),
        "sv": (r"\bbattre", r"\benklare", r"\btydligare", r"\bforbattr"),
        "da": (r"\bbedre\b", r"\bnemmere", r"\btydeligere", r"\bforbedr"),
        "nb": (r"\bbedre\b", r"\benklere", r"\btydeligere", r"\bforbedr"),
        "en": (r"\bbetter\b", r"\beasier", r"\bcleaner", r"\bimproved", r"\bmuch nicer"),
    },
    # Questions and requests for information.
    "question": {
        "fi": (
            r"\?",
            r"\bkysy",
            r"\btiedustel",
            r"\bmiten\b",
            r"\bvoiko",
            r"\bonko\b",
            r"\btarvitse\w*ko\b",
        ),
        "sv": (
            r"\?",
            r"\bfragade",
            r"\bundr(?:ar|ade)",
            r"\bville veta",
            r"\bhur\b",
            r"\bkan (?:jag|man|vi)\b",
        ),
        "da": (
            r"\?",
            r"\bspurg",
            r"\bville vide",
            r"\bhvordan",
            r"\bhvad\b",
            r"\bkan (?:jeg|man|vi)\b",
        ),
        "nb": (
            r"\?",
            r"\bspurte",
            r"\blurte pa",
            r"\bville vite",
            r"\bhvordan",
            r"\bhva\b",
            r"\bkan (?:jeg|man|vi)\b",
        ),
        "en": (
            r"\?",
            r"\basked",
            r"\bwanted to know",
            r"\bhow (?:do|can|long)",
            r"\bis there",
            r"\bcan (?:i|we)\b",
            r"\brequested",
        ),
    },
    # Proposals for change.
    "suggestion": {
        "fi": (
            r"\bvoisi",
            r"\bpitaisi",
            r"\behdot",
            r"\btoivoisin",
            r"\bolisi hyva",
            r"\bkannattaisi",
            r"\beiko",
        ),
        "sv": (
            r"\bvore bra",
            r"\bskulle vara bra",
            r"\bborde",
            r"\bonskar",
            r"\bforslag",
            r"\bskulle garna",
            r"\bvarfor",
        ),
        "da": (
            r"\bkunne vaere",
            r"\bville vaere",
            r"\bburde",
            r"\bforslag",
            r"\bgerne have",
            r"\bhvorfor",
        ),
        "nb": (
            r"\bhadde vaert",
            r"\bville vaert",
            r"\bburde",
            r"\bforslag",
            r"\bkan dere",
            r"\bhvorfor",
            r"\bgar det an",
        ),
        "en": (
            r"\bwould be (?:great|nice|good|better)",
            r"\bplease add",
            r"\bcould you",
            r"\bshould\b",
            r"\bsuggest",
            r"\bwhy (?:do|does|is|must|cant)",
            r"\bsimplify",
            r"\boption to",
        ),
    },
    # Many users at once, now: an outage rather than a single complaint.
    "outage": {
        "fi": (
            r"\btanaan",
            r"\bkaikki(?:a|lla)? ",
            r"\bkatko",
            r"\bmihinkaan",
            r"\bmonta soitt",
            r"\bkoskee",
        ),
        "sv": (
            r"\bidag\b",
            r"\bi dag\b",
            r"\bflera samtal",
            r"\bavbrott",
            r"\bnere\b",
            r"\bingen kan",
        ),
        "da": (r"\bi dag\b", r"\bflere borgere", r"\bnedbrud", r"\bnede\b", r"\bingen kan"),
        "nb": (r"\bi dag\b", r"\bflere innringere", r"\bflere brukere", r"\bnede\b", r"\bgjelder"),
        "en": (r"\btoday\b", r"\bseveral callers", r"\boutage", r"\bdown\b", r"\bnobody can"),
    },
    # The contact centre wrote this note from a phone call.
    "callnote": {
        "fi": (r"\bsoitt", r"\basiakas\b", r"\bas\.", r"\bohjattu", r"\bannettu"),
        "sv": (r"\bringde", r"\bkund\b", r"\bhanvisad", r"\binformerad", r"\bvidarebefordra"),
        "da": (r"\bringede", r"\bborger\b", r"\bbesvaret", r"\bhenvist"),
        "nb": (r"\bringte", r"\binnbygger\b", r"\binnringer", r"\bhenvist", r"\binformert"),
        "en": (
            r"\bcaller\b",
            r"\bcalled\b",
            r"\bcalling",
            r"\breferred",
            r"\binformed",
            r"\bforwarded",
        ),
    },
    # Words that place the feedback on a screen rather than at a desk or in the street.
    "digital": {
        "fi": (
            r"\bverkk",
            r"\bsivu",
            r"\blomak",
            r"\bhakemu",
            r"\bkirjaut",
            r"\btunnistau",
            r"\blinkki",
            r"\bliit",
            r"\blataa",
            r"\blataus",
            r"\bsovellu",
            r"\bnappi",
            r"\bsahkoi",
            r"\bpuhelimella",
            r"\bkannykal",
            r"\bkartt",
            r"\bpdf\b",
        ),
        "sv": (
            r"\be ?tjanst",
            r"\bwebb",
            r"\bsida",
            r"\bsidan",
            r"\bformular",
            r"\bansokan",
            r"\bloggar",
            r"\binlogg",
            r"\blanken",
            r"\bladda",
            r"\bapp",
            r"\bnatet",
            r"\bmobil",
            r"\bkartan",
            r"\bpdf\b",
            r"\bdigital",
            r"\be ?legitimation",
        ),
        "da": (
            r"\bselvbetjening",
            r"\bhjemmeside",
            r"\bsiden\b",
            r"\bskema",
            r"\bansogning",
            r"\blog(?:ge)? ?ind",
            r"\bmitid",
            r"\blink",
            r"\bupload",
            r"\bappen",
            r"\bnettet",
            r"\bkortet",
            r"\bskaermlaeser",
            r"\bonline",
            r"\bdigital",
        ),
        "nb": (
            r"\bnett",
            r"\bskjema",
            r"\bsoknad",
            r"\blogg",
            r"\bbankid",
            r"\blenke",
            r"\blaste opp",
            r"\bvedlegg",
            r"\bappen",
            r"\bkartet",
            r"\bmobil",
            r"\bskjermleser",
            r"\bdigital",
            r"\bpdf\b",
        ),
        "en": (
            r"\bonline",
            r"\bwebsite",
            r"\bsite\b",
            r"\bpage",
            r"\bform\b",
            r"\blog ?in",
            r"\blogged",
            r"\be ?id\b",
            r"\blink",
            r"\bupload",
            r"\bapp\b",
            r"\bportal",
            r"\bbrowser",
            r"\bscreen reader",
            r"\bclick",
            r"\bemail",
            r"\bpdf\b",
        ),
    },
    # Places and people: feedback about service at a desk, on the phone or in the street.
    "offline": {
        "fi": (
            r"\bhenkilokun",
            r"\bneuvon",
            r"\baukiolo",
            r"\bpuhelin",
            r"\bkadulla",
            r"\bkuoppa",
            r"\bauraus",
            r"\bjono",
        ),
        "sv": (
            r"\bpersonal",
            r"\bbemotande",
            r"\boppettid",
            r"\btelefonko",
            r"\bgatan",
            r"\bsnorojning",
            r"\bplogat",
            r"\bgatlykt",
        ),
        "da": (
            r"\bpersonale",
            r"\bbetjening",
            r"\babningstid",
            r"\btelefonko",
            r"\bvejen\b",
            r"\bsnerydning",
            r"\bskranke",
        ),
        "nb": (
            r"\bpersonal",
            r"\bskranke",
            r"\bapningstid",
            r"\btelefonko",
            r"\bgata\b",
            r"\bbroyt",
            r"\bsoppel",
        ),
        "en": (
            r"\bstaff",
            r"\bdesk\b",
            r"\bopening hours",
            r"\bqueue",
            r"\bstreet",
            r"\bplough",
            r"\bpothole",
            r"\bnoise",
        ),
    },
}


@lru_cache(maxsize=16)
def _compiled(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One alternation per category: a dozen regex searches per item, not a hundred."""
    compiled = []
    for category, per_language in CUES.items():
        patterns = per_language.get(language, ()) or per_language["en"]
        compiled.append((category, re.compile("|".join(f"(?:{p})" for p in patterns))))
    return tuple(compiled)


def cue_tokens(text: str, language: str) -> list[str]:
    """``cue<category>`` for every cue category present in ``text``.

    English cues are also looked for in the other languages: Nordic users mix in
    "error", "login" and "app".
    """
    folded = fold(text).replace("'", "").replace("\u2019", "")  # "doesn't" → "doesnt"
    found = {category for category, regex in _compiled(language) if regex.search(folded)}
    if language != "en":
        found.update(
            category
            for category, regex in _compiled("en")
            if category in ("failure", "errorcode", "digital") and regex.search(folded)
        )
    return [f"cue{category}" for category in sorted(found)]

"""Detector of obscene, insulting and threatening language in Russian appeals.

It only *suggests* the non-consideration ground "письменное обращение содержит
нецензурные либо оскорбительные выражения, угрозы жизни, здоровью и имуществу
сотрудника компании, а также членов его семьи"; a person makes the decision.
That is why it prefers to miss a rare word rather than to flag everyday text of an
electricity supplier: the PyPI libraries we tried flagged «рубля» and «употребление»
because they match roots as substrings.  Here every root is anchored at the start of
the word (after a closed list of prefixes) and checked against an allowlist.

Pipeline: per-character clean-up that keeps offsets into the original text (NFKC,
dropping invisible characters and accents), tokenising, per-token normalisation
(lower case, ё→е, Latin homoglyphs and leet digits to Cyrillic, squeezing
repeated letters), pymorphy3 lemmas, then roots, insults and threat phrases.

The word lists are data at the top of the module so they can be extended without
touching the logic; keep them in sync with tests/test_obscenity.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3

OBSCENE = "obscene"
INSULT = "insult"
THREAT = "threat"

# ---------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------

# Regexes over a whole normalised word (lower case, ё→е, no separators).  They are
# anchored by ``fullmatch``: a root buried inside a word («рубля», «употребление»,
# «скипидар», «застрахуйте») can only match through one of the listed prefixes.
# Each list was checked against every word form in the pymorphy3 dictionary; the
# few clean words that still matched are in ALLOWLIST.
OBSCENE_PATTERNS: tuple[str, ...] = (
    # хуй, хуйня, хуёвый, нахуй, похуй, охуеть, нихуя, дохуя, захуярить
    r"(?:на|по|о|а|ни|до|за|от|рас|раз|вы|при|у|с)?ху[йеяюи]\w*",
    # пизда, пиздец, спиздить, распиздяй, пиздюк, опездол; no clean word contains it
    r"\w*п[ие]зд\w*",
    # ебать and its prefixed forms.  A consonant prefix needs ъ/ь before е, otherwise
    # «себестоимость», «вебинар» and «себя» would match.
    r"(?:за|на|у|вы|до|по|про|при|пере|недо|долбо|мозго|(?:от|раз|с|в|вз|из|об|под)[ъь])?еб\w*",
    # бля, блядь, блять, выблядок; «бляха» and «бляшка» are not here
    r"бля",
    r"(?:вы|на|по|раз|с)?бля[дт]\w*",
    # мудак, мудила, мудозвон, отмудохать; «мудрый» has р after муд
    r"(?:за|от|из)?муд(?:а|о|ил|я)\w*",
    # сука as a noun and сукин.  «сук»/«сучья» (branch) and «сучок» (knot, «без сучка
    # и задоринки») share forms with it; see KNOT_FORMS for «сучка».
    r"сук(?:а|и|е|у|ой|ою|ам|ами|ах|ин|ина|ину|ины|ином|иной|иным|иных|ими|ино)",
    r"суч(?:ар|онок|онк|енок|енк)\w*",
    r"сучий|сучь(?:его|ему|ей|им|ими|их|ем|ю)",
    r"сучкой|сучкою|сучек",  # these forms belong only to «сучка», not to «сучок»
    # пидор, пидорас, пидарас, распидорасить; «скипидар», «лапидарный» stay clean
    r"(?:рас)?пид(?:о|а|е)?р\w*",
    r"г[ао]нд[оа]н\w*",
    r"залуп\w*",
    r"шлюх\w*",
    # манда only as its own forms: «мандат», «мандарин», «мандолина» stay clean
    r"манд(?:а|ы|е|у|ой|ою|ам|ами|ах|авошк\w*|ище|ища)?",
    # дрочить and prefixed forms; anchored, because «гидроочистка» squeezes to «гидрочистка»
    r"(?:за|по|от|на|об|вз|рас|у|до|пере|под)?дроч\w*",
)

# Forms shared by «сучка» (obscene) and «сучок» (knot): obscene unless a preposition
# that goes with the knot precedes them («без сучка», «к сучку», «на сучке»).
KNOT_FORMS: dict[str, frozenset[str]] = {
    "сучка": frozenset({"без", "ни", "от", "у", "до", "из", "для", "около", "возле", "с"}),
    "сучку": frozenset({"к", "по"}),
    "сучке": frozenset({"на", "о", "в", "при"}),
}

# Lemmas (ё→е) that are insults when addressed to a person.  Words that are also
# ordinary nouns in the business (осел = «осесть», баран, свинья on farms, жулик and
# мошенник in disputes about bills) are deliberately absent.
INSULT_LEMMAS: frozenset[str] = frozenset(
    {
        "дебил", "дебилоид", "идиот", "идиотка", "урод", "уродина", "тупица", "кретин",
        "кретинка", "мразь", "сволочь", "сволота", "скотина", "ублюдок", "быдло", "чмо",
        "козел", "козлина", "придурок", "придурка", "дегенерат", "гнида", "тварь",
        "падла", "падло", "паскуда", "ушлепок", "недоумок", "имбецил", "выродок",
        "подонок", "мерзавец", "мерзавка", "отморозок", "говнюк", "засранец", "олух",
        "педик",
    }
)
# «дурак» and «дура» are left out: in complaints they are mostly about the writer
# («нашли дураков», «мы что, дураки?»).

# Insults that are also animals (farms are customers too; «козел» is also slang for a
# home-made heater).  They count only when addressed (a second-person word in the
# sentence, or a sentence of at most three words): «вы козлы», «Козлы!», «Ваш
# инспектор — козел», but not «на ферме содержится скотина».
INSULTS_NEEDING_ADDRESS: frozenset[str] = frozenset({"козел", "козлина", "скотина"})

# Whole words (surface form or lemma, ё→е) that must never be flagged.  Most of them
# cannot match the anchored patterns anyway; they are kept as a safety net and as
# documentation of the trap corpus.
ALLOWLIST: frozenset[str] = frozenset(
    {
        # the trap corpus from the library comparison
        "рубль", "рубля", "корабль", "корабля", "употреблять", "употребление",
        "оскорблять", "оскорбление", "застраховать", "застрахуйте", "страховать",
        "хулиган", "хулиганство",
        # everyday words with obscene substrings
        "ребята", "сабля", "скипидар", "лапидарный", "мандат", "мандарин", "мандолина",
        "команда", "тебя", "себя", "небо", "небесный", "хлеб", "хлеба", "колебание",
        "колебания", "погреб", "погреба", "гребля", "гребешок", "скребок", "требовать",
        "требование", "ребенок", "учебный", "пребывание", "потребитель", "потребление",
        "электропотребление", "себестоимость", "хлебников", "подсудимый", "сукно",
        "сучок", "сук", "сучья", "бляха", "бляшка", "гидроочистка", "вебинар",
        # found by scanning the pymorphy3 dictionary
        "ебург", "муддарис", "муддарисович", "дрочена", "дрочнев",
        # abbreviations: ЕБРР (EBRD), ЕБС (Unified Biometric System), EBITDA
        "ебрр", "ебс", "ебитда",
    }
)

# Verbs whose first-person future («убью», «подожгу», «пристрелю») is a threat on
# its own.  Imperfective verbs are absent: their first person is present tense.
THREAT_VERBS: frozenset[str] = frozenset(
    {
        "убить", "зарезать", "прирезать", "пристрелить", "застрелить", "расстрелять",
        "перестрелять", "прикончить", "покалечить", "изувечить", "задушить", "удавить",
        "избить", "поджечь", "подпалить", "урыть",
    }
)
# Slang forms the dictionary does not know, threats on their own: «урою».
THREAT_WORDS: frozenset[str] = frozenset({"урою", "уроем"})
# Verbs that threaten only with a person as the object: «прибью директора» but not
# «прибью табличку», «закопаю кабель».
THREAT_VERBS_PERSON: frozenset[str] = frozenset(
    {"прибить", "закопать", "замочить", "грохнуть", "пришибить", "отметелить", "отделать"}
)
# Verbs that threaten property only with a target: «сожгу ваш офис» but not
# «сожгу мусор»; their past forms («вы сожгли мне холодильник») are complaints.
THREAT_VERBS_PROPERTY: frozenset[str] = frozenset(
    {"сжечь", "спалить", "взорвать", "разгромить", "разбомбить", "подорвать"}
)
THREAT_TARGET_NOUNS: frozenset[str] = frozenset(
    {
        "офис", "контора", "здание", "подстанция", "дом", "машина", "автомобиль",
        "склад", "отделение", "филиал", "компания", "кабинет", "касса", "квартира",
        "дача", "гараж", "имущество",
    }
)
# Impersonal infinitives after «буду/будем»: «буду стрелять», «будем вас бить».
THREAT_IMPERFECTIVE: frozenset[str] = frozenset(
    {"убивать", "резать", "бить", "стрелять", "жечь", "поджигать", "взрывать", "калечить", "душить"}
)
SECOND_PERSON: frozenset[str] = frozenset({"вы", "ты", "ваш", "твой"})
# «вы/ты» as the object, not the subject: «убить вас мало», but «вы хотите нас убить
# своими тарифами» is a complaint.
SECOND_PERSON_OBJECT: frozenset[str] = frozenset({"вас", "вам", "вами", "тебя", "тебе", "тобой"})
SECOND_PERSON_POSSESSIVE: frozenset[str] = frozenset({"ваш", "твой"})
FIRST_PERSON: frozenset[str] = frozenset({"я", "мы", "себя"})
# Objects that make a violent verb an idiom: «будем бить тревогу», «убью время».
IDIOM_OBJECTS: frozenset[str] = frozenset({"тревога", "рекорд", "челом", "баклуша", "ключ", "время"})
# Words that turn an infinitive into a possibility, a necessity or an electrical
# accident: «провод может убить ребенка», «можно сломать ногу», «убить током».
NOT_INTENT: frozenset[str] = frozenset(
    {"мочь", "можно", "прийтись", "ток", "напряжение", "электричество"}
)


@dataclass(frozen=True)
class Slot:
    words: frozenset[str]
    # None, "1per" (first person, not past), "2per", "not1per";
    # "infn": an infinitive aimed at a person or closing the clause («буду стрелять!»);
    # "threat": first person future, or an infinitive aimed at «вы/ты», not after «мочь»
    form: str | None = None


@dataclass(frozen=True)
class ThreatPhrase:
    slots: tuple[Slot, ...]
    window: int  # the last slot is at most this many tokens after the first one
    ordered: bool = True
    # «Вам конец!» is a threat, «направим вам конец акта» is not
    clause_end: bool = False
    # False lets the phrase cross commas: «знаю, где ты живешь»
    within_clause: bool = True
    # a second-person word must be in or right after the phrase: «знаю, где живет ваш
    # директор», but not «знаю, где живет собственник, могу дать адрес»
    aimed: bool = False


def _slot(words: str, form: str | None = None) -> Slot:
    return Slot(frozenset(words.split()), form)


_BODY = _slot("нога рука кость шея челюсть зуб хребет ребро морда рожа череп")
_BREAK = _slot(
    "переломать сломать поломать оторвать открутить свернуть проломить разбить "
    "выбить отбить пробить перебить раскроить",
    "threat",
)
_HEAD = _slot("голова башка")
# not «ломать/сломать/поломать голову»: that is to puzzle over a bill
_HEAD_OFF = _slot("оторвать открутить свернуть проломить разбить пробить раскроить снести", "threat")
THREAT_PHRASES: tuple[ThreatPhrase, ...] = (
    # «ноги переломаю», «голову вам оторвать»; «можно сломать ногу» is not a threat
    ThreatPhrase((_BODY, _BREAK), window=3, ordered=False),
    ThreatPhrase((_HEAD, _HEAD_OFF), window=3, ordered=False),
    # «вам конец», «тебе хана», «вам всем крышка»
    ThreatPhrase(
        (_slot("вы ты"), _slot("конец хана крышка каюк капец")), window=2, clause_end=True
    ),
    # «тебе не жить»
    ThreatPhrase((_slot("вы ты"), _slot("не"), _slot("жить")), window=3, clause_end=True),
    # «я знаю, где живёт ваш директор»
    ThreatPhrase(
        (_slot("знать", "1per"), _slot("где"), _slot("жить", "not1per")),
        window=4,
        within_clause=False,
        aimed=True,
    ),
    # «пожалеете, что на свет родились»; a bare «пожалеете» is not a threat to life,
    # health or property (and «не пожалеете» is advertising)
    ThreatPhrase((_slot("пожалеть", "2per"), _slot("родиться")), window=5, within_clause=False),
    ThreatPhrase(
        (_slot("пожалеть", "2per"), _slot("появиться"), _slot("свет")), window=6, within_clause=False
    ),
    # arson idiom: «пустим красного петуха»
    ThreatPhrase((_slot("пустить"), _slot("красный"), _slot("петух")), window=3),
    # «кровью умоетесь»
    ThreatPhrase((_slot("кровь"), _slot("умыться")), window=2, ordered=False),
    # «буду стрелять», «будем вас бить»
    ThreatPhrase((_slot("быть", "1per"), Slot(THREAT_IMPERFECTIVE, "infn")), window=3),
)

# Lemmas whose forms are expanded through pymorphy3 to recognise masked spellings
# such as «х*й», «п**дец», «бл*ть».
MASK_SEED_LEMMAS: tuple[str, ...] = (
    "хуй", "хуйня", "хуево", "хуевый", "нахуй", "похуй", "нихуя", "охуеть", "охуенный",
    "пизда", "пиздец", "пиздеть", "пиздить", "спиздить", "распиздяй", "пиздюк",
    "ебать", "ебаный", "ебанутый", "ебануть", "заебать", "заебись", "уебок", "уебать",
    "выебать", "наебать", "отъебаться", "съебаться", "долбоеб", "ебло",
    "блядь", "бля", "блять", "блядский", "сука", "сукин", "сучара", "мудак", "мудила",
    "пидор", "пидорас", "гандон", "гондон", "залупа", "шлюха", "манда",
)

# Case matters: upper-case B, H, M, T look like В, Н, М, Т; lower-case b is written for
# б (as in «6ля» with the digit), u for и, n for п, r for г.  Greek and Ukrainian
# look-alikes are folded the same way.
HOMOGLYPHS: dict[str, str] = {
    **dict(zip("ABCEHKMOPTXY", "авсенкмортху", strict=True)),
    **dict(zip("aceopxykmthbnr", "асеорхукмтнбпг", strict=True)),
    "i": "и", "I": "и",
    **dict(zip("αβεικμορτυχ", "авеикмортух", strict=True)),
    "і": "и", "ї": "и", "є": "е", "ґ": "г", "ў": "у",
}
# Digits and symbols written for letters.  «1» is ambiguous (и in «п1зда», л in
# «б1ять»), so both readings are tried.
LEET: dict[str, str] = {
    "0": "о", "3": "з", "4": "ч", "6": "б", "9": "я", "@": "а", "$": "с", "!": "и",
}
LEET_AMBIGUOUS: dict[str, tuple[str, ...]] = {"1": ("и", "л")}
# Inside a Cyrillic word a Latin letter is there on purpose, so transliteration is
# safe too: «пиzдец», «бляdь».  Not applied to all-Latin words («pizza», «dub»).
TRANSLIT_IN_CYRILLIC: dict[str, str] = dict(zip("zdlsgfvjw", "здлсгфвйш", strict=True))
# Latin u is и by shape («nuзда») but у in transliteration («xuй»): try both.
HOMOGLYPHS_AMBIGUOUS: dict[str, tuple[str, ...]] = {"u": ("и", "у"), "U": ("и", "у")}
MASK_CHARS = "*#"

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str  # "obscene" | "insult" | "threat"
    word: str  # the word as written in the text
    start: int  # offset in the original text
    end: int


def find_offensive(text: str) -> list[Finding]:
    """Return every obscene word, insult and threat found in ``text``, by offset."""
    if not text:
        return []
    clean, starts, ends = _clean(text)
    tokens = _tokenise(clean, starts, ends)
    findings: list[Finding] = []
    flagged: set[int] = set()
    for index, token in enumerate(tokens):
        kind = _word_kind(tokens, index)
        if kind:
            flagged.add(index)
            findings.append(Finding(kind, text[token.start : token.end], token.start, token.end))
    findings.extend(_joined_findings(text, clean, tokens, flagged))
    findings.extend(_threat_findings(text, tokens))
    findings.sort(key=lambda f: (f.start, f.end, f.kind))
    return findings


def has_offensive(text: str) -> bool:
    return bool(find_offensive(text))


# ---------------------------------------------------------------------------
# Normalisation and tokenising
# ---------------------------------------------------------------------------

_OBSCENE_RE = re.compile("|".join(f"(?:{p})" for p in OBSCENE_PATTERNS))
_SQUEEZE_RE = re.compile(r"(.)\1+")
_STRETCH_RE = re.compile(r"(.)\1{2,}")
_TOKEN_RE = re.compile(r"(?:\}\{|[^\W_]|[@$!*#])+")
_SENTENCE_GAP_RE = re.compile(r"[.!?…\n]")
_CLAUSE_GAP_RE = re.compile(r"[.!?…\n,;:()\"«»—–]|\s-\s")
# Characters people put between the letters of one word: «х.у.й», «пи-здец».
_INWORD_GAP_RE = re.compile(r"[.\-_·•|/\\~+]{1,2}")
_SPACED_GAP_RE = re.compile(r"[ \t.\-_·•|/\\~+]{1,3}")
_MAX_JOIN = 12
# Characters NFKC leaves alone: a fast path for the common case.
_PLAIN = frozenset(
    "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n\t.,;:!?-—«»\"'()/%*#@$"
)


def _clean(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC per grapheme, without invisible characters and accents.

    Returns the cleaned text and, for each of its characters, the start and end
    offsets of the original grapheme it came from.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        if j == i + 1 and text[i] in _PLAIN:
            out.append(text[i])
            starts.append(i)
            ends.append(j)
            i = j
            continue
        for ch in unicodedata.normalize("NFKC", text[i:j]):
            # й must keep its breve; every other accent (stress marks, «ý») is noise
            for part in (ch,) if ch in "йЙ" else unicodedata.normalize("NFD", ch):
                if unicodedata.combining(part) or unicodedata.category(part) in ("Cf", "Mn", "Me"):
                    continue
                out.append(part)
                starts.append(i)
                ends.append(j)
        i = j
    return "".join(out), starts, ends


@dataclass
class _Token:
    raw: str  # cleaned, original case
    cstart: int  # offsets in the cleaned text
    cend: int
    start: int  # offsets in the original text
    end: int
    keys: tuple[str, ...]  # normalised readings; empty when the token has no letters
    masked: bool
    sentence_start: bool
    sentence: int
    clause: int
    clause_last: bool = False
    initial: bool = False  # «И.» in «Козлов И.И.»


def _tokenise(clean: str, starts: list[int], ends: list[int]) -> list[_Token]:
    tokens: list[_Token] = []
    clause = sentence = 0
    prev_end = 0
    for m in _TOKEN_RE.finditer(clean):
        s, e = m.span()
        # punctuation at the edges is not leet: «убью!», «*важно*»
        while s < e and clean[s] in "!*#":
            s += 1
        while e > s and clean[e - 1] == "!":
            e -= 1
        if e > s and clean[e - 1] in MASK_CHARS and clean[m.start()] in MASK_CHARS:
            while e > s and clean[e - 1] in MASK_CHARS:
                e -= 1
        if s == e:
            continue
        raw = clean[s:e]
        gap = clean[prev_end:s]
        sentence_start = not tokens or bool(_SENTENCE_GAP_RE.search(gap))
        if tokens and (sentence_start or _CLAUSE_GAP_RE.search(gap)):
            tokens[-1].clause_last = True
            clause += 1
        sentence += bool(tokens) and sentence_start
        keys, masked = _readings(raw)
        token = _Token(raw, s, e, starts[s], ends[e - 1], keys, masked, sentence_start, sentence, clause)
        token.initial = len(raw) == 1 and raw.isupper() and clean[e : e + 1] == "."
        tokens.append(token)
        prev_end = e
    if tokens:
        tokens[-1].clause_last = True
    return tokens


def _is_cyrillic(ch: str) -> bool:
    return "а" <= ch <= "я" or "А" <= ch <= "Я" or ch in "ёЁйЙ"


@lru_cache(maxsize=65536)
def _readings(raw: str) -> tuple[tuple[str, ...], bool]:
    """Normalised readings of one token and whether it contains a mask («х*й»)."""
    letters = sum(ch.isalpha() for ch in raw)
    if not letters:
        return (), False
    has_cyrillic = any(_is_cyrillic(ch) for ch in raw)
    # Digits count as letters only inside a real word: «п1здюки», «6ля», but not the
    # codes «Е6», «10кВ» or «ТП-6».
    digits = sum(ch.isdigit() for ch in raw)
    leet_digits = letters >= 2 and digits <= letters
    base: list[list[str]] = []
    text = raw.replace("}{", "х")
    for pos, ch in enumerate(text):
        if _is_cyrillic(ch):
            options = [ch.lower()]
        elif ch in HOMOGLYPHS_AMBIGUOUS:
            options = list(HOMOGLYPHS_AMBIGUOUS[ch])
        elif ch in HOMOGLYPHS:
            options = [HOMOGLYPHS[ch]]
        elif has_cyrillic and ch.lower() in TRANSLIT_IN_CYRILLIC:
            options = [TRANSLIT_IN_CYRILLIC[ch.lower()]]
        elif ch in MASK_CHARS:
            options = ["*"]
        elif ch == "!":
            inside = 0 < pos < len(text) - 1 and text[pos - 1].isalpha() and text[pos + 1].isalpha()
            options = [LEET["!"]] if inside else []
        elif ch.isdigit():
            if not leet_digits:
                options = [ch]
            elif ch in LEET_AMBIGUOUS:
                options = list(LEET_AMBIGUOUS[ch])
            else:
                options = [LEET.get(ch, ch)]
        elif ch in LEET:
            options = [LEET[ch]]
        else:
            options = [ch.lower()]
        base.append(options)
    readings = [""]
    for options in base:
        readings = [r + o for r in readings for o in options][:8]
    keys = tuple(dict.fromkeys(r.replace("ё", "е") for r in readings))
    if not has_cyrillic and any(not _is_cyrillic(ch) for key in keys for ch in key if ch.isalpha()):
        # a Latin word that is not made of look-alikes («ebitda», «hub») is not Russian
        return (), False
    return keys, any("*" in k for k in keys)


def _squeeze(word: str) -> str:
    return _SQUEEZE_RE.sub(r"\1", word)


# ---------------------------------------------------------------------------
# Morphology
# ---------------------------------------------------------------------------


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    # Loading the dictionaries takes ~0.1 s and ~15 MB; do it once, on first use.
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@dataclass(frozen=True)
class _Parse:
    lemma: str  # ё→е, like every other word here
    grammemes: frozenset[str]


@lru_cache(maxsize=65536)
def _parses(word: str) -> tuple[_Parse, ...]:
    return tuple(
        _Parse(p.normal_form.replace("ё", "е"), frozenset(p.tag.grammemes)) for p in _morph().parse(word)
    )


@lru_cache(maxsize=65536)
def _is_known(word: str) -> bool:
    return _morph().word_is_known(word)


_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def _common_parse(word: str) -> _Parse | None:
    """The most likely reading that is not a personal name («козлов» → козел)."""
    for parse in _parses(word):
        if not parse.grammemes & _NAME_GRAMMEMES:
            return parse
    return None


# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _kind_of_key(key: str) -> str | None:
    """OBSCENE, INSULT or None for one normalised word, without context."""
    squeezed = _squeeze(key)
    forms = {key, squeezed}
    if forms & ALLOWLIST:
        return None
    lemmas = set()
    for form in forms:
        parse = _common_parse(form)
        if parse:
            lemmas.add(parse.lemma)
    if lemmas & ALLOWLIST:
        return None
    if any(_OBSCENE_RE.fullmatch(w) for w in forms | lemmas):
        return OBSCENE
    if _insult_words(key) & INSULT_LEMMAS:
        return INSULT
    return None


def _insult_words(key: str) -> set[str]:
    """The word, its noun lemma, and the same for its stretched spelling («дураааак»).

    Only runs of three letters are squeezed here: «дурра» (sorghum) is not «дура»,
    «поддонок» is not «подонок».  The verb «сволочь» («сволоку мусор») is not the noun.
    """
    words = {key, _STRETCH_RE.sub(r"\1", key)}
    for form in list(words):
        parse = _common_parse(form)
        if parse and "NOUN" in parse.grammemes:
            words.add(parse.lemma)
    return words


def _addressed(tokens: list[_Token], index: int) -> bool:
    """«вы/ты/ваш» in the sentence, or a short exclamation such as «Козлы!»."""
    sentence = [t for t in tokens if t.sentence == tokens[index].sentence]
    return len(sentence) <= 3 or any(_lemmas(t) & SECOND_PERSON for t in sentence)


def _needs_address(key: str) -> bool:
    return bool(_insult_words(key) & INSULTS_NEEDING_ADDRESS)


@cache
def _mask_vocabulary() -> frozenset[str]:
    words: set[str] = set()
    for seed in MASK_SEED_LEMMAS:
        words.add(seed)
        for parse in _morph().parse(seed)[:1]:
            words.update(form.word.replace("ё", "е") for form in parse.lexeme)
    return frozenset(w for w in words if _OBSCENE_RE.fullmatch(w))


def _masked_kind(key: str) -> str | None:
    """«х*й», «п**дец», «бл*ть»: the writer censored the word, it is still obscene.

    A run of k mask characters stands for k-1..k+1 letters; at least two letters must
    be visible, so «***», «х**» or «п***» alone are not flagged.  A longer mask at the
    end needs three visible letters: «по**» hides the whole root of «похуй».
    """
    visible = sum(ch.isalpha() for ch in key)
    if visible < 2 or (key.endswith("**") and visible < 3):
        return None
    parts = []
    for m in re.finditer(r"\*+|[^*]+", key):
        chunk = m.group()
        if chunk[0] == "*":
            k = len(chunk)
            parts.append(f"[а-я]{{{max(1, k - 1)},{k + 1}}}")
        else:
            parts.append(re.escape(chunk))
    pattern = re.compile("".join(parts))
    if any(pattern.fullmatch(word) for word in _mask_vocabulary()):
        return OBSCENE
    return None


def _looks_like_abbreviation(token: _Token) -> bool:
    # ЕБРР, ЕБС: short upper-case words unknown to the dictionary
    letters = [ch for ch in token.raw if ch.isalpha()]
    return (
        len(letters) >= 2
        and len(token.raw) <= 5
        and all(ch.isupper() for ch in letters)
        and not any(_is_known(k) for k in token.keys)
    )


def _looks_like_person(tokens: list[_Token], index: int) -> bool:
    """«Козлов И.И.», «Сукин А.В.», «…сообщила Козлова» are surnames, not insults.

    A capitalised word next to initials is a surname; elsewhere it must have a
    surname or name reading and not start the sentence («Сука, опять…» does).
    """
    token = tokens[index]
    if not (token.raw[:1].isupper() and token.raw[1:].islower()):
        return False
    if any(tokens[i].initial for i in (index - 1, index + 1) if 0 <= i < len(tokens)):
        return True
    return not token.sentence_start and any(
        p.grammemes & _NAME_GRAMMEMES for k in token.keys for p in _parses(k)
    )


def _word_kind(tokens: list[_Token], index: int) -> str | None:
    token = tokens[index]
    if not token.keys:
        return None
    pure_latin = not any(_is_cyrillic(ch) for ch in token.raw)
    if token.masked:
        # «no**» in English text is not «по**»
        return None if pure_latin else next(filter(None, map(_masked_kind, token.keys)), None)
    if _looks_like_abbreviation(token):
        return None
    kinds = []
    for key in token.keys:
        # «cyka» is Russian written in Latin look-alikes; «ebay» is not a Russian word
        if pure_latin and not _is_known(key):
            continue
        kind = _kind_of_key(key)
        if kind:
            kinds.append(kind)
    if knot := next((KNOT_FORMS[k] for k in token.keys if k in KNOT_FORMS), None):
        previous = tokens[index - 1].keys[:1] if index > 0 else ()
        if not set(previous) & knot:
            kinds.append(OBSCENE)
    if not kinds or _looks_like_person(tokens, index):
        return None
    if OBSCENE in kinds:
        return OBSCENE
    if _about_the_writer(tokens, index):
        return None
    if any(_needs_address(k) for k in token.keys) and not _addressed(tokens, index):
        return None
    return INSULT


def _about_the_writer(tokens: list[_Token], index: int) -> bool:
    """«держите нас за идиотов», «мы что, идиоты?», «чувствую себя идиотом».

    First person in the clause, or «мы» in the sentence with a plural insult, and no
    «вы/ваш» around.  «Я считаю, что контролёр — идиот» is still an insult.
    """
    token = tokens[index]
    if index > 0 and tokens[index - 1].clause == token.clause and tokens[index - 1].keys[:1] == ("за",):
        return True
    sentence = [t for t in tokens if t.sentence == token.sentence]
    if any(_lemmas(t) & SECOND_PERSON for t in sentence):
        return False
    clause = [t for t in sentence if t.clause == token.clause]
    if any(_lemmas(t) & FIRST_PERSON for t in clause):
        return True
    plural = any("plur" in p.grammemes for p in _token_parses(token)[:1])
    return plural and any(_lemmas(t) & {"мы"} for t in sentence)


def _single_letter(token: _Token) -> bool:
    return bool(token.keys) and len(token.keys[0]) == 1


def _joined_findings(text: str, clean: str, tokens: list[_Token], flagged: set[int]) -> Iterator[Finding]:
    """Words split by separators: «х у й», «х.у.й», «пи-здец», «с.у.к.а».

    Spaces only join single letters; dots, dashes and similar join any fragments.
    The joined word must be a dictionary word so that initials («Е.Б.А.») and codes
    stay clean.
    """
    runs: list[list[int]] = []
    current: list[int] = []
    for i, token in enumerate(tokens):
        if current:
            prev = tokens[current[-1]]
            gap = clean[prev.cend : token.cstart]
            single = _single_letter(prev) and _single_letter(token)
            joinable = bool(token.keys) and not token.masked and (
                _INWORD_GAP_RE.fullmatch(gap) is not None
                or (single and _SPACED_GAP_RE.fullmatch(gap) is not None)
            )
            if joinable and len(current) < _MAX_JOIN:
                current.append(i)
                continue
            runs.append(current)
            current = []
        if token.keys and not token.masked:
            current = [i]
    if current:
        runs.append(current)

    for run in runs:
        i = 0
        while i < len(run) - 1:
            found = None
            for j in range(len(run), i + 1, -1):
                part = run[i:j]
                if flagged.intersection(part):
                    continue
                joined = "".join(tokens[k].keys[0] for k in part)
                if len(joined) < 3 or not (_is_known(joined) or _is_known(_squeeze(joined))):
                    continue
                kind = _kind_of_key(joined)
                if kind:
                    found = (j, kind)
                    break
            if found:
                j, kind = found
                start, end = tokens[run[i]].start, tokens[run[j - 1]].end
                yield Finding(kind, text[start:end], start, end)
                i = j
            else:
                i += 1


# ---------------------------------------------------------------------------
# Threats
# ---------------------------------------------------------------------------


def _token_parses(token: _Token) -> tuple[_Parse, ...]:
    return _parses(token.keys[0]) if token.keys else ()


def _lemmas(token: _Token) -> set[str]:
    return {p.lemma for p in _token_parses(token)} | set(token.keys[:1])


def _first_person(parse: _Parse) -> bool:
    return "1per" in parse.grammemes and "past" not in parse.grammemes


def _clause_tokens(tokens: list[_Token], index: int, radius: int) -> list[_Token]:
    clause = tokens[index].clause
    lo, hi = max(0, index - radius), min(len(tokens), index + radius + 1)
    return [t for t in tokens[lo:hi] if t.clause == clause and t is not tokens[index]]


def _negated(tokens: list[_Token], index: int) -> bool:
    """«не убью», and idioms such as «бить тревогу», are not threats."""
    token = tokens[index]
    if index > 0 and tokens[index - 1].clause == token.clause and tokens[index - 1].keys[:1] == ("не",):
        return True
    after = tokens[index + 1 : index + 3]
    return any(t.clause == token.clause and _lemmas(t) & IDIOM_OBJECTS for t in after)


def _aimed_infinitive(tokens: list[_Token], index: int) -> bool:
    """«убить вас мало», «ноги вам переломать», but not «провод может убить»."""
    around = _clause_tokens(tokens, index, 3)
    if any(_lemmas(t) & NOT_INTENT for t in around):
        return False
    return any(
        set(t.keys[:1]) & SECOND_PERSON_OBJECT or _lemmas(t) & SECOND_PERSON_POSSESSIVE for t in around
    )


def _has_target(tokens: list[_Token], index: int, property_too: bool) -> bool:
    """A person («вас», «директора») or, for arson and blasts, a building as the object.

    Nouns after a preposition are circumstances, not objects: «прибью табличку для
    контролёра».
    """
    clause = tokens[index].clause
    lo = max(0, index - 3)
    for i in range(lo, min(len(tokens), index + 4)):
        t = tokens[i]
        parses = _token_parses(t)
        if i == index or t.clause != clause or not parses:
            continue
        if set(t.keys[:1]) & SECOND_PERSON_OBJECT:
            return True
        before = _token_parses(tokens[i - 1]) if i > 0 else ()
        if before and "PREP" in before[0].grammemes:
            continue
        top = parses[0]
        if "NOUN" in top.grammemes and "anim" in top.grammemes and top.grammemes & {"accs", "gent"}:
            return True
        if property_too and top.lemma in THREAT_TARGET_NOUNS:
            return True
    return False


def _slot_matches(slot: Slot, tokens: list[_Token], index: int) -> bool:
    token = tokens[index]
    parses = [p for p in _token_parses(token) if p.lemma in slot.words]
    if not parses:
        return slot.form is None and bool(set(token.keys[:1]) & slot.words)
    if slot.form is None:
        return True
    if slot.form == "1per":
        return any(_first_person(p) for p in parses) and not _negated(tokens, index)
    if slot.form == "not1per":
        return not any(_first_person(p) for p in parses)
    if slot.form == "2per":
        return any("2per" in p.grammemes for p in parses) and not _negated(tokens, index)
    if slot.form == "infn":
        return (
            any("INFN" in p.grammemes for p in parses)
            and not _negated(tokens, index)
            and (token.clause_last or _has_target(tokens, index, property_too=False))
        )
    if slot.form == "threat":
        if _negated(tokens, index):
            return False
        if any(_first_person(p) and "perf" in p.grammemes for p in parses):
            return True
        return any("INFN" in p.grammemes for p in parses) and _aimed_infinitive(tokens, index)
    raise ValueError(f"unknown slot form {slot.form!r}")


def _match_phrase(phrase: ThreatPhrase, tokens: list[_Token], first: int) -> int | None:
    """Index of the last token of ``phrase`` starting at ``first``, or None."""
    openers = phrase.slots if not phrase.ordered else phrase.slots[:1]
    if not any(_slot_matches(slot, tokens, first) for slot in openers):
        return None

    def scope(token: _Token) -> int:
        return token.clause if phrase.within_clause else token.sentence

    here = scope(tokens[first])
    limit = min(len(tokens), first + phrase.window + 1)
    window = [i for i in range(first, limit) if scope(tokens[i]) == here]
    if phrase.ordered:
        pos = first
        for slot in phrase.slots[1:]:
            pos = next((i for i in window if i > pos and _slot_matches(slot, tokens, i)), -1)
            if pos < 0:
                return None
        last = pos
    else:
        used: set[int] = set()
        for slot in phrase.slots:
            pos = next((i for i in window if i not in used and _slot_matches(slot, tokens, i)), -1)
            if pos < 0:
                return None
            used.add(pos)
        if first not in used:
            return None
        last = max(used)
    if phrase.clause_end and not tokens[last].clause_last:
        return None
    if phrase.aimed:
        sentence = tokens[first].sentence
        around = tokens[first : last + 3]
        if not any(t.sentence == sentence and _lemmas(t) & SECOND_PERSON for t in around):
            return None
    return last


def _verb_threat(tokens: list[_Token], index: int) -> bool:
    parses = _token_parses(tokens[index])
    if not parses or _negated(tokens, index):
        return False
    if tokens[index].keys[0] in THREAT_WORDS:
        return True
    for p in parses:
        if p.lemma in THREAT_VERBS:
            if _first_person(p) and "perf" in p.grammemes:
                return True
            if "INFN" in p.grammemes and _aimed_infinitive(tokens, index):
                return True
        elif (
            p.lemma in THREAT_VERBS_PERSON | THREAT_VERBS_PROPERTY
            and _first_person(p)
            and "perf" in p.grammemes
        ):
            return _has_target(tokens, index, p.lemma in THREAT_VERBS_PROPERTY)
    return False


@cache
def _threat_triggers() -> frozenset[str]:
    """Every lemma that can start a threat; other tokens are skipped quickly."""
    words: set[str] = set(THREAT_WORDS | THREAT_VERBS | THREAT_VERBS_PERSON | THREAT_VERBS_PROPERTY)
    for phrase in THREAT_PHRASES:
        for slot in phrase.slots if not phrase.ordered else phrase.slots[:1]:
            words |= slot.words
    return frozenset(words)


def _threat_findings(text: str, tokens: list[_Token]) -> Iterator[Finding]:
    covered_until = -1
    triggers = _threat_triggers()
    for index, token in enumerate(tokens):
        if not token.keys or token.masked or not _lemmas(token) & triggers:
            continue
        last = None
        for phrase in THREAT_PHRASES:
            last = _match_phrase(phrase, tokens, index)
            if last is not None:
                break
        if last is None and _verb_threat(tokens, index):
            last = index
        if last is None or index <= covered_until:
            continue
        covered_until = last
        start, end = token.start, tokens[last].end
        yield Finding(THREAT, text[start:end], start, end)

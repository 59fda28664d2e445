"""Search over appeals: by registration number, by INN, and Russian full text with ranking.

A query of digits is a number ("2026-000123", "000123", "123": that sequence in any year) or, with 10
or 12 digits, an INN (the customer's or the sender's). Anything else is full text in PostgreSQL's
websearch syntax ("показания счётчика", quotes for a phrase, -word to exclude, "or") over the subject,
text, sender's names and further messages, OR'ed with the customer's name (a substring of it, as on
the customers screen; the matching customers are looked up first, at most MATCHING_CUSTOMERS).

PostgreSQL: the `russian` configuration over the stored `search_document` columns of appeals and their
messages, kept by triggers and indexed with GIN (migration 0003).
SQLite: FTS5 has no Russian stemmer, so the table `appeals_search` holds text already normalised the
way PostgreSQL does it (lower case, the same stop words dropped, Snowball stems, ё as е);
`index_appeal` keeps it current and `reindex_appeals` rebuilds it. Both databases find the same appeals.

Ranking is bounded so that its cost does not grow with the table: the newest RANKED_CANDIDATES matches
of the queryset given (so with its queue filters) are ordered by relevance, then by registration time.
A query matching fewer appeals is ranked exactly; a broad one shows the most relevant of the recent
matches. On SQLite the text matches are first limited to the newest SQLITE_TEXT_WINDOW, before the
queue filters.

Measured at 1,000,000 appeals (bench/search_seed.py): numbers and INNs take milliseconds; with the
stored column every text query class stays under 150 ms at p95 (with expression indexes, words found
in 1-5 % of appeals took 1-3 s because PostgreSQL recomputed to_tsvector for every row it examined).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQueryField
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealMessage
from abonent.core.russian import WORD_RE, stemmer
from abonent.customers.models import Customer

RANKED_CANDIDATES = 200  # the newest matches ranked by relevance; finding them costs ~200/share of matches rows
SQLITE_TEXT_WINDOW = 5000  # SQLite: the newest text matches taken from FTS5 (in rowid order, so bounded)
MATCHING_CUSTOMERS = 20  # a name part common to more customers than this is too vague to follow further
MIN_NAME_QUERY = 3  # shorter substrings match nearly every name
FIRST_NUMBER_YEAR = 2000

NUMBER_RE = re.compile(r"№?\s*(?:(?P<year>\d{4})\s*[-–]\s*)?(?P<sequence>\d{1,6})")
INN_RE = re.compile(r"\d{10}|\d{12}")
# A quoted phrase (the closing quote may be missing) or a bare token, either with a leading minus.
QUERY_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')

# PostgreSQL's stop words for the `russian` configuration (tsearch_data/russian.stop and english.stop):
# the SQLite index drops the same words, so phrases and AND queries behave alike on both databases.
_RUSSIAN_STOP = """
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня
еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там
потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе
под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были
куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них
какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
конечно всю между
"""
_ENGLISH_STOP = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing a an the and but if or because as until while of at by for with
about against between into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
"""
RUSSIAN_STOP_WORDS = frozenset(_RUSSIAN_STOP.split())
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP.split())

# --- Normalisation: the same words and stems as PostgreSQL's `russian` configuration ---

@lru_cache(maxsize=100_000)
def normalise_word(word: str) -> str | None:
    """A word as PostgreSQL's `russian` configuration indexes it, or None for a stop word: words with
    digits as they are, Latin words by the English stemmer, the rest by the Russian one (ё as е)."""
    word = word.lower()
    if any(ch.isdigit() for ch in word):
        return word
    if word.isascii():
        return None if word in ENGLISH_STOP_WORDS else stemmer("english").stemWord(word)
    if word in RUSSIAN_STOP_WORDS:  # checked before ё is folded, as PostgreSQL does ("её" is not a stop word)
        return None
    return stemmer("russian").stemWord(word.replace("ё", "е"))


def normalise_text(text: str) -> str:
    """The searchable form of a text: its stems in reading order, separated by spaces."""
    return " ".join(stem for word in WORD_RE.findall(text) if (stem := normalise_word(word)))


# --- The query language: PostgreSQL's websearch syntax, parsed once for both databases ---

@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    negated: bool = False

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem for word in self.words if (stem := normalise_word(word)))

    def websearch(self) -> str:
        text = self.words[0] if len(self.words) == 1 else '"' + " ".join(self.words) + '"'
        return f"-{text}" if self.negated else text


def parse_query(query: str) -> list[list[Term]]:
    """Alternatives (split by "or"), each a list of terms that must all hold. Terms of stop words only
    are dropped, and so is an alternative with no positive term: "-газ" alone finds nothing rather
    than almost everything."""
    alternatives: list[list[Term]] = [[]]
    for match in QUERY_TOKEN_RE.finditer(query):
        minus_quoted, phrase, minus_bare, bare = match.groups()
        if phrase is None and bare.lower() == "or" and not minus_bare:
            alternatives.append([])
            continue
        words = tuple(w.lower() for w in WORD_RE.findall(phrase if phrase is not None else bare))
        if not words:
            continue
        negated = bool(minus_quoted or minus_bare)
        if phrase is None and not negated:
            alternatives[-1].extend(Term((word,)) for word in words)  # "показания,счетчик": both words
        else:
            alternatives[-1].append(Term(words, negated))
    result = []
    for terms in alternatives:
        terms = [term for term in terms if term.stems]
        if any(not term.negated for term in terms):
            result.append(terms)
    return result


def websearch_text(alternatives: list[list[Term]]) -> str:
    """The parsed query written back for websearch_to_tsquery: only words, quotes, minus and "or"."""
    return " or ".join(" ".join(term.websearch() for term in terms) for terms in alternatives)


def fts5_expression(alternatives: list[list[Term]]) -> str:
    """The parsed query as an FTS5 expression over normalised text. Every stem is quoted, so no input
    can inject FTS5 syntax; FTS5's NOT is binary, so exclusions follow the positive terms."""
    def phrase(term: Term) -> str:
        return '"' + " ".join(term.stems) + '"'

    parts = []
    for terms in alternatives:
        positive = " AND ".join(phrase(t) for t in terms if not t.negated)
        negative = "".join(f" NOT {phrase(t)}" for t in terms if t.negated)
        parts.append(f"({positive}{negative})")
    return " OR ".join(parts)


# --- PostgreSQL: the stored search_document columns (kept by the triggers of migration 0003) ---

DOCUMENT_FIELDS = ("subject", "text", "sender_organisation", "sender_name")


class WebSearchQuery(Func):
    output_field = SearchQueryField()
    template = "websearch_to_tsquery('russian'::regconfig, %(expressions)s)"

    def __init__(self, text: str):
        super().__init__(Value(text))


class Matches(Func):
    """document @@ query."""

    output_field = BooleanField()
    template = "(%(expressions)s)"
    arg_joiner = " @@ "


class AnyOf(Func):
    """column = ANY(ARRAY(subquery)). Unlike IN (subquery) inside an OR, the array is computed once and
    the column's index is used, so each branch of the OR stays an index scan."""

    output_field = BooleanField()
    template = "%(column)s = ANY(%(array)s)"

    def __init__(self, column: str, queryset: QuerySet):
        super().__init__(F(column), ArraySubquery(queryset))

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (array, array_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return self.template % {"column": column, "array": array}, (*column_params, *array_params)


# --- SQLite expressions ---

class Fts5Rank(Func):
    """Relevance in the FTS5 table (-bm25: higher is better), NULL for an appeal without a text match.
    bm25 counts the matches of each word once per FTS5 cursor, so one cursor ranks the newest
    SQLITE_TEXT_WINDOW matches for the whole query (LIMIT also keeps SQLite from flattening it into a
    cursor per row, which costs milliseconds a row on common words)."""

    output_field = FloatField()
    template = ("(SELECT rank FROM (SELECT rowid AS appeal_id, -bm25(appeals_search) AS rank FROM appeals_search "
                "WHERE appeals_search MATCH %(match)s ORDER BY rowid DESC LIMIT %(window)d) WHERE appeal_id = %(pk)s)")

    def __init__(self, expression: str):
        super().__init__(Value(expression), F("pk"))

    def as_sql(self, compiler, connection, **extra_context):
        (match, match_params), (pk, pk_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = self.template % {"match": match, "pk": pk, "window": SQLITE_TEXT_WINDOW}
        return sql, (*match_params, *pk_params)


# --- The public API ---

def search_appeals(queryset: QuerySet[Appeal], query: str) -> QuerySet[Appeal]:
    """The appeals of `queryset` that match `query`, best first, then newest first. An empty query
    returns the queryset unchanged; one without a single letter or digit finds nothing. Apply queue
    filters before searching: ranking takes the newest RANKED_CANDIDATES matches of the queryset given."""
    query = query.strip()
    if not query:
        return queryset
    if match := NUMBER_RE.fullmatch(query):
        return _by_number(queryset, match["year"], int(match["sequence"]))
    if INN_RE.fullmatch(query):
        return _by_inn(queryset, query)
    return _by_text(queryset, query)


def _vendor(queryset: QuerySet) -> str:
    return connections[queryset.db].vendor


def _customer_ids(customers: QuerySet[Customer]) -> list[int]:
    # Looked up first, in a query of their own: with the ids as literals PostgreSQL's statistics tell a
    # customer with ten appeals from one with ten thousand, which a subquery would hide from the planner.
    return list(customers.order_by().values_list("pk", flat=True)[:MATCHING_CUSTOMERS])


def _by_number(queryset: QuerySet[Appeal], year: str | None, sequence: int) -> QuerySet[Appeal]:
    # Probes of the unique number index, one a year, rather than a scan for numbers ending in the sequence.
    years = [int(year)] if year else range(FIRST_NUMBER_YEAR, timezone.localdate().year + 2)
    return queryset.filter(number__in=[f"{y}-{sequence:06d}" for y in years]).order_by("-registered_at", "-pk")


def _by_inn(queryset: QuerySet[Appeal], inn: str) -> QuerySet[Appeal]:
    customers = _customer_ids(Customer.objects.using(queryset.db).filter(inn=inn))
    return queryset.filter(Q(sender_inn=inn) | Q(customer_id__in=customers)).order_by("-registered_at", "-pk")


def _by_text(queryset: QuerySet[Appeal], query: str) -> QuerySet[Appeal]:
    if not WORD_RE.search(query):
        return queryset.none()
    condition, rank = Q(), None
    if len(query) >= MIN_NAME_QUERY and (customers := _customer_ids(
            Customer.objects.using(queryset.db).filter(search_name__contains=query.casefold()))):
        condition |= Q(customer_id__in=customers)
    if alternatives := parse_query(query):  # else stop words only: the customer's name alone
        text_match, rank = (_postgresql_text if _vendor(queryset) == "postgresql" else _sqlite_text)(alternatives)
        condition |= text_match
    if not condition:
        return queryset.none()
    # The newest by id (= by registration order): FTS5 reads its matches in rowid order and PostgreSQL
    # walks the primary key or sorts the GIN matches, whichever is cheaper; then rank, then date.
    candidates = queryset.filter(pk__in=queryset.filter(condition).order_by("-pk").values("pk")[:RANKED_CANDIDATES])
    if rank is None:
        return candidates.order_by("-registered_at", "-pk")
    return candidates.alias(search_rank=rank).order_by(F("search_rank").desc(), "-registered_at", "-pk")


def _postgresql_text(alternatives: list[list[Term]]) -> tuple[Q, Func]:
    tsquery = WebSearchQuery(websearch_text(alternatives))
    # No ORDER BY/LIMIT here: they would invite a walk down the primary key computing to_tsvector for
    # every message on the way; the GIN index returns the matches, and there are few messages.
    messages = AppealMessage.objects.filter(Matches(F("search_document"), tsquery)).order_by().values("appeal_id")
    match = Q(Matches(F("search_document"), tsquery)) | Q(AnyOf("pk", messages))
    return match, Func(F("search_document"), tsquery, function="ts_rank", output_field=FloatField())


def _sqlite_text(alternatives: list[list[Term]]) -> tuple[Q, Func]:
    expression = fts5_expression(alternatives)
    # FTS5 returns its newest matches first and stops at the LIMIT: bounded however common the words.
    matching = RawSQL(  # noqa: S611 - the expression is a parameter, the SQL text is fixed
        "SELECT rowid FROM appeals_search WHERE appeals_search MATCH %s ORDER BY rowid DESC LIMIT %s",
        [expression, SQLITE_TEXT_WINDOW])
    return Q(pk__in=matching), Coalesce(Fts5Rank(expression), 0.0)


# --- The SQLite index ---

def _is_sqlite(using: str) -> bool:
    return connections[using].vendor == "sqlite"


def appeal_document(appeal: dict, messages: list[str]) -> str:
    """The normalised text indexed for an appeal: subject, text, sender's names, further messages."""
    parts = [appeal[name] or "" for name in DOCUMENT_FIELDS]
    return normalise_text(" ".join([*parts, *messages]))


def index_appeal(appeal_id: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """(Re)writes the appeal's row in the SQLite index; call it in the transaction that changed the
    appeal or added a message. PostgreSQL indexes by itself: nothing to do there."""
    if not _is_sqlite(using):
        return
    appeal = Appeal.objects.using(using).filter(pk=appeal_id).values(*DOCUMENT_FIELDS).first()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM appeals_search WHERE rowid = %s", [appeal_id])
        if appeal is not None:
            messages = list(AppealMessage.objects.using(using).filter(appeal_id=appeal_id)
                            .order_by("pk").values_list("text", flat=True))
            cursor.execute("INSERT INTO appeals_search (rowid, body) VALUES (%s, %s)",
                           [appeal_id, appeal_document(appeal, messages)])


def remove_from_index(appeal_id: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
    if not _is_sqlite(using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM appeals_search WHERE rowid = %s", [appeal_id])


def rebuild_index(*, using: str = DEFAULT_DB_ALIAS, appeal_model=Appeal, message_model=AppealMessage,
                  batch_size: int = 2000) -> int:
    """Rebuilds the SQLite index from the tables in one transaction; returns the number of appeals.
    Takes the models as arguments so that migration 0002 can pass its historical ones."""
    count = 0
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM appeals_search")
        last_pk = 0
        while True:
            batch = list(appeal_model.objects.using(using).filter(pk__gt=last_pk).order_by("pk")
                         .values("pk", *DOCUMENT_FIELDS)[:batch_size])
            if not batch:
                break
            last_pk = batch[-1]["pk"]
            messages: dict[int, list[str]] = {}
            for appeal_id, text in (message_model.objects.using(using)
                                    .filter(appeal_id__gte=batch[0]["pk"], appeal_id__lte=last_pk)
                                    .order_by("pk").values_list("appeal_id", "text")):
                messages.setdefault(appeal_id, []).append(text)
            cursor.executemany("INSERT INTO appeals_search (rowid, body) VALUES (%s, %s)",
                               [(a["pk"], appeal_document(a, messages.get(a["pk"], []))) for a in batch])
            count += len(batch)
        cursor.execute("INSERT INTO appeals_search (appeals_search) VALUES ('optimize')")
    return count

"""Russian word stems (Snowball, the same algorithm as PostgreSQL's 'russian' configuration), for
routing keywords, similarity and the SQLite search index."""

import re
from functools import cache

import snowballstemmer

WORD_RE = re.compile(r"[а-яёa-z0-9]+", re.IGNORECASE)


@cache
def _stemmer():
    return snowballstemmer.stemmer("russian")


def stem_words(text: str) -> list[str]:
    """Stems of the words in reading order; ё is folded into е as PostgreSQL does."""
    words = [w.replace("ё", "е") for w in WORD_RE.findall(text.lower())]
    return _stemmer().stemWords(words)

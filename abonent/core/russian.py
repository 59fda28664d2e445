"""Russian word stems (Snowball, the same algorithm as PostgreSQL's 'russian' configuration), for
routing keywords, similarity and the search index."""

import re
import threading

import snowballstemmer

WORD_RE = re.compile(r"[а-яёa-z0-9]+", re.IGNORECASE)
_per_thread = threading.local()


def stemmer(language: str = "russian"):
    """This thread's Snowball stemmer: an instance keeps the word it is working on, so the threads of a gthread
    worker must not share one (a shared one answered concurrent registrations with IndexError)."""
    stemmers = _per_thread.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


def stem_words(text: str) -> list[str]:
    """Stems of the words in reading order; ё is folded into е as PostgreSQL does."""
    words = [w.replace("ё", "е") for w in WORD_RE.findall(text.lower())]
    return stemmer().stemWords(words)

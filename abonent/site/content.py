"""Pure helpers for the site's content: safe HTML from staff-edited text, and word search that understands
Russian endings (Snowball stems, the same as the appeals search), in Python over the few hundred rows
the site publishes, so SQLite and PostgreSQL find the same and Cyrillic case never matters."""

import html
import re
from collections.abc import Callable, Iterable

import nh3

from abonent.core.russian import stem_words

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "u", "a", "blockquote", "code", "pre",
    "hr", "table", "caption", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "sub", "sup",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Words too common to tell questions apart (a few of PostgreSQL's Russian stop words, stemmed).
_STOP_STEMS = set(stem_words(
    "и в во не что на с со как а то все так его но да к у же вы за бы по только ее было вот от еще нет о из "
    "когда уже или ни быть был до вас там ли если для мы чем без под будет тогда кто этот того потому этого "
    "какой можно при после над больше через эти нас про всего них много мне меня мой наш ваш я"))


def sanitize_html(text: str) -> str:
    """Keeps paragraphs, headings h2-h4, lists, tables, links and emphasis; drops scripts, styles, event
    handlers and unsafe links. The page's own h1 stays the only one."""
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)


def plain_text(markup: str) -> str:
    """The words of an HTML fragment, for searching it."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup or ""))


def query_stems(query: str) -> list[str]:
    """The distinct significant stems of a visitor's query, in order."""
    seen: dict[str, None] = {}
    for stem in stem_words(query[:300]):
        if stem not in _STOP_STEMS and len(stem) > 1:
            seen.setdefault(stem, None)
    return list(seen)[:12]


def search[T](items: Iterable[T], query: str, text_of: Callable[[T], str], *, require_all: bool = True,
              limit: int | None = None) -> list[T]:
    """Items whose text holds the query's words in any grammatical form, the best matches first.

    With `require_all` every word must be there (a search box); without, at least two (or the only one)
    must, which suits suggestions drawn from a long free text."""
    stems = query_stems(query)
    if not stems:
        return []
    needed = len(stems) if require_all else min(2, len(stems))
    scored = []
    for position, item in enumerate(items):
        words = set(stem_words(text_of(item)))
        score = sum(1 for stem in stems if stem in words)
        if score >= needed:
            scored.append((-score, position, item))
    scored.sort(key=lambda row: row[:2])
    found = [item for *_, item in scored]
    return found[:limit] if limit is not None else found

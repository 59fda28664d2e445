"""Stems for routing and search: the same in every thread, whatever the others stem at the time."""

import sys

import pytest

from abonent.core.russian import stem_words, stemmer
from abonent.core.testing.threads import run_in_threads

TEXT = ("Прошу пересчитать начисления за потреблённую электроэнергию по лицевому счёту: показания приборов учёта "
        "переданы своевременно, а в счёте указаны расчётные объёмы; приложены фотографии счётчиков ") * 20


def test_stems_as_postgresql_reads_them():
    assert stem_words("Счётчики переданы, показания приборов") == ["счетчик", "переда", "показан", "прибор"]


@pytest.fixture
def often_switching_threads():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_threads_stemming_at_once_get_what_one_thread_gets(often_switching_threads):
    expected = stem_words(TEXT)

    def stem() -> None:
        for _ in range(30):
            assert stem_words(TEXT) == expected

    assert run_in_threads(stem, 4) == []


def test_each_thread_has_its_own_stemmer():
    seen = []
    assert run_in_threads(lambda: seen.append(stemmer()), 3) == []
    assert len({id(s) for s in [*seen, stemmer()]}) == 4


def test_the_stemmers_are_snowballs_c_ones():
    """PyStemmer (libstemmer in C, the same algorithms) stems a registration's text in microseconds; the pure
    Python fallback took milliseconds."""
    assert type(stemmer()).__module__ == "Stemmer"

import io

import pytest
from django.core.management import call_command
from django.db import connection

from abonent.appeals import search
from abonent.appeals.models import Appeal
from abonent.appeals.search import (
    fts5_expression,
    index_appeal,
    normalise_text,
    parse_query,
    remove_from_index,
    search_appeals,
    websearch_text,
)
from abonent.appeals.services import add_message
from abonent.appeals.tests.factories import register
from abonent.customers.tests.factories import CustomerFactory
from abonent.organisation.models import Topic

pytestmark = pytest.mark.usefixtures("organisation")

POSTGRESQL = connection.vendor == "postgresql"
only_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL only")
only_sqlite = pytest.mark.skipif(POSTGRESQL, reason="SQLite only")


def appeal(text: str = "Прошу разъяснить начисление за октябрь.", **fields) -> Appeal:
    """Registered through the intake service and indexed, as the intake will do it."""
    registered = register(text=text, **fields)
    index_appeal(registered.pk)
    return registered


def found(query: str, queryset=None) -> list[str]:
    queryset = Appeal.objects.all() if queryset is None else queryset
    return list(search_appeals(queryset, query).values_list("number", flat=True))


# --- Normalisation and the query language (no database) ---

def test_normalised_text_is_stems_without_stop_words_and_with_ye_for_yo():
    assert normalise_text("Её показания по счётчику, и без него!") == "е показан счетчик"


def test_latin_words_are_stemmed_as_english_and_numbers_kept():
    assert normalise_text("Meters reading 10кВ 2026") == "meter read 10кв 2026"


def test_websearch_query_is_parsed_into_alternatives_of_terms():
    alternatives = parse_query('"показания счётчика" -газ or Вода')
    assert websearch_text(alternatives) == '"показания счётчика" -газ or вода'
    assert fts5_expression(alternatives) == '("показан счетчик" NOT "газ") OR ("вод")'


def test_stop_words_and_exclusions_alone_make_no_alternative():
    assert parse_query("и по без") == []
    assert parse_query("-счётчик") == []
    assert websearch_text(parse_query("счётчик or -газ")) == "счётчик"


def test_fts5_expression_quotes_every_stem_so_input_cannot_inject_syntax():
    assert fts5_expression(parse_query('NEAR(a b) счётчик* AND "x')) == '("near" AND "b" AND "счетчик" AND "x")'


# --- Full text ---

def test_plural_finds_the_genitive_singular_with_yo():
    wanted = appeal("Прошу заменить счетчика на складе.")
    appeal("Вопрос о тарифе.")
    assert found("счётчики") == [wanted.number]


def test_nominative_plural_finds_the_genitive_plural():
    wanted = appeal("Не приняты данные показаний за март.")
    appeal("Вопрос о тарифе.")
    assert found("показания") == [wanted.number]


def test_yo_and_ye_find_each_other():
    with_yo = appeal("Счётчик не работает.")
    with_ye = appeal("Счетчик сломан.")
    assert found("счетчик") == [with_ye.number, with_yo.number]
    assert found("счётчик") == [with_ye.number, with_yo.number]


def test_every_word_must_be_present():
    both = appeal("Передаю показания счётчика за март.")
    appeal("Показания переданы вовремя.")
    assert found("показания счётчика") == [both.number]


def test_minus_word_excludes_appeals_containing_it():
    kept = appeal("Счётчик не работает.")
    appeal("Прошу провести поверку счётчика.")
    assert found("счётчик -поверка") == [kept.number]


def test_or_finds_either_word():
    first = appeal("Прошу сделать перерасчёт.")
    second = appeal("Прошу рассрочку платежа.")
    appeal("Вопрос о тарифе.")
    assert found("перерасчёт or рассрочка") == [second.number, first.number]


def test_quotes_find_the_words_as_a_phrase():
    phrase = appeal("Передаю показания счётчика за март.")
    appeal("Счётчик снят, показания не переданы.")
    assert found('"показания счётчика"') == [phrase.number]


def test_subject_and_sender_names_are_searched():
    by_subject = appeal("Прошу разобраться.", subject="Перерасчёт за март")
    by_organisation = appeal("Прошу разобраться.", sender_organisation="ООО «Василёк»")
    by_person = appeal("Прошу разобраться.", sender_name="Кузнецова Мария Петровна")
    assert found("перерасчет") == [by_subject.number]
    assert found("василек") == [by_organisation.number]
    assert found("кузнецовой") == [by_person.number]


def test_a_further_message_is_searched(operator):
    target = appeal("Прошу перезвонить.")
    add_message(appeal=target, text="Сгорел трансформатор на подстанции.", channel="email")
    index_appeal(target.pk)
    assert found("трансформаторы") == [target.number]


def test_the_more_relevant_appeal_comes_first_though_older():
    relevant = appeal("Замена счётчика: счётчик сгорел, счётчики на складе.")
    passing = appeal("Вопрос по договору, по оплате и про счётчик.")
    assert found("счётчик") == [relevant.number, passing.number]


def test_equally_relevant_appeals_come_newest_first():
    older = appeal("Прошу сделать перерасчёт.")
    newer = appeal("Прошу сделать перерасчёт.")
    assert found("перерасчёт") == [newer.number, older.number]


def test_a_broad_query_ranks_only_the_newest_matches(monkeypatch):
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 2)
    appeal("Замена счётчика: счётчик сгорел, счётчики на складе.")  # the most relevant, but the oldest
    middle = appeal("Вопрос про счётчик.")
    newest = appeal("Вопрос про счётчик.")
    assert found("счётчик") == [newest.number, middle.number]


# --- Number, INN, customer ---

def test_full_number_finds_that_appeal_only():
    appeal()
    wanted = appeal()
    assert found(wanted.number) == [wanted.number]
    assert found(f"№ {wanted.number}") == [wanted.number]
    assert found(f"{wanted.year - 1}-{wanted.sequence:06d}") == []


def test_partial_number_finds_the_sequence_in_any_year():
    appeal()
    wanted = appeal()
    assert found(f"{wanted.sequence:06d}") == [wanted.number]
    assert found(str(wanted.sequence)) == [wanted.number]
    assert found(f"{wanted.year}-{wanted.sequence}") == [wanted.number]
    assert found("999999") == []


def test_inn_finds_the_customers_appeals_and_the_senders():
    customer = CustomerFactory()
    of_customer = appeal(customer=customer)
    by_sender = appeal(sender_inn=customer.inn)  # tied to the customer at registration too
    unknown_sender = appeal(sender_inn="222500000000")
    appeal(customer=CustomerFactory())
    assert found(customer.inn) == [by_sender.number, of_customer.number]
    assert found("222500000000") == [unknown_sender.number]
    assert found("7707083893") == []


def test_customer_name_is_found_by_a_part_of_it():
    customer = CustomerFactory(name="Общество с ограниченной ответственностью «Ромашка»", short_name="ООО «Ромашка»")
    of_customer = appeal("Прошу выставить счёт.", customer=customer)
    appeal("Прошу выставить счёт.", customer=CustomerFactory())
    assert found("Ромашка") == [of_customer.number]
    assert found("ромаш") == [of_customer.number]
    assert found("ООО «Ромашка»") == [of_customer.number]


def test_customer_name_or_text_both_count():
    customer = CustomerFactory(name="Общество с ограниченной ответственностью «Ромашка»", short_name="ООО «Ромашка»")
    of_customer = appeal("Прошу выставить счёт.", customer=customer)
    mentioning = appeal("Магазин «Ромашка» не оплачивает.")
    # The text match ranks above the name match.
    assert found("ромашка") == [mentioning.number, of_customer.number]


# --- Combining, slicing, garbage ---

def test_search_combines_with_a_department_filter_either_way():
    readings, payments = Topic.objects.get(code="readings"), Topic.objects.get(code="payments")
    in_audit = appeal("Счётчик не работает.", topic=readings)
    in_sales = appeal("Счётчик и счёт.", topic=payments)
    assert (in_audit.department.code, in_sales.department.code) == ("audit", "sales")
    assert found("счётчик", Appeal.objects.filter(department__code="audit")) == [in_audit.number]
    assert list(search_appeals(Appeal.objects.all(), "счётчик").filter(department__code="sales")
                .values_list("number", flat=True)) == [in_sales.number]


def test_search_results_can_be_sliced():
    numbers = [appeal("Прошу сделать перерасчёт.").number for _ in range(3)]
    page = search_appeals(Appeal.objects.all(), "перерасчёт")[:2]
    assert [a.number for a in page] == numbers[::-1][:2]


@pytest.mark.parametrize("query", ["%", "'", "\\", '"', "-", "«»", "''; DROP TABLE appeals_appeal; --", "и по"])
def test_garbage_finds_nothing(query):
    appeal("Прошу 100% перерасчёт, 'срочно' \\ и по договору.", customer=CustomerFactory(name="ООО '%'"))
    assert found(query) == []


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_returns_the_queryset_unchanged(query):
    queryset = Appeal.objects.filter(status=Appeal.Status.REGISTERED).order_by("due_at")
    assert search_appeals(queryset, query) is queryset


# --- Keeping the index ---

@only_sqlite
def test_registered_appeal_and_added_message_are_searchable_at_once():
    registered = register(text="Сгорел трансформатор.")
    assert found("трансформатор") == [registered.number]
    add_message(appeal=registered, text="Дополнение: повреждён кабель", channel="email")
    assert found("кабель") == [registered.number]


def test_reindexing_an_appeal_replaces_its_row():
    target = appeal("Сгорел трансформатор.")
    index_appeal(target.pk)
    assert found("трансформатор") == [target.number]


def test_removed_from_index_is_not_found_on_sqlite():
    target = appeal("Сгорел трансформатор.")
    remove_from_index(target.pk)
    assert found("трансформатор") == ([target.number] if POSTGRESQL else [])


def test_reindex_command_rebuilds_the_index():
    registered = register(text="Сгорел трансформатор.")
    out = io.StringIO()
    call_command("reindex_appeals", stdout=out)
    assert found("трансформатор") == [registered.number]
    if POSTGRESQL:
        assert out.getvalue() == "Поисковый индекс ведёт PostgreSQL (индексы GIN), перестраивать нечего.\n"
    else:
        assert out.getvalue() == "Поисковый индекс перестроен: 1 обращение.\n"


# --- PostgreSQL: the same stems, and the indexes in the plan ---

@only_postgresql
def test_sqlite_normalisation_matches_postgresql_lexemes():
    text = "Её показания по счётчику электро-снабжения ООО «Ромашка»: meters reading, 10кВ, перерасчёты."
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(lexeme) FROM unnest(to_tsvector('russian', %s))", [text])
        lexemes = set(cursor.fetchone()[0])
    assert set(normalise_text(text).split()) == lexemes - {"электро-снабжен"}  # hyphenated whole: PostgreSQL only


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # With a few rows any plan is cheap: leave the planner only bitmap scans, which need a usable index.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
    return queryset.explain()


@only_postgresql
def test_postgresql_text_search_uses_the_gin_indexes():
    appeal("Счётчик не работает.")
    plan = _plan(search_appeals(Appeal.objects.all(), "показания счётчика")[:25])
    assert "appeal_search_document" in plan
    assert "appeal_message_search" in plan


@only_postgresql
def test_postgresql_number_and_inn_use_indexes():
    appeal()
    assert "appeal_number_unique" in _plan(search_appeals(Appeal.objects.all(), "000123")[:25])
    assert "appeal_search_sender_inn" in _plan(search_appeals(Appeal.objects.all(), "2225000000")[:25])

"""Fill a scratch database with synthetic appeals and time the appeals search on it.

PostgreSQL: bench/prepare.py (what `make bench` runs) migrates, drops the secondary indexes of the appeals
tables, calls `seed` here and `report_monthly.py enrich`, then builds the indexes once over the loaded rows,
as an upgrade would; the search triggers stay on, so each appeal's search document is computed on load:
    createdb -h 127.0.0.1 -U postgres abonent_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_bench
    .venv/bin/python bench/prepare.py --appeals 1000000
    .venv/bin/python bench/search_seed.py measure --explain
Not `migrate appeals 0001` before the load, as this recipe once said: seven apps' migrations depend on the
later appeals migrations, so it unapplies them too (dropping their tables), and their post_migrate handlers
then fail on the missing tables.

SQLite:
    export ABONENT_VAR_DIR=/tmp/search_bench_sqlite
    .venv/bin/python manage.py migrate --no-input
    .venv/bin/python bench/search_seed.py seed --appeals 200000
    .venv/bin/python manage.py reindex_appeals
    .venv/bin/python bench/search_seed.py measure --explain

Texts are drawn from a word list with a Zipf distribution (domain words most frequent, then a long
tail of made-up words), so common words match tens of percent of the appeals, as real ones do.
Never point it at a database that matters: it only adds rows, but a million of them.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from abonent.appeals.models import Appeal, AppealMessage  # noqa: E402
from abonent.appeals.search import search_appeals  # noqa: E402
from abonent.core.validators import complete_inn  # noqa: E402
from abonent.customers.models import Customer  # noqa: E402
from abonent.demo.organisation import seed_organisation  # noqa: E402
from abonent.organisation.models import Department  # noqa: E402


def words(text: str) -> list[str]:
    return text.split()


# Domain words in the forms they take in letters, most frequent first.
DOMAIN = words("""
прошу счётчика показания договору электроэнергии счёт оплаты просим показаний оплату задолженности
электроэнергию договора счётчик начисление период расчёт срок задолженность перерасчёт сумма месяц
потребления прибора учёта прибор объекта акт уведомление ответ подачи ограничения возобновления
мощности сетевой организации тарифа тариф категории ценовой счёта счета платёж платежа платёжного поручения
предоставить направить сообщить разъяснить произвести выставить выполнить принять передать рассмотреть
замена замену поверка поверки пломбы пломбу опломбировать трансформатор трансформатора подстанции
кабеля линии напряжения отключение отключения перерыв перерывы качество качества жалоба претензия
претензию неустойку пени штраф рассрочку рассрочки отсрочку график графика январь февраль март апрель
май июнь июль август сентябрь октябрь ноябрь декабрь квартал года года пожалуйста срочно повторно
указанный указанного нашего нашему наш наша компании предприятия магазина склада офиса здания
помещения адрес адресу улица улице проспект кабинет личный кабинете пароль доступ электронной почте
документы документов копии копию оригинал подписи подписанный реквизиты реквизитов банка акт сверки
акта сверки взаиморасчётов корректировочный корректировку счёт-фактуру универсальный передаточный
ЭДО Диадок СБИС оператор оператора обращение обращения заявление заявку заявки технологическое
присоединение присоединения мощность киловатт часов кВт·ч объём объёма норматив среднемесячный
расчётным способом замещающей информации дистанционно автоматизированной системы АСКУЭ интервальный
""")
SYLLABLES = words("ка ро ви ла ми то ре на по су де го ба ти зе лу мо ны кры ста пле дро вен тор вал сни")
ENDINGS = ["", "а", "ов", "ами", "ой", "ения", "ский", "ную", "ет", "али", "ость"]
SURNAMES = words("Иванов Петров Сидоров Кузнецов Смирнов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов "
                 "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров")
NAMES = words("Иван Пётр Сергей Алексей Дмитрий Андрей Ольга Елена Мария Наталья Татьяна Светлана Юрий Артём")
DEPARTMENT_CODES = ["reception", "sales", "audit", "services"]


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    words = list(dict.fromkeys(w.lower() for w in DOMAIN))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice(ENDINGS)
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1 / (rank + 10) for rank in range(len(words))]
    return words, weights


class TextMaker:
    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.words, weights = vocabulary(self.rng)
        self.cumulative = []
        total = 0.0
        for w in weights:
            total += w
            self.cumulative.append(total)

    def sentence(self, low: int, high: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def name(self) -> str:
        return "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 3))).capitalize()


def seed_customers(maker: TextMaker, count: int) -> list[int]:
    existing = Customer.objects.count()
    customers = []
    for n in range(existing, count):
        if n % 5 == 4:
            name = f"Индивидуальный предприниматель {maker.rng.choice(SURNAMES)} {maker.rng.choice(NAMES)}"
            short, kind, inn, kpp = name.replace("Индивидуальный предприниматель", "ИП"), \
                Customer.Kind.SOLE_PROPRIETOR, complete_inn(f"22{n:08d}"), ""
        else:
            title = f"{maker.name()}-{n}"
            name, short = f"Общество с ограниченной ответственностью «{title}»", f"ООО «{title}»"
            kind, inn, kpp = Customer.Kind.LEGAL_ENTITY, complete_inn(f"22{n:07d}"), "222401001"
        customers.append(Customer(kind=kind, name=name, short_name=short, inn=inn, kpp=kpp,
                                  search_name=f"{name} {short}".casefold()))
    Customer.objects.bulk_create(customers, batch_size=2000)
    return list(Customer.objects.values_list("pk", flat=True))


def appeal_rows(maker: TextMaker, count: int, customer_ids: list[int], departments: list[int], start_year: int):
    rng = maker.rng
    start = datetime.datetime(start_year, 1, 9, 8, 0, tzinfo=datetime.UTC)
    span = (timezone.now() - start).total_seconds()
    # Big customers write often: a Zipf-like choice of customer.
    customer_weights = [1 / (i + 1) ** 0.8 for i in range(len(customer_ids))]
    customer_cumulative = list(_accumulate(customer_weights))
    # Numbers go on from what is there (no queries once COPY has started).
    sequences = dict(Appeal.objects.values_list("year").annotate(last=Max("sequence")).order_by())
    for i in range(count):
        registered = start + datetime.timedelta(seconds=span * (i + 1) / count)
        year = registered.year
        sequence = sequences[year] = sequences.get(year, 0) + 1
        customer = rng.choices(customer_ids, cum_weights=customer_cumulative)[0] if rng.random() < 0.7 else None
        organisation = "" if customer or rng.random() < 0.5 else f"ООО «{maker.name()}»"
        yield {
            "created_at": registered, "updated_at": registered, "number": f"{year}-{sequence:06d}",
            "year": year, "sequence": sequence, "kind": "question", "topic_id": None, "channel": "email",
            "reply_channel": "email", "customer_id": customer, "billing_account_id": None,
            "sender_name": f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}", "sender_organisation": organisation,
            "sender_inn": "" if customer or rng.random() < 0.6 else complete_inn(f"54{rng.randrange(10**8):08d}"),
            "sender_email": "client@example.ru", "sender_phone": "", "sender_address": "",
            "subject": maker.sentence(3, 7)[:300],
            "text": " ".join(maker.sentence(5, 15) for _ in range(rng.randint(2, 6))),
            "received_at": registered, "registered_at": registered, "registered_by_id": None, "postmark_date": None,
            "status": "closed" if rng.random() < 0.9 else "registered", "department_id": rng.choice(departments),
            "executor_id": None, "due_at": registered + datetime.timedelta(days=30), "is_extended": False,
            "urgency_id": None, "is_conflict": False, "is_typical": False, "answered_at": None, "closed_at": None,
            "source_key": None,
        }


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def insert(table: str, rows, batch: int = 5000) -> int:
    """COPY on PostgreSQL, executemany on SQLite."""
    count = 0
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    columns = list(first)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in _chain(first, iterator):
                copy.write_row([row[c] for c in columns])
                count += 1
                if count % 100_000 == 0:
                    print(f"  {table}: {count}", flush=True)
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - our own names
    chunk = []
    with connection.cursor() as cursor:
        for row in _chain(first, iterator):
            chunk.append([row[c] for c in columns])
            if len(chunk) == batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
                if count % 100_000 == 0:
                    print(f"  {table}: {count}", flush=True)
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _chain(first, rest):
    yield first
    yield from rest


def seed(args) -> None:
    maker = TextMaker(args.seed)
    seed_organisation()
    departments = list(Department.objects.filter(code__in=DEPARTMENT_CODES).values_list("pk", flat=True))
    started = time.perf_counter()
    customer_ids = seed_customers(maker, args.customers)
    print(f"customers: {len(customer_ids)} ({time.perf_counter() - started:.1f} s)", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        count = insert("appeals_appeal", appeal_rows(maker, args.appeals, customer_ids, departments, args.start_year))
    print(f"appeals: {count} ({time.perf_counter() - started:.1f} s)", flush=True)
    started = time.perf_counter()
    appeal_ids = list(Appeal.objects.order_by("?").values_list("pk", flat=True)[: args.appeals // 20])
    now = timezone.now()
    with transaction.atomic():
        count = insert("appeals_appealmessage", ({
            "appeal_id": pk, "channel": "email", "author": "", "text": maker.sentence(10, 40),
            "received_at": now, "source_key": None} for pk in appeal_ids))
    print(f"messages: {count} ({time.perf_counter() - started:.1f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def queries() -> dict[str, list[str]]:
    """Query classes, several queries each so that p95 is not one lucky plan."""
    numbers = list(Appeal.objects.order_by("?").values_list("number", flat=True)[:10])
    big = list(Customer.objects.annotate(n=Count("appeals")).order_by("-n")
               .values_list("inn", "short_name")[:5])
    sender_inns = list(Appeal.objects.exclude(sender_inn="").order_by("?").values_list("sender_inn", flat=True)[:5])
    maker = TextMaker(99)
    tail = maker.words[3000:3010]
    return {
        "text: two common words": ["показания счётчика", "оплаты задолженности", "прошу перерасчёт",
                                   "договору электроэнергии", "счёт оплату"],
        "text: two medium words": ["трансформатор подстанции", "рассрочку пени", "пломбу замену",
                                   "акт сверки", "отключения напряжения"],
        "text: two rare words": [f"{a} {b}" for a, b in zip(tail[::2], tail[1::2], strict=True)],
        "text: one common word": ["счётчик", "оплата", "договор"],
        "text: with minus": ["показания счётчика -замена", "оплата -пени"],
        "customer name part": [name.split("«")[-1].rstrip("»")[:8] for _, name in big],
        "number (full)": numbers[:5],
        "number (sequence only)": [n.split("-")[1] for n in numbers[5:]],
        "INN (big customer)": [inn for inn, _ in big],
        "INN (sender)": sender_inns,
    }


def measure(args) -> None:
    total = Appeal.objects.count()
    print(f"{connection.vendor}: {total} appeals, {AppealMessage.objects.count()} messages, "
          f"{Customer.objects.count()} customers", flush=True)
    audit = Department.objects.get(code="audit")
    for label, texts in queries().items():
        for scope, base in (("all", Appeal.objects.all()), ("audit queue", Appeal.objects.filter(department=audit))):
            timings = []
            for _ in range(args.repeat):
                for text in texts:
                    started = time.perf_counter()
                    page = list(search_appeals(base, text)[:25])
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{label:28} {scope:12} p50 {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms  "
                  f"max {timings[-1]:7.1f} ms  ({len(page)} on the last page)", flush=True)
    if args.explain:
        for text in ("показания счётчика", "трансформатор подстанции", queries()["number (full)"][0],
                     queries()["INN (big customer)"][0]):
            queryset = search_appeals(Appeal.objects.all(), text)[:25]
            print(f"\n===== {text}\n")
            if connection.vendor == "postgresql":
                print(queryset.explain(analyze=True, buffers=True))
            else:
                print(queryset.explain())
                started = time.perf_counter()
                list(queryset)
                print(f"({(time.perf_counter() - started) * 1000:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--appeals", type=int, default=200_000)
    s.add_argument("--customers", type=int, default=20_000)
    s.add_argument("--start-year", type=int, default=2020)
    s.add_argument("--seed", type=int, default=1)
    m = sub.add_parser("measure")
    m.add_argument("--repeat", type=int, default=5)
    m.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    {"seed": seed, "measure": measure}[args.command](args)


if __name__ == "__main__":
    main()

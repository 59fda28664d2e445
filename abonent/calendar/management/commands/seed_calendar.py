"""manage.py seed_calendar --years 2024-2027: fill the production calendar from the holidays package."""

from django.core.management.base import BaseCommand, CommandError

from abonent.calendar.seed import seed_years


def parse_years(value: str) -> list[int]:
    """"2026", "2024-2027" or "2024,2026" -> a sorted list of years."""
    years: set[int] = set()
    try:
        for part in value.split(","):
            first, _, last = part.strip().partition("-")
            years.update(range(int(first), int(last or first) + 1))
    except ValueError as error:
        raise CommandError(f"Не понимаю годы «{value}»: нужно 2026, 2024-2027 или 2024,2026.") from error
    if not years or min(years) < 1992 or max(years) > 2100:
        raise CommandError(f"Годы «{value}» вне разумного диапазона.")
    return sorted(years)


class Command(BaseCommand):
    help = ("Заполняет производственный календарь из пакета holidays; повторный запуск ничего не меняет, "
            "дни, изменённые вручную, не трогает.")

    def add_arguments(self, parser):
        parser.add_argument("--years", required=True, help="например 2024-2027, 2026 или 2025,2027")

    def handle(self, *args, **options):
        stats = seed_years(parse_years(options["years"]))
        self.stdout.write(self.style.SUCCESS(
            f"Годы {', '.join(map(str, stats['years']))}: добавлено {stats['created']}, "
            f"изменено {stats['updated']}, удалено {stats['deleted']}, "
            f"оставлено изменённых вручную {stats['manual_kept']}."
        ))
        for year in stats["unconfirmed"]:
            self.stdout.write(self.style.WARNING(
                f"{year}: в пакете holidays нет постановления о переносе выходных дней — внесены только "
                "праздники ст. 112 ТК РФ; обновите пакет или внесите переносы вручную."
            ))

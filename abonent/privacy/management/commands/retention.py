"""manage.py retention [--dry-run]: what the retention periods would destroy now, or destroy it."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from abonent.core.text import plural
from abonent.privacy import retention
from abonent.privacy.models import RetentionRun


class Command(BaseCommand):
    help = ("Уничтожить данные с истёкшим сроком хранения (файлы обращений, записи разговоров, письма карантина, "
            "технические журналы). С --dry-run — только показать, что будет уничтожено.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="ничего не уничтожать, только перечислить")
        parser.add_argument("--examples", type=int, default=retention.EXAMPLES,
                            help="сколько объектов каждого вида перечислить при --dry-run")

    def handle(self, *args, dry_run: bool = False, examples: int = retention.EXAMPLES, **options):
        if dry_run:
            self._plan(examples)
            return
        act = retention.run(trigger=RetentionRun.Trigger.COMMAND)
        if act is None:
            self.stdout.write("Данных с истёкшим сроком хранения нет: ничего не уничтожено.")
            return
        self.stdout.write(self.style.SUCCESS(f"{act}: уничтожено {act.total} "
                                             f"{plural(act.total, 'объект', 'объекта', 'объектов')}."))
        labels = dict(retention.RetentionPolicy.Kind.choices)
        for kind, count in act.counts.items():
            self.stdout.write(f"  {labels.get(kind, kind)}: {count}")
        if act.errors:
            self.stderr.write(self.style.ERROR("Ошибки:\n" + act.errors))

    def _plan(self, examples: int) -> None:
        self.stdout.write("Проверка без уничтожения (--dry-run): будет уничтожено при следующем запуске")
        for line in retention.plan(examples=examples):
            cutoff = timezone.localtime(line.cutoff).strftime("%d.%m.%Y")
            if not line.is_active:
                self.stdout.write(f"- {line.label}: уничтожение выключено (срок {line.months} мес.)")
                continue
            self.stdout.write(f"- {line.label} (срок {line.months} мес., старше {cutoff}): {line.count}")
            for example in line.examples:
                self.stdout.write(f"    {example}")
            if line.count > len(line.examples):
                self.stdout.write(f"    … и ещё {line.count - len(line.examples)}")

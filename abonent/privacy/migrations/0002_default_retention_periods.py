"""The default retention period of each kind of stored data (policy is data: the IT administrator edits them).
The values are the organisation's starting point, to be confirmed by its personal-data officer (docs/privacy.md)."""

from django.db import migrations

DEFAULTS = {
    "call_recordings": (36, "Срок исковой давности (ГК РФ ст. 196): 3 года после звонка."),
    "appeal_attachments": (60, "5 лет после ответа на обращение: по документам о расчётах (402-ФЗ ст. 29) "
                               "и спорам по договору."),
    "reception_scans": (60, "5 лет после ответа на обращение, как и файлы обращений."),
    "mail_raw": (12, "Письма, не ставшие обращениями (разобранный карантин, автоответы, повторы): 1 год."),
    "task_results": (3, "Технические записи: 3 месяца для разбора сбоев."),
    "access_logs": (12, "Журнал входов для расследования инцидентов: 1 год."),
}


def seed(apps, schema_editor):
    policy = apps.get_model("privacy", "RetentionPolicy")
    for kind, (months, basis) in DEFAULTS.items():
        policy.objects.get_or_create(kind=kind, defaults={"months": months, "basis": basis})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The default notice types, templates, daily rules and channel rates (policy is data: heads edit them)."""

from decimal import Decimal

from django.db import migrations

from abonent.notifications import defaults


def seed(apps, schema_editor):
    NotificationType = apps.get_model("notifications", "NotificationType")
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    ChannelSetting = apps.get_model("notifications", "ChannelSetting")
    for spec in defaults.TYPES:
        fields = {k: v for k, v in spec.items() if k not in ("code", "templates")}
        kind, _ = NotificationType.objects.get_or_create(code=spec["code"], defaults=fields)
        for channel, (subject, body) in spec["templates"].items():
            NotificationTemplate.objects.get_or_create(type=kind, channel=channel,
                                                       defaults={"subject": subject, "body": body})
    for spec in defaults.RULES:
        kind = NotificationType.objects.get(code=spec["type"])
        fields = {**spec, "type": kind, "min_amount": Decimal(spec["min_amount"])}
        NotificationRule.objects.get_or_create(name=spec["name"], defaults=fields)
    for channel, rate in defaults.CHANNEL_RATES.items():
        ChannelSetting.objects.get_or_create(channel=channel, defaults={"rate_per_minute": rate})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

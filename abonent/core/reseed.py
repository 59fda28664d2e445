"""Defaults that a data migration seeds (policy is data) must survive a flush: `manage.py flush` and every
transactional test empty the tables and then send post_migrate, not the migrations again."""

import importlib

from django.apps import apps
from django.db.models.signals import post_migrate


def reseed_after_flush(app_config, *, migration: str, model: str) -> None:
    """When `model` (app_label.Model) is empty after a migrate or flush, run the `seed(apps, schema_editor)`
    function of `migration` (a module of the app's migrations package) again."""

    def handler(using: str = "default", **kwargs) -> None:
        if not apps.get_model(model)._default_manager.using(using).exists():
            importlib.import_module(f"{app_config.name}.migrations.{migration}").seed(apps, None)

    post_migrate.connect(handler, sender=app_config, weak=False, dispatch_uid=f"reseed:{model}:{migration}")

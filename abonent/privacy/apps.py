from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PrivacyConfig(AppConfig):
    """Personal data under 152-ФЗ: data-subject exports, retention periods with their daily destruction job,
    legal holds, and the acts of destruction."""

    name = "abonent.privacy"
    label = "privacy"
    verbose_name = "Персональные данные"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.core import dashboard as home
        from abonent.core.reseed import reseed_after_flush
        from abonent.privacy import dashboard, permissions
        from abonent.privacy import models as m

        home.register(dashboard.tiles)
        reseed_after_flush(self, migration="0002_default_retention_periods", model="privacy.RetentionPolicy")
        # Policy rows and holds are evidence of how long data is kept: every change is audited.
        auditlog.register(m.RetentionPolicy)
        auditlog.register(m.LegalHold)
        post_migrate.connect(permissions.grant_after_migrate, sender=self, dispatch_uid="privacy_grant_permissions")

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    """Notices on the company's initiative (standard 3.5): types, templates, rules, campaigns, delivery."""

    name = "abonent.notifications"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        from abonent.core import dashboard as home
        from abonent.core.reseed import reseed_after_flush
        from abonent.notifications import dashboard, permissions

        home.register(dashboard.tiles)
        reseed_after_flush(self, migration="0002_default_policy", model="notifications.NotificationType")
        post_migrate.connect(permissions.grant_after_migrate, sender=self,
                             dispatch_uid="notifications_grant_permissions")

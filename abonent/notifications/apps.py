from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    """Notices on the company's initiative (standard 3.5): types, templates, rules, campaigns, delivery."""

    name = "abonent.notifications"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.core import dashboard as home
        from abonent.core.reseed import reseed_after_flush
        from abonent.notifications import dashboard, permissions
        from abonent.notifications import models as m

        home.register(dashboard.tiles)
        # Policy the heads edit, campaigns they approve and the customer's own choices are changes to audit;
        # the notices themselves are their own journal. A confirmation code's hash is never logged.
        for model in (m.NotificationType, m.NotificationTemplate, m.NotificationRule, m.ChannelSetting,
                      m.NotificationPreference):
            auditlog.register(model)
        auditlog.register(m.Campaign, exclude_fields=["batches_total", "batches_done", "created_count", "batch_bounds",
                                                     "done_batches"])
        auditlog.register(m.NotificationContact, exclude_fields=["code_hash"])
        reseed_after_flush(self, migration="0002_default_policy", model="notifications.NotificationType")
        post_migrate.connect(permissions.grant_after_migrate, sender=self,
                             dispatch_uid="notifications_grant_permissions")

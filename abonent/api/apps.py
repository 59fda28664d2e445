from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "abonent.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.api import auth
        from abonent.api.models import ApiToken

        # Issuing and revoking tokens is audited; the hash is not a change anyone should read, and the
        # time of last use changes every minute of an integration's life.
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
        auth.watch()

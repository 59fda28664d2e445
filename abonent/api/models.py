"""Access tokens for the REST API and the record of idempotency keys used with it."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from abonent.core.models import HashedToken


class ApiToken(HashedToken):
    """A bearer token through which an integration (an EDO gateway, a PBX, a partner's system) acts in the
    name of one staff login, with that login's permissions. Only the SHA-256 of the token is kept: the
    token itself is shown once, when it is issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="сотрудник", on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField("назначение", max_length=200, help_text="Например: «Шлюз ЭДО», «АТС».")
    expires_at = models.DateTimeField("действует до", null=True, blank=True,
                                      help_text="Пусто — бессрочно, пока не отозван.")

    class Meta(HashedToken.Meta):
        verbose_name = "токен API"
        verbose_name_plural = "токены API"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` a client sent with a write, with a hash of what it asked for: a retry of the
    same request gets the first answer again; the same key with a different request is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField("ключ идемпотентности", max_length=200)
    body_hash = models.CharField("SHA-256 запроса", max_length=64)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.CASCADE,
                               related_name="+")
    created_at = models.DateTimeField("создано", default=timezone.now)

    class Meta:
        verbose_name = "ключ идемпотентности"
        verbose_name_plural = "ключи идемпотентности"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key

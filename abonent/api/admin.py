"""API tokens for the IT administrator: issue (the token is shown once), look up, revoke. Never deleted:
a revoked token stays as the record of who could act through the API and when."""

from django.contrib import admin

from abonent.api.auth import generate_key, revoke_token, set_key
from abonent.api.models import ApiToken
from abonent.core.token_admin import HashedTokenAdmin
from abonent.users.models import User


class StateFilter(admin.SimpleListFilter):
    title = "состояние"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "действует"), ("revoked", "отозван")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(HashedTokenAdmin):
    list_display = ("name", "user", "masked", "created_at", "last_used_at", "expires_at", "state")
    list_filter = (StateFilter,)
    search_fields = ("name", "prefix", "user__username", "user__last_name")
    list_select_related = ("user",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "expires_at")
        return ("user", "name", "masked", "created_at", "last_used_at", "expires_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "masked", "created_at", "last_used_at", "revoked_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(kind=User.Kind.STAFF, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="состояние")
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at:
            return "отозван"
        return "действует" if obj.is_active else "истёк"

    def issue_key(self, obj: ApiToken) -> str:
        raw = generate_key()
        set_key(obj, raw)
        return raw

    def revoke_token(self, token: ApiToken) -> None:
        revoke_token(token)

    def issued_message(self, obj: ApiToken, raw: str) -> str:
        return (f"Токен «{obj.name}» выдан: {raw} — скопируйте его сейчас. Он показан один раз "
                "и нигде не хранится; если он потерян, отзовите его и выдайте новый.")

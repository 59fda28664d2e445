"""Admin for hashed secrets (API tokens, PBX tokens): issued in the admin and shown once, revoked,
never deleted — a revoked token stays as the record of who could act with it and when."""

from django.contrib import admin, messages
from django.http import HttpRequest


def can_manage_tokens(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("users.add_user"))


class HashedTokenAdmin(admin.ModelAdmin):
    """Subclasses say how a key is issued and revoked and what to tell the administrator."""

    actions = ["revoke"]

    def issue_key(self, obj) -> str:
        raise NotImplementedError

    def revoke_token(self, token) -> None:
        raise NotImplementedError

    def issued_message(self, obj, raw: str) -> str:
        raise NotImplementedError

    @admin.display(description="токен")
    def masked(self, obj) -> str:
        return f"{obj.prefix}…" if obj.prefix else ""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = self.issue_key(obj)
        super().save_model(request, obj, form, change)
        messages.warning(request, self.issued_message(obj, raw))

    @admin.action(description="Отозвать выбранные токены", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            self.revoke_token(token)
        self.message_user(request, f"Отозвано токенов: {len(tokens)}.", messages.SUCCESS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_tokens(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_manage_tokens(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_tokens(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_manage_tokens(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

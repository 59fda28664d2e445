"""The call centre's reference data for the admin: PBX tokens (issued once, revoked, never deleted), blocked
numbers, operators' extensions; the call log, call-backs, outbound calls and raw events read-only."""

from django.contrib import admin, messages
from django.http import HttpRequest

from abonent.channels.phone import services
from abonent.channels.phone.events import normalize_number
from abonent.channels.phone.models import (
    BlockedNumber,
    Call,
    CallBack,
    OutboundCall,
    PbxEvent,
    PbxToken,
    PhoneExtension,
)


def can_manage_tokens(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("users.add_user"))


@admin.register(PbxToken)
class PbxTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "masked", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ("name",) if obj is None else ("name", "masked", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("masked", "created_at", "last_used_at", "revoked_at")

    @admin.display(description="токен")
    def masked(self, obj: PbxToken) -> str:
        return f"{obj.prefix}…" if obj.prefix else ""

    def save_model(self, request: HttpRequest, obj: PbxToken, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = services.set_new_key(obj)
        super().save_model(request, obj, form, change)
        messages.warning(request, f"Токен АТС «{obj.name}» выдан: {raw} — скопируйте его сейчас в настройки АТС "
                                  "(адрес /callcentre/pbx/<токен>/). Он показан один раз и нигде не хранится.")

    @admin.action(description="Отозвать выбранные токены", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_pbx_token(token)
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


@admin.register(BlockedNumber)
class BlockedNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "reason", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("number", "reason")

    def save_model(self, request, obj, form, change):
        obj.number = normalize_number(obj.number)
        super().save_model(request, obj, form, change)


@admin.register(PhoneExtension)
class PhoneExtensionAdmin(admin.ModelAdmin):
    list_display = ("extension", "user")
    search_fields = ("extension", "user__username", "user__last_name")
    autocomplete_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "direction", "from_number", "to_number", "operator", "customer", "outcome",
                    "wait_seconds", "talk_seconds")
    list_filter = ("direction", "outcome", "is_outside_hours")
    search_fields = ("call_id", "from_number", "to_number")
    list_select_related = ("operator", "customer")


@admin.register(CallBack)
class CallBackAdmin(ReadOnlyAdmin):
    list_display = ("due_at", "number", "customer", "status", "assigned_to", "result")
    list_filter = ("status",)


@admin.register(OutboundCall)
class OutboundCallAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "number", "source", "status", "attempts", "max_attempts", "next_attempt_at")
    list_filter = ("status",)
    search_fields = ("number", "source")


@admin.register(PbxEvent)
class PbxEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "call_id", "event", "event_time")
    search_fields = ("call_id",)
    list_filter = ("event",)

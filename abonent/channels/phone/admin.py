"""The call centre's reference data for the admin: PBX tokens (issued once, revoked, never deleted), blocked
numbers, operators' extensions; the call log, call-backs, outbound calls and raw events read-only."""

from django.contrib import admin

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
from abonent.core.token_admin import HashedTokenAdmin


@admin.register(PbxToken)
class PbxTokenAdmin(HashedTokenAdmin):
    list_display = ("name", "masked", "created_at", "last_used_at", "revoked_at")

    def get_fields(self, request, obj=None):
        return ("name",) if obj is None else ("name", "masked", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("masked", "created_at", "last_used_at", "revoked_at")

    def issue_key(self, obj: PbxToken) -> str:
        return services.set_new_key(obj)

    def revoke_token(self, token: PbxToken) -> None:
        services.revoke_pbx_token(token)

    def issued_message(self, obj: PbxToken, raw: str) -> str:
        return (f"Токен АТС «{obj.name}» выдан: {raw} — скопируйте его сейчас в настройки АТС "
                "(адрес /callcentre/pbx/<токен>/). Он показан один раз и нигде не хранится.")


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

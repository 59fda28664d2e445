from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from abonent.users.models import PersonalDataConsent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "kind", "position", "department", "can_sign_replies", "is_active")
    list_filter = ("kind", "department", "can_sign_replies", "is_active", "groups")
    search_fields = ("username", "last_name", "first_name", "email", "phone")
    readonly_fields = ("email_confirmed_at",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Сотрудник", {"fields": ("kind", "middle_name", "position", "phone", "department", "can_sign_replies")}),
        ("Личный кабинет", {"fields": ("email_confirmed_at",)}),
    )


@admin.register(PersonalDataConsent)
class PersonalDataConsentAdmin(admin.ModelAdmin):
    """Consents are evidence: readable, never changed or deleted here."""

    list_display = ("user", "purpose", "version", "given_at", "ip_address")
    list_filter = ("purpose", "version")
    search_fields = ("user__username", "user__last_name", "ip_address")
    readonly_fields = ("user", "purpose", "version", "text", "given_at", "ip_address", "user_agent")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

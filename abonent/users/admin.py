from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from abonent.users.models import PersonalDataConsent, User


def _set_by_administrator(user: User) -> None:
    """A staff password the IT administrator typed is known to two people: the person replaces it at the next
    login before anything else (ASVS 6.4.1; abonent.core.otp.StaffOTPMiddleware holds the other pages)."""
    if user.kind == User.Kind.STAFF and user.has_usable_password():
        user.must_change_password = True


class OneTimePasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        _set_by_administrator(user)
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = OneTimePasswordChangeForm
    list_display = ("username", "full_name", "kind", "position", "department", "can_sign_replies", "is_active")
    list_filter = ("kind", "department", "can_sign_replies", "is_active", "groups")
    search_fields = ("username", "last_name", "first_name", "email", "phone")
    readonly_fields = ("email_confirmed_at",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Сотрудник", {"fields": ("kind", "middle_name", "position", "phone", "department", "can_sign_replies",
                                  "must_change_password")}),
        ("Личный кабинет", {"fields": ("email_confirmed_at",)}),
    )

    def save_model(self, request, obj: User, form, change: bool) -> None:
        if not change:
            _set_by_administrator(obj)
        super().save_model(request, obj, form, change)


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

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from abonent.users.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "kind", "position", "department", "can_sign_replies", "is_active")
    list_filter = ("kind", "department", "can_sign_replies", "is_active", "groups")
    search_fields = ("username", "last_name", "first_name", "email", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Сотрудник", {"fields": ("kind", "middle_name", "position", "phone", "department", "can_sign_replies")}),
    )

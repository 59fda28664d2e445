"""Reference data of the appeals registry in the admin: response terms, urgency categories, routing
rules and the knowledge base, edited by the head roles (appeals.manage_policy). Appeals themselves are
worked on in the back-office screens; superusers get a read-only list for support."""

from django.contrib import admin

from abonent.appeals.models import Appeal, DeadlinePolicy, RoutingRule, TypicalAnswer, UrgencyCategory


class PolicyAdmin(admin.ModelAdmin):
    """Heads edit policy through their role's `manage_policy` permission, besides Django's own."""

    def _manages_policy(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("appeals.manage_policy")

    def has_module_permission(self, request) -> bool:
        return self._manages_policy(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._manages_policy(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return self._manages_policy(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._manages_policy(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._manages_policy(request) or super().has_delete_permission(request, obj)


@admin.register(UrgencyCategory)
class UrgencyCategoryAdmin(PolicyAdmin):
    list_display = ["name", "code", "days", "working_days", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(PolicyAdmin):
    list_display = ["kind", "urgency", "days", "working_days"]
    list_filter = ["kind", "working_days"]
    autocomplete_fields = ["urgency"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(PolicyAdmin):
    list_display = ["priority", "name", "department", "topic", "kind", "channel", "keywords", "is_active"]
    list_display_links = ["name"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "department", "kind", "channel"]
    search_fields = ["name", "keywords"]
    list_select_related = ["department", "topic"]
    raw_id_fields = ["customer"]


@admin.register(TypicalAnswer)
class TypicalAnswerAdmin(PolicyAdmin):
    list_display = ["question", "topic", "is_active", "is_published", "updated_at"]
    list_filter = ["is_active", "is_published", "topic"]
    search_fields = ["question", "answer"]
    list_select_related = ["topic"]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only, for superusers: every change to an appeal goes through the services."""

    list_display = ["number", "registered_at", "kind", "channel", "status", "department", "executor", "due_at"]
    list_filter = ["status", "kind", "channel", "department"]
    search_fields = ["number", "subject", "sender_name", "sender_organisation", "sender_inn"]
    list_select_related = ["department", "executor"]
    date_hierarchy = "registered_at"
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

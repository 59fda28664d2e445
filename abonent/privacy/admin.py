"""Retention periods are reference data (also edited on /privacy/retention/). Holds, acts and exports are
records: readable here, changed only through the app's pages and jobs."""

from django.contrib import admin

from abonent.privacy import models as m


@admin.register(m.RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["kind", "months", "is_active", "basis", "updated_at", "updated_by"]
    fields = ["kind", "months", "is_active", "basis"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["object_repr", "reason", "placed_by", "placed_at", "released_at"]
    list_filter = ["content_type"]


class DestroyedItemInline(admin.TabularInline):
    model = m.DestroyedItem
    extra = 0
    can_delete = False
    fields = ["kind", "description", "object_type", "object_id", "destroyed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "trigger", "counts", "finished_at"]
    inlines = [DestroyedItemInline]


@admin.register(m.SubjectExport)
class SubjectExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject_label", "via", "requested_by", "reason", "files_count", "size"]
    list_filter = ["via", "subject_kind"]
    search_fields = ["subject_label", "reason"]

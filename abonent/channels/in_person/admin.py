"""The visit log in the admin: read-only, for looking things up. Visits change only through services.py."""

from django.contrib import admin

from abonent.channels.in_person.models import Visit, VisitDocument, VisitPurpose


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PurposeInline(ReadOnlyInline):
    model = VisitPurpose


class DocumentInline(ReadOnlyInline):
    model = VisitDocument


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "visitor_name", "customer", "identification", "specialist", "ended_at",
                    "ended_by_specialist", "is_conflict", "appeal"]
    list_filter = ["identification", "ended_by_specialist", "is_conflict", "started_at"]
    search_fields = ["visitor_name", "customer__name", "customer__inn", "contract_number"]
    date_hierarchy = "started_at"
    list_select_related = ["customer", "specialist", "appeal"]
    inlines = [PurposeInline, DocumentInline]


@admin.register(VisitDocument)
class VisitDocumentAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "direction", "doc_type", "title", "number", "date", "copies", "is_original",
                    "receiver_name", "recorded_by"]
    list_filter = ["direction", "doc_type", "recorded_at"]
    search_fields = ["title", "number", "receiver_name", "visit__customer__name", "visit__customer__inn"]
    date_hierarchy = "recorded_at"
    list_select_related = ["recorded_by"]

"""Billing data in the admin: imported rows are read-only (they change only through the importer, so that
the billing system stays the one source of money); reading groups are policy and editable."""

from django.contrib import admin

from abonent.billing import models as m
from abonent.core.audit import record_access


class AuditedViewsAdmin(admin.ModelAdmin):
    """Money and readings seen in the admin are on record like everywhere else (issue 5, «every view of balances,
    payments and readings»): a list records one entry per billing account on the page, a record its own."""

    def account_of(self, obj):
        return obj.account

    def _what(self) -> str:
        return f"администрирование: {self.model._meta.verbose_name_plural}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listing = getattr(response, "context_data", None) or {}
        if "cl" in listing:
            for account in {self.account_of(obj) for obj in listing["cl"].result_list} - {None}:
                record_access(account, self._what())
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None and response.status_code == 200 and (account := self.account_of(shown)) is not None:
            record_access(account, f"{self._what()}, запись «{shown}»")
        return response


class ImportedAdmin(AuditedViewsAdmin):
    """Read-only: the admin may look and search, never add, edit or delete what the billing system sent."""

    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over millions of rows on each page

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.ImportBatch)
class ImportBatchAdmin(ImportedAdmin):
    def account_of(self, obj):
        return None  # a file's counts and errors, not one customer's money: nothing to record

    list_display = ["created_at", "file_name", "kind", "format", "format_version", "status", "rows_total",
                    "rows_created", "rows_updated", "rows_unchanged", "imported_by"]
    list_filter = ["status", "kind", "format"]
    search_fields = ["file_name", "sha256"]
    date_hierarchy = "created_at"


@admin.register(m.Balance)
class BalanceAdmin(ImportedAdmin):
    list_display = ["account", "as_of", "amount", "overdue", "batch"]
    search_fields = ["account__number"]
    list_select_related = ["account", "batch"]
    date_hierarchy = "as_of"


@admin.register(m.Charge)
class ChargeAdmin(ImportedAdmin):
    list_display = ["external_id", "account", "period", "service", "volume_kwh", "amount", "vat", "planned_amount"]
    search_fields = ["external_id", "account__number"]
    list_select_related = ["account"]
    date_hierarchy = "period"


@admin.register(m.FinancialDocument)
class FinancialDocumentAdmin(ImportedAdmin):
    list_display = ["number", "kind", "account", "issued_on", "period", "amount", "due_on", "external_id"]
    list_filter = ["kind"]
    search_fields = ["number", "external_id", "account__number"]
    list_select_related = ["account"]
    date_hierarchy = "issued_on"


@admin.register(m.Payment)
class PaymentAdmin(ImportedAdmin):
    list_display = ["external_id", "account", "paid_on", "amount", "source", "document_number"]
    list_filter = ["source"]
    search_fields = ["external_id", "account__number", "document_number"]
    list_select_related = ["account"]
    date_hierarchy = "paid_on"


@admin.register(m.Meter)
class MeterAdmin(ImportedAdmin):
    list_display = ["serial_number", "zone", "account", "model_name", "digits", "ratio", "reading_group", "is_active"]
    list_filter = ["reading_group", "zone", "is_active"]
    search_fields = ["serial_number", "external_id", "account__number"]
    list_select_related = ["account", "reading_group"]


@admin.register(m.MeterReading)
class MeterReadingAdmin(ImportedAdmin):
    list_display = ["meter", "period", "taken_on", "value", "consumption", "source", "submitted_at"]
    list_filter = ["source"]
    search_fields = ["meter__serial_number", "meter__account__number", "external_id"]
    list_select_related = ["meter__account"]
    date_hierarchy = "period"

    def account_of(self, obj):
        return obj.meter.account


@admin.register(m.ReadingGroup)
class ReadingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "first_day", "last_day", "for_previous_month", "is_default"]

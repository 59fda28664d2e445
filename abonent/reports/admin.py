from django.contrib import admin

from abonent.reports.models import MonthlyReport, ReportDispatch


class DispatchInline(admin.TabularInline):
    model = ReportDispatch
    extra = 0
    can_delete = False
    fields = ["created_at", "trigger", "requested_by", "status", "sent_at", "recipients", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """For support: the proposals are written on the report page, dispatches are made by the schedule."""

    list_display = ["month", "proposals_by", "proposals_at"]
    readonly_fields = ["month", "proposals_by", "proposals_at"]
    inlines = [DispatchInline]

    def has_add_permission(self, request) -> bool:
        return False

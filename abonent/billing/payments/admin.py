from django.contrib import admin

from abonent.billing.admin import AuditedViewsAdmin
from abonent.billing.payments.models import OnlinePayment


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(AuditedViewsAdmin):
    """Read-only: payments change only through the provider's state (services.apply_provider_state)."""

    list_display = ["created_at", "account", "amount", "status", "provider_id", "started_by"]
    list_filter = ["status"]
    search_fields = ["account__number", "provider_id", "uuid"]
    list_select_related = ["account", "started_by"]
    readonly_fields = [f.name for f in OnlinePayment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

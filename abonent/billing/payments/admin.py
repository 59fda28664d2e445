from django.contrib import admin

from abonent.billing.payments.models import OnlinePayment


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(admin.ModelAdmin):
    """Read-only: payments change only through the provider's state (services.apply_provider_state)."""

    list_display = ["created_at", "account", "amount", "status", "provider_id", "started_by"]
    list_filter = ["status"]
    search_fields = ["account__number", "provider_id", "uuid"]
    readonly_fields = [f.name for f in OnlinePayment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

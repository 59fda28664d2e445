"""Reference data of notifications for the heads: types with their templates, rules, channel rates. The
journal is read-only here (proof of notice is never edited)."""

from django.contrib import admin

from abonent.notifications import models as m


class TemplateInline(admin.StackedInline):
    model = m.NotificationTemplate
    extra = 0


@admin.register(m.NotificationType)
class NotificationTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "source", "is_mandatory", "is_active", "order"]
    list_filter = ["source", "is_mandatory", "is_active"]
    inlines = [TemplateInline]


@admin.register(m.NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "trigger", "days_before", "working_days", "is_active", "last_run_on",
                    "last_run_count"]
    list_filter = ["trigger", "is_active"]


@admin.register(m.ChannelSetting)
class ChannelSettingAdmin(admin.ModelAdmin):
    list_display = ["channel", "rate_per_minute", "is_enabled"]


@admin.register(m.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "status", "dry_run_customers", "created_count", "approved_by", "approved_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "approved_by", "approved_at", "started_at", "finished_at", "created_count",
                       "dry_run_customers", "dry_run_notices", "dry_run_at", "created_by"]


@admin.register(m.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "customer", "recipient", "status", "attempts"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "dedupe_key", "provider_id", "customer__inn"]
    raw_id_fields = ["customer", "account", "appeal", "campaign", "rule"]
    list_select_related = ["customer"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["customer", "type", "channel", "is_enabled", "changed_by", "updated_at"]
    raw_id_fields = ["customer"]


@admin.register(m.NotificationContact)
class NotificationContactAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "value", "status", "confirmed_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["customer"]
    readonly_fields = ["code_hash", "code_expires_at", "attempts", "confirmed_at", "requested_by"]

from django.contrib import admin

from abonent.channels.portal.models import PortalNotice


@admin.register(PortalNotice)
class PortalNoticeAdmin(admin.ModelAdmin):
    list_display = ["appeal", "subject", "created_at"]
    search_fields = ["appeal__number", "subject"]
    readonly_fields = ["appeal", "subject", "body", "digest", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

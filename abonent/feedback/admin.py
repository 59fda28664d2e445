from django.contrib import admin

from abonent.feedback import models as m


@admin.register(m.SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_enabled", "valid_days", "low_rating", "control_days"]

    def has_add_permission(self, request) -> bool:
        return not m.SurveyPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

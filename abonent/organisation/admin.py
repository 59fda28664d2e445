from django.contrib import admin

from abonent.organisation.models import Department, Mailbox, Organisation, Topic, WorkingHours


class MailboxInline(admin.TabularInline):
    model = Mailbox
    extra = 0


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    inlines = [MailboxInline, WorkingHoursInline]

    def has_add_permission(self, request):
        return not Organisation.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_reception_group", "head")
    filter_horizontal = ("topics",)
    search_fields = ("name",)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active")
    search_fields = ("name",)

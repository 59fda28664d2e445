from django.contrib import admin

from abonent.calendar.models import CalendarDay, CalendarYear


class YearFilter(admin.SimpleListFilter):
    title = "год"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(day.year), str(day.year)) for day in CalendarDay.objects.dates("date", "year")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "seeded_at")
    search_fields = ("source", "note")
    readonly_fields = ("seeded_at",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "replaces", "is_manual")
    list_filter = ("kind", YearFilter, "is_manual")
    search_fields = ("name",)
    date_hierarchy = "date"
    readonly_fields = ("is_manual", "created_at", "updated_at")
    fields = ("date", "kind", "name", "replaces", "source", "is_manual", "created_at", "updated_at")

    @admin.display(description="день недели")
    def weekday(self, obj: CalendarDay) -> str:
        return ("пн", "вт", "ср", "чт", "пт", "сб", "вс")[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        # A day saved by a person wins over the holidays package on the next seeding.
        obj.is_manual = True
        super().save_model(request, obj, form, change)

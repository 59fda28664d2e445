"""Staff edit the site's content here: reference pages (HTML in a plain textarea, sanitised on save), news,
document templates with their editions. The consent records of web appeals are read-only."""

import datetime

from django.contrib import admin
from django.utils import timezone

from abonent.organisation.models import Organisation
from abonent.site.models import (
    UPDATE_WITHIN_DAYS,
    DocumentTemplate,
    DocumentTemplateVersion,
    InfoPage,
    NewsItem,
    WebSubmission,
    stale_after_days,
)


class FreshnessFilter(admin.SimpleListFilter):
    """Standard 2.2.1.2: information on the site is updated within 5 days of a change."""

    title = "актуальность"
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [
            ("organisation", f"изменились данные организации (обновить за {UPDATE_WITHIN_DAYS} дн.)"),
            ("stale", f"не обновлялись больше {stale_after_days()} дн."),
        ]

    def queryset(self, request, queryset):
        if self.value() == "organisation":
            organisation = Organisation.current()
            if organisation is None:
                return queryset.none()
            return queryset.filter(depends_on_organisation=True, updated_at__lt=organisation.updated_at)
        if self.value() == "stale":
            return queryset.filter(updated_at__lt=timezone.now() - datetime.timedelta(days=stale_after_days()))
        return queryset


@admin.register(InfoPage)
class InfoPageAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "is_published", "updated", "update_by", "responsible"]
    list_filter = [FreshnessFilter, "section", "is_published", "depends_on_organisation"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["responsible"]
    fields = ["title", "slug", "section", "summary", "body", "order", "is_published", "depends_on_organisation",
              "responsible"]

    def get_changelist_instance(self, request):
        self._organisation = Organisation.current()
        return super().get_changelist_instance(request)

    @admin.display(description="обновлено", ordering="updated_at")
    def updated(self, page: InfoPage) -> str:
        return f"{timezone.localtime(page.updated_at):%d.%m.%Y}"

    @admin.display(description="обновить до")
    def update_by(self, page: InfoPage) -> str:
        organisation = getattr(self, "_organisation", None)
        due = page.update_due(organisation_changed_at=organisation.updated_at if organisation else None)
        if due is not None:
            late = " — просрочено" if due < timezone.now() else ""
            return f"{timezone.localtime(due):%d.%m.%Y}{late}"
        return "давно не обновлялась" if page.is_stale() else ""


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "published_at", "is_published", "updated_at"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "published_at"


class VersionInline(admin.TabularInline):
    model = DocumentTemplateVersion
    extra = 1
    fields = ["version", "valid_from", "file", "created_at"]
    readonly_fields = ["created_at"]
    can_delete = False  # old editions are kept


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "current", "order", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "description"]
    inlines = [VersionInline]

    @admin.display(description="действующая редакция")
    def current(self, template: DocumentTemplate) -> str:
        version = template.current_version()
        return f"ред. {version.version} с {version.valid_from:%d.%m.%Y}" if version else "нет действующей"


@admin.register(WebSubmission)
class WebSubmissionAdmin(admin.ModelAdmin):
    list_display = ["appeal", "created_at", "consent_version", "consent_given_at", "ip_address"]
    search_fields = ["appeal__number"]
    list_select_related = ["appeal"]
    readonly_fields = ["appeal", "token", "consent_version", "consent_given_at", "ip_address", "user_agent",
                       "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

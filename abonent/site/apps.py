from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The public site pages (standard 2.2.5, 3.5): web reception, contacts and hours, templates,
    reference information, typical questions, news."""

    name = "abonent.site"
    label = "site"
    verbose_name = "Сайт"

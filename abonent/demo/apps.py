from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a trial install: the standard's organisation, staff per role, sample customers.
    Last in the import chain, so it may use every app; production installs never load it."""

    name = "abonent.demo"
    label = "demo"
    verbose_name = "Демонстрационные данные"

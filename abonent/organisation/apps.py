from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "abonent.organisation"
    label = "organisation"
    verbose_name = "Организация"

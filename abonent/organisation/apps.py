from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "abonent.organisation"
    label = "organisation"
    verbose_name = "Организация"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.organisation import models as m

        for model in (m.Organisation, m.Mailbox, m.WorkingHours, m.Topic):
            auditlog.register(model)
        auditlog.register(m.Department, m2m_fields={"topics"})

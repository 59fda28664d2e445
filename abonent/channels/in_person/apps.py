from django.apps import AppConfig


class InPersonConfig(AppConfig):
    """The reception desk (очный приём, standard 2.1): the visit log and the register of documents."""

    name = "abonent.channels.in_person"
    label = "in_person"
    verbose_name = "Очный приём"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.channels.in_person import dashboard as desk_tiles
        from abonent.channels.in_person import models as m
        from abonent.core import dashboard

        dashboard.register(desk_tiles.tiles)

        for model in (m.Visit, m.VisitPurpose, m.VisitDocument):
            auditlog.register(model)

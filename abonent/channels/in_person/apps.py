from django.apps import AppConfig


class InPersonConfig(AppConfig):
    """The reception desk (очный приём, standard 2.1): the visit log and the register of documents."""

    name = "abonent.channels.in_person"
    label = "in_person"
    verbose_name = "Очный приём"

from django.apps import AppConfig


class EdoConfig(AppConfig):
    """Electronic document interchange (standard 2.2.7, 3.5.4): appeals and replies through the
    operators Diadoc (Kontur) and SBIS (Tensor)."""

    name = "abonent.channels.edo"
    label = "edo"
    verbose_name = "ЭДО"

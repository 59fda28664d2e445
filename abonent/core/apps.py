from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "abonent.core"
    label = "core"
    verbose_name = "Общее"

    def ready(self) -> None:
        from django.db.models import fields

        from abonent.core import (
            dashboard,
            otp,
            signals,  # noqa: F401 - connects the authentication log
        )

        dashboard.register(otp.tiles)
        # Django 6.1's empty choice of select fields, «- Select an option -», has no Russian translation yet.
        fields.BLANK_CHOICE_LABEL = "— выберите —"

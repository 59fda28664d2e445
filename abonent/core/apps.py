from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "abonent.core"
    label = "core"
    verbose_name = "Общее"

    def ready(self) -> None:
        from abonent.core import (
            dashboard,
            otp,
            signals,  # noqa: F401 - connects the authentication log
        )

        dashboard.register(otp.tiles)

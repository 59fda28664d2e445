from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "abonent.appeals"
    label = "appeals"
    verbose_name = "Обращения"

    def ready(self) -> None:
        from abonent.appeals import dashboard
        from abonent.appeals.services import policies
        from abonent.core import dashboard as home

        home.register(dashboard.tiles)
        policies.watch()

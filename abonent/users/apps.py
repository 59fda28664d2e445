from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "abonent.users"
    label = "users"
    verbose_name = "Пользователи и роли"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from abonent.users.roles import sync_roles_after_migrate

        # Roles are reference data every install needs, demo or not; kept in step with the code.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="abonent.sync_roles")

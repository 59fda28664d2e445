from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "abonent.users"
    label = "users"
    verbose_name = "Пользователи и роли"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from abonent.users import backends
        from abonent.users.models import User
        from abonent.users.roles import sync_roles_after_migrate

        # Staff changes are audited; the password hash and the login time are not "changes" anyone reads.
        auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})

        # Roles are reference data every install needs, demo or not; kept in step with the code.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="abonent.sync_roles")
        backends.watch()

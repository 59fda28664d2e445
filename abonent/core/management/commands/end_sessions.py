"""Ends open sessions: of one login (`--user LOGIN`) or of everybody (`--all`, after a suspected compromise)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from abonent.core import sessions


class Command(BaseCommand):
    help = "Завершает открытые сеансы одной учётной записи (--user ЛОГИН) или всех (--all)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--user", help="логин, чьи сеансы завершить")
        which.add_argument("--all", action="store_true", help="завершить сеансы всех учётных записей")

    def handle(self, *args, user: str | None = None, all: bool = False, **options) -> None:  # noqa: A002
        if all:
            count = sessions.end_all_sessions()
            self.stdout.write(f"Завершено сеансов: {count}.")
            return
        login = get_user_model().objects.filter(username=user).first()
        if login is None:
            raise CommandError(f"Учётной записи «{user}» нет.")
        self.stdout.write(f"Завершено сеансов {login.username}: {sessions.end_sessions(login)}.")

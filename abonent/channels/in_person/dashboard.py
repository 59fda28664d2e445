from django.urls import reverse
from django.utils import timezone

from abonent.channels.in_person.models import Visit
from abonent.core.dashboard import Tile


def tiles(user) -> list[Tile]:
    """The reception desk on the home page: visitors being served now."""
    if not user.has_perm("appeals.register_appeal"):
        return []
    waiting = Visit.objects.on_day(timezone.localdate()).open().count()
    return [Tile("посетителей на приёме сейчас", waiting, reverse("in_person:log"), "warn" if waiting else "")]

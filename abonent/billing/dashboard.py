import datetime as dt

from django.urls import reverse
from django.utils import timezone

from abonent.billing import selectors
from abonent.core.dashboard import Tile


def tiles(user) -> list[Tile]:
    """For those who import: the rejected billing files of the last week (a bad export needs attention)."""
    if not user.has_perm(selectors.IMPORT):
        return []
    rejected = selectors.rejected_since(timezone.now() - dt.timedelta(days=7))
    return [Tile("файлов биллинга отклонено за неделю", rejected, reverse("billing:imports"),
                 "bad" if rejected else "")]

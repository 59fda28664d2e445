"""Home page tiles: the exports of the last 30 days for those who make them, active legal holds for those
who set them. No tile while the app's pages are not mounted."""

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from abonent.core.dashboard import Tile
from abonent.privacy import permissions
from abonent.privacy.models import LegalHold, RetentionRun, SubjectExport


def tiles(user) -> list[Tile]:
    try:
        index, holds, retention = (reverse("privacy:index"), reverse("privacy:holds"), reverse("privacy:retention"))
    except NoReverseMatch:
        return []
    result = []
    since = timezone.now() - datetime.timedelta(days=30)
    if user.has_perm(permissions.EXPORT):
        count = SubjectExport.objects.filter(created_at__gte=since).count()
        result.append(Tile("выгрузок персональных данных за 30 дней", count, index))
    if user.has_perm(permissions.LEGAL_HOLD):
        result.append(Tile("запретов на уничтожение действует", LegalHold.objects.active().count(), holds))
    if user.has_perm(permissions.RETENTION):
        count = RetentionRun.objects.filter(started_at__gte=since).count()
        result.append(Tile("актов уничтожения за 30 дней", count, retention))
    return result

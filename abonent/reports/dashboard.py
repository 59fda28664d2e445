"""Home-page tiles per role (standard 1.5): the head of the reception group watches the queues with their
near and missed deadlines; the head of the sales department sees the month so far against the same days
of the month before."""

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal
from abonent.appeals.models import Kind as AppealKind
from abonent.appeals.selectors import due_soon_horizon
from abonent.channels.phone.models import CallBack
from abonent.core.dashboard import Tile
from abonent.reports.filters import ReportFilter
from abonent.reports.periods import MONTHS_PREPOSITIONAL, Period, add_months, month_end, month_start
from abonent.reports.queries import calls
from abonent.reports.queries.appeals import timeliness_totals
from abonent.reports.tables import Kind, display
from abonent.users import roles

CACHE_SECONDS = 300


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def tiles(user) -> list[Tile]:
    if not user.is_authenticated:
        return []
    names = _roles(user)
    result = []
    if roles.RECEPTION_HEAD in names:
        result += queue_tiles()
    if roles.SALES_HEAD in names:
        result += month_tiles()
    return result


def queue_tiles(now: dt.datetime | None = None) -> list[Tile]:
    """One tile per department with open appeals: how many, how many due soon, how many overdue."""
    now = now or timezone.now()
    horizon = due_soon_horizon(now)
    rows = (Appeal.objects.open().order_by().values("department_id", "department__name", "department__short_name")
            .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                      due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lte=horizon))))
    queue = reverse("appeals:queue")
    result = []
    for row in sorted(rows, key=lambda r: r["department__name"]):
        name = row["department__short_name"] or row["department__name"]
        tone = "bad" if row["overdue"] else "warn" if row["due_soon"] else ""
        title = f"в работе: {name} (срок скоро — {row['due_soon']}, просрочено — {row['overdue']})"
        result.append(Tile(title, row["total"], f"{queue}?tab=all&department={row['department_id']}", tone))
    waiting = CallBack.objects.filter(status=CallBack.Status.OPEN).count()
    result.append(Tile("ждут обратного звонка", waiting, reverse("phone:board"), "warn" if waiting else ""))
    return result


def _periods(today: dt.date) -> tuple[Period, Period]:
    """The month so far and the same days of the month before (to its end when it is shorter)."""
    first = month_start(today)
    previous_first = add_months(first, -1)
    previous_last = min(previous_first + dt.timedelta(days=today.day - 1), month_end(previous_first))
    return Period(first, today), Period(previous_first, previous_last)


def month_figures(today: dt.date) -> dict:
    """Appeals received, the on-time share of replies, complaints and the call centre's 12-second share,
    for the month so far and the same days of the month before."""
    figures = {}
    for name, period in zip(("current", "previous"), _periods(today), strict=True):
        f = ReportFilter(period=period)
        counts = Appeal.objects.order_by().filter(registered_at__gte=period.start, registered_at__lt=period.end) \
            .aggregate(registered=Count("pk"), complaints=Count("pk", filter=Q(kind=AppealKind.COMPLAINT)))
        levels = calls.levels(f)
        figures[name] = {**counts, "on_time_share": timeliness_totals(f)["on_time_share"],
                         "calls_share": levels["total"]["answered_within_12s_share"]}
    return figures


def _count_change(now: int, was: int) -> str:
    if was == 0:
        return "было 0" if now else "без изменений"
    change = now - was
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"было {display(was, Kind.INT)}, {sign}{display(abs(change) / was, Kind.SHARE)}"


def _share_change(now: float | None, was: float | None) -> str:
    if was is None:
        return "не с чем сравнить"
    if now is None:
        return f"было {display(was, Kind.SHARE)}"
    return f"было {display(was, Kind.SHARE)}, {display(round(now - was, 4), Kind.POINTS)}"


def _percent(value: float | None) -> int:
    return round(value * 100) if value is not None else 0


def month_tiles(today: dt.date | None = None) -> list[Tile]:
    today = today or timezone.localdate()
    key = f"reports:month-tiles:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = month_figures(today)
        cache.set(key, figures, CACHE_SECONDS)
    now, was = figures["current"], figures["previous"]
    current, previous = _periods(today)
    since = f"с {current.first:%d.%m}"
    against = f"{previous.first:%d.%m}–{previous.last:%d.%m}"
    month_url = f"{reverse('reports:monthly')}?month={current.first:%Y-%m}"
    query = f"?month={current.first:%Y-%m}"
    in_month = f"в {MONTHS_PREPOSITIONAL[today.month - 1]}"
    return [
        Tile(f"обращений {since} ({against}: {_count_change(now['registered'], was['registered'])})",
             now["registered"], month_url),
        Tile(f"% ответов в срок {in_month} ({against}: {_share_change(now['on_time_share'], was['on_time_share'])})",
             _percent(now["on_time_share"]), reverse("reports:report", args=["appeals"]) + query,
             _tone(now["on_time_share"], was["on_time_share"])),
        Tile(f"жалоб {since} ({against}: {_count_change(now['complaints'], was['complaints'])})",
             now["complaints"], reverse("reports:report", args=["complaints"]) + query,
             "warn" if now["complaints"] > was["complaints"] else ""),
        Tile(f"% звонков с ответом за 12 с {in_month} ({against}: "
             f"{_share_change(now['calls_share'], was['calls_share'])})",
             _percent(now["calls_share"]), reverse("reports:report", args=["calls"]) + query,
             _tone(now["calls_share"], was["calls_share"])),
    ]


def _tone(now: float | None, was: float | None) -> str:
    return "warn" if now is not None and was is not None and now < was else ""

"""Reading appeals for the back office: who sees which appeal, the work queues, the head's control view.
Every screen fetches appeals through `appeals_visible_to(user)`, so an executor never reaches another
department's appeal. Queues are ordered by indexed columns plus the primary key, so a page is found by
a keyset (the last row's values), never by OFFSET over a million rows."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from abonent.appeals.models import Appeal, ControlItem, Kind, NonConsideration, Reply, TypicalAnswer
from abonent.appeals.search import search_appeals
from abonent.calendar.services import add_working_days
from abonent.customers.models import Customer

PAGE_SIZE = 50

TABS: dict[str, str] = {
    "mine": "Мои",
    "department": "Моего подразделения",
    "unassigned": "Без исполнителя",
    "due_soon": "Срок истекает",
    "overdue": "Просрочены",
    "all": "Все",
}
# The work tabs list open appeals nearest deadline first; "all" is the registry, newest first.
_ORDER_BY_DEADLINE = ("due_at", "pk")
_ORDER_BY_REGISTERED = ("-registered_at", "-pk")


def sees_all_appeals(user) -> bool:
    """The reception group registers and routes every appeal; heads reassign between departments."""
    return user.has_perm("appeals.reassign_appeal") or user.has_perm("appeals.register_appeal")


def appeals_visible_to(user) -> QuerySet[Appeal]:
    """The appeals `user` may open: all of them for the reception group and the heads; otherwise those
    of the user's department, those the user executes, replies the user is to sign and decisions the
    user is responsible for."""
    appeals = Appeal.objects.all()
    if not (user.is_authenticated and user.is_active):
        return appeals.none()
    if sees_all_appeals(user):
        return appeals
    scope = Q(executor=user)
    if user.department_id:
        scope |= Q(department_id=user.department_id)
    scope |= Q(pk__in=Reply.objects.filter(signatory=user).values("appeal_id"))
    scope |= Q(pk__in=ControlItem.objects.filter(owner=user).values("appeal_id"))
    return appeals.filter(scope)


def is_executor(user) -> bool:
    """Works on appeals but neither registers nor reassigns them: starts from "my appeals"."""
    return user.has_perm("appeals.work_on_appeal") and not sees_all_appeals(user)


def available_tabs(user) -> list[str]:
    tabs = ["mine", "department", "unassigned", "due_soon", "overdue"]
    if sees_all_appeals(user) or user.has_perm("appeals.control_appeals"):
        tabs.append("all")
    return tabs


def default_tab(user) -> str:
    return "mine" if is_executor(user) else "department"


def due_soon_horizon(now: datetime.datetime | None = None) -> datetime.datetime:
    """The end of the day `APPEAL_REMINDER_WORKING_DAYS` working days ahead: what is due by then is
    "due soon" (the same horizon the deadline sweep reminds at)."""
    today = timezone.localtime(now or timezone.now()).date()
    last = add_working_days(today, settings.APPEAL_REMINDER_WORKING_DAYS)
    return datetime.datetime.combine(last, datetime.time.max, tzinfo=timezone.get_default_timezone())


def deadline_state(appeal: Appeal, now: datetime.datetime, horizon: datetime.datetime) -> str:
    """"overdue", "soon" or "" for an open appeal's deadline badge."""
    if not appeal.is_open:
        return ""
    if appeal.due_at < now:
        return "overdue"
    if appeal.due_at <= horizon:
        return "soon"
    return ""


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    channel: str = ""
    department: int | None = None
    status: str = ""
    q: str = ""




def queue(user, tab: str, filters: QueueFilters, *, now: datetime.datetime | None = None,
          horizon: datetime.datetime | None = None) -> QuerySet[Appeal]:
    """One tab of the work queue with the filters applied, ordered for keyset paging.
    Work tabs hold open appeals unless a status is chosen; "all" holds every status. Only an open appeal has a
    deadline running, so the deadline tabs hold open appeals whatever the status filter."""
    now = now or timezone.now()
    appeals = appeals_visible_to(user)
    if tab == "mine":
        appeals = appeals.filter(executor=user)
    elif tab == "department":
        appeals = appeals.filter(department_id=user.department_id)
    elif tab == "unassigned":
        appeals = appeals.filter(executor__isnull=True)
    elif tab == "due_soon":
        appeals = appeals.filter(due_at__gte=now, due_at__lte=horizon or due_soon_horizon(now))
    elif tab == "overdue":
        appeals = appeals.filter(due_at__lt=now)
    if filters.status:
        appeals = appeals.filter(status=filters.status)
    # Once: the same status list twice makes PostgreSQL expect its share squared (40× too few overdue rows at
    # 1M appeals) and sort them instead of reading the partial index in order.
    if tab in ("due_soon", "overdue") or (tab != "all" and not filters.status):
        appeals = appeals.open()
    if filters.kind:
        appeals = appeals.filter(kind=filters.kind)
    if filters.channel:
        appeals = appeals.filter(channel=filters.channel)
    if filters.department:
        appeals = appeals.filter(department_id=filters.department)
    appeals = appeals.select_related("department", "executor", "customer", "topic")
    if filters.q.strip():
        # The search orders by relevance (and bounds its candidates); pages then go by offset.
        return search_appeals(appeals, filters.q)
    return appeals.order_by(*queue_order(tab))


def queue_order(tab: str) -> tuple[str, ...]:
    return _ORDER_BY_REGISTERED if tab == "all" else _ORDER_BY_DEADLINE


@dataclass(frozen=True)
class QueuePage:
    rows: list[Appeal]
    next_cursor: str
    is_first: bool


def _cursor(appeal: Appeal, order: tuple[str, ...]) -> str:
    moment = appeal.registered_at if order == _ORDER_BY_REGISTERED else appeal.due_at
    return f"{moment.isoformat()}~{appeal.pk}"


def _after(appeals: QuerySet[Appeal], order: tuple[str, ...], cursor: str) -> QuerySet[Appeal]:
    """Rows after the cursor in the queue's order. A malformed cursor starts from the beginning."""
    try:
        moment_text, pk_text = cursor.rsplit("~", 1)
        moment, pk = datetime.datetime.fromisoformat(moment_text), int(pk_text)
    except ValueError:
        return appeals
    if timezone.is_naive(moment):
        return appeals
    if order == _ORDER_BY_REGISTERED:
        return appeals.filter(Q(registered_at__lt=moment) | Q(registered_at=moment, pk__lt=pk))
    return appeals.filter(Q(due_at__gt=moment) | Q(due_at=moment, pk__gt=pk))


def queue_page(appeals: QuerySet[Appeal], tab: str, *, after: str = "", size: int = PAGE_SIZE,
               searching: bool = False) -> QueuePage:
    """One page by keyset: no COUNT and no OFFSET, the same cost on page 1 and page 10,000. Search
    results are ranked, not keyed, and bounded by the search itself, so they page by offset."""
    if searching:
        offset = int(after) if after.isdigit() else 0
        rows = list(appeals[offset: offset + size + 1])
        next_cursor = str(offset + size) if len(rows) > size else ""
        return QueuePage(rows=rows[:size], next_cursor=next_cursor, is_first=offset == 0)
    order = queue_order(tab)
    if after:
        appeals = _after(appeals, order, after)
    rows = list(appeals[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return QueuePage(rows=rows, next_cursor=_cursor(rows[-1], order) if has_next else "", is_first=not after)


def tab_counts(user, *, now: datetime.datetime | None = None,
               horizon: datetime.datetime | None = None) -> dict[str, int]:
    """Open appeals per work tab, in one query over the (indexed) open part of the registry."""
    now = now or timezone.now()
    horizon = horizon or due_soon_horizon(now)
    open_appeals = appeals_visible_to(user).open()
    return open_appeals.aggregate(
        mine=Count("pk", filter=Q(executor=user)),
        department=Count("pk", filter=Q(department_id=user.department_id)),
        unassigned=Count("pk", filter=Q(executor__isnull=True)),
        due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lte=horizon)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
    )


# --- Replies and the knowledge base ---------------------------------------------------------------


def signatories():
    """Staff who may sign replies: authorised (can_sign_replies) and holding the approve permission."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    has_perm = (
        Q(groups__permissions__codename="approve_reply", groups__permissions__content_type__app_label="appeals")
        | Q(user_permissions__codename="approve_reply", user_permissions__content_type__app_label="appeals")
        | Q(is_superuser=True)
    )
    candidates = user_model.objects.filter(has_perm, can_sign_replies=True, is_active=True,
                                           kind=user_model.Kind.STAFF)
    return user_model.objects.filter(pk__in=candidates.values("pk")).order_by("last_name", "first_name")


def replies_to_sign(user) -> QuerySet[Reply]:
    """The signatory's approvals inbox: replies passed to them, the nearest deadline first."""
    return (Reply.objects.filter(status=Reply.Status.ON_APPROVAL, signatory=user)
            .select_related("appeal", "appeal__department", "appeal__customer", "executor", "typical_answer")
            .order_by("appeal__due_at", "pk"))


def recently_signed(user, *, limit: int = 10) -> list[Reply]:
    return list(Reply.objects.filter(signatory=user, approved_at__isnull=False)
                .select_related("appeal").order_by("-approved_at")[:limit])


def typical_answers(*, topic=None, query: str = "", limit: int = 20) -> list[TypicalAnswer]:
    """Active typical answers, those of the appeal's topic first; a query narrows by words in either the
    question or the answer."""
    answers = TypicalAnswer.objects.filter(is_active=True).select_related("topic")
    for word in query.split()[:5]:
        answers = answers.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    found = list(answers.order_by("question")[:200])
    if topic is not None:
        found.sort(key=lambda a: a.topic_id != topic.pk)
    return found[:limit]


def find_customers(query: str, *, limit: int = 10) -> list[Customer]:
    """The reception desk's lookup by name, INN, contract or billing account number."""
    if len(query.strip()) < 2:
        return []
    return list(Customer.objects.search(query).filter(is_active=True).order_by("short_name", "name")[:limit])


# --- The head's control screen --------------------------------------------------------------------


def _person(first: str | None, middle: str | None, last: str | None) -> str:
    if not last:
        return "не назначен"
    initials = " ".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


def workload(user, *, now: datetime.datetime, horizon: datetime.datetime) -> list[dict]:
    """Overdue and due-soon open appeals, and extended terms, per department and executor."""
    rows = (
        appeals_visible_to(user).open()
        .values("department_id", "department__name", "executor_id", "executor__first_name",
                "executor__middle_name", "executor__last_name")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                  due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lte=horizon)),
                  extended=Count("pk", filter=Q(is_extended=True)))
        .order_by("department__name", "executor__last_name", "executor_id")
    )
    return [
        {"department_id": r["department_id"], "department": r["department__name"], "executor_id": r["executor_id"],
         "executor": _person(r["executor__first_name"], r["executor__middle_name"], r["executor__last_name"]),
         "total": r["total"], "overdue": r["overdue"], "due_soon": r["due_soon"], "extended": r["extended"]}
        for r in rows
    ]


def control_lists(user, *, now: datetime.datetime, horizon: datetime.datetime, limit: int = 100) -> dict:
    """The lists of the control screen, each bounded; each row links to the appeal's card."""
    visible = appeals_visible_to(user)
    open_appeals = visible.open().select_related("department", "executor", "customer", "urgency")
    awaiting_notice = (
        NonConsideration.objects.filter(appeal__in=visible, customer_can_be_told=True)
        .exclude(Exists(Reply.objects.filter(appeal=OuterRef("appeal"), status=Reply.Status.SENT,
                                             purpose=Reply.Purpose.NON_CONSIDERATION)))
        .select_related("appeal", "decided_by").prefetch_related("appeal__replies").order_by("decided_at")
    )
    return {
        "overdue": list(open_appeals.filter(due_at__lt=now).order_by("due_at", "pk")[:limit]),
        "due_soon": list(open_appeals.filter(due_at__gte=now, due_at__lte=horizon).order_by("due_at", "pk")[:limit]),
        "conflicts": list(open_appeals.filter(is_conflict=True).order_by("due_at", "pk")[:limit]),
        # Complaints still without an urgency category first: setting it is the head's next step.
        "complaints": list(open_appeals.filter(kind=Kind.COMPLAINT).order_by(
            F("urgency__order").asc(nulls_first=True), "due_at", "pk")[:limit]),
        "control_items": list(
            ControlItem.objects.filter(appeal__in=visible, status=ControlItem.Status.OPEN)
            .select_related("appeal", "owner").order_by("due_date", "pk")[:limit]),
        "awaiting_notice": list(awaiting_notice[:limit]),
    }

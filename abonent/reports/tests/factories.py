"""Rows made directly with the exact dates and durations a report test needs (reports only read them)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from abonent.appeals.models import Appeal, AppealEvent, ControlItem, NonConsideration
from abonent.channels.phone.models import Call

LOCAL = ZoneInfo("Asia/Barnaul")
_numbers = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def appeal(*, registered: dt.datetime, department, channel: str = "email", kind: str = "question", topic=None,
           due: dt.datetime | None = None, answered: dt.datetime | None = None, status: str | None = None,
           executor=None, **extra) -> Appeal:
    n = next(_numbers)
    status = status or (Appeal.Status.ANSWERED if answered else Appeal.Status.IN_PROGRESS)
    return Appeal.objects.create(
        number=f"{registered.year}-9{n:05d}", year=registered.year, sequence=900_000 + n, kind=kind, topic=topic,
        channel=channel, reply_channel=channel, sender_name="Иванов Иван Иванович", text="Текст обращения.",
        received_at=registered, registered_at=registered, status=status, department=department, executor=executor,
        due_at=due or registered + dt.timedelta(days=30), answered_at=answered, **extra)


def event(appeal: Appeal, kind: str, at: dt.datetime, **data) -> AppealEvent:
    return AppealEvent.objects.create(appeal=appeal, kind=kind, at=at, data=data, processed_at=at)


def control_item(appeal: Appeal, *, owner, created: dt.datetime, due: dt.date, done: bool = False) -> ControlItem:
    item = ControlItem.objects.create(appeal=appeal, decision="Провести проверку и сообщить клиенту.", owner=owner,
                                      due_date=due, status=ControlItem.Status.DONE if done else ControlItem.Status.OPEN,
                                      done_at=created + dt.timedelta(days=1) if done else None)
    ControlItem.objects.filter(pk=item.pk).update(created_at=created)
    return item


def not_considered(appeal: Appeal, *, ground: str, decided: dt.datetime, by, told: bool = True) -> NonConsideration:
    return NonConsideration.objects.create(appeal=appeal, ground=ground, decided_by=by, decided_at=decided,
                                           customer_can_be_told=told)


def call(*, started: dt.datetime, wait: int, talk: int | None = None, operator=None,
         outcome: str = Call.Outcome.ANSWERED, **extra) -> Call:
    answered = started + dt.timedelta(seconds=wait) if talk is not None else None
    ended = (answered + dt.timedelta(seconds=talk)) if answered else started + dt.timedelta(seconds=wait)
    return Call.objects.create(
        call_id=f"call-{next(_numbers)}", from_number="+73852000001", to_number="+73852501240", operator=operator,
        started_at=started, queued_at=started, answered_at=answered, ended_at=ended, wait_seconds=wait,
        talk_seconds=talk, outcome=outcome, **extra)


def notice(*, customer, channel: str, created: dt.datetime, status: str, type_code: str = "debt"):
    from abonent.notifications.models import Notification, NotificationType

    kind, _ = NotificationType.objects.get_or_create(code=type_code, defaults={"name": "О задолженности",
                                                                              "source": "billing"})
    sent = status not in (Notification.Status.QUEUED, Notification.Status.SENDING)
    return Notification.objects.create(
        type=kind, kind=type_code, channel=channel, customer=customer, recipient="client@example.ru",
        subject="Уведомление", body="Текст уведомления.", status=status, dedupe_key=f"test-{next(_numbers)}",
        created_at=created, sent_at=created if sent else None,
        delivered_at=created if status in ("delivered", "read") else None,
        read_at=created if status == "read" else None)


def survey(appeal: Appeal, *, sent: dt.datetime, answered: dt.datetime | None = None, rating: int | None = None,
           resolved: bool | None = None, control=None):
    from abonent.appeals.models import Reply
    from abonent.feedback.models import Survey

    reply = Reply.objects.create(appeal=appeal, status=Reply.Status.SENT, text="Ответ.", executor=appeal.executor,
                                 executor_name="Петров П. П.", executor_phone="+73852501241", channel="email",
                                 sent_at=sent)
    return Survey.objects.create(
        reply=reply, appeal=appeal, department=appeal.department, executor=appeal.executor,
        status=Survey.Status.ANSWERED if answered else Survey.Status.SENT, channel="email", sent_at=sent,
        expires_at=sent + dt.timedelta(days=30), rating=rating, is_resolved=resolved, answered_at=answered,
        is_low=rating is not None and rating <= 2, control_item=control)

"""What the portal's account and appeal pages read, always through the scoped selectors of
abonent.customers.access: an object of an account the login may not reach with the capability is a 404."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, AppealMessage, Attachment, NonConsideration, Reply
from abonent.billing.models import Balance, FinancialDocument
from abonent.billing.statement import Instalment, MonthSchedule, latest_balances, schedules_for
from abonent.channels.portal.models import PortalNotice
from abonent.customers.access import accounts_for_user, live_accesses
from abonent.customers.models import ROLE_CAPABILITIES, BillingAccount, Customer, PortalAccess
from abonent.organisation.models import Channel

FINANCE = PortalAccess.Capability.FINANCE
APPEALS = PortalAccess.Capability.APPEALS

# --- The home page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceView:
    """The balance as the customer reads it: a debt or an advance as a positive amount, with its date."""

    state: str  # "debt", "advance", "settled"
    amount: Decimal
    overdue: Decimal
    as_of: dt.date

    @classmethod
    def of(cls, balance: Balance | None) -> "BalanceView | None":
        if balance is None:
            return None
        state = "debt" if balance.amount > 0 else "advance" if balance.amount < 0 else "settled"
        return cls(state=state, amount=abs(balance.amount), overdue=balance.overdue, as_of=balance.as_of)


@dataclass
class AccountCard:
    """One billing account on the home page, with what the login's role on it allows."""

    account: BillingAccount
    access: PortalAccess
    balance: BalanceView | None = None
    schedule: MonthSchedule | None = None
    next_due: Instalment | None = None

    @property
    def capabilities(self) -> frozenset[str]:
        return ROLE_CAPABILITIES[self.access.role]

    @property
    def sees_finance(self) -> bool:
        return FINANCE in self.capabilities


@dataclass
class CustomerGroup:
    customer: Customer
    cards: list[AccountCard] = field(default_factory=list)


def home_groups(user, today: dt.date) -> list[CustomerGroup]:
    """The login's accounts grouped by customer, with the balance and the next payment where the role shows
    money. A fixed number of queries however many accounts: accesses, balances, charges, payments (and the
    calendar for the due dates of each customer group)."""
    accesses = list(live_accesses(user).order_by("account__contract__customer__short_name",
                                                 "account__contract__customer__name", "account__number"))
    cards = [AccountCard(account=a.account, access=a) for a in accesses]
    money = [c.account for c in cards if c.sees_finance]
    balances = latest_balances(money)
    schedules = schedules_for(money, today)
    groups: dict[int, CustomerGroup] = {}
    for card in cards:
        if card.sees_finance:
            card.balance = BalanceView.of(balances.get(card.account.pk))
            card.schedule = schedules[card.account.pk]
            card.next_due = card.schedule.next_due(today) if card.schedule.has_data else None
        customer = card.account.contract.customer
        groups.setdefault(customer.pk, CustomerGroup(customer)).cards.append(card)
    return list(groups.values())


def capabilities_on(user, account: BillingAccount) -> frozenset[str]:
    role = live_accesses(user).filter(account=account).values_list("role", flat=True).first()
    return ROLE_CAPABILITIES[role] if role else frozenset()


# --- Financial documents ----------------------------------------------------------------------------------


def document_for_user(user, document_id) -> FinancialDocument:
    try:
        return (FinancialDocument.objects.select_related("account__contract__customer")
                .get(pk=document_id, account__in=accounts_for_user(user, FINANCE)))
    except (FinancialDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("Документ не найден.") from None


# --- Appeals ----------------------------------------------------------------------------------------------


def appeal_customers(user) -> QuerySet[Customer]:
    """The customers whose appeals the login sees: those it has the «appeals» capability for."""
    return Customer.objects.filter(pk__in=accounts_for_user(user, APPEALS).values("contract__customer_id"))


def appeals_for_user(user) -> QuerySet[Appeal]:
    return Appeal.objects.filter(customer__in=appeal_customers(user))


def appeal_for_user(user, appeal_id) -> Appeal:
    try:
        return appeals_for_user(user).select_related("customer", "billing_account", "topic").get(pk=appeal_id)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404("Обращение не найдено.") from None


def sent_replies(appeal: Appeal) -> QuerySet[Reply]:
    """The replies the customer reads: those sent (drafts and replies on approval are staff's business)."""
    return appeal.replies.filter(status=Reply.Status.SENT).order_by("sent_at", "pk")


def reply_for_user(user, reply_id) -> Reply:
    try:
        return (Reply.objects.select_related("appeal")
                .get(pk=reply_id, status=Reply.Status.SENT, appeal__in=appeals_for_user(user)))
    except (Reply.DoesNotExist, ValueError, TypeError):
        raise Http404("Ответ не найден.") from None


def reply_pdf_attachment(reply: Reply) -> Attachment | None:
    """The PDF that was sent (stored at sending under the outgoing number)."""
    return reply.appeal.attachments.filter(role=Attachment.Role.REPLY,
                                           original_name=f"Ответ {reply.outgoing_number}.pdf").first()


CUSTOMER_FILE_ROLES = (Attachment.Role.ATTACHMENT, Attachment.Role.SCAN)


def customer_files(appeal: Appeal) -> QuerySet[Attachment]:
    """The customer's own files: attachments and the scan of their letter."""
    return appeal.attachments.filter(role__in=CUSTOMER_FILE_ROLES).order_by("uploaded_at", "pk")


def attachment_for_user(user, attachment_id) -> Attachment:
    try:
        return (Attachment.objects.select_related("appeal")
                .get(pk=attachment_id, role__in=CUSTOMER_FILE_ROLES, appeal__in=appeals_for_user(user)))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("Файл не найден.") from None


# What the customer calls an appeal's state: the stages of approval are the company's own business.
CUSTOMER_STATUS = {
    Appeal.Status.REGISTERED: "зарегистрировано",
    Appeal.Status.IN_PROGRESS: "на рассмотрении",
    Appeal.Status.ON_APPROVAL: "на рассмотрении",
    Appeal.Status.ANSWERED: "ответ направлен",
    Appeal.Status.CLOSED: "закрыто",
    Appeal.Status.NOT_CONSIDERED: "оставлено без рассмотрения",
}


def customer_status(appeal: Appeal) -> str:
    return CUSTOMER_STATUS[appeal.status]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    title: str
    text: str = ""
    tone: str = ""  # "", "ok", "warn", "bad": the dot's colour


def _date(value: str) -> str:
    try:
        return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%d.%m.%Y}"
    except (TypeError, ValueError):
        return ""


def customer_timeline(appeal: Appeal) -> list[TimelineEntry]:
    """What the customer may see of the appeal's history: its registration, taking into work, their own
    messages, extensions, the replies sent, notices and closing; never internal notes, drafts, approvals,
    reminders or escalations."""
    E = AppealEvent.Kind
    events = list(appeal.events.filter(kind__in=[
        E.REGISTERED, E.ACKNOWLEDGED, E.ROUTED, E.TAKEN, E.MESSAGE_ADDED, E.DEADLINE_EXTENDED, E.REPLY_SENT,
        E.NOT_CONSIDERED, E.CLOSED]).order_by("at", "pk"))
    messages = {m.pk: m for m in AppealMessage.objects.filter(
        pk__in=[e.data.get("message") for e in events if e.kind == E.MESSAGE_ADDED])}
    told_non_consideration = NonConsideration.objects.filter(appeal=appeal, customer_can_be_told=True).first()
    entries: list[TimelineEntry] = []
    for event in events:
        data = event.data
        if event.kind == E.REGISTERED:
            entries.append(TimelineEntry(event.at, f"Обращение зарегистрировано под № {appeal.number}",
                                         f"Канал поступления: {appeal.get_channel_display()}."))
        elif event.kind == E.ACKNOWLEDGED and data.get("channel") != Channel.PORTAL:  # else the notice shows
            entries.append(TimelineEntry(event.at, "Вам сообщены номер обращения и срок ответа"))
        elif event.kind == E.ROUTED:
            entries.append(TimelineEntry(event.at, "Направлено на рассмотрение",
                                         f"Подразделение: {data['department']}." if data.get("department") else ""))
        elif event.kind == E.TAKEN:
            entries.append(TimelineEntry(event.at, "Принято в работу исполнителем"))
        elif event.kind == E.MESSAGE_ADDED and (message := messages.get(data.get("message"))):
            entries.append(TimelineEntry(event.at, f"Дополнение{' от ' + message.author if message.author else ''}",
                                         message.text))
        elif event.kind == E.DEADLINE_EXTENDED:
            entries.append(TimelineEntry(event.at, f"Срок рассмотрения продлён до {_date(data.get('due_at'))}",
                                         f"Причина: {data['reason']}" if data.get("reason") else "", "warn"))
        elif event.kind == E.REPLY_SENT:
            number = data.get("outgoing_number")
            entries.append(TimelineEntry(event.at, "Ответ направлен" + (f", исх. № {number}" if number else ""),
                                         f"Способ: {_channel_label(data.get('channel'))}.", "ok"))
        elif event.kind == E.NOT_CONSIDERED and told_non_consideration:
            entries.append(TimelineEntry(event.at, "Обращение оставлено без рассмотрения",
                                         f"Основание: {told_non_consideration.get_ground_display()}.", "bad"))
        elif event.kind == E.CLOSED:
            entries.append(TimelineEntry(event.at, "Обращение закрыто"))
    for notice in PortalNotice.objects.filter(appeal=appeal):
        entries.append(TimelineEntry(notice.created_at, f"Уведомление: {notice.subject}", notice.body))
    return sorted(entries, key=lambda e: e.at)


def _channel_label(value: str | None) -> str:
    return Channel(value).label if value in Channel.values else "—"

"""The daily rules (rows of NotificationRule, editable by the heads): which accounts get a notice today and
with which amounts. Each occasion has a key (the account and the due date, the balance's date, the
documents' period), so a second run the same day, or the next day within the same occasion, finds the
notices already written and sends nothing new.

- due date: N (working) days before each due date of the schedule (billing.statement, the schedule the portal
  shows), accounts with an unpaid part of it;
  a run missed on the reminder day is caught up on the following days until the due date;
- debt: the account's latest imported balance shows a debt above the threshold, at most every
  `repeat_days` days (calendar days, by local date) for the same account;
- documents: invoices, acts and tax invoices issued in the last days, one notice per account and period."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max
from django.utils import timezone

from abonent.billing import statement
from abonent.billing.models import Balance, FinancialDocument
from abonent.customers.models import BillingAccount
from abonent.notifications import dues
from abonent.notifications.compose import Occasion
from abonent.notifications.models import Notification, NotificationRule

DOCUMENTS_LOOKBACK_DAYS = 10
MONTHS_NOMINATIVE = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                     "октябрь", "ноябрь", "декабрь"]


def period_text(month: dt.date) -> str:
    return f"{MONTHS_NOMINATIVE[month.month - 1]} {month.year} г."


def candidate_accounts(rule: NotificationRule):
    """The accounts a rule looks at, as ids in a stable order (the fan-out splits them into batches)."""
    accounts = BillingAccount.objects.filter(is_active=True, contract__customer__is_active=True)
    if rule.customer_kinds:
        accounts = accounts.filter(contract__customer__kind__in=rule.customer_kinds)
    if rule.trigger == NotificationRule.Trigger.DEBT:
        accounts = accounts.filter(balances__amount__gt=rule.min_amount).distinct()
    elif rule.trigger == NotificationRule.Trigger.DOCUMENTS:
        accounts = accounts.filter(documents__isnull=False).distinct()
    elif rule.trigger == NotificationRule.Trigger.DUE_DATE:
        accounts = accounts.filter(charges__isnull=False).distinct()
    return accounts.order_by("pk").values_list("pk", flat=True)


def occasions(rule: NotificationRule, account_ids: Iterable[int], today: dt.date) -> list[Occasion]:
    accounts = list(BillingAccount.objects.filter(pk__in=list(account_ids)).select_related("contract__customer")
                    .order_by("pk"))
    handler = {NotificationRule.Trigger.DUE_DATE: _due_date_occasions,
               NotificationRule.Trigger.DEBT: _debt_occasions,
               NotificationRule.Trigger.DOCUMENTS: _documents_occasions}[rule.trigger]
    return handler(rule, accounts, today) if accounts else []


def _due_date_occasions(rule: NotificationRule, accounts: list[BillingAccount], today: dt.date) -> list[Occasion]:
    """Instalments of this month's and next month's schedule (billing.statement, as the portal shows them)
    due from today on, with a known unpaid part above the threshold, whose reminder day has come. The
    current month's schedule is read first: an instalment whose amount is not known yet there (the month's
    own final payment, consumption not over) is not taken from next month's schedule either."""
    this_month = today.replace(day=1)
    seen: set[tuple[int, dt.date]] = set()
    reminders: dict[dt.date, dt.date] = {}
    result = []
    for month in (this_month, statement.add_months(this_month, 1)):
        schedules = statement.schedules_for(accounts, month)
        for account in accounts:
            for item in schedules[account.pk].instalments:
                if (account.pk, item.nominal) in seen:
                    continue
                seen.add((account.pk, item.nominal))
                if item.due < today or item.amount is None or item.remaining <= rule.min_amount:
                    continue
                if item.due not in reminders:
                    reminders[item.due] = dues.reminder_day(item.due, rule.days_before, working=rule.working_days)
                if reminders[item.due] > today:
                    continue
                result.append(Occasion(
                    customer=account.contract.customer, account=account,
                    key=f"a{account.pk}:{item.nominal.isoformat()}",
                    context={"due_date": item.due, "nominal_date": item.nominal, "amount_due": item.remaining,
                             "instalment": item.amount, "label": item.label, "basis": item.basis,
                             "period": period_text(item.period), "days_left": (item.due - today).days}))
    return result


def _debt_occasions(rule: NotificationRule, accounts: list[BillingAccount], today: dt.date) -> list[Occasion]:
    ids = [a.pk for a in accounts]
    latest = dict(Balance.objects.filter(account_id__in=ids, as_of__lte=today).values("account_id")
                  .annotate(day=Max("as_of")).values_list("account_id", "day"))
    balances = {(b.account_id, b.as_of): b for b in Balance.objects.filter(
        account_id__in=ids, as_of__in=set(latest.values()))}
    recent = set()
    if rule.repeat_days:
        # Counted in days, not hours: a notice of the 4th with 7 days repeats on the 11th, whatever the minute
        # of the run.
        since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=rule.repeat_days - 1), dt.time()))
        recent = set(Notification.objects.filter(account_id__in=ids, type=rule.type, created_at__gte=since)
                     .values_list("account_id", flat=True))
    result = []
    for account in accounts:
        balance = balances.get((account.pk, latest.get(account.pk)))
        if balance is None or balance.amount <= rule.min_amount or account.pk in recent:
            continue
        result.append(Occasion(
            customer=account.contract.customer, account=account, key=f"a{account.pk}:{balance.as_of.isoformat()}",
            context={"debt": balance.amount, "overdue": balance.overdue, "as_of": balance.as_of}))
    return result


def _documents_occasions(rule: NotificationRule, accounts: list[BillingAccount], today: dt.date) -> list[Occasion]:
    since = today - dt.timedelta(days=DOCUMENTS_LOOKBACK_DAYS)
    documents = defaultdict(list)
    for doc in FinancialDocument.objects.filter(account_id__in=[a.pk for a in accounts], issued_on__gte=since,
                                                issued_on__lte=today).order_by("issued_on", "pk"):
        documents[(doc.account_id, doc.period)].append(doc)
    by_pk = {a.pk: a for a in accounts}
    result = []
    for (account_id, period), docs in sorted(documents.items()):
        account = by_pk[account_id]
        result.append(Occasion(
            customer=account.contract.customer, account=account,
            key=f"a{account_id}:{period.isoformat()}:{max(d.pk for d in docs)}",
            context={"period": period_text(period), "period_date": period,
                     "documents": [{"kind": d.get_kind_display(), "number": d.number, "issued_on": d.issued_on,
                                    "amount": d.amount, "due_on": d.due_on} for d in docs]}))
    return result


def run_batch(rule: NotificationRule, account_ids: Iterable[int], today: dt.date) -> int:
    """Writes the notices of one batch of accounts; returns how many were new."""
    from django.db import transaction

    from abonent.notifications.compose import create_notices

    found = occasions(rule, account_ids, today)
    with transaction.atomic():
        return create_notices(type=rule.type, occasions=found, rule=rule).created

"""Linking billing accounts to portal logins (PortalAccess): the only way such links are made, decided and
ended.

A person links an account at once with the contract number, the customer's ИНН and the code printed on the
account's invoices; or asks for a link, which staff approve or reject. Staff may also grant a link to a
login by its e-mail, revoke any link and issue a new code. Each link carries a role (ROLE_CAPABILITIES).

Guessing: wrong data answers one neutral message that does not say which field was wrong, and after
LINK_FAILURE_LIMIT wrong attempts a login may not try again for LINK_LOCK (counted in the shared cache, so
across processes). Changes of PortalAccess and BillingAccount are in the audit log (registered in the
customers app config, the code masked); each staff decision is also mailed to the login."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from abonent.customers.models import BillingAccount, Contract, PortalAccess, new_link_code

LINK_FAILURE_LIMIT = 5
LINK_LOCK = datetime.timedelta(minutes=30)
NEUTRAL_REFUSAL = ("Не удалось найти лицевой счёт по этим данным. Проверьте номер договора, ИНН и код "
                   "подключения из счёта.")
NEUTRAL_REQUEST_REFUSAL = ("Не удалось найти лицевой счёт по этим данным. Проверьте номер договора, ИНН и номер "
                           "лицевого счёта.")


class LinkError(Exception):
    """A refusal shown to the person as is (Russian)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LinkRequest:
    """What the person types to find an account: the contract number and the customer's ИНН, and either the
    code from the invoice (instant link) or, for a request to staff, optionally one account's number."""

    contract_number: str
    inn: str
    code: str = ""
    account_number: str = ""


# --- Attempts ---

def _failures_key(user) -> str:
    return f"abonent:portal-link-failures:{user.pk}"


def locked_until(user) -> datetime.datetime | None:
    """When the login may try again, if it is locked out of linking now."""
    state = cache.get(_failures_key(user)) or {}
    until = state.get("locked_until")
    if until is not None and until > timezone.now():
        return until
    return None


def _count_failure(user) -> datetime.datetime | None:
    now = timezone.now()
    state = cache.get(_failures_key(user)) or {"count": 0}
    state["count"] += 1
    if state["count"] >= LINK_FAILURE_LIMIT:
        state = {"count": 0, "locked_until": now + LINK_LOCK}
    cache.set(_failures_key(user), state, timeout=int(LINK_LOCK.total_seconds()))
    return state.get("locked_until")


def attempts_left(user) -> int:
    state = cache.get(_failures_key(user)) or {"count": 0}
    return LINK_FAILURE_LIMIT - state.get("count", 0)


def _locked_message(until: datetime.datetime) -> str:
    return ("Слишком много неудачных попыток подключения. Повторите после "
            f"{timezone.localtime(until):%H:%M} ({timezone.localtime(until):%d.%m.%Y}).")


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _accounts_matching(request: LinkRequest):
    """Accounts of the contract with this number whose customer has this ИНН."""
    return BillingAccount.objects.select_related("contract__customer").filter(
        contract__number__iexact=request.contract_number.strip(),
        contract__customer__inn=request.inn.strip(),
    )


def _is_closed(account: BillingAccount) -> bool:
    return (not account.is_active or not account.contract.customer.is_active
            or account.contract.status == Contract.Status.TERMINATED)


def _check_login(user) -> None:
    if user.kind != user.Kind.CUSTOMER or not user.is_active:
        raise LinkError("Подключать лицевые счета можно только к учётной записи личного кабинета.")


def _refuse_guess(user, message: str) -> LinkError:
    until = _count_failure(user)
    if until is not None:
        return LinkError(_locked_message(until))
    return LinkError(f"{message} Осталось попыток: {attempts_left(user)}.")


# --- The person's side ---

@transaction.atomic
def link_by_code(*, user, request: LinkRequest, role: str) -> PortalAccess:
    """An ACTIVE link at once when the contract, the ИНН and the account's code match. A request of this
    login for the same account that waits for staff becomes this active link."""
    _check_login(user)
    if (until := locked_until(user)) is not None:
        raise LinkError(_locked_message(until))
    code = _normalise_code(request.code)
    account = next((a for a in _accounts_matching(request)
                    if code and secrets.compare_digest(a.link_code.upper(), code)), None)
    if account is None:
        raise _refuse_guess(user, NEUTRAL_REFUSAL)
    cache.delete(_failures_key(user))
    if _is_closed(account):
        raise LinkError(f"Лицевой счёт № {account.number} закрыт: подключить его к личному кабинету нельзя. "
                        "Обратитесь в центр по приёму потребителей.")
    now = timezone.now()
    live = PortalAccess.objects.select_for_update().filter(
        user=user, account=account, status__in=[PortalAccess.Status.PENDING, PortalAccess.Status.ACTIVE]
    ).first()
    if live is not None and live.status == PortalAccess.Status.ACTIVE:
        raise LinkError(f"Лицевой счёт № {account.number} уже подключён к вашей учётной записи "
                        f"(роль: {live.get_role_display()}).")
    access = live or PortalAccess(user=user, account=account)
    access.role, access.status, access.granted_via = role, PortalAccess.Status.ACTIVE, PortalAccess.GrantedVia.CODE
    access.decided_by, access.decided_at = None, now
    access.save()
    return access


@transaction.atomic
def request_access(*, user, request: LinkRequest, role: str, comment: str) -> list[PortalAccess]:
    """PENDING links for staff to decide: the one account named, or every open account of the contract.
    Accounts already linked or asked for are left as they are; if nothing is left to ask for, refused."""
    _check_login(user)
    if (until := locked_until(user)) is not None:
        raise LinkError(_locked_message(until))
    accounts = list(_accounts_matching(request))
    if number := request.account_number.strip():
        accounts = [a for a in accounts if a.number == number]
    if not accounts:
        raise _refuse_guess(user, NEUTRAL_REQUEST_REFUSAL)
    cache.delete(_failures_key(user))
    accounts = [a for a in accounts if not _is_closed(a)]
    if not accounts:
        raise LinkError("Лицевые счета этого договора закрыты: подключить их к личному кабинету нельзя.")
    live = set(PortalAccess.objects.filter(
        user=user, account__in=accounts, status__in=[PortalAccess.Status.PENDING, PortalAccess.Status.ACTIVE]
    ).values_list("account_id", flat=True))
    created = [
        PortalAccess.objects.create(user=user, account=a, role=role, status=PortalAccess.Status.PENDING,
                                    granted_via=PortalAccess.GrantedVia.STAFF, comment=comment.strip()[:500])
        for a in accounts if a.pk not in live
    ]
    if not created:
        raise LinkError("Эти лицевые счета уже подключены к вашей учётной записи или заявка на них уже "
                        "ждёт решения.")
    return created


# --- The staff side ---

def _notify(access: PortalAccess, subject: str, body: str) -> None:
    if not access.user.email:
        return
    text = (f"Здравствуйте, {access.user.first_name or access.user.full_name}!\n\n{body}\n\n"
            f"Лицевой счёт № {access.account.number}, договор № {access.account.contract.number}, "
            f"{access.account.contract.customer}.\n\n"
            "Если у вас есть вопросы, обратитесь в центр по приёму потребителей.")
    recipient = access.user.email
    transaction.on_commit(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient]))


def _decide(access: PortalAccess, *, status: str, by, comment: str = "") -> PortalAccess:
    access.status, access.decided_by, access.decided_at = status, by, timezone.now()
    if comment:
        access.comment = comment.strip()[:500]
    access.save()
    return access


def _locked(access: PortalAccess) -> PortalAccess:
    return PortalAccess.objects.select_for_update().select_related(
        "user", "account__contract__customer").get(pk=access.pk)


@transaction.atomic
def approve(*, access: PortalAccess, by, role: str | None = None) -> PortalAccess:
    """Approves a pending request (optionally with another role than asked for)."""
    access = _locked(access)
    if access.status != PortalAccess.Status.PENDING:
        raise LinkError("Заявка уже рассмотрена.")
    if not access.user.is_active:
        raise LinkError("Учётная запись заблокирована: подтвердить доступ нельзя.")
    if role:
        access.role = role
    _decide(access, status=PortalAccess.Status.ACTIVE, by=by)
    _notify(access, "Доступ к лицевому счёту в личном кабинете подтверждён",
            f"Ваша заявка подтверждена: лицевой счёт подключён к вашему личному кабинету, роль — "
            f"{access.get_role_display()}.")
    return access


@transaction.atomic
def reject(*, access: PortalAccess, by, reason: str) -> PortalAccess:
    access = _locked(access)
    if access.status != PortalAccess.Status.PENDING:
        raise LinkError("Заявка уже рассмотрена.")
    if not reason.strip():
        raise LinkError("Укажите причину отказа: она будет сообщена заявителю.")
    _decide(access, status=PortalAccess.Status.REJECTED, by=by, comment=reason)
    _notify(access, "Заявка на доступ к лицевому счёту отклонена",
            f"Ваша заявка на подключение лицевого счёта к личному кабинету отклонена. Причина: {reason.strip()}")
    return access


@transaction.atomic
def revoke(*, access: PortalAccess, by, reason: str) -> PortalAccess:
    access = _locked(access)
    if access.status not in (PortalAccess.Status.ACTIVE, PortalAccess.Status.PENDING):
        raise LinkError("Доступ уже прекращён.")
    if not reason.strip():
        raise LinkError("Укажите причину: она будет сообщена владельцу учётной записи.")
    _decide(access, status=PortalAccess.Status.REVOKED, by=by, comment=reason)
    _notify(access, "Доступ к лицевому счёту в личном кабинете прекращён",
            f"Доступ к лицевому счёту в вашем личном кабинете прекращён. Причина: {reason.strip()}")
    return access


@transaction.atomic
def grant(*, account: BillingAccount, email: str, role: str, by, comment: str = "") -> PortalAccess:
    """Staff give an existing, confirmed portal login access to an account; a request of that login waiting
    for this account is approved by it."""
    from abonent.users.models import User

    user = User.objects.filter(username__iexact=email.strip(), kind=User.Kind.CUSTOMER).first()
    if user is None or user.email_confirmed_at is None or not user.is_active:
        raise LinkError("Учётная запись личного кабинета с таким e-mail не найдена или не подтверждена: "
                        "клиент должен сначала зарегистрироваться и подтвердить адрес.")
    if _is_closed(account):
        raise LinkError("Лицевой счёт закрыт: подключить его к личному кабинету нельзя.")
    live = PortalAccess.objects.select_for_update().filter(
        user=user, account=account, status__in=[PortalAccess.Status.PENDING, PortalAccess.Status.ACTIVE]
    ).first()
    if live is not None and live.status == PortalAccess.Status.ACTIVE:
        raise LinkError(f"У {user.email} уже есть доступ к этому лицевому счёту (роль: {live.get_role_display()}).")
    access = live or PortalAccess(user=user, account=account, granted_via=PortalAccess.GrantedVia.STAFF)
    access.role = role
    access.granted_via = PortalAccess.GrantedVia.STAFF
    try:
        with transaction.atomic():
            _decide(access, status=PortalAccess.Status.ACTIVE, by=by, comment=comment)
    except IntegrityError:
        raise LinkError("Доступ только что изменён другим сотрудником. Обновите страницу.") from None
    _notify(access, "Лицевой счёт подключён к вашему личному кабинету",
            f"Сотрудник подключил лицевой счёт к вашему личному кабинету, роль — {access.get_role_display()}.")
    return access


@transaction.atomic
def regenerate_code(*, account: BillingAccount, by) -> BillingAccount:
    """A new code for the account (the old one stops working at once); existing links stay."""
    account = BillingAccount.objects.select_for_update().get(pk=account.pk)
    account.link_code = new_link_code()
    account.save(update_fields=["link_code", "updated_at"])
    return account

"""The person's own rows: the profile, the consents, the portal links, what they did in the portal (payments
started, readings sent), their login history, and the audit entries about them."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from abonent.customers.models import PortalAccess
from abonent.privacy.export.sections import Section, values
from abonent.privacy.subjects import Subject
from abonent.users.models import PersonalDataConsent

USER_FIELDS = ["username", "last_name", "first_name", "middle_name", "email", "phone", "date_joined",
               "last_login", "email_confirmed_at", "is_active"]
CONTACT_FIELDS = ["full_name", "position", "phone", "email", "customer", "created_at", "updated_at"]
REPRESENTATIVE_FIELDS = ["full_name", "identity_document", "customer", "poa_number", "poa_issued_on",
                         "poa_valid_until", "powers", "is_revoked", "created_at"]
CUSTOMER_FIELDS = ["name", "short_name", "inn", "ogrn", "legal_address", "postal_address", "phone", "email",
                   "is_active", "created_at"]
AUDIT_LIMIT = 2000
LOGIN_LIMIT = 2000


def profile_section(subject: Subject) -> Section:
    section = Section("profile", "Сведения о субъекте")
    if subject.user is not None:
        from abonent.users import portal_logins

        item = section.add(values(subject.user, USER_FIELDS, section.labels))
        section.labels["two_factor"] = "вход с одноразовым кодом (второй фактор)"
        item["two_factor"] = portal_logins.has_two_factor(subject.user)
    if subject.contact is not None:
        section.add(values(subject.contact, CONTACT_FIELDS, section.labels))
    if subject.representative is not None:
        section.add(values(subject.representative, REPRESENTATIVE_FIELDS, section.labels))
    if subject.customer is not None:
        item = section.add(values(subject.customer, CUSTOMER_FIELDS, section.labels))
        section.labels.update({"contracts": "договоры энергоснабжения", "accounts": "лицевые счета"})
        contracts = subject.customer.contracts.prefetch_related("accounts").order_by("number")
        item["contracts"] = [values(c, ["number", "signed_on", "valid_from", "valid_to", "status"], section.labels,
                                    prefix="contract.") for c in contracts]
        item["accounts"] = [values(a, ["number", "object_name", "address", "is_active"], section.labels,
                                   prefix="account.") for c in contracts for a in c.accounts.all()]
    if not section.items:
        section.note = (f"Учётных записей и карточек на субъекта нет: он известен только как заявитель "
                        f"({subject.label}).")
    return section


def consents_section(subject: Subject) -> Section:
    section = Section("consents", "Согласия на обработку персональных данных")
    if subject.user is not None:
        for consent in PersonalDataConsent.objects.filter(user=subject.user).order_by("given_at", "pk"):
            section.add(values(consent, ["purpose", "version", "given_at", "ip_address", "user_agent", "text"],
                               section.labels))
    return section


def portal_links_section(subject: Subject) -> Section:
    section = Section("portal_links", "Доступ к лицевым счетам в личном кабинете")
    if subject.user is not None:
        links = (PortalAccess.objects.filter(user=subject.user)
                 .select_related("account__contract__customer").order_by("created_at", "pk"))
        for link in links:
            item = section.add(values(link, ["account", "role", "status", "granted_via", "created_at",
                                             "decided_at", "comment"], section.labels))
            section.labels["customer"] = "клиент"
            item["customer"] = str(link.account.contract.customer)
    return section


def portal_actions_section(subject: Subject) -> Section:
    """Online payments the login started and meter readings it sent."""
    section = Section("portal_actions", "Действия в личном кабинете: оплаты и показания")
    if subject.user is None:
        return section
    from abonent.billing.models import MeterReading
    from abonent.billing.payments.models import OnlinePayment

    section.labels["action"] = "действие"
    for payment in OnlinePayment.objects.filter(started_by=subject.user).select_related("account").order_by("pk"):
        item = values(payment, ["created_at", "account", "amount", "status", "paid_at"], section.labels)
        section.add({"action": "онлайн-оплата", **item})
    readings = (MeterReading.objects.filter(submitted_by=subject.user).select_related("meter")
                .order_by("submitted_at", "pk"))
    for reading in readings:
        item = values(reading, ["submitted_at", "meter", "period", "value", "source"], section.labels)
        section.add({"action": "передача показаний", **item})
    return section


def logins_section(subject: Subject) -> Section:
    """The login's history as the brute-force protection recorded it (successful logins and failures)."""
    section = Section("logins", "Входы в личный кабинет")
    if subject.user is None:
        return section
    from axes.models import AccessFailureLog, AccessLog

    section.labels.update({"event": "событие", "at": "время", "ip_address": "IP-адрес", "user_agent": "браузер",
                           "logout_at": "выход"})
    username = subject.user.get_username()
    for entry in AccessLog.objects.filter(username=username).order_by("-attempt_time")[:LOGIN_LIMIT]:
        section.add({"event": "вход", "at": entry.attempt_time, "ip_address": entry.ip_address,
                     "user_agent": entry.user_agent, "logout_at": entry.logout_time})
    for entry in AccessFailureLog.objects.filter(username=username).order_by("-attempt_time")[:LOGIN_LIMIT]:
        section.add({"event": "неудачная попытка входа" + (" (блокировка)" if entry.locked_out else ""),
                     "at": entry.attempt_time, "ip_address": entry.ip_address, "user_agent": entry.user_agent})
    section.items.sort(key=lambda item: item["at"])
    return section


def audit_section(subject: Subject) -> Section:
    """Audit entries about the subject's own rows (changes and views), and, for a portal login, what it did."""
    section = Section("audit", "Журнал аудита: изменения и просмотры сведений о субъекте")
    section.labels.update({"at": "время", "action": "действие", "object": "объект", "actor": "кто",
                           "detail": "что изменено или просмотрено"})
    condition = Q(pk__in=[])
    for row in filter(None, [subject.user, subject.contact, subject.representative, subject.customer]):
        condition |= Q(content_type=ContentType.objects.get_for_model(row), object_pk=str(row.pk))
    if subject.user is not None:
        condition |= Q(actor=subject.user)
    entries = (LogEntry.objects.filter(condition).select_related("actor", "content_type")
               .order_by("-timestamp", "-pk")[:AUDIT_LIMIT])
    for entry in entries:
        viewed = (entry.additional_data or {}).get("viewed") if isinstance(entry.additional_data, dict) else None
        detail = f"просмотр: {viewed}" if viewed else _changes(entry)
        actor = entry.actor
        who = (getattr(actor, "short_name", None) or str(actor)) if actor else "система"
        section.add({"at": entry.timestamp, "action": entry.get_action_display(),
                     "object": f"{entry.content_type.name}: {entry.object_repr}", "actor": who, "detail": detail})
    section.items.reverse()
    return section


def _changes(entry: LogEntry) -> str:
    changes = entry.changes_dict if isinstance(entry.changes_dict, dict) else {}
    parts = []
    for name, change in changes.items():
        if isinstance(change, list | tuple) and len(change) == 2:
            parts.append(f"{name}: {change[0]} → {change[1]}")
        else:
            parts.append(f"{name}: {change}")
    return "; ".join(parts)

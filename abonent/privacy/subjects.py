"""Who a data subject is, and by which identifiers their data is found.

A subject is one of: a portal login, a contact person of a customer, a representative under a power of
attorney, a sole proprietor (the customer is the person), or an applicant known only by an e-mail address, a
phone number or the INN of a sole proprietor. `find(query)` lists the candidates for a staff search;
`resolve(ref)` turns a chosen candidate's reference back into a `Subject` with every identifier to search by.

A portal login exporting its own data is searched only by what it has proven: the login itself and its
confirmed e-mail address, never by a phone number it merely typed into its profile."""

import re
from dataclasses import dataclass, field

from django.db.models import Q

from abonent.core.validators import is_valid_inn, normalize_phone
from abonent.customers.models import ContactPerson, Customer, PortalAccess, Representative
from abonent.users.models import User

SEARCH_LIMIT = 20
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SubjectNotFound(Exception):
    """The reference names no subject (or a kind this module does not know); the message is Russian."""

    def __init__(self, message: str = "Субъект персональных данных не найден."):
        super().__init__(message)
        self.message = message


KIND_LABELS = {
    "portal_login": "учётная запись личного кабинета",
    "contact": "контактное лицо клиента",
    "representative": "представитель клиента",
    "sole_proprietor": "индивидуальный предприниматель",
    "applicant": "заявитель",
}


@dataclass
class Subject:
    kind: str
    ref: str
    label: str
    full_name: str = ""
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    inns: set[str] = field(default_factory=set)
    user: User | None = None
    contact: ContactPerson | None = None
    representative: Representative | None = None
    customer: Customer | None = None  # a sole proprietor: the person is the customer
    related_customers: set[int] = field(default_factory=set)  # whose visitors may be this person
    self_service: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def primary(self):
        """The row that is the person, when there is one (audit entries go on it too)."""
        return self.user or self.contact or self.representative or self.customer

    def identifiers(self) -> dict:
        return {"kind": self.kind, "emails": sorted(self.emails), "phones": sorted(self.phones),
                "inns": sorted(self.inns), "full_name": self.full_name,
                "user_id": self.user.pk if self.user else None,
                "contact_id": self.contact.pk if self.contact else None,
                "representative_id": self.representative.pk if self.representative else None,
                "customer_id": self.customer.pk if self.customer else None}


@dataclass(frozen=True)
class Candidate:
    ref: str
    kind: str
    label: str
    detail: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def phone_or_none(value: str) -> str | None:
    try:
        return normalize_phone(value or "")
    except ValueError:
        return None


def phone_variants(phone: str) -> list[str]:
    """How one Russian number may be written in the stored rows: +7…, 8…, 7…, bare ten digits, and the
    spaced forms this system prints (format_phone) and people type."""
    digits = phone[2:]
    code3, code4 = (digits[:3], digits[3:]), (digits[:4], digits[4:])
    forms = {phone, "8" + digits, "7" + digits, digits}
    for code, rest in (code3, code4):
        tail = f"{rest[:-4]}-{rest[-4:-2]}-{rest[-2:]}"
        forms |= {f"8 ({code}) {tail}", f"+7 ({code}) {tail}", f"+7 {code} {tail}", f"8 {code} {tail}",
                  f"8({code}){tail}", f"+7({code}){tail}"}
    return sorted(forms)


# --- search ----------------------------------------------------------------------------------------------


def find(query: str) -> list[Candidate]:
    """Candidates for a staff search by e-mail, phone, INN, login or part of a name."""
    query = " ".join(query.split())
    if len(query) < 3:
        return []
    phone = phone_or_none(query)
    email = query.lower() if EMAIL_RE.match(query) else ""
    inn = query if query.isdigit() and len(query) == 12 and is_valid_inn(query) else ""
    found: list[Candidate] = []
    found += _logins(query, email, phone)
    found += _contacts(query, email, phone)
    found += _representatives(query)
    found += _sole_proprietors(query, inn)
    if email:
        found.append(Candidate(f"email:{email}", "applicant", email, "все обращения, звонки и уведомления по адресу"))
    if phone:
        found.append(Candidate(f"phone:{phone}", "applicant", phone, "все обращения, звонки и уведомления по номеру"))
    if inn:
        found.append(Candidate(f"inn:{inn}", "applicant", f"ИНН {inn}", "все обращения с этим ИНН заявителя"))
    return found


def _logins(query: str, email: str, phone: str | None) -> list[Candidate]:
    condition = Q(username__iexact=query) | Q(last_name__icontains=query)
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone__in=phone_variants(phone))
    users = User.objects.filter(condition, kind=User.Kind.CUSTOMER).order_by("last_name", "pk")[:SEARCH_LIMIT]
    return [Candidate(f"user:{u.pk}", "portal_login", u.full_name or u.username,
                      f"логин {u.username}" + (f", тел. {u.phone_display}" if u.phone else "")) for u in users]


def _contacts(query: str, email: str, phone: str | None) -> list[Candidate]:
    condition = Q(full_name__icontains=query)
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone__in=phone_variants(phone))
    contacts = (ContactPerson.objects.filter(condition).select_related("customer")
                .order_by("full_name", "pk")[:SEARCH_LIMIT])
    return [Candidate(f"contact:{c.pk}", "contact", c.full_name,
                      ", ".join(filter(None, [str(c.customer), c.position, c.email, c.phone_display])))
            for c in contacts]


def _representatives(query: str) -> list[Candidate]:
    found = (Representative.objects.filter(Q(full_name__icontains=query) | Q(identity_document__icontains=query))
             .select_related("customer").order_by("full_name", "pk")[:SEARCH_LIMIT])
    return [Candidate(f"representative:{r.pk}", "representative", r.full_name,
                      f"{r.customer}, доверенность № {r.poa_number}") for r in found]


def _sole_proprietors(query: str, inn: str) -> list[Candidate]:
    condition = Q(search_name__contains=query.casefold())
    if inn:
        condition |= Q(inn=inn)
    found = (Customer.objects.filter(condition, kind=Customer.Kind.SOLE_PROPRIETOR)
             .order_by("name", "pk")[:SEARCH_LIMIT])
    return [Candidate(f"customer:{c.pk}", "sole_proprietor", c.name, f"ИНН {c.inn}") for c in found]


# --- resolving a reference -------------------------------------------------------------------------------


def resolve(ref: str) -> Subject:
    """The subject a candidate's reference names, with its identifiers. Raises SubjectNotFound."""
    prefix, _, value = (ref or "").partition(":")
    value = value.strip()
    try:
        if prefix == "user":
            return for_login(User.objects.get(pk=int(value), kind=User.Kind.CUSTOMER))
        if prefix == "contact":
            return _for_contact(ContactPerson.objects.select_related("customer").get(pk=int(value)))
        if prefix == "representative":
            return _for_representative(Representative.objects.select_related("customer").get(pk=int(value)))
        if prefix == "customer":
            return _for_sole_proprietor(Customer.objects.get(pk=int(value), kind=Customer.Kind.SOLE_PROPRIETOR))
    except (ValueError, User.DoesNotExist, ContactPerson.DoesNotExist, Representative.DoesNotExist,
            Customer.DoesNotExist):
        raise SubjectNotFound() from None
    if prefix == "email" and EMAIL_RE.match(value):
        return Subject("applicant", f"email:{value.lower()}", value.lower(), emails={value.lower()})
    if prefix == "phone" and (phone := phone_or_none(value)):
        return Subject("applicant", f"phone:{phone}", phone, phones={phone})
    if prefix == "inn" and len(value) == 12 and is_valid_inn(value):
        return Subject("applicant", f"inn:{value}", f"ИНН {value}", inns={value})
    raise SubjectNotFound()


def for_login(user: User, *, self_service: bool = False) -> Subject:
    """A portal login. For its own export (self_service) only the confirmed e-mail counts as its address."""
    emails = {user.email.lower()} if user.email and (user.email_confirmed_at or not self_service) else set()
    phones = set()
    if not self_service and (phone := phone_or_none(user.phone)):
        phones.add(phone)
    customers = set(PortalAccess.objects.filter(user=user).values_list("account__contract__customer_id", flat=True))
    return Subject("portal_login", f"user:{user.pk}", user.full_name or user.username, full_name=user.full_name,
                   emails=emails, phones=phones, user=user, related_customers=customers, self_service=self_service)


def _for_contact(contact: ContactPerson) -> Subject:
    phones = {p for p in [phone_or_none(contact.phone)] if p}
    return Subject("contact", f"contact:{contact.pk}", contact.full_name, full_name=contact.full_name,
                   emails={contact.email.lower()} if contact.email else set(), phones=phones, contact=contact,
                   related_customers={contact.customer_id})


def _for_representative(representative: Representative) -> Subject:
    return Subject("representative", f"representative:{representative.pk}", representative.full_name,
                   full_name=representative.full_name, representative=representative,
                   related_customers={representative.customer_id})


def _for_sole_proprietor(customer: Customer) -> Subject:
    phones = {p for p in [phone_or_none(customer.phone)] if p}
    return Subject("sole_proprietor", f"customer:{customer.pk}", customer.name, full_name=customer.name,
                   emails={customer.email.lower()} if customer.email else set(), phones=phones,
                   inns={customer.inn}, customer=customer, related_customers={customer.pk})

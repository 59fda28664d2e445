import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from abonent.core.models import TimeStampedModel
from abonent.core.validators import (
    format_phone,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ogrnip,
    validate_phone,
)


class CustomerQuerySet(models.QuerySet):
    def with_inn(self, inn: str, kpp: str | None = None) -> list["Customer"]:
        """At most two customers with this INN (and this KPP, when given; "" is a sole proprietor's): enough for
        callers to tell none, one and several apart. Unordered: the model's ordering would only add a sort (and
        its compiling, a fifth of the lookup's cost in API registration)."""
        lookup = {"inn": inn} if kpp is None else {"inn": inn, "kpp": kpp}
        return list(self.filter(**lookup).order_by()[:2])

    def search(self, query: str) -> "CustomerQuerySet":
        query = query.strip()
        if not query:
            return self
        if query.isdigit():
            return self.filter(
                Q(inn__startswith=query) | Q(ogrn=query) | Q(contracts__number__icontains=query)
                | Q(contracts__accounts__number__icontains=query)
            ).distinct()
        # Case-insensitive for Cyrillic on SQLite too: the folded name is stored beside the name.
        return self.filter(
            Q(search_name__contains=query.casefold()) | Q(contracts__number__icontains=query)
        ).distinct()


class Customer(TimeStampedModel):
    """A business customer (небытовой потребитель): a legal entity, a sole proprietor, a housing
    association or a managing company (standard 1.1.3)."""

    class Kind(models.TextChoices):
        LEGAL_ENTITY = "legal_entity", "юридическое лицо"
        SOLE_PROPRIETOR = "sole_proprietor", "индивидуальный предприниматель"
        HOUSING_ASSOCIATION = "housing_association", "ТСЖ / ЖСК"
        MANAGING_COMPANY = "managing_company", "управляющая компания"

    kind = models.CharField("вид клиента", max_length=32, choices=Kind.choices)
    name = models.CharField("полное наименование", max_length=300)
    short_name = models.CharField("краткое наименование", max_length=200, blank=True)
    search_name = models.CharField(max_length=600, editable=False, db_index=True, default="")
    inn = models.CharField("ИНН", max_length=12, validators=[validate_inn], db_index=True)
    kpp = models.CharField("КПП", max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField("ОГРН / ОГРНИП", max_length=15, blank=True)
    legal_address = models.CharField("юридический адрес", max_length=300, blank=True)
    postal_address = models.CharField("почтовый адрес", max_length=300, blank=True)
    phone = models.CharField("телефон", max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField("e-mail", blank=True)
    is_active = models.BooleanField("действующий", default=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = "клиент"
        verbose_name_plural = "клиенты"
        ordering = ["short_name", "name"]
        constraints = [models.UniqueConstraint(fields=["inn", "kpp"], name="customer_unique_inn_kpp")]
        permissions = [("view_confidential", "Может видеть конфиденциальные данные клиента (расчёты, показания)")]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_sole_proprietor(self) -> bool:
        return self.kind == self.Kind.SOLE_PROPRIETOR

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def save(self, *args, **kwargs):
        self.search_name = f"{self.name} {self.short_name}".casefold()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """ИП: 12-digit ИНН, ОГРНИП, no КПП. Organisations: 10-digit ИНН, КПП and ОГРН."""
        errors: dict[str, str] = {}
        if self.is_sole_proprietor:
            if self.inn and len(self.inn) != 12:
                errors["inn"] = "У индивидуального предпринимателя ИНН из 12 цифр."
            if self.kpp:
                errors["kpp"] = "У индивидуального предпринимателя нет КПП."
            if self.ogrn:
                try:
                    validate_ogrnip(self.ogrn)
                except ValidationError as e:
                    errors["ogrn"] = e.messages[0]
        else:
            if self.inn and len(self.inn) != 10:
                errors["inn"] = "У организации ИНН из 10 цифр."
            if not self.kpp:
                errors["kpp"] = "Для организации укажите КПП."
            if self.ogrn:
                try:
                    validate_ogrn(self.ogrn)
                except ValidationError as e:
                    errors["ogrn"] = e.messages[0]
        if errors:
            raise ValidationError(errors)


class Contract(TimeStampedModel):
    """A supply contract (договор энергоснабжения)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "на заключении"
        ACTIVE = "active", "действует"
        SUSPENDED = "suspended", "приостановлен"
        TERMINATED = "terminated", "расторгнут"

    class PriceCategory(models.IntegerChoices):
        FIRST = 1, "первая"
        SECOND = 2, "вторая"
        THIRD = 3, "третья"
        FOURTH = 4, "четвёртая"
        FIFTH = 5, "пятая"
        SIXTH = 6, "шестая"

    customer = models.ForeignKey(Customer, verbose_name="клиент", on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField("номер договора", max_length=50, unique=True, error_messages={
        "unique": "Договор с таким номером уже есть: номер договора должен быть уникальным."})
    signed_on = models.DateField("дата заключения")
    valid_from = models.DateField("действует с")
    valid_to = models.DateField("действует по", null=True, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    price_category = models.PositiveSmallIntegerField(
        "ценовая категория", choices=PriceCategory.choices, default=PriceCategory.FIRST
    )
    max_capacity_kw = models.DecimalField("максимальная мощность, кВт", max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = "договор энергоснабжения"
        verbose_name_plural = "договоры энергоснабжения"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(max_capacity_kw__gt=0), name="contract_capacity_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="contract_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "Дата окончания раньше даты начала действия договора."})
        if self.max_capacity_kw is not None and self.max_capacity_kw <= 0:
            raise ValidationError({"max_capacity_kw": "Максимальная мощность должна быть больше нуля."})


def new_link_code() -> str:
    """Eight characters without look-alikes (0/O, 1/I/L), easy to type from a printed invoice."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class BillingAccount(TimeStampedModel):
    """A billing account (лицевой счёт) under a supply contract: one supply point or object."""

    contract = models.ForeignKey(Contract, verbose_name="договор", on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField("номер лицевого счёта", max_length=30, unique=True, error_messages={
        "unique": "Лицевой счёт с таким номером уже есть."})
    object_name = models.CharField("объект", max_length=200, blank=True)
    address = models.CharField("адрес объекта", max_length=300)
    is_active = models.BooleanField("действует", default=True)
    link_code = models.CharField(
        "код подключения к личному кабинету", max_length=12, default=new_link_code,
        help_text="Печатается в счёте; вместе с номером договора и ИНН подключает счёт к личному кабинету.",
    )

    class Meta:
        verbose_name = "лицевой счёт"
        verbose_name_plural = "лицевые счета"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def customer(self) -> Customer:
        return self.contract.customer


class ContactPerson(TimeStampedModel):
    """A person the supplier talks to at the customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField("ФИО", max_length=200)
    position = models.CharField("должность", max_length=200, blank=True)
    phone = models.CharField("телефон", max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField("e-mail", blank=True)

    class Meta:
        verbose_name = "контактное лицо"
        verbose_name_plural = "контактные лица"
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class RepresentativeQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "RepresentativeQuerySet":
        return self.filter(poa_issued_on__lte=day, poa_valid_until__gte=day, is_revoked=False)


class Representative(TimeStampedModel):
    """A person acting for the customer under a power of attorney (доверенность). An expired or
    revoked power of attorney never counts."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="representatives")
    full_name = models.CharField("ФИО представителя", max_length=200)
    identity_document = models.CharField("документ, удостоверяющий личность", max_length=200, blank=True)
    poa_number = models.CharField("номер доверенности", max_length=50)
    poa_issued_on = models.DateField("дата выдачи доверенности")
    poa_valid_until = models.DateField("доверенность действует по")
    powers = models.TextField("полномочия", blank=True)
    is_revoked = models.BooleanField("доверенность отозвана", default=False)

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = "представитель"
        verbose_name_plural = "представители"
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(poa_valid_until__gte=models.F("poa_issued_on")), name="poa_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (дов. № {self.poa_number})"

    def is_valid_on(self, day: datetime.date) -> bool:
        return not self.is_revoked and self.poa_issued_on <= day <= self.poa_valid_until

    def clean(self) -> None:
        if self.poa_issued_on and self.poa_valid_until and self.poa_valid_until < self.poa_issued_on:
            raise ValidationError(
                {"poa_valid_until": "Срок действия доверенности не может кончаться раньше даты выдачи."})


class PortalAccess(TimeStampedModel):
    """A portal login's right to one billing account, with the person's role at the customer. A login may
    act for several accounts of several customers; each link is granted by the invoice's code or by staff,
    and a revoked link stays as the record."""

    class Role(models.TextChoices):
        MANAGER = "manager", "руководитель"
        ACCOUNTANT = "accountant", "бухгалтер"
        ENERGY_MANAGER = "energy_manager", "энергетик"

    class Capability(models.TextChoices):
        FINANCE = "finance", "расчёты и документы"
        PAY = "pay", "оплата"
        READINGS = "readings", "показания и потребление"
        APPEALS = "appeals", "обращения"
        SETTINGS = "settings", "уведомления и контакты"

    class Status(models.TextChoices):
        PENDING = "pending", "ждёт подтверждения сотрудником"
        ACTIVE = "active", "действует"
        REJECTED = "rejected", "отклонено"
        REVOKED = "revoked", "отозвано"

    class GrantedVia(models.TextChoices):
        CODE = "code", "код из счёта"
        STAFF = "staff", "сотрудник"

    user = models.ForeignKey(
        "users.User", verbose_name="учётная запись", on_delete=models.CASCADE, related_name="portal_accesses"
    )
    account = models.ForeignKey(
        BillingAccount, verbose_name="лицевой счёт", on_delete=models.CASCADE, related_name="portal_accesses"
    )
    role = models.CharField("роль", max_length=16, choices=Role.choices)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.PENDING)
    granted_via = models.CharField("основание", max_length=8, choices=GrantedVia.choices)
    decided_by = models.ForeignKey(
        "users.User", verbose_name="решение принял", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("дата решения", null=True, blank=True)
    comment = models.CharField("комментарий", max_length=500, blank=True)

    class Meta:
        verbose_name = "доступ к лицевому счёту в личном кабинете"
        verbose_name_plural = "доступы к лицевым счетам в личном кабинете"
        ordering = ["account__number", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"], condition=Q(status__in=["pending", "active"]),
                name="portal_access_one_live_link",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.account} ({self.get_role_display()})"

    @classmethod
    def capabilities_of(cls, role: str) -> frozenset[str]:
        return ROLE_CAPABILITIES[role]

    def allows(self, capability: str) -> bool:
        return self.status == self.Status.ACTIVE and capability in ROLE_CAPABILITIES[self.role]


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    PortalAccess.Role.MANAGER: frozenset(PortalAccess.Capability.values),
    PortalAccess.Role.ACCOUNTANT: frozenset({"finance", "pay", "appeals"}),
    PortalAccess.Role.ENERGY_MANAGER: frozenset({"readings", "appeals"}),
}

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from abonent.core.validators import format_phone, validate_phone


class User(AbstractUser):
    """A login. Staff of the supplier and people acting for customers in the portal are separate kinds:
    a portal login never reaches the back office, a staff login never acts for a customer."""

    class Kind(models.TextChoices):
        STAFF = "staff", "сотрудник"
        CUSTOMER = "customer", "представитель клиента (личный кабинет)"

    kind = models.CharField("вид учётной записи", max_length=16, choices=Kind.choices, default=Kind.STAFF)
    middle_name = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=200, blank=True)
    phone = models.CharField("телефон", max_length=32, blank=True, validators=[validate_phone])
    department = models.ForeignKey(
        "organisation.Department", verbose_name="подразделение", on_delete=models.PROTECT,
        null=True, blank=True, related_name="staff",
    )
    can_sign_replies = models.BooleanField(
        "уполномочен подписывать ответы", default=False,
        help_text="Уполномоченное должностное лицо, подписывающее ответы клиентам (стандарт 2.2.4.3).",
    )
    must_change_password = models.BooleanField(
        "сменить пароль при входе", default=False,
        help_text="Пароль задан администратором: при следующем входе сотрудник сначала меняет его на свой. "
                  "Ставится сам, когда администратор создаёт сотрудника или задаёт ему пароль.",
    )
    email_confirmed_at = models.DateTimeField(
        "e-mail подтверждён", null=True, blank=True,
        help_text="Для входа в личный кабинет: до подтверждения адреса по ссылке из письма вход закрыт.",
    )

    objects = UserManager()

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def full_name(self) -> str:
        """Фамилия Имя Отчество, as printed on replies."""
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """Фамилия И. О."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip() or self.username

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF and self.is_active


class PersonalDataConsent(models.Model):
    """A person's consent to the processing of personal data (152-ФЗ, ст. 9): who gave it, when, from which
    address, and the exact wording agreed to, so that it can be proven later. Never edited; a withdrawal
    or a new wording is a new row."""

    class Purpose(models.TextChoices):
        PORTAL = "portal", "регистрация в личном кабинете"

    user = models.ForeignKey(User, verbose_name="учётная запись", on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField("цель", max_length=16, choices=Purpose.choices)
    version = models.CharField("редакция текста согласия", max_length=20)
    text = models.TextField("текст согласия, как он был показан")
    given_at = models.DateTimeField("согласие дано")
    ip_address = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    user_agent = models.CharField("браузер", max_length=500, blank=True)

    class Meta:
        verbose_name = "согласие на обработку персональных данных"
        verbose_name_plural = "согласия на обработку персональных данных"
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_purpose_display()}, ред. {self.version} ({self.given_at:%d.%m.%Y})"

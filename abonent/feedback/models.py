"""Feedback and quality control (standard, section 4): what thanks, reviews and complaints are about,
the satisfaction survey after each reply (passive feedback), and questionnaires for customers and staff,
sent by personal links or published on the site as internet polls."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from abonent.core.models import TimeStampedModel
from abonent.organisation.models import Channel


def new_nonce() -> str:
    """The unguessable part of a personal link; the link itself carries it signed."""
    return secrets.token_urlsafe(24)


class FeedbackSubject(TimeStampedModel):
    """Whom a piece of active feedback (thanks, a review, a complaint) is about: a department and/or an
    employee, set by staff on the appeal card. Changes are kept in the audit log."""

    appeal = models.OneToOneField("appeals.Appeal", verbose_name="обращение", on_delete=models.CASCADE,
                                  related_name="feedback_subject")
    department = models.ForeignKey("organisation.Department", verbose_name="о подразделении",
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="о сотруднике", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="feedback_about")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="указал", on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = "предмет отзыва"
        verbose_name_plural = "предметы отзывов"
        constraints = [
            models.CheckConstraint(condition=Q(department__isnull=False) | Q(employee__isnull=False),
                                   name="feedback_subject_names_someone"),
        ]
        permissions = [("view_feedback", "Может смотреть обратную связь и результаты опросов")]

    def __str__(self) -> str:
        parts = [str(p) for p in (self.department, self.employee) if p]
        return f"{self.appeal}: {', '.join(parts)}"


class SurveyPolicy(TimeStampedModel):
    """How the satisfaction survey after a reply runs: one row, edited by the head roles."""

    is_enabled = models.BooleanField("направлять опрос после ответа", default=True)
    valid_days = models.PositiveSmallIntegerField("ссылка действует, дней", default=30)
    low_rating = models.PositiveSmallIntegerField("низкая оценка — не выше", default=2,
                                                  help_text="Оценка не выше этой открывает решение на контроле.")
    control_days = models.PositiveSmallIntegerField("срок разбора низкой оценки, дней", default=10)

    class Meta:
        verbose_name = "настройки опроса после ответа"
        verbose_name_plural = "настройки опроса после ответа"

    def __str__(self) -> str:
        return "Опрос удовлетворённости после ответа"

    @classmethod
    def current(cls) -> "SurveyPolicy":
        return cls.objects.order_by("pk").first() or cls()


class SurveyQuerySet(models.QuerySet):
    def answered(self) -> "SurveyQuerySet":
        return self.filter(answered_at__isnull=False)

    def low(self) -> "SurveyQuerySet":
        return self.answered().filter(is_low=True)


class Survey(TimeStampedModel):
    """The short satisfaction survey after a reply (passive feedback): one per sent reply, answered once
    through a signed personal link: a rating 1-5, whether the question was resolved, a comment."""

    class Status(models.TextChoices):
        PENDING = "pending", "ожидает отправки"
        SENT = "sent", "направлен"
        NO_ADDRESS = "no_address", "не направлен: нет адреса"
        FAILED = "failed", "ошибка отправки"
        ANSWERED = "answered", "получен ответ"

    reply = models.OneToOneField("appeals.Reply", verbose_name="ответ", on_delete=models.CASCADE,
                                 related_name="survey")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.CASCADE,
                               related_name="surveys")
    department = models.ForeignKey("organisation.Department", verbose_name="подразделение",
                                   on_delete=models.PROTECT, related_name="+")
    executor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="исполнитель", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    nonce = models.CharField(max_length=64, unique=True, default=new_nonce, editable=False)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices, blank=True)
    sent_at = models.DateTimeField("направлен", null=True, blank=True)
    expires_at = models.DateTimeField("действует до")
    failure = models.TextField("причина ошибки", blank=True)
    attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    rating = models.PositiveSmallIntegerField("оценка (1–5)", null=True, blank=True)
    is_resolved = models.BooleanField("вопрос решён", null=True, blank=True)
    comment = models.TextField("комментарий", blank=True)
    answered_at = models.DateTimeField("ответ получен", null=True, blank=True)
    is_low = models.BooleanField("низкая оценка", default=False)
    control_item = models.ForeignKey("appeals.ControlItem", verbose_name="решение на контроле",
                                     on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = "опрос после ответа"
        verbose_name_plural = "опросы после ответа"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="survey_rating_1_5"),
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | Q(rating__isnull=False),
                                   name="survey_answer_has_rating"),
        ]
        indexes = [
            models.Index(fields=["answered_at"], name="survey_answered"),
            models.Index(fields=["department", "answered_at"], name="survey_department"),
        ]

    def __str__(self) -> str:
        return f"Опрос по {self.appeal}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at < timezone.now()


class Questionnaire(TimeStampedModel):
    """A questionnaire to assess the quality of service (standard, section 4): for customers or for staff;
    sent by personal links (e-mail, EDO) or published on the site as an internet poll."""

    class Audience(models.TextChoices):
        CUSTOMERS = "customers", "клиенты"
        STAFF = "staff", "сотрудники"

    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        OPEN = "open", "проводится"
        CLOSED = "closed", "завершён"

    title = models.CharField("название", max_length=200)
    slug = models.SlugField("адрес на сайте", max_length=80, unique=True)
    intro = models.TextField("вступительный текст", blank=True)
    audience = models.CharField("кого опрашиваем", max_length=16, choices=Audience.choices,
                                default=Audience.CUSTOMERS)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_public_poll = models.BooleanField("интернет-опрос на сайте", default=False)
    results_published = models.BooleanField("публиковать результаты на сайте", default=False)
    opens_at = models.DateTimeField("начало", null=True, blank=True)
    closes_at = models.DateTimeField("окончание", null=True, blank=True)
    thanks_text = models.TextField("текст благодарности", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="составил", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "анкета"
        verbose_name_plural = "анкеты и опросы"
        ordering = ["-created_at", "-pk"]
        permissions = [("build_questionnaire", "Может составлять и проводить анкетирование")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="questionnaire_closes_after_opens"),
            models.CheckConstraint(condition=~Q(audience="staff", is_public_poll=True),
                                   name="questionnaire_staff_not_public"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:questionnaire", args=[self.pk])

    def is_accepting(self, now=None) -> bool:
        """Open for answers now: started, within its dates."""
        now = now or timezone.now()
        return (self.status == self.Status.OPEN and (self.opens_at is None or self.opens_at <= now)
                and (self.closes_at is None or now < self.closes_at))


class Question(models.Model):
    """One question of a questionnaire."""

    class Kind(models.TextChoices):
        SINGLE = "single", "один вариант из списка"
        MULTIPLE = "multiple", "несколько вариантов из списка"
        SCALE5 = "scale5", "шкала 1–5"
        SCALE10 = "scale10", "шкала 1–10"
        NPS = "nps", "готовность рекомендовать (NPS, 0–10)"
        TEXT = "text", "свободный ответ"

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    NUMBER_RANGES = {Kind.SCALE5: (1, 5), Kind.SCALE10: (1, 10), Kind.NPS: (0, 10)}

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("порядок")
    kind = models.CharField("вид вопроса", max_length=16, choices=Kind.choices)
    text = models.CharField("вопрос", max_length=500)
    help_text = models.CharField("пояснение", max_length=500, blank=True)
    is_required = models.BooleanField("обязательный", default=True)

    class Meta:
        verbose_name = "вопрос анкеты"
        verbose_name_plural = "вопросы анкеты"
        ordering = ["questionnaire", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "order"], name="question_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    @property
    def number_range(self) -> tuple[int, int] | None:
        return self.NUMBER_RANGES.get(self.kind)


class Choice(models.Model):
    """An answer option of a single or multiple choice question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField("порядок")
    text = models.CharField("вариант ответа", max_length=300)

    class Meta:
        verbose_name = "вариант ответа"
        verbose_name_plural = "варианты ответа"
        ordering = ["question", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "order"], name="choice_order_unique")]

    def __str__(self) -> str:
        return self.text


class Invitation(TimeStampedModel):
    """A personal link to a questionnaire for one recipient (a customer by e-mail or EDO, or an employee):
    one answer per link."""

    class Status(models.TextChoices):
        PENDING = "pending", "ожидает отправки"
        SENT = "sent", "направлено"
        FAILED = "failed", "ошибка отправки"
        ANSWERED = "answered", "получен ответ"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", on_delete=models.CASCADE,
                                 null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="сотрудник", on_delete=models.CASCADE,
                             null=True, blank=True, related_name="+")
    email = models.EmailField("e-mail", blank=True)
    nonce = models.CharField(max_length=64, unique=True, default=new_nonce, editable=False)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField("направлено", null=True, blank=True)
    provider_id = models.CharField("идентификатор доставки", max_length=300, blank=True)
    failure = models.TextField("причина ошибки", blank=True)
    attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)

    class Meta:
        verbose_name = "приглашение к анкете"
        verbose_name_plural = "приглашения к анкете"
        ordering = ["questionnaire", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "customer", "channel"],
                                    condition=Q(customer__isnull=False), name="invitation_once_per_customer"),
            models.UniqueConstraint(fields=["questionnaire", "user"], condition=Q(user__isnull=False),
                                    name="invitation_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire}: {self.customer or self.user or self.email}"


class Response(models.Model):
    """One completed questionnaire: through a personal link, by a logged-in employee, or by a visitor of
    the site (known only by a random cookie id and a hash of address and browser)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(Invitation, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="response")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="сотрудник", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    visitor_key = models.CharField("посетитель", max_length=64, null=True, blank=True)
    client_hash = models.CharField("адрес и браузер (хеш)", max_length=64, blank=True, db_index=True)
    submitted_at = models.DateTimeField("получено", default=timezone.now)

    class Meta:
        verbose_name = "заполненная анкета"
        verbose_name_plural = "заполненные анкеты"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "respondent"], condition=Q(respondent__isnull=False),
                                    name="response_once_per_employee"),
            models.UniqueConstraint(fields=["questionnaire", "visitor_key"], condition=Q(visitor_key__isnull=False),
                                    name="response_once_per_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire}: ответ от {timezone.localtime(self.submitted_at):%d.%m.%Y %H:%M}"


class Answer(models.Model):
    """The answer to one question in a response: chosen options, a number (scale, NPS) or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.ManyToManyField(Choice, verbose_name="выбранные варианты", blank=True, related_name="answers")
    number = models.SmallIntegerField("оценка", null=True, blank=True)
    text = models.TextField("ответ", blank=True)

    class Meta:
        verbose_name = "ответ на вопрос"
        verbose_name_plural = "ответы на вопросы"
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.question}: {self.number if self.number is not None else self.text}"

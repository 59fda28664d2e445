"""The appeals registry (standard 2.2.4-2.2.8, section 4): every appeal registered with a number, routed,
held to its deadline, answered with the executor's name and phone and an authorised signatory."""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from abonent.core.models import TimeStampedModel
from abonent.organisation.models import Channel


class Kind(models.TextChoices):
    QUESTION = "question", "вопрос / запрос информации"
    SERVICE_REQUEST = "service_request", "заявка на дополнительные услуги"
    CLAIM = "claim", "претензия"
    COMPLAINT = "complaint", "жалоба"
    SUGGESTION = "suggestion", "предложение"
    THANKS = "thanks", "благодарность"
    REVIEW = "review", "отзыв"


FEEDBACK_KINDS = (Kind.COMPLAINT, Kind.SUGGESTION, Kind.THANKS, Kind.REVIEW)


class UrgencyCategory(TimeStampedModel):
    """A complaint's urgency category, set by management (standard, section 4), with its own term."""

    name = models.CharField("категория срочности", max_length=100, unique=True)
    code = models.SlugField("код", max_length=30, unique=True)
    days = models.PositiveSmallIntegerField("срок рассмотрения, дней")
    working_days = models.BooleanField("в рабочих днях", default=False)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    description = models.TextField("когда применяется", blank=True)

    class Meta:
        verbose_name = "категория срочности"
        verbose_name_plural = "категории срочности"
        ordering = ["order", "days"]

    def __str__(self) -> str:
        return self.name


class DeadlinePolicy(TimeStampedModel):
    """The response term for a kind of appeal (and an urgency category), set by the head roles.
    With no matching row the standard's 30 calendar days apply."""

    kind = models.CharField("вид обращения", max_length=32, choices=Kind.choices)
    urgency = models.ForeignKey(UrgencyCategory, verbose_name="категория срочности", on_delete=models.CASCADE,
                                null=True, blank=True)
    days = models.PositiveSmallIntegerField("срок, дней")
    working_days = models.BooleanField("в рабочих днях", default=False)

    class Meta:
        verbose_name = "срок рассмотрения"
        verbose_name_plural = "сроки рассмотрения"
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgency"], name="one_policy_per_kind_urgency"),
            models.UniqueConstraint(fields=["kind"], condition=Q(urgency__isnull=True), name="one_policy_per_kind"),
        ]

    def __str__(self) -> str:
        unit = "раб. дн." if self.working_days else "кал. дн."
        suffix = f", {self.urgency}" if self.urgency else ""
        return f"{self.get_kind_display()}{suffix}: {self.days} {unit}"


class RoutingRule(TimeStampedModel):
    """Sends matching appeals to the competent department. Rules are tried by priority (lowest first);
    every filled condition must hold. Keywords match on Russian stems, any of them."""

    name = models.CharField("название", max_length=200)
    priority = models.PositiveIntegerField("приоритет", default=100)
    is_active = models.BooleanField("действует", default=True)
    topic = models.ForeignKey("organisation.Topic", verbose_name="тема", on_delete=models.CASCADE,
                              null=True, blank=True)
    kind = models.CharField("вид обращения", max_length=32, choices=Kind.choices, blank=True)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices, blank=True)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", on_delete=models.CASCADE,
                                 null=True, blank=True)
    keywords = models.CharField("ключевые слова (через запятую)", max_length=500, blank=True)
    department = models.ForeignKey("organisation.Department", verbose_name="подразделение", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "правило маршрутизации"
        verbose_name_plural = "правила маршрутизации"
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.priority}. {self.name} → {self.department}"


class AppealQuerySet(models.QuerySet):
    def open(self) -> "AppealQuerySet":
        return self.filter(status__in=Appeal.OPEN_STATUSES)

    def overdue(self, now: datetime.datetime | None = None) -> "AppealQuerySet":
        return self.open().filter(due_at__lt=now or timezone.now())

    def due_within(self, until: datetime.datetime, now: datetime.datetime | None = None) -> "AppealQuerySet":
        return self.open().filter(due_at__gte=now or timezone.now(), due_at__lte=until)

    def for_department(self, department) -> "AppealQuerySet":
        return self.filter(department=department)


class Appeal(TimeStampedModel):
    """An appeal (обращение): a customer's written or oral statement, question, request, claim, complaint,
    suggestion, thanks or review. Registered with a number the moment it arrives, and kept forever."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "зарегистрировано"
        IN_PROGRESS = "in_progress", "на исполнении"
        ON_APPROVAL = "on_approval", "ответ на подписи"
        ANSWERED = "answered", "ответ направлен"
        CLOSED = "closed", "закрыто"
        NOT_CONSIDERED = "not_considered", "оставлено без рассмотрения"

    OPEN_STATUSES = (Status.REGISTERED, Status.IN_PROGRESS, Status.ON_APPROVAL)

    number = models.CharField("регистрационный номер", max_length=20)  # unique: Meta.constraints
    year = models.PositiveSmallIntegerField("год регистрации")
    sequence = models.PositiveIntegerField("порядковый номер в году")
    kind = models.CharField("вид", max_length=32, choices=Kind.choices, default=Kind.QUESTION)
    topic = models.ForeignKey("organisation.Topic", verbose_name="тема", on_delete=models.PROTECT,
                              null=True, blank=True)
    channel = models.CharField("канал поступления", max_length=16, choices=Channel.choices)
    reply_channel = models.CharField("способ ответа", max_length=16, choices=Channel.choices)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="appeals", db_index=False)
    billing_account = models.ForeignKey("customers.BillingAccount", verbose_name="лицевой счёт",
                                        on_delete=models.PROTECT, null=True, blank=True, related_name="appeals")
    sender_name = models.CharField("заявитель (ФИО)", max_length=300, blank=True)
    sender_organisation = models.CharField("организация заявителя", max_length=300, blank=True)
    sender_inn = models.CharField("ИНН заявителя", max_length=12, blank=True)
    sender_email = models.EmailField("e-mail заявителя", blank=True)
    sender_phone = models.CharField("телефон заявителя", max_length=32, blank=True)
    sender_address = models.CharField("почтовый адрес заявителя", max_length=300, blank=True)
    subject = models.CharField("краткое содержание", max_length=300, blank=True)
    text = models.TextField("текст обращения")
    received_at = models.DateTimeField("поступило")
    registered_at = models.DateTimeField("зарегистрировано")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="зарегистрировал",
                                      on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    postmark_date = models.DateField("дата почтового штемпеля", null=True, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.REGISTERED)
    department = models.ForeignKey("organisation.Department", verbose_name="подразделение",
                                   on_delete=models.PROTECT, related_name="appeals", db_index=False)
    executor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="исполнитель", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="appeals_to_execute", db_index=False)
    due_at = models.DateTimeField("срок ответа")
    is_extended = models.BooleanField("срок продлён", default=False)
    urgency = models.ForeignKey(UrgencyCategory, verbose_name="категория срочности", on_delete=models.PROTECT,
                                null=True, blank=True)
    is_conflict = models.BooleanField("конфликтная ситуация", default=False)
    is_typical = models.BooleanField("типовой вопрос", default=False)
    answered_at = models.DateTimeField("ответ направлен", null=True, blank=True)
    closed_at = models.DateTimeField("закрыто", null=True, blank=True)
    source_key = models.CharField("ключ источника", max_length=300, null=True, blank=True, unique=True,
                                  help_text="Message-ID, id документа ЭДО, id звонка, ключ идемпотентности.")
    # PostgreSQL only: the stems of subject, text and sender names, kept by a trigger (migration 0003).
    search_document = SearchVectorField(null=True, editable=False)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = "обращение"
        verbose_name_plural = "обращения"
        ordering = ["-registered_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="appeal_number_unique_in_year"),
                       models.UniqueConstraint(fields=["number"], name="appeal_number_unique")]
        # Every index is written by each registration: the customer's, department's and executor's own are the
        # first columns of the indexes below, and the number is never matched by prefix (a unique constraint,
        # unlike unique=True, adds no LIKE index on PostgreSQL). Migration 0006.
        indexes = [
            models.Index(fields=["status", "due_at"], name="appeal_open_due"),
            models.Index(fields=["department", "status", "due_at"], name="appeal_dept_queue"),
            models.Index(fields=["executor", "status", "due_at"], name="appeal_executor_queue"),
            models.Index(fields=["-registered_at", "-id"], name="appeal_registered_desc"),
            models.Index(fields=["customer", "-registered_at"], name="appeal_customer"),
        ]
        permissions = [
            ("register_appeal", "Может регистрировать обращения"),
            ("work_on_appeal", "Может исполнять обращения (брать, готовить ответ)"),
            ("reassign_appeal", "Может переназначать обращения"),
            ("extend_deadline", "Может продлевать срок рассмотрения"),
            ("decide_non_consideration", "Может оставлять обращения без рассмотрения"),
            ("approve_reply", "Может подписывать ответы"),
            ("control_appeals", "Контроль исполнения"),
            ("manage_policy", "Может настраивать сроки, категории срочности и маршрутизацию"),
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def sender_display(self) -> str:
        return (str(self.customer) if self.customer else "") or self.sender_organisation or self.sender_name


class AppealEvent(models.Model):
    """One step in an appeal's life: its timeline, its audit trail and the outbox from which
    notifications are derived by a task after the change is committed."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", "зарегистрировано"
        ACKNOWLEDGED = "acknowledged", "клиенту сообщён номер и срок"
        ROUTED = "routed", "направлено в подразделение"
        REASSIGNED = "reassigned", "переназначено"
        TAKEN = "taken", "принято исполнителем"
        MESSAGE_ADDED = "message_added", "дополнение от клиента"
        ATTACHMENT_ADDED = "attachment_added", "добавлен файл"
        NOTE = "note", "служебная заметка"
        CLASSIFIED = "classified", "изменены вид или тема"
        REPLY_DRAFTED = "reply_drafted", "подготовлен проект ответа"
        REPLY_SUBMITTED = "reply_submitted", "ответ передан на подпись"
        REPLY_RETURNED = "reply_returned", "ответ возвращён на доработку"
        REPLY_APPROVED = "reply_approved", "ответ подписан"
        REPLY_SENT = "reply_sent", "ответ направлен клиенту"
        REPLY_FAILED = "reply_failed", "ответ не удалось отправить"
        DEADLINE_EXTENDED = "deadline_extended", "срок продлён"
        REMINDER = "reminder", "напоминание о сроке"
        OVERDUE = "overdue", "срок нарушен"
        CONFLICT = "conflict", "конфликтная ситуация"
        APOLOGY = "apology", "принесены извинения"
        URGENCY_SET = "urgency_set", "установлена категория срочности"
        CONTROL_ADDED = "control_added", "решение поставлено на контроль"
        CONTROL_DONE = "control_done", "решение исполнено"
        NOT_CONSIDERED = "not_considered", "оставлено без рассмотрения"
        CLOSED = "closed", "закрыто"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("событие", max_length=32, choices=Kind.choices)
    at = models.DateTimeField("когда", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="кто", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    data = models.JSONField("подробности", default=dict, blank=True)
    processed_at = models.DateTimeField("обработано", null=True, blank=True)

    class Meta:
        verbose_name = "событие обращения"
        verbose_name_plural = "события обращений"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["processed_at"], name="event_outbox",
                                condition=Q(processed_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.appeal}: {self.get_kind_display()}"


class AppealMessage(models.Model):
    """A further message in an existing appeal: the customer's addition or a reply to our question."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    author = models.CharField("автор", max_length=300, blank=True)
    text = models.TextField("текст")
    received_at = models.DateTimeField("поступило", default=timezone.now)
    source_key = models.CharField("ключ источника", max_length=300, null=True, blank=True, unique=True)
    search_document = SearchVectorField(null=True, editable=False)  # PostgreSQL only, kept by a trigger

    class Meta:
        verbose_name = "дополнение к обращению"
        verbose_name_plural = "дополнения к обращениям"
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"Дополнение к {self.appeal}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Server-side names only: the customer's file name is kept in a field, never used as a path.
    return f"appeals/{instance.appeal.year}/{instance.appeal.number}/{instance.sha256[:16]}"


class Attachment(models.Model):
    """A file of an appeal: the customer's attachment, a paper letter's scan, a generated PDF."""

    class Role(models.TextChoices):
        ATTACHMENT = "attachment", "вложение"
        SCAN = "scan", "скан письма"
        STAMP = "stamp", "копия с отметкой о регистрации"
        REPLY = "reply", "ответ (PDF)"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(AppealMessage, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="attachments")
    role = models.CharField("назначение", max_length=16, choices=Role.choices, default=Role.ATTACHMENT)
    file = models.FileField("файл", upload_to=attachment_path)
    original_name = models.CharField("имя файла", max_length=255)
    content_type = models.CharField("тип", max_length=100)
    size = models.PositiveBigIntegerField("размер, байт")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("загружен", default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = "файл обращения"
        verbose_name_plural = "файлы обращений"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Reply(TimeStampedModel):
    """A reply to an appeal: the substance, the executor's name and phone, an authorised signatory
    (standard 2.2.4.3, 2.2.6, 2.2.7); sent through the reply channel with an outgoing number."""

    class Status(models.TextChoices):
        DRAFT = "draft", "проект"
        ON_APPROVAL = "on_approval", "на подписи"
        RETURNED = "returned", "возвращён на доработку"
        APPROVED = "approved", "подписан"
        SENT = "sent", "направлен"
        FAILED = "failed", "ошибка отправки"

    class Purpose(models.TextChoices):
        ANSWER = "answer", "ответ по существу"
        NON_CONSIDERATION = "non_consideration", "уведомление об оставлении без рассмотрения"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="replies")
    purpose = models.CharField("назначение", max_length=32, choices=Purpose.choices, default=Purpose.ANSWER)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.DRAFT)
    text = models.TextField("текст ответа")
    executor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="исполнитель", on_delete=models.PROTECT,
                                 related_name="+")
    executor_name = models.CharField("ФИО исполнителя", max_length=300)
    executor_phone = models.CharField("телефон исполнителя", max_length=32)
    signatory = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="подписант", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    signatory_name = models.CharField("ФИО подписанта", max_length=300, blank=True)
    signatory_position = models.CharField("должность подписанта", max_length=300, blank=True)
    channel = models.CharField("канал отправки", max_length=16, choices=Channel.choices)
    outgoing_number = models.CharField("исходящий номер", max_length=30, unique=True, null=True, blank=True)
    outgoing_date = models.DateField("исходящая дата", null=True, blank=True)
    approved_at = models.DateTimeField("подписан", null=True, blank=True)
    sent_at = models.DateTimeField("направлен", null=True, blank=True)
    provider_id = models.CharField("идентификатор доставки", max_length=300, blank=True)
    failure = models.TextField("причина ошибки", blank=True)
    delivery_attempts = models.PositiveSmallIntegerField("попыток доставки", default=0)
    typical_answer = models.ForeignKey("TypicalAnswer", verbose_name="типовой ответ", on_delete=models.SET_NULL,
                                       null=True, blank=True)

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Ответ {self.outgoing_number or '(проект)'} на {self.appeal}"


class TypicalAnswer(TimeStampedModel):
    """A typical question and its answer (knowledge base, standard 2.2.6): operators answer with it,
    the site shows it."""

    question = models.CharField("вопрос", max_length=500)
    answer = models.TextField("ответ")
    topic = models.ForeignKey("organisation.Topic", verbose_name="тема", on_delete=models.SET_NULL,
                              null=True, blank=True)
    is_active = models.BooleanField("используется", default=True)
    is_published = models.BooleanField("показывать на сайте", default=True)

    class Meta:
        verbose_name = "типовой вопрос"
        verbose_name_plural = "типовые вопросы (база знаний)"
        ordering = ["question"]

    def __str__(self) -> str:
        return self.question


class NonConsideration(models.Model):
    """A coded decision to leave an appeal without consideration (standard 2.2.4.4-2.2.4.5), taken by a
    head; the system may suggest the ground, a person decides."""

    class Ground(models.TextChoices):
        OFFENSIVE = "offensive", "нецензурные либо оскорбительные выражения"
        THREATS = "threats", "угрозы жизни, здоровью и имуществу сотрудника или членов его семьи"
        UNREADABLE = "unreadable", "текст не поддаётся прочтению"
        REPEATED = "repeated", "повторный вопрос, на который уже дан ответ по существу, без новых доводов"
        NO_SURNAME_OR_ADDRESS = "no_surname_or_address", "не указаны фамилия и почтовый адрес для ответа"
        NO_CONTACTS = "no_contacts", "не указаны контактные данные"

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="non_consideration")
    ground = models.CharField("основание", max_length=32, choices=Ground.choices)
    earlier_appeal = models.ForeignKey(Appeal, verbose_name="ранее рассмотренное обращение", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    comment = models.TextField("обоснование", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    customer_can_be_told = models.BooleanField("клиенту можно сообщить", default=True)

    class Meta:
        verbose_name = "решение об оставлении без рассмотрения"
        verbose_name_plural = "решения об оставлении без рассмотрения"

    def __str__(self) -> str:
        return f"{self.appeal}: {self.get_ground_display()}"


class ControlItem(TimeStampedModel):
    """A decision taken on a complaint or appeal, kept under execution control until done (section 4)."""

    class Status(models.TextChoices):
        OPEN = "open", "на контроле"
        DONE = "done", "исполнено"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="control_items")
    decision = models.TextField("принятое решение")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="ответственный", on_delete=models.PROTECT,
                              related_name="control_items")
    due_date = models.DateField("срок исполнения")
    status = models.CharField("статус", max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField("исполнено", null=True, blank=True)
    result = models.TextField("результат", blank=True)

    class Meta:
        verbose_name = "решение на контроле"
        verbose_name_plural = "решения на контроле"
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.decision[:80]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


class Counter(models.Model):
    """Gapless yearly counters for registration and outgoing numbers, taken under a row lock in the
    same transaction as the row that uses the number, so a number is never given twice."""

    name = models.CharField(max_length=30)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="counter_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.value}"

"""The public site's content (standard 2.2.5, 3.5.6): reference pages, news, document templates, and
the record of each appeal sent through the web reception with the visitor's consent."""

import datetime
import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from abonent.core.models import TimeStampedModel
from abonent.site.content import sanitize_html

# Standard 2.2.1.2: information on the site is updated not later than 5 days after a change.
UPDATE_WITHIN_DAYS = 5
TEMPLATE_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "zip"]


def stale_after_days() -> int:
    """How long a reference page may go without an update before the admin lists it for review."""
    return int(getattr(settings, "SITE_STALE_AFTER_DAYS", 90))


class Section(models.TextChoices):
    """Kinds of reference information (standard 3.5.6)."""

    LAWS = "laws", "Извлечения из законов и нормативных актов"
    DOCUMENTS = "documents", "Перечни необходимых документов"
    SAMPLES = "samples", "Образцы заполнения документов"
    CONSULTATION = "consultation", "Как получить консультацию"
    OTHER = "other", "Прочая информация"


class InfoPageQuerySet(models.QuerySet):
    def published(self) -> "InfoPageQuerySet":
        return self.filter(is_published=True)


class InfoPage(TimeStampedModel):
    """A reference information page staff edit in the admin; its HTML is sanitised on every save, so the
    site shows only safe markup."""

    title = models.CharField("заголовок", max_length=200)
    slug = models.SlugField("адрес страницы", max_length=100, unique=True,
                            help_text="Латинские буквы, цифры и дефис: /site/info/<адрес>/")
    section = models.CharField("раздел", max_length=20, choices=Section.choices, default=Section.OTHER)
    summary = models.CharField("кратко", max_length=300, blank=True)
    body = models.TextField("текст (HTML)", help_text="Разрешены абзацы, заголовки h2–h4, списки, таблицы, ссылки, "
                                                      "выделение. Скрипты и стили удаляются.")
    order = models.PositiveSmallIntegerField("порядок", default=100)
    is_published = models.BooleanField("опубликована", default=True)
    depends_on_organisation = models.BooleanField(
        "зависит от данных организации", default=False,
        help_text="Адреса, телефоны, режим работы: при их изменении страницу нужно обновить в течение "
                  f"{UPDATE_WITHIN_DAYS} дней (стандарт, п. 2.2.1.2).")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="ответственный", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")

    objects = InfoPageQuerySet.as_manager()

    class Meta:
        verbose_name = "справочная страница"
        verbose_name_plural = "справочные страницы"
        ordering = ["section", "order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("site:info_page", args=[self.slug])

    def update_due(self, *, organisation_changed_at: datetime.datetime | None) -> datetime.datetime | None:
        """When the page must be updated by, if the organisation's data changed after the page did."""
        if not (self.depends_on_organisation and organisation_changed_at and self.updated_at):
            return None
        if organisation_changed_at <= self.updated_at:
            return None
        return organisation_changed_at + datetime.timedelta(days=UPDATE_WITHIN_DAYS)

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.updated_at < now - datetime.timedelta(days=stale_after_days())


class NewsItemQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None) -> "NewsItemQuerySet":
        return self.filter(is_published=True, published_at__lte=now or timezone.now())


class NewsItem(TimeStampedModel):
    """Company news and changes to prices, rules and services (standard 2.2.5), with a publication date."""

    class Kind(models.TextChoices):
        NEWS = "news", "Новости компании"
        PRICES = "prices", "Изменение цен и тарифов"
        RULES = "rules", "Изменение правил"
        SERVICES = "services", "Услуги"

    title = models.CharField("заголовок", max_length=250)
    kind = models.CharField("рубрика", max_length=16, choices=Kind.choices, default=Kind.NEWS)
    summary = models.CharField("анонс", max_length=500, blank=True)
    body = models.TextField("текст (HTML)", help_text="Безопасный HTML: скрипты и стили удаляются.")
    published_at = models.DateTimeField("дата публикации", default=timezone.now)
    is_published = models.BooleanField("опубликована", default=True)

    objects = NewsItemQuerySet.as_manager()

    class Meta:
        verbose_name = "новость"
        verbose_name_plural = "новости"
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["-published_at"], name="site_news_published")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("site:news_item", args=[self.pk])


class DocumentTemplate(TimeStampedModel):
    """A form or template for concluding or maintaining a supply contract (standard 2.2.5). Its versions
    are kept; the site offers the one in force today."""

    title = models.CharField("наименование", max_length=250)
    description = models.TextField("описание", blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=100)
    is_published = models.BooleanField("опубликован", default=True)

    class Meta:
        verbose_name = "шаблон документа"
        verbose_name_plural = "шаблоны и бланки документов"
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def current_version(self, today: datetime.date | None = None) -> "DocumentTemplateVersion | None":
        today = today or timezone.localdate()
        return self.versions.filter(valid_from__lte=today).order_by("-valid_from", "-pk").first()


def _template_path(instance: "DocumentTemplateVersion", filename: str) -> str:
    """A storage name made by the server (ASVS 5.3.2): the uploader's name never reaches the path; visitors get
    `download_name`, made from the title. Only an allowed extension is kept, lower-cased."""
    suffix = PurePath(filename).suffix.lower()
    if suffix.lstrip(".") not in TEMPLATE_EXTENSIONS:
        suffix = ""
    return f"site/templates/{timezone.localdate():%Y}/{uuid.uuid4().hex}{suffix}"


class DocumentTemplateVersion(models.Model):
    """One edition of a template, in force from its date until the next edition's."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField("редакция", max_length=30, help_text="Например: 2 или 2026-01.")
    valid_from = models.DateField("действует с")
    file = models.FileField("файл", upload_to=_template_path,
                            validators=[FileExtensionValidator(TEMPLATE_EXTENSIONS)])
    created_at = models.DateTimeField("загружен", auto_now_add=True)

    class Meta:
        verbose_name = "редакция шаблона"
        verbose_name_plural = "редакции шаблона"
        ordering = ["-valid_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="site_template_version_unique")]

    def __str__(self) -> str:
        return f"{self.template} (ред. {self.version} от {self.valid_from:%d.%m.%Y})"

    def clean(self) -> None:
        from abonent.appeals.errors import AppealError
        from abonent.appeals.files import IncomingFile, check_file

        if self.file and not self.file._committed:
            self.file.seek(0)
            try:
                check_file(IncomingFile(name=self.file.name, content=self.file.read()))
            except AppealError as error:
                raise ValidationError({"file": error.message}) from None
            finally:
                self.file.seek(0)

    @property
    def extension(self) -> str:
        name = self.file.name
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""

    @property
    def download_name(self) -> str:
        """The file name the visitor gets: the template's Russian title and its edition."""
        title = re.sub(r'[\\/:*?"<>|\r\n]+', " ", self.template.title).strip()
        return f"{title} (ред. {self.version}).{self.extension}"


class WebSubmission(models.Model):
    """An appeal sent through the web reception: the visitor's consent to personal-data processing (152-ФЗ,
    art. 9: the consent's wording and the moment it was given), and where the form came from."""

    appeal = models.OneToOneField("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT,
                                  related_name="web_submission")
    token = models.UUIDField("ключ формы", unique=True)
    consent_version = models.CharField("редакция текста согласия", max_length=20)
    consent_given_at = models.DateTimeField("согласие дано")
    ip_address = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    user_agent = models.CharField("браузер", max_length=500, blank=True)
    created_at = models.DateTimeField("отправлено", auto_now_add=True)

    class Meta:
        verbose_name = "обращение с сайта"
        verbose_name_plural = "обращения с сайта (согласия)"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.appeal} ({self.created_at:%d.%m.%Y})"

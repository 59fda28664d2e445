import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from abonent.site.models import DocumentTemplate, DocumentTemplateVersion, InfoPage, NewsItem

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


class InfoPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InfoPage

    title = factory.Sequence(lambda n: f"Справочная страница {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    section = "documents"
    body = "<p>Текст страницы.</p>"


class NewsItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsItem

    title = factory.Sequence(lambda n: f"Новость {n}")
    summary = "Анонс новости."
    body = "<p>Текст новости.</p>"
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))


class DocumentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentTemplate

    title = factory.Sequence(lambda n: f"Заявление {n}")
    description = "Описание бланка."


def add_version(template, version: str, valid_from: datetime.date, content: bytes = PDF,
                name: str = "blank.pdf") -> DocumentTemplateVersion:
    row = DocumentTemplateVersion(template=template, version=version, valid_from=valid_from)
    row.file.save(name, ContentFile(content), save=False)
    row.save()
    return row

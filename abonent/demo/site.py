"""Demo content of the public site: reference pages, news and document templates (repeatable, no duplicates)."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from abonent.site.models import DocumentTemplate, DocumentTemplateVersion, InfoPage, NewsItem, Section

PAGES = [
    ("documents-for-contract", Section.DOCUMENTS, "Документы для заключения договора энергоснабжения",
     "Что приложить к заявлению о заключении договора.", True,
     "<p>К заявлению о заключении договора энергоснабжения юридическое лицо прилагает:</p>"
     "<ol><li>учредительные документы и свидетельство о постановке на учёт в налоговом органе;</li>"
     "<li>документы, подтверждающие полномочия руководителя или представителя;</li>"
     "<li>документы о праве собственности или ином законном праве на энергопринимающие устройства;</li>"
     "<li>акт об осуществлении технологического присоединения;</li>"
     "<li>документы о допуске в эксплуатацию прибора учёта.</li></ol>"
     "<p>Бланк заявления — в разделе «Шаблоны и бланки».</p>"),
    ("laws-retail-market", Section.LAWS, "Основные положения функционирования розничных рынков",
     "Извлечения из постановления Правительства РФ № 442.", False,
     "<p>Постановление Правительства Российской Федерации от 04.05.2012 № 442 устанавливает порядок заключения "
     "договоров энергоснабжения, учёта электрической энергии и расчётов за неё.</p>"
     "<h2>Сроки оплаты</h2><p>Оплата электрической энергии потребителями (кроме граждан) производится "
     "до 18-го числа месяца, следующего за расчётным, с промежуточными платежами до 10-го и 25-го числа.</p>"),
    ("readings-sample", Section.SAMPLES, "Образец передачи показаний приборов учёта",
     "Как заполнить сведения о показаниях.", False,
     "<p>Показания передаются ежемесячно по состоянию на 00:00 первого дня месяца, следующего за расчётным.</p>"
     "<table><thead><tr><th>№ лицевого счёта</th><th>№ прибора учёта</th><th>Показание</th></tr></thead>"
     "<tbody><tr><td>2200001</td><td>01234567</td><td>15234,5</td></tr></tbody></table>"),
    ("consultation", Section.CONSULTATION, "Как получить консультацию",
     "Очно, по телефону, письменно и через интернет-приёмную.", True,
     "<p>Консультацию можно получить в центре по приёму потребителей, по единому телефону, по электронной почте "
     "и через <a href=\"/site/reception/\">интернет-приёмную</a>. Адрес, телефоны и режим работы — в разделе "
     "«Контакты и режим работы».</p>"),
]
NEWS = [
    (NewsItem.Kind.PRICES, 3, "Изменение нерегулируемых цен с 1-го числа месяца",
     "Предельные уровни нерегулируемых цен опубликованы на сайте.",
     "<p>Предельные уровни нерегулируемых цен на электрическую энергию за расчётный период опубликованы "
     "в разделе «Справочная информация».</p>"),
    (NewsItem.Kind.SERVICES, 10, "Приём показаний по электронной почте",
     "Показания приборов учёта можно направлять на meter@bges.ru.",
     "<p>Показания приборов учёта принимаются по адресу <a href=\"mailto:meter@bges.ru\">meter@bges.ru</a>.</p>"),
    (NewsItem.Kind.NEWS, 20, "Режим работы в праздничные дни",
     "В праздничные дни центр по приёму потребителей не работает.",
     "<p>В праздничные дни центр по приёму потребителей не работает, в предпраздничные дни работает на час "
     "меньше. Интернет-приёмная принимает обращения круглосуточно.</p>"),
]
TEMPLATES = [
    ("Заявление о заключении договора энергоснабжения",
     "Для юридических лиц и индивидуальных предпринимателей.", [("1", 400), ("2", 30)]),
    ("Заявление о внесении изменений в договор энергоснабжения",
     "Смена реквизитов, точек поставки, объёмов потребления.", [("1", 200)]),
    ("Акт снятия показаний приборов учёта", "Бланк для ежемесячной передачи показаний.", [("1", 100)]),
]


def rtf(title: str, version: str) -> bytes:
    """A tiny RTF document with a Russian title (RTF carries non-ASCII as \\uN escapes)."""
    def escaped(text: str) -> str:
        return "".join(ch if ord(ch) < 128 else f"\\u{ord(ch)}?" for ch in text)

    body = f"{{\\rtf1\\ansi\\deff0 {{\\b {escaped(title)}}}\\par {escaped(f'Редакция {version}')}\\par }}"
    return body.encode("ascii")


def seed() -> int:
    """Loads the demo pages, news and templates; returns how many items of content the site has."""
    now = timezone.now()
    for slug, section, title, summary, depends, body in PAGES:
        InfoPage.objects.get_or_create(slug=slug, defaults={
            "section": section, "title": title, "summary": summary, "body": body,
            "depends_on_organisation": depends})
    for kind, days_ago, title, summary, body in NEWS:
        NewsItem.objects.get_or_create(title=title, defaults={
            "kind": kind, "summary": summary, "body": body, "published_at": now - datetime.timedelta(days=days_ago)})
    today = timezone.localdate()
    for order, (title, description, versions) in enumerate(TEMPLATES, start=1):
        template, created = DocumentTemplate.objects.get_or_create(
            title=title, defaults={"description": description, "order": order})
        if not created:
            continue
        for version, days_ago in versions:
            row = DocumentTemplateVersion(template=template, version=version,
                                          valid_from=today - datetime.timedelta(days=days_ago))
            row.file.save(f"template-{template.pk}-{version}.rtf", ContentFile(rtf(title, version)), save=False)
            row.save()
    return InfoPage.objects.count() + NewsItem.objects.count() + DocumentTemplate.objects.count()

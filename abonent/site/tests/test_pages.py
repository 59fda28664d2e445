import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import TypicalAnswer
from abonent.calendar.models import CalendarDay
from abonent.organisation.models import Organisation, Topic
from abonent.site.models import InfoPage
from abonent.site.tests.factories import (
    PDF,
    DocumentTemplateFactory,
    InfoPageFactory,
    NewsItemFactory,
    add_version,
)

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=7))


def html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("name", ["index", "reception", "contacts", "templates", "info", "questions", "news",
                                  "portal"])
def test_every_page_renders_in_russian_with_one_h1_and_no_staff_data(client, organisation, operator, name):
    response = client.get(reverse(f"site:{name}"))
    assert response.status_code == 200
    text = html(response)
    assert '<html lang="ru">' in text
    assert text.count("<h1") == 1
    assert organisation.short_name in text
    assert operator.last_name not in text and "Справочники" not in text


def test_pages_work_without_an_organisation(client, db):
    for name in ("index", "contacts", "portal"):
        assert client.get(reverse(f"site:{name}")).status_code == 200


@time_machine.travel(datetime.datetime(2026, 3, 4, 10, 0, tzinfo=TZ), tick=False)  # a Wednesday
def test_contacts_show_the_organisation_data_and_todays_state(client, organisation):
    text = html(client.get(reverse("site:contacts")))
    assert "г. Барнаул, ул. Ползунова, 50, каб. 109" in text
    assert "656015, г. Барнаул, ул. Деповская, 19" in text
    assert "8 (3852) 50-12-40" in text
    assert "ServiceCenter-OPEYUL@bges.ru" in text and "meter@bges.ru" in text
    assert "https://www.bges.ru" in text
    assert "Сегодня: 08:00–17:00. Сейчас: <strong>открыто до 17:00</strong>" in text
    assert "08:00–16:00, без перерыва" in text  # Friday
    assert "Воскресенье</th><td>выходной" in text


@time_machine.travel(datetime.datetime(2026, 3, 9, 10, 0, tzinfo=TZ), tick=False)
def test_contacts_say_closed_on_a_holiday(client, organisation):
    CalendarDay.objects.update_or_create(date=datetime.date(2026, 3, 9), defaults={
        "kind": CalendarDay.Kind.HOLIDAY, "name": "Международный женский день"})
    text = html(client.get(reverse("site:contacts")))
    assert "закрыто: праздничный день (Международный женский день), откроется завтра в 08:00" in text


def test_only_the_current_template_version_is_listed(client, organisation):
    today = timezone.localdate()
    template = DocumentTemplateFactory(title="Заявление о заключении договора")
    add_version(template, "1", today - datetime.timedelta(days=100))
    add_version(template, "2", today - datetime.timedelta(days=5))
    add_version(template, "3", today + datetime.timedelta(days=10))  # not yet in force
    DocumentTemplateFactory(title="Бланк без редакций")
    DocumentTemplateFactory(title="Снятый с публикации", is_published=False)

    text = html(client.get(reverse("site:templates")))
    assert "Заявление о заключении договора" in text
    assert "Редакция 2, действует с" in text
    assert "Редакция 1" not in text and "Редакция 3" not in text
    assert "Бланк без редакций" not in text and "Снятый с публикации" not in text
    assert template.versions.count() == 3  # older kept


def test_template_list_queries_do_not_grow_with_templates(client, organisation, django_assert_num_queries):
    today = timezone.localdate()
    for _ in range(5):
        add_version(DocumentTemplateFactory(), "1", today)
    Organisation.current()
    with django_assert_num_queries(3):  # organisation (header), templates, versions
        client.get(reverse("site:templates"))


def test_a_template_downloads_with_its_russian_name(client, organisation):
    template = DocumentTemplateFactory(title="Заявление о заключении договора")
    add_version(template, "1", timezone.localdate() - datetime.timedelta(days=30), name="old.pdf")
    add_version(template, "2", timezone.localdate(), content=PDF + b"v2", name="new.pdf")

    response = client.get(reverse("site:template_download", args=[template.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%D0%97%D0%B0%D1%8F%D0%B2%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5" in disposition  # «Заявление»
    assert disposition.endswith("%28%D1%80%D0%B5%D0%B4.%202%29.pdf")  # «(ред. 2).pdf»
    assert b"".join(response.streaming_content) == PDF + b"v2"


def test_an_unpublished_template_is_not_downloadable(client, organisation):
    template = DocumentTemplateFactory(is_published=False)
    add_version(template, "1", timezone.localdate())
    assert client.get(reverse("site:template_download", args=[template.pk])).status_code == 404


def test_a_template_file_is_checked_by_content(organisation):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from abonent.site.models import DocumentTemplateVersion

    row = DocumentTemplateVersion(template=DocumentTemplateFactory(), version="1", valid_from=timezone.localdate(),
                                  file=SimpleUploadedFile("blank.pdf", b"MZ\x90"))
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert error.value.message_dict["file"] == ["Файл «blank.pdf»: содержимое не соответствует типу .pdf."]


def test_reference_html_is_sanitised_on_save(client, organisation):
    page = InfoPageFactory(slug="docs", body='<h1>Лишний</h1><p onclick="x()">Текст<script>alert(1)</script>'
                                             '<a href="javascript:alert(1)">ссылка</a>'
                                             '<a href="https://example.ru">сайт</a></p><style>p{}</style>')
    page.refresh_from_db()
    assert page.body == ('Лишний<p>Текст<a rel="noopener noreferrer">ссылка</a>'
                         '<a href="https://example.ru" rel="noopener noreferrer">сайт</a></p>')
    text = html(client.get(reverse("site:info_page", args=["docs"])))
    assert "<script" not in text and "alert(1)" not in text
    assert "<h1" in text and text.count("<h1") == 1


def test_news_html_is_sanitised_too(organisation):
    item = NewsItemFactory(body="<p>Да</p><script>alert(1)</script><img src=x onerror=alert(1)>")
    item.refresh_from_db()
    assert item.body == "<p>Да</p>"


def test_reference_pages_are_grouped_and_searchable_in_any_word_form(client, organisation):
    InfoPageFactory(title="Документы для заключения договора", section="documents",
                    body="<p>Приложите акт технологического присоединения.</p>")
    InfoPageFactory(title="Сроки оплаты", section="laws", body="<p>Оплата до 18-го числа.</p>")
    InfoPageFactory(title="Черновик", is_published=False, body="<p>присоединение</p>")

    text = html(client.get(reverse("site:info")))
    assert "Перечни необходимых документов" in text and "Извлечения из законов" in text
    assert "Черновик" not in text

    found = html(client.get(reverse("site:info"), {"q": "Присоединению"}))
    assert "Документы для заключения договора" in found
    assert "Сроки оплаты" not in found and "Черновик" not in found

    nothing = html(client.get(reverse("site:info"), {"q": "ракета"}))
    assert "По запросу «ракета» ничего не найдено" in nothing


def test_an_unpublished_page_is_404(client, organisation):
    InfoPageFactory(slug="draft", is_published=False)
    assert client.get(reverse("site:info_page", args=["draft"])).status_code == 404


def test_each_page_shows_when_it_was_updated(client, organisation):
    with time_machine.travel(datetime.datetime(2026, 2, 3, 12, 0, tzinfo=TZ)):
        InfoPageFactory(slug="docs")
    text = html(client.get(reverse("site:info_page", args=["docs"])))
    assert "Обновлено 03.02.2026" in text


def _answers():
    topic = Topic.objects.get(code="readings")
    shown = TypicalAnswer.objects.create(question="Как передать показания прибора учёта?",
                                         answer="Передайте показания до 1-го числа по e-mail meter@bges.ru.",
                                         topic=topic)
    TypicalAnswer.objects.create(question="Внутренний вопрос", answer="Для операторов", is_published=False)
    TypicalAnswer.objects.create(question="Устаревший вопрос", answer="Старый ответ", is_active=False)
    return shown


def test_typical_questions_show_only_published_ones_and_are_searchable(client, organisation):
    shown = _answers()
    text = html(client.get(reverse("site:questions")))
    assert shown.question in text and "Показания приборов учёта" in text
    assert "Внутренний вопрос" not in text and "Устаревший вопрос" not in text

    assert shown.question in html(client.get(reverse("site:questions"), {"q": "показаний"}))
    assert shown.question not in html(client.get(reverse("site:questions"), {"q": "тариф"}))

    answer = html(client.get(reverse("site:question", args=[shown.pk])))
    assert "meter@bges.ru" in answer
    hidden = TypicalAnswer.objects.get(question="Внутренний вопрос")
    assert client.get(reverse("site:question", args=[hidden.pk])).status_code == 404


def test_suggestions_offer_typical_questions_while_typing(client, organisation):
    shown = _answers()
    response = client.get(reverse("site:suggest"), {"text": "Куда передавать показания прибора?"},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = html(response)
    assert "Возможно, ответ уже есть" in text and shown.question in text
    assert "<html" not in text
    assert "Внутренний вопрос" not in text
    assert shown.question not in html(client.get(reverse("site:suggest"), {"text": "ремонт крыши"}))


def test_news_lists_only_published_items_newest_first(client, organisation):
    NewsItemFactory(title="Старая", published_at=timezone.now() - datetime.timedelta(days=10))
    NewsItemFactory(title="Свежая", published_at=timezone.now() - datetime.timedelta(hours=1))
    NewsItemFactory(title="Будущая", published_at=timezone.now() + datetime.timedelta(days=1))
    NewsItemFactory(title="Черновик", is_published=False)
    text = html(client.get(reverse("site:news")))
    assert text.index("Свежая") < text.index("Старая")
    assert "Будущая" not in text and "Черновик" not in text


def test_a_news_item_page(client, organisation):
    item = NewsItemFactory(title="Изменение цен", body="<p>С 1 июля.</p>")
    text = html(client.get(reverse("site:news_item", args=[item.pk])))
    assert "Изменение цен" in text and "<p>С 1 июля.</p>" in text
    draft = NewsItemFactory(is_published=False)
    assert client.get(reverse("site:news_item", args=[draft.pk])).status_code == 404


def test_the_news_feed_is_valid_atom(client, organisation):
    item = NewsItemFactory(title="Изменение цен", summary="С 1 июля новые цены.", kind="prices")
    NewsItemFactory(title="Черновик", is_published=False)
    response = client.get(reverse("site:news_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.find("a:title", ns).text == "АО «Барнаульская горэлектросеть»: новости"
    assert root.find("a:id", ns).text and root.find("a:updated", ns).text
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["Изменение цен"]
    entry = entries[0]
    assert entry.find("a:link", ns).get("href").endswith(item.get_absolute_url())
    assert entry.find("a:summary", ns).text == "С 1 июля новые цены."
    assert entry.find("a:category", ns).get("term") == "Изменение цен и тарифов"
    assert entry.find("a:published", ns).text and entry.find("a:id", ns).text


def test_portal_howto_shows_contacts_and_no_sign_up_form(client, organisation):
    text = html(client.get(reverse("site:portal")))
    assert "Как подключиться" in text and "8 (3852) 50-12-40" in text
    assert "<form" not in text and 'type="password"' not in text


# --- Freshness (standard 2.2.1.2) --------------------------------------------------------------------------


def test_pages_depending_on_organisation_data_are_due_within_five_days(organisation):
    # Dates after the fixture's own creation (logged at the real now), as changes come in real life.
    from abonent.site.selectors import pages_to_update

    with time_machine.travel(datetime.datetime(2027, 1, 10, 12, 0, tzinfo=TZ)):
        contacts = InfoPageFactory(title="Как получить консультацию", depends_on_organisation=True)
        InfoPageFactory(title="Сроки оплаты")
    with time_machine.travel(datetime.datetime(2027, 2, 1, 12, 0, tzinfo=TZ)):
        organisation.phone = "+73852501250"
        organisation.save()
    with time_machine.travel(datetime.datetime(2027, 2, 4, 12, 0, tzinfo=TZ)):
        [row] = pages_to_update()
        assert row.page == contacts
        assert row.reason == "изменились данные организации 01.02.2027"
        assert timezone.localtime(row.update_by).date() == datetime.date(2027, 2, 6)
        assert row.is_late is False
    with time_machine.travel(datetime.datetime(2027, 2, 7, 12, 0, tzinfo=TZ)):
        assert pages_to_update()[0].is_late is True
        contacts.save()
        assert pages_to_update() == []


def test_pages_not_updated_for_long_are_listed(organisation, settings):
    from abonent.site.selectors import pages_to_update

    settings.SITE_STALE_AFTER_DAYS = 30
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, 0, tzinfo=TZ)):
        old = InfoPageFactory()
    with time_machine.travel(datetime.datetime(2026, 1, 20, 12, 0, tzinfo=TZ)):
        InfoPageFactory()
    with time_machine.travel(datetime.datetime(2026, 2, 5, 12, 0, tzinfo=TZ)):
        assert [r.page for r in pages_to_update()] == [old]
        assert pages_to_update()[0].reason == "не обновлялась с 01.01.2026"


def test_admin_lists_pages_to_update(admin_client, organisation):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 12, 0, tzinfo=TZ)):
        InfoPageFactory(title="Как получить консультацию", depends_on_organisation=True)
        InfoPageFactory(title="Сроки оплаты")
    with time_machine.travel(datetime.datetime(2026, 2, 1, 12, 0, tzinfo=TZ)):
        organisation.save()
    with time_machine.travel(datetime.datetime(2026, 2, 8, 12, 0, tzinfo=TZ)):
        response = admin_client.get(reverse("admin:site_infopage_changelist"), {"freshness": "organisation"})
    text = html(response)
    assert response.status_code == 200
    assert "Как получить консультацию" in text and "Сроки оплаты" not in text
    assert "06.02.2026 — просрочено" in text


def test_admin_edits_pages_in_a_textarea_and_the_html_is_cleaned(admin_client, organisation):
    response = admin_client.get(reverse("admin:site_infopage_add"))
    assert '<textarea name="body"' in html(response)
    admin_client.post(reverse("admin:site_infopage_add"), {
        "title": "Перечень документов", "slug": "perechen", "section": "documents", "summary": "",
        "body": "<p>Список</p><script>alert(1)</script>", "order": 100, "is_published": "on"})
    assert InfoPage.objects.get(slug="perechen").body == "<p>Список</p>"


def test_admin_pages_for_the_other_models_open(admin_client, organisation):
    template = DocumentTemplateFactory()
    add_version(template, "1", timezone.localdate())
    for name in ("newsitem", "documenttemplate", "websubmission"):
        assert admin_client.get(reverse(f"admin:site_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:site_documenttemplate_change", args=[template.pk])).status_code == 200


def test_demo_seed_is_repeatable(organisation, client):
    from abonent.demo import site as demo_site

    first = demo_site.seed()
    assert demo_site.seed() == first
    text = html(client.get(reverse("site:templates")))
    assert "Заявление о заключении договора энергоснабжения" in text and "Редакция 2" in text
    template = InfoPage.objects.get(slug="consultation")
    assert client.get(template.get_absolute_url()).status_code == 200


def test_working_hours_change_makes_dependent_pages_due_and_the_responsible_is_reminded(organisation, supervisor):
    import datetime

    import time_machine
    from django.core import mail

    from abonent.organisation.models import Department, WorkingHours
    from abonent.site.models import InfoPage
    from abonent.site.selectors import pages_to_update
    from abonent.site.tasks import remind_pages_to_update

    Department.objects.filter(is_reception_group=True).update(head=supervisor)
    supervisor.email = "head@bges.ru"
    supervisor.save()
    start = datetime.datetime(2027, 3, 2, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        page = InfoPage.objects.create(title="Режим работы", slug="hours", body="<p>Пн–Чт 8–17</p>",
                                       depends_on_organisation=True, is_published=True)
    with time_machine.travel(start + datetime.timedelta(days=1), tick=False):
        hours = WorkingHours.objects.get(channel="phone", weekday=4)
        hours.closes_at = datetime.time(15)
        hours.save()
    with time_machine.travel(start + datetime.timedelta(days=7), tick=False):
        [row] = pages_to_update()
        assert (row.page, row.is_late) == (page, True)
        mail.outbox.clear()
        assert remind_pages_to_update.call() == 1
        assert mail.outbox[0].to == ["head@bges.ru"]
        assert "«Режим работы»" in mail.outbox[0].body and "СРОК ПРОШЁЛ" in mail.outbox[0].body

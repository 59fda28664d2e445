"""The issue's journeys in a real browser: hours, a template, a typical answer, the web reception; and a
basic accessibility check of every public page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from abonent.appeals.models import Appeal, TypicalAnswer
from abonent.organisation.models import Topic
from abonent.site.models import WebSubmission
from abonent.site.tests.factories import DocumentTemplateFactory, InfoPageFactory, NewsItemFactory, add_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture
def content(organisation):
    topic = Topic.objects.get(code="readings")
    answer = TypicalAnswer.objects.create(
        question="Как передать показания прибора учёта?", topic=topic,
        answer="Передайте показания до 1-го числа месяца на адрес meter@bges.ru.")
    template = DocumentTemplateFactory(title="Заявление о заключении договора энергоснабжения")
    add_version(template, "2", timezone.localdate() - datetime.timedelta(days=3))
    InfoPageFactory(title="Как получить консультацию", slug="consultation", section="consultation",
                    body="<p>Позвоните нам.</p>")
    NewsItemFactory(title="Изменение цен с 1 июля")
    return answer


def test_a_visitor_finds_the_hours(page, content):
    page.goto("/site/")
    page.get_by_role("navigation", name="Разделы сайта").get_by_role("link", name="Контакты и режим работы").click()
    expect(page.get_by_role("heading", level=1, name="Контакты и режим работы")).to_be_visible()
    expect(page.get_by_role("heading", name="Очный приём в центре по приёму потребителей")).to_be_visible()
    expect(page.get_by_text("г. Барнаул, ул. Ползунова, 50, каб. 109", exact=True)).to_be_visible()
    expect(page.locator(".hours .state").first).to_contain_text(re.compile(r"Сейчас: (открыто до|закрыто)"))
    expect(page.get_by_role("row", name=re.compile("Понедельник"))).to_have_count(2)


def test_a_visitor_downloads_a_template(page, content):
    page.goto("/site/")
    page.get_by_role("link", name="Шаблоны и бланки").first.click()
    expect(page.get_by_role("heading", name="Заявление о заключении договора энергоснабжения")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Скачать")).click()
    download = download_info.value
    assert download.suggested_filename == "Заявление о заключении договора энергоснабжения (ред. 2).pdf"
    with open(download.path(), "rb") as f:
        assert f.read().startswith(b"%PDF")


def test_a_visitor_reads_a_typical_answer(page, content):
    page.goto("/site/questions/")
    page.get_by_label("Поиск по вопросам и ответам").fill("показаний")
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("link", name="Как передать показания прибора учёта?").click()
    expect(page.get_by_role("heading", level=1, name="Как передать показания прибора учёта?")).to_be_visible()
    expect(page.get_by_text("на адрес meter@bges.ru")).to_be_visible()


def _fill_reception(page):
    page.get_by_label("Фамилия, имя, отчество").fill("Иванов Иван Иванович")
    page.get_by_label("Организация или индивидуальный предприниматель").fill("ООО «Ромашка»")
    page.get_by_label("Электронная почта").fill("ivanov@example.ru")
    page.get_by_label("Вид обращения").select_option("question")
    page.get_by_label("Текст обращения").fill("Куда передавать показания прибора учёта?")


def test_a_visitor_submits_the_form_sees_a_suggestion_and_the_number_once(page, content, settings):
    settings.SITE_RECEPTION_MIN_SECONDS = 0
    page.goto("/site/")
    page.get_by_role("link", name="Задать вопрос").first.click()
    _fill_reception(page)
    suggestion = page.locator("#suggestions").get_by_role("link", name="Как передать показания прибора учёта?")
    expect(suggestion).to_be_visible()
    page.get_by_label(re.compile("Я согласен")).check()
    page.get_by_role("button", name="Отправить обращение").dblclick()

    expect(page.get_by_role("heading", level=1, name="Обращение зарегистрировано")).to_be_visible()
    appeal = Appeal.objects.get()
    expect(page.get_by_text(f"№ {appeal.number}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Срок ответа: 30 календарных дней, до \d\d\.\d\d\.\d{4}"))).to_be_visible()
    assert appeal.channel == "web"
    assert WebSubmission.objects.get().appeal == appeal


def test_spam_is_refused_politely(page, content, settings):
    settings.SITE_RECEPTION_MIN_SECONDS = 0
    page.goto("/site/reception/")
    _fill_reception(page)
    page.get_by_label(re.compile("Я согласен")).check()
    page.locator("#id_website").fill("http://spam.example", force=True)
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.get_by_role("alert")).to_contain_text("форма заполнена автоматически")
    page.console_errors.remove(REFUSED)
    assert Appeal.objects.count() == 0


def test_a_form_sent_too_fast_is_refused_and_goes_through_when_sent_again(page, content, settings):
    settings.SITE_RECEPTION_MIN_SECONDS = 3600
    page.goto("/site/reception/")
    _fill_reception(page)
    page.get_by_label(re.compile("Я согласен")).check()
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.get_by_role("alert")).to_contain_text("форма отправлена слишком быстро")
    page.console_errors.remove(REFUSED)
    assert Appeal.objects.count() == 0
    settings.SITE_RECEPTION_MIN_SECONDS = 0
    page.get_by_label(re.compile("Я согласен")).check()
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.get_by_role("heading", level=1, name="Обращение зарегистрировано")).to_be_visible()
    assert Appeal.objects.count() == 1


A11Y_CHECK = """() => {
  const problems = [];
  const named = el => {
    if (el.labels && el.labels.length && [...el.labels].some(l => l.textContent.trim())) return true;
    if (el.getAttribute('aria-label')) return true;
    const by = el.getAttribute('aria-labelledby');
    return !!(by && document.getElementById(by) && document.getElementById(by).textContent.trim());
  };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (!named(el)) problems.push('no name: ' + (el.name || el.id));
  }
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push('h1 count ' + h1);
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('img without alt');
  for (const a of document.querySelectorAll('a, button')) {
    if (!a.textContent.trim() && !a.getAttribute('aria-label')) problems.push('unnamed link or button');
  }
  if (document.documentElement.lang !== 'ru') problems.push('lang');
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.offsetParent) continue;
    if (el.closest('.hp, .visually-hidden, .skip')) continue;
    const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const sample = walker.currentNode.textContent.trim().slice(0, 30);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ': ' + sample);
  }
  return problems;
}"""


def test_every_public_page_passes_a_basic_accessibility_check(page, content):
    answer = content
    paths = ["/site/", "/site/reception/", "/site/contacts/", "/site/templates/", "/site/info/",
             "/site/info/consultation/", "/site/questions/", f"/site/questions/{answer.pk}/", "/site/news/",
             "/site/portal/"]
    for path in paths:
        page.goto(path)
        assert page.evaluate(A11Y_CHECK) == [], path
    # The keyboard reaches the skip link first, and it shows where the focus is.
    page.goto("/site/reception/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Перейти к содержанию")
    expect(skip).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_the_form_works_without_javascript(browser, live_server, content, settings):
    settings.SITE_RECEPTION_MIN_SECONDS = 0
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    try:
        page.goto("/site/reception/")
        _fill_reception(page)
        page.get_by_label(re.compile("Я согласен")).check()
        page.get_by_role("button", name="Отправить обращение").click()
        expect(page.get_by_role("heading", level=1, name="Обращение зарегистрировано")).to_be_visible()
        assert Appeal.objects.count() == 1
    finally:
        context.close()

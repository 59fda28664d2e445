"""The appeal documents as PDF: the copy with the registration mark (standard 2.1.4.3) and the reply
letter (standard 2.2.4.3), read back with poppler's pdftotext and pdffonts."""

import datetime
import re
import subprocess
from contextlib import closing
from zoneinfo import ZoneInfo

import pytest
import time_machine

from abonent.appeals.documents import (
    NON_CONSIDERATION_TITLE,
    TYPICAL_ANSWER_SIGNATURE,
    file_size,
    html_to_pdf,
    local_url_fetcher,
    render_reply_pdf,
    render_stamp_pdf,
    salutation,
)
from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Attachment, NonConsideration, Reply, TypicalAnswer
from abonent.appeals.services import (
    AppealDraft,
    approve_reply,
    approve_typical_reply,
    decide_non_consideration,
    draft_reply,
    register_appeal,
    send_reply,
    submit_reply,
)
from abonent.customers.tests.factories import BillingAccountFactory

BARNAUL = ZoneInfo("Asia/Barnaul")
# Tuesday 24.11.2026, 10:15 in Barnaul (03:15 UTC): 30 calendar days later is Thursday 24.12.2026.
NOW = datetime.datetime(2026, 11, 24, 10, 15, tzinfo=BARNAUL)
LETTER_RECEIVED = datetime.datetime(2026, 11, 23, 16, 40, tzinfo=BARNAUL)


def pdftotext(pdf: bytes, *options: str) -> str:
    result = subprocess.run(["pdftotext", *options, "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def layout_text(pdf: bytes) -> str:
    """The text as laid out, every run of whitespace (line ends, columns) collapsed to one space."""
    return " ".join(pdftotext(pdf, "-layout").split())


def has_watermark(pdf: bytes) -> bool:
    # The diagonal watermark comes out one letter a line; in content-stream order (-raw) they spell it.
    return "ПРОЕКТ" in re.sub(r"\s", "", pdftotext(pdf, "-raw"))


@pytest.fixture
def now():
    with time_machine.travel(NOW):
        yield


def post_letter(operator, **extra):
    fields = {
        "text": "Прошу разъяснить начисление за октябрь 2026 г. по договору № 17-Э.\n\n"
                "Показания прибора учёта переданы 25.10.2026.",
        "channel": "post",
        "subject": "Начисление за октябрь",
        "sender_name": "Иванов Иван Петрович",
        "sender_organisation": "ООО «Ромашка»",
        "sender_inn": "7707083893",
        "sender_address": "656038, г. Барнаул, пр-т Ленина, 5",
        "sender_phone": "+73852111111",
        "received_at": LETTER_RECEIVED,
        "postmark_date": datetime.date(2026, 11, 20),
    } | extra
    return register_appeal(draft=AppealDraft(**fields), registered_by=operator).appeal


def signed_reply(appeal, *, executor, signatory, text):
    reply = draft_reply(appeal=appeal, text=text, author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    return approve_reply(reply=reply, approved_by=signatory)


# --- The copy with the registration mark ------------------------------------------------------------


@pytest.mark.django_db
def test_stamp_shows_the_sender_the_appeal_and_the_registration_mark_in_barnaul_time(now, operator):
    appeal = post_letter(operator)

    text = layout_text(render_stamp_pdf(appeal))

    assert appeal.number.startswith("2026-")
    for expected in [
        "АО «Барнаульская горэлектросеть»",
        "Центр по приёму потребителей: г. Барнаул, ул. Ползунова, 50, каб. 109",
        "Обращение копия с отметкой о регистрации",
        "Организация ООО «Ромашка»",
        "Заявитель Иванов Иван Петрович",
        "ИНН 7707083893",
        "Почтовый адрес 656038, г. Барнаул, пр-т Ленина, 5",
        "Телефон 8 (3852) 11-11-11",
        "Вид вопрос / запрос информации",
        "Канал поступления почта",
        "Поступило 23.11.2026 16:40",
        "Дата почтового штемпеля 20.11.2026",
        "Краткое содержание Начисление за октябрь",
        "Прошу разъяснить начисление за октябрь 2026 г. по договору № 17-Э.",
        "Показания прибора учёта переданы 25.10.2026.",
        "Зарегистрировано",
        f"№ {appeal.number}",
        "от 24.11.2026 10:15",
        "Зарегистрировал: Смирнова О. Т.",
        "Срок ответа: до 24.12.2026",
        "Тел. 8 (3852) 50-12-40",
        "стр. 1 из 1",
    ]:
        assert expected in text
    assert "E-mail" not in text  # not filled, not printed
    assert "Приложения" not in text


@pytest.mark.django_db
def test_stamp_of_an_automatic_intake_names_the_channel_and_the_identified_customer(now, organisation):
    account = BillingAccountFactory()
    appeal = register_appeal(draft=AppealDraft(
        text="Просим выставить счёт повторно.", channel="email", sender_email="buh@example.ru",
        billing_account=account, files=[IncomingFile("Акт сверки.pdf", b"%PDF-1.4\n" + b"0" * 3000),
                                        IncomingFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"1" * 100)],
    )).appeal

    text = layout_text(render_stamp_pdf(appeal))

    customer = account.contract.customer
    assert "Зарегистрировал: автоматически, канал: электронная почта" in text
    assert f"Клиент {customer.short_name}, ИНН {customer.inn}" in text
    assert f"Лицевой счёт {account.number}" in text
    assert "E-mail buh@example.ru" in text
    assert "Приложения 1. Акт сверки.pdf (2,9 КБ) 2. photo.png (108 байт)" in text
    assert "Дата почтового штемпеля" not in text


@pytest.mark.django_db
def test_a_long_appeal_flows_over_pages_numbered_in_the_footer(now, operator):
    sentence = "Прошу провести проверку прибора учёта и произвести перерасчёт за период с января по март. "
    paragraph = sentence * 10  # 140 words
    text = "Начало текста.\n\n" + "\n\n".join([paragraph.strip()] * 45) + "\n\nКонец текста."
    assert len(text.split()) > 6000
    appeal = post_letter(operator, text=text)

    raw = pdftotext(render_stamp_pdf(appeal), "-layout")
    text = " ".join(raw.split())

    pages = int(re.search(r"стр\. 1 из (\d+)", text)[1])
    assert pages > 1
    assert "стр. 2 из" in text
    assert f"стр. {pages} из {pages}" in text
    assert "Начало текста. Прошу провести проверку" in text
    assert "с января по март. Конец текста." in text
    assert f"№ {appeal.number}" in raw.split("\f")[pages - 1]  # the mark follows the text, on the last page


@pytest.mark.django_db
def test_stamp_embeds_dejavu_sans_and_keeps_russian_typography(now, operator):
    appeal = post_letter(operator, text="Ёлка, «ёлочки», № 5 — и «вложенные „кавычки“».")
    pdf = render_stamp_pdf(appeal)

    assert "Ёлка, «ёлочки», № 5 — и «вложенные „кавычки“»." in layout_text(pdf)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows
    for row in rows:
        name, embedded, unicode_map = row[0], row[-5], row[-3]
        assert "DejaVu-Sans" in name
        assert (embedded, unicode_map) == ("yes", "yes")


@pytest.mark.django_db
def test_user_markup_in_the_appeal_is_printed_literally(now, operator):
    appeal = post_letter(operator, text='<script>alert("x")</script> Оплатили <b>всё</b> & <img src="http://127.0.0.1:9/x">',
                         subject="<i>Тема</i>", sender_name="<u>Петров</u>")

    text = layout_text(render_stamp_pdf(appeal))

    assert '<script>alert("x")</script> Оплатили <b>всё</b> & <img src="http://127.0.0.1:9/x">' in text
    assert "Краткое содержание <i>Тема</i>" in text
    assert "Заявитель <u>Петров</u>" in text


# --- The reply letter ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_reply_carries_letterhead_numbers_signatory_and_executor(now, operator, executor, signatory):
    signatory.position = "Начальник отдела продаж электроэнергии юридическим лицам"
    signatory.save(update_fields=["position"])
    appeal = post_letter(operator)
    reply = signed_reply(appeal, executor=executor, signatory=signatory,
                         text="Начисление выполнено по показаниям от 25.10.2026.\n\nПерерасчёт не требуется.")

    pdf = render_reply_pdf(reply)
    raw = pdftotext(pdf, "-layout")
    text = " ".join(raw.split())

    assert reply.outgoing_number.startswith("Исх-2026-")
    for expected in [
        "Акционерное общество «Барнаульская горэлектросеть»",
        "ИНН 2221000700 / КПП 222101001, ОГРН 1022200523135",
        "Почтовый адрес: 656015, г. Барнаул, ул. Деповская, 19",
        "Тел. 8 (3852) 50-12-40, e-mail: meter@bges.ru, www.bges.ru",
        f"Исх. № {reply.outgoing_number} от 24.11.2026",
        f"На № {appeal.number} от 23.11.2026",
        "ООО «Ромашка»",
        "Иванов Иван Петрович",
        "656038, г. Барнаул, пр-т Ленина, 5",
        "Ответ на обращение",
        "Уважаемый Иван Петрович!",
        "Начисление выполнено по показаниям от 25.10.2026.",
        "Начальник отдела продаж электроэнергии юридическим",  # the position wraps beside the name
        "Новиков Павел Тестович",
        "Подписано 24.11.2026",
        "Исп. Волков Дмитрий Тестович, тел. 8 (3852) 50-12-99",
    ]:
        assert expected in text
    lines = [line.strip() for line in raw.splitlines()]
    assert "Перерасчёт не требуется." in lines  # its own paragraph
    assert "стр. 1 из" not in text  # a one-page letter carries no page number
    assert not has_watermark(pdf)


@pytest.mark.django_db
def test_sending_a_signed_reply_stores_the_letter_as_sent(now, operator, executor, signatory):
    appeal = post_letter(operator)
    reply = signed_reply(appeal, executor=executor, signatory=signatory, text="Ответ по существу.")

    send_reply(reply_id=reply.pk)

    stored = appeal.attachments.get(role=Attachment.Role.REPLY)
    assert stored.original_name == f"Ответ {reply.outgoing_number}.pdf"
    pdf = stored.file.read()
    text = layout_text(pdf)
    assert f"Исх. № {reply.outgoing_number} от 24.11.2026" in text
    assert "Подписано 24.11.2026" in text
    assert not has_watermark(pdf)


@pytest.mark.django_db
def test_draft_reply_renders_as_a_project_without_outgoing_number(now, operator, executor):
    appeal = post_letter(operator)
    reply = draft_reply(appeal=appeal, text="Проект ответа.", author=executor)

    pdf = render_reply_pdf(reply)
    text = layout_text(pdf)

    assert has_watermark(pdf)
    assert "Исх. № — " in text
    assert "Исх-" not in text
    assert "Исп. Волков Дмитрий Тестович, тел. 8 (3852) 50-12-99" in text
    assert "Подписано" not in text


@pytest.mark.django_db
def test_reply_on_approval_names_the_signatory_but_is_not_signed(now, operator, executor, signatory):
    appeal = post_letter(operator)
    reply = draft_reply(appeal=appeal, text="Ответ.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)

    pdf = render_reply_pdf(Reply.objects.get(pk=reply.pk))
    text = layout_text(pdf)

    assert has_watermark(pdf)
    assert "Новиков Павел Тестович" in text
    assert "Подписано" not in text


@pytest.mark.django_db
def test_reply_text_with_markup_is_printed_literally(now, operator, executor, signatory):
    appeal = post_letter(operator)
    reply = signed_reply(appeal, executor=executor, signatory=signatory,
                         text="Тег <script>alert(1)</script> и <b>жирный</b> остаются текстом.")

    text = layout_text(render_reply_pdf(reply))

    assert "Тег <script>alert(1)</script> и <b>жирный</b> остаются текстом." in text


@pytest.mark.django_db
def test_non_consideration_notice_quotes_the_ground(now, operator, supervisor):
    appeal = post_letter(operator, text="Текст с оскорблениями.")
    decide_non_consideration(appeal=appeal, ground=NonConsideration.Ground.OFFENSIVE, decided_by=supervisor,
                             notice_text="Ваше обращение оставлено без рассмотрения.")
    notice = appeal.replies.get(purpose=Reply.Purpose.NON_CONSIDERATION)

    text = layout_text(render_reply_pdf(notice))

    assert NON_CONSIDERATION_TITLE in text
    assert "Ответ на обращение" not in text
    assert "Основание: «нецензурные либо оскорбительные выражения»." in text
    assert "Ваше обращение оставлено без рассмотрения." in text
    assert "Исп. Морозова Елена Тестович, тел. 8 (3852) 50-12-99" in text


@pytest.mark.django_db
def test_typical_answer_is_marked_as_prepared_by_the_reception_group(now, operator):
    typical = TypicalAnswer.objects.create(question="Как передать показания?", answer="Через личный кабинет.")
    appeal = post_letter(operator, sender_name="ИП Сидоров", sender_organisation="")
    reply = draft_reply(appeal=appeal, text=typical.answer, author=operator, typical_answer=typical)
    reply = approve_typical_reply(reply=reply, sent_by=operator)

    pdf = render_reply_pdf(reply)
    text = layout_text(pdf)

    assert TYPICAL_ANSWER_SIGNATURE in text
    assert "Уважаемый клиент!" in text
    assert f"Исх. № {reply.outgoing_number} от 24.11.2026" in text
    assert "Подписано" not in text
    assert not has_watermark(pdf)


@pytest.mark.django_db
def test_a_long_reply_is_numbered_from_the_second_page(now, operator, executor, signatory):
    appeal = post_letter(operator)
    reply = signed_reply(appeal, executor=executor, signatory=signatory,
                         text="\n\n".join(f"Абзац {i}. " + "текст " * 60 for i in range(15)))

    raw = pdftotext(render_reply_pdf(reply), "-layout")
    pages = raw.rstrip("\f").split("\f")

    assert len(pages) > 1
    assert "стр. " not in pages[0]
    assert f"стр. 2 из {len(pages)}" in pages[1]
    assert "Исп. Волков" not in pages[0]
    assert "Исп. Волков Дмитрий Тестович" in pages[-1]


# --- Pieces -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("Иванов Иван Петрович", "Уважаемый Иван Петрович!"),
    ("Петрова Анна Сергеевна", "Уважаемая Анна Сергеевна!"),
    ("Кузьмина Ольга Ильинична", "Уважаемая Ольга Ильинична!"),
    ("Мамедов Рашид Али оглы", "Уважаемый Рашид Али оглы!"),
    ("Алиева Лейла Рашид кызы", "Уважаемая Лейла Рашид кызы!"),
    ("Ким Саша", "Уважаемый клиент!"),
    ("ИП Сидоров", "Уважаемый клиент!"),
    ("", "Уважаемый клиент!"),
])
def test_salutation(name, expected):
    assert salutation(name) == expected


@pytest.mark.parametrize(("size", "expected"), [
    (0, "0 байт"), (1023, "1023 байт"), (1024, "1,0 КБ"), (3009, "2,9 КБ"), (5 * 1024 * 1024, "5,0 МБ"),
])
def test_file_size(size, expected):
    assert file_size(size) == expected


def test_pdf_resources_come_only_from_the_project(settings):
    fetcher = local_url_fetcher()

    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://127.0.0.1:9/logo.png")
    with pytest.raises(ValueError, match="вне проекта"):
        fetcher.fetch("file:///etc/hostname")
    with pytest.raises(ValueError, match="вне проекта"):
        fetcher.fetch((settings.BASE_DIR / "var" / "secret_key").as_uri())
    css = settings.BASE_DIR / "abonent" / "templates" / "documents" / "documents.css"
    with closing(fetcher.fetch(css.as_uri())) as response:
        assert b"DejaVu Sans" in response.read()


def test_html_to_pdf_renders_cyrillic_without_a_database():
    text = " ".join(pdftotext(html_to_pdf("<p>Счёт № 1 «тест»</p>"), "-layout").split())

    assert text == "Счёт № 1 «тест»"

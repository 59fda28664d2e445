"""The parser on real-world Russian mail: every encoding case reads as correct Russian text."""

import pytest

from abonent.channels.email.parsing import UnreadableMail, html_to_text, parse
from abonent.channels.email.tests.conftest import fixture_bytes


@pytest.mark.parametrize(("name", "subject", "sender", "text"), [
    ("cp1251_8bit.eml", "Вопрос по счёту за декабрь", ("Петров Пётр", "petrov@zavod.ru"),
     "Добрый день!\nПрошу разъяснить начисление за декабрь по договору № 22-0451.\nС уважением, Петров П.П."),
    ("koi8r_qp.eml", "Показания прибора учёта", ("Сидорова Анна", "sidorova@torg.ru"),
     "Здравствуйте.\nСчётчик на объекте по ул. Ленина, 5 не передаёт показания.\nЖду ответа."),
    ("utf8_base64.eml", "Акт сверки № 15", ("ООО «Сибирь»", "buh@sibir.ru"),
     "Просим выставить акт сверки за 2025 год.\nИНН 2224011531, лицевой счёт 010203."),
    ("undeclared_charset.eml", "Перерасчёт", ("Ольга", "olga@shop.ru"),
     "Прошу сделать перерасчёт за ноябрь, показания были переданы вовремя."),
])
def test_each_encoding_reads_as_russian_text(name, subject, sender, text):
    mail = parse(fixture_bytes(name))
    assert mail.subject == subject
    assert (mail.from_name, mail.from_address) == sender
    assert mail.text == text
    assert mail.defects == [] and mail.auto_reason == ""


def test_encoded_words_keep_the_space_before_the_number():
    assert parse(fixture_bytes("utf8_base64.eml")).subject == "Акт сверки № 15"


def test_html_only_body_becomes_clean_text_and_the_html_is_kept():
    mail = parse(fixture_bytes("html_only.eml"))
    assert mail.text == ("Уважаемые коллеги!\n\nПросим сообщить сумму задолженности «на 01.01.2026».\n\n"
                         "Договор 22-0451\n\nСпасибо.")
    assert mail.is_html_only
    assert "<table>" in mail.html and "alert" not in mail.text


def test_nested_multipart_prefers_plain_text_and_reads_outlook_style_file_name():
    mail = parse(fixture_bytes("nested_multipart.eml"))
    assert mail.text == "Показания во вложении."
    assert not mail.is_html_only
    assert [(f.name, f.content[:4]) for f in mail.files] == [("Показания декабрь.xlsx", b"PK\x03\x04")]


def test_forwarded_message_text_is_included_with_its_headers():
    mail = parse(fixture_bytes("forwarded.eml"))
    assert mail.text == ("Пересылаю письмо подрядчика.\n\n---------- Пересланное сообщение ----------\n"
                         "От: Кузнецов <kuznetsov@sklad.ru>\nТема: Акт допуска\nДата: Mon, 12 Jan 2026 10:15:00 +0700"
                         "\n\nАкт допуска прибора учёта подписан.")


def test_inline_image_is_kept_as_a_file_with_its_content_id():
    mail = parse(fixture_bytes("inline_image.eml"))
    assert mail.text == "Фото счётчика:"
    [image] = mail.files
    assert (image.name, image.content_type, image.content_id) == ("изображение-1.png", "image/png",
                                                                  "meter-photo@zavod.ru")


def test_rfc2231_russian_file_names_in_utf8_and_windows_1251_continuations():
    mail = parse(fixture_bytes("rfc2231_names.eml"))
    assert [f.name for f in mail.files] == ["Акт сверки.pdf", "Счёт-фактура № 5.pdf"]
    assert all(f.content.startswith(b"%PDF") for f in mail.files)


def test_winmail_dat_is_left_as_an_attachment():
    mail = parse(fixture_bytes("winmail.eml"))
    assert [(f.name, f.content_type) for f in mail.files] == [("winmail.dat", "application/ms-tnef")]


def test_header_that_trips_the_cpython_parser_is_read_leniently_and_flagged():
    raw = fixture_bytes("broken_header.eml")
    import email
    import email.policy

    with pytest.raises(IndexError):  # python/cpython#151857: proves the fixture still trips the strict parser
        email.message_from_bytes(raw, policy=email.policy.default).get_content_type()
    mail = parse(raw)
    assert (mail.subject, mail.from_address, mail.text) == ("Сломанный заголовок", "kozlov@zavod.ru",
                                                           "Текст письма читается.")
    assert mail.defects[0].startswith("Повреждённые заголовки письма (IndexError)")


def test_message_with_nothing_readable_is_unreadable():
    with pytest.raises(UnreadableMail, match="ни отправителя, ни текста"):
        parse(fixture_bytes("unreadable.eml"))


@pytest.mark.parametrize(("name", "reason"), [
    ("autoreply.eml", "Auto-Submitted: auto-replied"),
    ("x_autoreply.eml", "X-Autoreply"),
    ("precedence_bulk.eml", "Precedence: bulk"),
    ("dsn_bounce.eml", "уведомление о доставке (DSN)"),
    ("mailer_daemon.eml", "служебный отправитель postmaster@zavod.ru"),
])
def test_automatic_mail_is_recognised(name, reason):
    assert parse(fixture_bytes(name)).auto_reason == reason


def test_human_mail_is_not_automatic():
    assert parse(fixture_bytes("customer_reply.eml")).auto_reason == ""


def test_bounce_names_the_message_it_returns():
    assert parse(fixture_bytes("dsn_bounce.eml")).bounced_message_ids == ["<outbox-bounced@abonent.test>"]


def test_threading_headers_are_read():
    mail = parse(fixture_bytes("customer_reply.eml"))
    assert mail.message_id == "<customer-reply@zavod.ru>"
    assert mail.in_reply_to == "<our-reply@abonent.test>"
    assert mail.references == ["<ack@abonent.test>", "<our-reply@abonent.test>"]
    assert mail.from_address == "petrov@zavod.ru"  # compared in lower case


def test_html_to_text_drops_scripts_and_styles_and_keeps_paragraphs():
    assert html_to_text("<style>x{}</style><p>Раз&nbsp;два</p><script>y()</script><div>три</div>") == \
        "Раз два\n\nтри"

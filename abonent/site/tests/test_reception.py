import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abonent.appeals.models import Appeal
from abonent.site import services
from abonent.site.models import WebSubmission
from abonent.site.tests.conftest import form_data

pytestmark = pytest.mark.django_db
URL = reverse("site:reception")


def test_the_form_renders_with_a_signed_stamp_and_the_consent_text(client, organisation):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="stamp"' in html and 'name="website"' in html
    assert services.CONSENT_TEXT in html
    stamp = services.read_stamp(response.context["form"]["stamp"].value())
    assert stamp is not None


def test_a_web_appeal_is_registered_with_consent_and_confirmed(client, organisation):
    token = uuid.uuid4()
    response = client.post(URL, form_data(token=token), REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="Firefox/140")

    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("site:reception_done", args=[token])
    assert (appeal.channel, appeal.reply_channel, appeal.source_key) == ("web", "email", f"web:{token}")
    assert (appeal.sender_name, appeal.sender_email) == ("Иванов Иван Иванович", "ivanov@example.ru")
    submission = WebSubmission.objects.get()
    assert (submission.appeal, submission.token, submission.consent_version) == (appeal, token,
                                                                                  services.CONSENT_VERSION)
    assert (submission.ip_address, submission.user_agent) == ("203.0.113.5", "Firefox/140")
    assert submission.consent_given_at is not None
    # The acknowledgement with the number goes out from the appeals outbox.
    assert [m.to for m in mail.outbox] == [["ivanov@example.ru"]]
    assert appeal.number in mail.outbox[0].body

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f"№ {appeal.number}" in html
    assert "30 календарных дней" in html
    assert "ivanov@example.ru" not in html and "Иванов" not in html


def test_a_double_submit_registers_one_appeal_and_shows_the_same_confirmation(client, organisation):
    token = uuid.uuid4()
    data = form_data(token=token)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first["Location"] == second["Location"] == reverse("site:reception_done", args=[token])
    assert Appeal.objects.count() == 1
    assert WebSubmission.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_file_is_attached(client, organisation):
    upload = SimpleUploadedFile("Счёт.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    client.post(URL, {**form_data(), "files": [upload]})
    attachment = Appeal.objects.get().attachments.get()
    assert attachment.original_name == "Счёт.pdf"


def _refused(response, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Appeal.objects.count() == 0
    assert WebSubmission.objects.count() == 0
    assert mail.outbox == []


def test_without_consent_nothing_is_registered(client, organisation):
    data = form_data()
    del data["consent"]
    _refused(client.post(URL, data), "Без согласия на обработку персональных данных мы не можем принять")


def test_an_invalid_email_is_refused(client, organisation):
    _refused(client.post(URL, form_data(sender_email="ivanov@")), "Введите адрес электронной почты")


def test_reply_by_post_needs_an_address(client, organisation):
    _refused(client.post(URL, form_data(reply_channel="post")), "Для ответа письмом укажите почтовый адрес.")


def test_a_bad_file_is_refused_by_the_appeals_service(client, organisation):
    upload = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    _refused(client.post(URL, {**form_data(), "files": [upload]}), "содержимое не соответствует типу .pdf")


def test_a_filled_honeypot_is_refused_politely(client, organisation):
    _refused(client.post(URL, form_data(website="http://spam.example")),
             "Обращение не отправлено: форма заполнена автоматически.")


def test_a_form_sent_too_fast_is_refused_and_keeps_its_stamp(client, organisation):
    data = form_data(seconds_ago=1)
    response = client.post(URL, data)
    _refused(response, "форма отправлена слишком быстро")
    assert response.context["form"]["stamp"].value() == data["stamp"]


def test_a_forged_stamp_is_refused_with_a_fresh_form(client, organisation):
    response = client.post(URL, form_data(stamp="forged"))
    _refused(response, "Форма устарела")
    assert services.read_stamp(response.context["form"]["stamp"].value()) is not None


def test_too_many_appeals_from_one_address_are_refused(client, organisation, settings):
    settings.SITE_RECEPTION_PER_IP = 2
    for _ in range(2):
        assert client.post(URL, form_data(), REMOTE_ADDR="198.51.100.7").status_code == 302
    response = client.post(URL, form_data(), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 400
    assert "с вашего адреса уже отправлено много обращений" in response.content.decode()
    assert Appeal.objects.count() == 2
    # Another address is not affected.
    assert client.post(URL, form_data(), REMOTE_ADDR="198.51.100.8").status_code == 302
    assert Appeal.objects.count() == 3


def test_a_double_submit_is_not_refused_by_the_rate_limit(client, organisation, settings):
    settings.SITE_RECEPTION_PER_IP = 1
    data = form_data()
    client.post(URL, data, REMOTE_ADDR="198.51.100.9")
    assert client.post(URL, data, REMOTE_ADDR="198.51.100.9").status_code == 302
    assert Appeal.objects.count() == 1


def test_the_confirmation_of_an_unknown_token_is_404(client, organisation):
    assert client.get(reverse("site:reception_done", args=[uuid.uuid4()])).status_code == 404


def test_submit_web_appeal_refuses_another_channel(organisation):
    from django.utils import timezone

    from abonent.appeals.errors import AppealError
    from abonent.appeals.services import AppealDraft

    with pytest.raises(AppealError):
        services.submit_web_appeal(draft=AppealDraft(text="x", channel="email"), token=uuid.uuid4(),
                                   consent_given_at=timezone.now(), ip_address=None, user_agent="")
    assert Appeal.objects.count() == 0


def test_behind_a_proxy_the_limit_counts_the_forwarded_address(client, organisation, settings):
    settings.SITE_TRUSTED_PROXY_COUNT = 1
    settings.SITE_RECEPTION_PER_IP = 1
    client.post(URL, form_data(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.20")
    assert WebSubmission.objects.get().ip_address == "203.0.113.20"
    # The visitor forging the first entry does not escape the limit; another real address is not limited.
    again = client.post(URL, form_data(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.20")
    assert again.status_code == 400
    other = client.post(URL, form_data(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.21")
    assert other.status_code == 302
    assert Appeal.objects.count() == 2

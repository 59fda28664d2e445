import datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, Kind
from abonent.channels.in_person import services
from abonent.channels.in_person.models import Visit, VisitDocument, VisitPurpose
from abonent.users import roles
from abonent.users.models import User

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name: str, visit: Visit | None = None) -> str:
    return reverse(f"in_person:{name}", args=[visit.pk] if visit else [])


@pytest.fixture
def audit_head(organisation):
    """A head who controls appeals but does not work the desk: may read the log, may not act."""
    roles.sync_roles()
    user = User.objects.create_user(username="audithead", password="pass", last_name="Орлов", first_name="Олег")
    user.groups.add(Group.objects.get(name=roles.AUDIT_HEAD))
    assert user.has_perm("appeals.control_appeals") and not user.has_perm("appeals.register_appeal")
    return user


# --- the visit log ---


def test_log_shows_todays_visits_open_first(desk, operator):
    # Half an hour ago must still be today, whenever the suite runs (CI once ran it at 00:10 in Barnaul).
    midday = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(midday, tick=False):
        desk.force_login(operator)  # the fixture's session would have timed out by then
        _log_shows_todays_visits_open_first(desk, operator)


def _log_shows_todays_visits_open_first(desk, operator):
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=30), tick=False):
        earlier = services.start_visit(visitor_name="Ранний Посетитель", specialist=operator)
    services.end_visit(visit=earlier, outcome="Дана консультация.", ended_by=operator)
    ended_later = services.start_visit(visitor_name="Завершённый Поздний", specialist=operator)
    services.end_visit(visit=ended_later, outcome="Дана консультация.", ended_by=operator)
    waiting = services.start_visit(visitor_name="Ожидающий Приёма", specialist=operator)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1), tick=False):
        services.start_visit(visitor_name="Вчерашний Посетитель", specialist=operator)

    response = desk.get(_url("log"))
    assert response.status_code == 200
    assert [v.pk for v in response.context["visits"]] == [waiting.pk, ended_later.pk, earlier.pk]
    page = response.content.decode()
    assert "Новый посетитель" in page
    assert "Вчерашний Посетитель" not in page
    assert page.index("Ожидающий Приёма") < page.index("Завершённый Поздний") < page.index("Ранний Посетитель")


def test_log_of_another_day_has_no_new_visitor_form(desk, operator):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1), tick=False):
        services.start_visit(visitor_name="Вчерашний Посетитель", specialist=operator)
    response = desk.get(_url("log"), {"day": yesterday.isoformat()})
    page = response.content.decode()
    assert "Вчерашний Посетитель" in page
    assert "Новый посетитель" not in page
    assert f"Журнал посещений за {yesterday:%d.%m.%Y}" in page


def test_log_makes_a_fixed_number_of_queries(desk, operator, django_assert_max_num_queries):
    for n in range(5):
        visit = services.start_visit(visitor_name=f"Посетитель {n}", specialist=operator)
        services.set_purposes(visit=visit, purposes=["consultation", "contract_service"], changed_by=operator)
    with django_assert_max_num_queries(12):
        response = desk.get(_url("log"))
    assert len(response.context["visits"]) == 5


def test_start_visit_opens_the_card(desk, operator):
    response = desk.post(_url("start"), {"visitor_name": "Петров Пётр Петрович"})
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == _url("visit", visit)
    assert (visit.visitor_name, visit.specialist) == ("Петров Пётр Петрович", operator)


def test_start_visit_without_a_name_is_refused(desk):
    response = desk.post(_url("start"), {"visitor_name": "   "})
    assert response.status_code == 400
    assert "Обязательное поле" in response.content.decode()
    assert not Visit.objects.exists()


# --- permissions ---

ACTIONS = ["identify", "purposes", "document_add", "appeal", "apology", "conflict", "end", "stop"]


@pytest.mark.parametrize("name", ["log", "documents"])
def test_screens_are_forbidden_without_the_permission(client, executor, name):
    client.force_login(executor)
    assert client.get(_url(name)).status_code == 403


def test_card_and_actions_are_forbidden_without_the_permission(client, executor, visit):
    client.force_login(executor)
    assert client.get(_url("visit", visit)).status_code == 403
    assert client.post(_url("start"), {"visitor_name": "Х"}).status_code == 403
    for name in ACTIONS:
        assert client.post(_url(name, visit), {}).status_code == 403, name
    assert client.get(_url("customer_search", visit), {"q": "пекарь"}).status_code == 403
    assert client.get(reverse("in_person:identify_panel", args=[visit.pk, 1])).status_code == 403
    assert Visit.objects.get().identification == Visit.Identification.NONE
    assert Visit.objects.count() == 1


def test_anonymous_is_sent_to_login(client, visit):
    response = client.get(_url("visit", visit))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_head_who_controls_appeals_reads_the_desk_but_cannot_act(client, audit_head, visit):
    client.force_login(audit_head)
    assert client.get(_url("log")).status_code == 200
    assert client.get(_url("documents")).status_code == 200
    card = client.get(_url("visit", visit))
    assert card.status_code == 200
    assert "Завершить приём" not in card.content.decode()
    assert client.post(_url("end", visit), {"outcome": "Итог"}).status_code == 403
    assert Visit.objects.get().is_open


def test_the_head_of_the_reception_group_sees_a_colleagues_visit(client, supervisor, visit):
    client.force_login(supervisor)
    response = client.get(_url("visit", visit))
    assert response.status_code == 200
    assert "Завершить приём" in response.content.decode()


def test_a_get_on_an_action_is_not_allowed(desk, visit):
    assert desk.get(_url("end", visit)).status_code == 405


# --- the card ---


def test_card_shows_the_visit(desk, identified_visit):
    response = desk.get(_url("visit", identified_visit))
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Сидоров Алексей Юрьевич", "назван номер договора", "№ 7788-Э", "Зарегистрировать обращение",
                 "Завершить приём", "Прекратить обслуживание", "Сообщить руководителю о конфликтной ситуации"):
        assert text in page, text


def test_identify_by_contract_with_htmx_returns_the_card(desk, visit, contract):
    response = desk.post(_url("identify", visit), {"method": "contract_number", "contract_number": "7788-Э"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="visit-card"')
    assert "Посетитель идентифицирован." in page
    assert contract.customer.name in page
    assert Visit.objects.get().customer == contract.customer


def test_identify_with_an_expired_power_of_attorney_shows_why(desk, visit, expired_representative):
    response = desk.post(_url("identify", visit), {"method": "power_of_attorney",
                                                   "representative": expired_representative.pk}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"истекла {expired_representative.poa_valid_until:%d.%m.%Y}" in page
    # The customer's panel is shown again beside the reason.
    assert f'id="identify-customer-{expired_representative.customer.pk}"' in page
    assert f"<h3>{expired_representative.customer.name}, ИНН" in page
    visit = Visit.objects.get()
    assert (visit.identification, visit.customer, visit.representative) == ("none", None, None)


def test_identify_without_htmx_refusal_is_a_400(desk, visit):
    response = desk.post(_url("identify", visit), {"method": "contract_number", "contract_number": "нет-такого"})
    assert response.status_code == 400
    assert "Договор № нет-такого не найден" in response.content.decode()


def test_customer_search_lists_matching_customers(desk, visit, contract):
    response = desk.get(_url("customer_search", visit), {"q": "пекарь"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert contract.customer.name in page
    assert "№ 7788-Э" in page
    assert reverse("in_person:identify_panel", args=[visit.pk, contract.customer.pk]) in page
    assert "Введите не меньше двух знаков" in desk.get(_url("customer_search", visit), {"q": "п"}).content.decode()
    by_inn = desk.get(_url("customer_search", visit), {"q": contract.customer.inn}).content.decode()
    assert contract.customer.name in by_inn


def test_identify_panel_shows_powers_of_attorney_with_validity_and_is_audited(
        desk, visit, contract, valid_representative, expired_representative, operator):
    response = desk.get(reverse("in_person:identify_panel", args=[visit.pk, contract.customer.pk]), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h3>{contract.customer.name}, ИНН {contract.customer.inn}</h3>" in page
    assert (f"Сидоров Алексей Юрьевич, дов. № 12/Д по {valid_representative.poa_valid_until:%d.%m.%Y} — "
            "действует") in page
    assert (f"Кузнецов Игорь Петрович, дов. № 3/Д по {expired_representative.poa_valid_until:%d.%m.%Y} — "
            "недействительна") in page
    access = LogEntry.objects.get_for_object(contract.customer).get(action=LogEntry.Action.ACCESS)
    assert access.actor == operator
    assert "представители клиента" in access.additional_data["viewed"]


def test_identify_by_power_of_attorney(desk, visit, valid_representative):
    response = desk.post(_url("identify", visit), {"method": "power_of_attorney",
                                                   "representative": valid_representative.pk})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.representative, visit.poa_valid) == (valid_representative, True)
    assert "действительна на дату приёма" in desk.get(_url("visit", visit)).content.decode()


def test_purposes_are_saved(desk, visit, organisation):
    from abonent.organisation.models import Topic

    topic = Topic.objects.get(code="contract")
    response = desk.post(_url("purposes", visit), {"purposes": ["consultation", "contract_service"],
                                                   "topic": topic.pk}, **HTMX)
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert sorted(visit.purpose_codes) == ["consultation", "contract_service"]
    assert visit.topic == topic


DOCUMENT = {"direction": "issued", "doc_type": "payment_document", "title": "Счёт-фактура", "number": "СФ-7",
            "date": "2026-01-31", "copies": "1", "is_original": "1", "receiver_name": "Сидоров А. Ю."}


def test_issuing_a_payment_document_to_an_unidentified_visitor_is_refused_on_screen(desk, visit):
    response = desk.post(_url("document_add", visit), DOCUMENT)
    assert response.status_code == 400
    assert "выдаётся только после идентификации посетителя" in response.content.decode()
    assert not VisitDocument.objects.exists()


def test_a_document_is_added_inline(desk, identified_visit, operator):
    response = desk.post(_url("document_add", identified_visit), DOCUMENT, **HTMX)
    page = response.content.decode()
    document = VisitDocument.objects.get()
    assert response.status_code == 200
    assert "Документ внесён в реестр." in page
    assert "Счёт-фактура" in page and "№ СФ-7 от 31.01.2026" in page
    assert (document.recorded_by, document.receiver_name, document.date) == (
        operator, "Сидоров А. Ю.", datetime.date(2026, 1, 31))


def test_document_form_errors_are_shown(desk, identified_visit):
    response = desk.post(_url("document_add", identified_visit), {**DOCUMENT, "copies": "0"})
    assert response.status_code == 400
    assert "Убедитесь, что это значение больше либо равно 1" in response.content.decode()
    assert not VisitDocument.objects.exists()


def test_registering_an_appeal_shows_its_number_and_the_stamp_button(desk, identified_visit):
    response = desk.post(_url("appeal", identified_visit), {
        "kind": Kind.COMPLAINT, "text": "Не выдают акт сверки третий месяц.", "reply_channel": "email",
        "email": "bakery@example.ru", "phone": "8 913 123-45-67"}, **HTMX)
    page = response.content.decode()
    appeal = Appeal.objects.get()
    assert response.status_code == 200
    assert f"№ {appeal.number}" in page
    assert f"не позднее <b>{timezone.localtime(appeal.due_at):%d.%m.%Y}</b>" in page
    stamp = reverse("appeals:stamp_pdf", args=[appeal.number])
    assert stamp == f"/appeals/{appeal.number}/stamp.pdf"
    assert f'href="{stamp}"' in page
    assert (appeal.channel, appeal.reply_channel, appeal.sender_phone, appeal.kind) == (
        "in_person", "email", "+79131234567", "complaint")
    assert Visit.objects.get().appeal == appeal


def test_appeal_refusal_is_shown_beside_the_form(desk, visit):
    response = desk.post(_url("appeal", visit), {"kind": "complaint", "text": "Жалоба.", "reply_channel": "post"})
    assert response.status_code == 400
    assert "Для ответа по почте укажите почтовый адрес." in response.content.decode()
    assert not Appeal.objects.exists()


def test_apology_and_conflict_are_recorded(desk, visit, mailoutbox, django_capture_on_commit_callbacks):
    assert desk.post(_url("apology", visit), {"text": "Ошибка в счёте за январь."}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(_url("conflict", visit), {"note": "Требует руководителя."}, **HTMX)
    assert "Конфликтная ситуация отмечена, руководитель уведомлён." in response.content.decode()
    visit = Visit.objects.get()
    assert (visit.apology_given, visit.is_conflict, visit.conflict_note) == (
        "Ошибка в счёте за январь.", True, "Требует руководителя.")
    assert len(mailoutbox) == 1


def test_ending_without_an_outcome_is_refused_on_screen(desk, visit):
    response = desk.post(_url("end", visit), {"outcome": ""})
    assert response.status_code == 400
    assert "Опишите итог приёма" in response.content.decode()
    assert Visit.objects.get().is_open


def test_ending_the_visit(desk, visit, operator):
    response = desk.post(_url("end", visit), {"outcome": "Разъяснён порядок оплаты."})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.outcome, visit.ended_by) == ("Разъяснён порядок оплаты.", operator)
    page = desk.get(_url("visit", visit)).content.decode()
    assert "приём завершён" in page
    assert "Завершить приём</button>" not in page


def test_stopping_service_needs_a_reason(desk, visit):
    response = desk.post(_url("stop", visit), {"reason": "", "note": "Шумел."}, **HTMX)
    assert response.status_code == 200
    assert "Укажите основание прекращения обслуживания" in response.content.decode()
    assert Visit.objects.get().is_open
    response = desk.post(_url("stop", visit), {"reason": "intoxication", "note": "Запах алкоголя."})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.ended_by_specialist, visit.end_reason, visit.end_note) == (True, "intoxication", "Запах алкоголя.")
    page = desk.get(_url("visit", visit)).content.decode()
    assert "состояние алкогольного и/или наркотического опьянения" in page


# --- the audit log ---


def test_visit_changes_are_in_the_audit_log(desk, operator, contract):
    desk.post(_url("start"), {"visitor_name": "Петров Пётр"})
    visit = Visit.objects.get()
    desk.post(_url("identify", visit), {"method": "contract_number", "contract_number": "7788-Э"})
    desk.post(_url("document_add", visit), DOCUMENT)
    entries = LogEntry.objects.get_for_object(visit).order_by("timestamp", "pk")
    assert [(e.action, e.actor) for e in entries] == [(LogEntry.Action.CREATE, operator),
                                                      (LogEntry.Action.UPDATE, operator)]
    assert entries[1].changes_dict["identification"] == ["none", "contract_number"]
    document = VisitDocument.objects.get()
    created = LogEntry.objects.get_for_object(document).get()
    assert (created.action, created.actor, created.remote_addr) == (LogEntry.Action.CREATE, operator, "127.0.0.1")
    purpose = VisitPurpose.objects.get()
    assert LogEntry.objects.get_for_object(purpose).get().action == LogEntry.Action.CREATE


def test_the_home_page_shows_visitors_being_served(desk, visit):
    page = desk.get(reverse("core:home")).content.decode()
    assert f'href="{_url("log")}"><b>1</b> посетителей на приёме сейчас' in page


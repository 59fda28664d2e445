import pytest
import time_machine
from django.urls import reverse

from abonent.channels.phone import services
from abonent.channels.phone.models import Call, PbxEvent, PbxToken
from abonent.channels.phone.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_unknown_token_is_refused(client, token):
    response = client.post(reverse("phone:pbx_event", args=["pbx_wrong"]),
                           data={"event": "newCall", "callId": "x", "direction": "in", "from": "+79130000000"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Токен АТС недействителен: неизвестен или отозван."}
    assert not PbxEvent.objects.exists()


def test_revoked_token_is_refused(client, token):
    services.revoke_pbx_token(PbxToken.objects.get())
    response = client.get(reverse("phone:pbx_open", args=[token]))
    assert response.status_code == 403


def test_token_is_stored_only_as_a_hash(token):
    stored = PbxToken.objects.get()
    assert token not in (stored.key_hash, stored.prefix)
    assert stored.prefix == token[:8]


@pytest.mark.parametrize(("fields", "detail"), [
    ({}, "Не указано событие (поле «event»)."),
    ({"event": "dial", "callId": "1"}, "Неизвестное событие «dial»: допустимы newCall, ringing, queue, answer, "
                                       "transfer, ivr, hangup."),
    ({"event": "answer"}, "Не указан идентификатор звонка (поле «callId»)."),
    ({"event": "newCall", "callId": "1", "from": "+79130000000"},
     "Для newCall нужно направление (поле «direction»: in или out)."),
    ({"event": "newCall", "callId": "1", "direction": "sideways", "from": "1"},
     "Поле «direction»: «sideways» — допустимо in или out."),
    ({"event": "hangup", "callId": "1", "cause": "boredom"}, "Поле «cause»: неизвестная причина «boredom»."),
    ({"event": "hangup", "callId": "1", "time": "вчера"},
     "Поле «time»: «вчера» — не дата ISO 8601 и не число секунд Unix."),
    ({"event": "ivr", "callId": "1"}, "Для события ivr нужны введённые цифры (поле «digits»)."),
    ({"event": "transfer", "callId": "1"}, "Для события transfer нужно, куда переведён звонок (поле «target»)."),
    ({"event": "answer", "callId": "x" * 101}, "Поле «callId» длиннее 100 символов."),
])
def test_malformed_payload_is_refused_with_the_reason(client, token, fields, detail):
    response = client.post(reverse("phone:pbx_event", args=[token]), data=fields)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert not PbxEvent.objects.exists() and not Call.objects.exists()


def test_broken_json_is_refused(client, token):
    url = reverse("phone:pbx_event", args=[token])
    response = client.post(url, data="{not json", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "Тело запроса — не JSON."})
    response = client.post(url, data="[1, 2]", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "Ожидается объект JSON."})
    response = client.post(url, data='{"event": "answer", "callId": "1", "user": [{"a": 1}]}',
                           content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "Поле «user» должно быть строкой или "
                                                                       "списком строк."})


def test_unix_time_is_accepted(pbx):
    pbx(event="answer", call_id="u1", time=str(int(at(10).timestamp())))
    assert Call.objects.get().answered_at == at(10)


def test_get_is_not_an_event(client, token):
    assert client.get(reverse("phone:pbx_event", args=[token])).status_code == 405


def test_line_is_open_in_working_hours(client, token, organisation):
    with time_machine.travel(at(10), tick=False):
        response = client.get(reverse("phone:pbx_open", args=[token]))
    assert response.json() == {"open": True, "message": f"Здравствуйте! Вы позвонили в {organisation.short_name}. "
                                                        "Разговор записывается."}


def test_line_is_closed_on_friday_evening_with_the_hours_in_the_message(client, token, organisation):
    with time_machine.travel(at(16, 30, day=at(10).date().replace(day=13)), tick=False):
        response = client.get(reverse("phone:pbx_open", args=[token]))
    site = f" или на сайте {organisation.site}" if organisation.site else ""
    assert response.json() == {"open": False, "message": (
        f"Здравствуйте! Вы позвонили в {organisation.short_name}. Сейчас закрыто, откроется 16.03 в 08:00. "
        "Звонки принимаются пн–чт с 08:00 до 17:00, пт с 08:00 до 16:00, кроме выходных и праздничных дней. "
        f"Обращение можно направить письменно{site}.")}

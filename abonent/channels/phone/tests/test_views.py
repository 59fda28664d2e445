import pytest
from django.urls import reverse

from abonent.appeals.models import Appeal
from abonent.channels.phone.models import Call, CallBack
from abonent.channels.phone.tests import scenarios
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_call(pbx, agent):
    """A call ringing at agent's extension 101 now (no times: the moment of receipt)."""
    BillingAccountFactory(number="9900112233", contract=ContractFactory(number="7788-Э"))
    pbx(event="newCall", call_id="live-1", direction="in", from_="+73852200000", to="+73852501240")
    pbx(event="ringing", call_id="live-1", user=["101"])
    return Call.objects.get(call_id="live-1")


def test_live_panel_shows_the_ringing_call_and_the_customer(client, agent, live_call):
    client.force_login(agent)
    page = client.get(reverse("phone:my_calls")).content.decode()
    assert 'hx-trigger="every 2s"' in page
    panel = client.get(reverse("phone:live"), headers={"HX-Request": "true"}).content.decode()
    assert "Входящий вызов: 8 (3852) 20-00-00" in panel
    assert live_call.customer.name in panel and "№ 7788-Э" in panel and "9900112233" in panel
    assert reverse("phone:call", args=[live_call.pk]) + "#appeal" in panel


def test_panel_is_empty_without_a_call(client, agent):
    client.force_login(agent)
    assert "Сейчас звонков нет." in client.get(reverse("phone:live")).content.decode()


def test_executor_cannot_open_the_operator_screen(client, executor):
    client.force_login(executor)
    assert client.get(reverse("phone:my_calls")).status_code == 403


def test_operator_cannot_open_the_board_but_the_head_can(client, agent, supervisor, pbx):
    scenarios.replay(pbx, scenarios.answered())
    client.force_login(agent)
    assert client.get(reverse("phone:board")).status_code == 403
    client.force_login(supervisor)
    response = client.get(reverse("phone:board"))
    assert response.status_code == 200
    assert 'hx-get="/callcentre/board/live/"' in response.content.decode()
    assert client.get(reverse("phone:board_live")).status_code == 200


def test_operator_sees_only_own_calls_the_head_all(client, agent, agent2, supervisor, pbx):
    scenarios.replay(pbx, scenarios.answered())
    call = Call.objects.get()
    client.force_login(agent2)
    assert client.get(reverse("phone:call", args=[call.pk])).status_code == 404
    client.force_login(supervisor)
    assert client.get(reverse("phone:call", args=[call.pk])).status_code == 200


def test_settlements_are_hidden_until_identification(client, agent, live_call):
    client.force_login(agent)
    url = reverse("phone:call", args=[live_call.pk])
    assert "<h3>Расчёты</h3>" not in client.get(url).content.decode()
    response = client.post(reverse("phone:identify", args=[live_call.pk]), data={
        "method": "contract_number", "caller_name": "Иванов", "number": "0000", "customer": live_call.customer.pk})
    assert response.status_code == 400
    assert "Договор № 0000 не найден." in response.content.decode()
    response = client.post(reverse("phone:identify", args=[live_call.pk]), data={
        "method": "contract_number", "caller_name": "Иванов", "number": "7788-Э", "customer": live_call.customer.pk})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<h3>Расчёты</h3>" in page and "ещё не загружены" in page


def test_complaint_from_the_call_card_shows_the_script(client, agent, live_call):
    client.force_login(agent)
    response = client.post(reverse("phone:appeal", args=[live_call.pk]), data={
        "kind": "complaint", "text": "Не отвечает диспетчер.", "reply_channel": "email", "email": "a@example.ru",
        "sequence": "1"})
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"Ваша жалоба зарегистрирована под номером {appeal.number}" in page
    assert appeal.source_key == "phone:live-1:1"


def test_callback_done_from_the_operator_screen(client, agent, pbx):
    scenarios.replay(pbx, scenarios.abandoned())
    callback = CallBack.objects.get()
    client.force_login(agent)
    assert "8 (913) 123-45-67" in client.get(reverse("phone:my_calls")).content.decode()
    client.post(reverse("phone:callback_done", args=[callback.pk]), data={"result": "Перезвонили"})
    callback.refresh_from_db()
    assert callback.status == CallBack.Status.DONE


def test_call_log_for_a_day(client, supervisor, pbx, agent):
    scenarios.replay(pbx, scenarios.answered())
    client.force_login(supervisor)
    page = client.get(reverse("phone:log") + "?day=2026-03-11").content.decode()
    assert "10:00:00" in page and "принят" in page

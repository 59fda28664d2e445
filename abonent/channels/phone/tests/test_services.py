import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from abonent.appeals.models import Appeal, Kind
from abonent.channels.phone import services
from abonent.channels.phone.models import Call, CallBack, CallIdentification
from abonent.channels.phone.tests import scenarios
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db
ID = CallIdentification.Method


@pytest.fixture
def account(db):
    return BillingAccountFactory(number="9900112233", contract=ContractFactory(number="7788-Э"))


@pytest.fixture
def call(pbx, agent, account):
    scenarios.replay(pbx, scenarios.answered())
    return Call.objects.get()


def test_identification_by_account_number_reveals_and_is_audited(call, agent, account):
    customer = account.contract.customer
    assert call.customer == customer
    assert not services.is_identified(call, customer)
    identification = services.identify_caller(call=call, identified_by=agent, method=ID.ACCOUNT_NUMBER,
                                              caller_name="Иванов Пётр, бухгалтер", number="9900112233",
                                              customer=customer)
    assert (identification.customer, identification.number_given, identification.is_successful) == (
        customer, "9900112233", True)
    assert services.is_identified(call, customer)
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.object_pk, entry.additional_data) == (str(customer.pk), {
        "viewed": "расчёты клиента по телефону (звонок c-answered, идентификация: номер лицевого счёта)"})


def test_number_of_another_customer_is_refused(call, agent, account):
    other = ContractFactory(number="1-ДРУГОЙ")
    with pytest.raises(services.PhoneError, match="не принадлежит клиенту"):
        services.identify_caller(call=call, identified_by=agent, method=ID.CONTRACT_NUMBER, caller_name="Иванов",
                                 number=other.number, customer=account.contract.customer)
    assert not CallIdentification.objects.exists() and not LogEntry.objects.filter(action=LogEntry.Action.ACCESS)


def test_caller_must_name_themselves(call, agent, account):
    with pytest.raises(services.PhoneError, match="как представился"):
        services.identify_caller(call=call, identified_by=agent, method=ID.CONTRACT_NUMBER, number="7788-Э")
    assert not CallIdentification.objects.exists()


def test_expired_power_of_attorney_is_refused(call, agent, account):
    today = timezone.localdate()
    expired = RepresentativeFactory(customer=account.contract.customer, poa_number="3/Д",
                                    poa_issued_on=today - dt.timedelta(days=400),
                                    poa_valid_until=today - dt.timedelta(days=1))
    with pytest.raises(services.PhoneError, match="Доверенность № 3/Д недействительна"):
        services.identify_caller(call=call, identified_by=agent, method=ID.POWER_OF_ATTORNEY, caller_name="Кузнецов",
                                 representative=expired, customer=account.contract.customer)
    assert not CallIdentification.objects.exists()


def test_valid_power_of_attorney_identifies(call, agent, account):
    today = timezone.localdate()
    valid = RepresentativeFactory(customer=account.contract.customer, poa_number="12/Д",
                                  poa_issued_on=today - dt.timedelta(days=3), poa_valid_until=today)
    services.identify_caller(call=call, identified_by=agent, method=ID.POWER_OF_ATTORNEY, caller_name="Сидоров",
                             representative=valid, customer=account.contract.customer)
    assert services.is_identified(call, account.contract.customer)


def test_refusal_is_recorded_and_reveals_nothing(call, agent, account):
    services.identify_caller(call=call, identified_by=agent, method=ID.REFUSED, caller_name="не назвался")
    assert CallIdentification.objects.get().method == ID.REFUSED
    assert not services.is_identified(call, account.contract.customer)
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_complaint_from_a_call_is_registered_once_and_the_script_names_the_term(call, agent, account):
    kwargs = {"call": call, "registered_by": agent, "kind": Kind.COMPLAINT, "reply_channel": "email",
              "text": "Оператор нагрубил при прошлом звонке.", "sequence": 1, "email": "buh@example.ru",
              "sender_name": "Иванов Пётр"}
    first = services.register_call_appeal(**kwargs)
    again = services.register_call_appeal(**kwargs)
    assert (first.created, again.created, again.appeal) == (True, False, first.appeal)
    appeal = first.appeal
    assert (appeal.channel, appeal.customer, appeal.sender_phone, appeal.source_key, appeal.received_at) == (
        "phone", account.contract.customer, "+73852200000", "phone:c-answered:1", call.answered_at)
    call.refresh_from_db()
    assert call.appeal == appeal
    due = timezone.localtime(appeal.due_at)
    assert services.complaint_script(appeal) == (
        f"Ваша жалоба зарегистрирована под номером {appeal.number}. Срок её рассмотрения — 30 календарных дней, "
        f"не позднее {due:%d.%m.%Y}. О результатах рассмотрения мы сообщим вам письменно по электронной почте "
        "на адрес buh@example.ru.")


def test_appeal_needs_an_address_for_the_written_reply(call, agent):
    with pytest.raises(services.PhoneError, match="нужен почтовый адрес"):
        services.register_call_appeal(call=call, registered_by=agent, kind=Kind.QUESTION, reply_channel="post",
                                      text="Вопрос", sequence=1)
    assert not Appeal.objects.exists()


def test_operator_ends_an_abusive_call(call, agent):
    services.end_call_for_abuse(call=call, ended_by=agent, note="нецензурная брань")
    call.refresh_from_db()
    assert (call.outcome, call.abuse_note, call.ended_for_abuse) == (Call.Outcome.ABUSE, "нецензурная брань", True)


def test_only_the_operator_of_the_call_may_end_it(call, agent2):
    with pytest.raises(services.PhoneError, match="только оператор"):
        services.end_call_for_abuse(call=call, ended_by=agent2, note="угрозы")
    call.refresh_from_db()
    assert call.outcome == Call.Outcome.ANSWERED


def test_recording_warning_by_the_operator(call, agent):
    services.mark_recording_warning(call=call, marked_by=agent)
    call.refresh_from_db()
    assert call.recording_warning_given is True


def test_callback_is_completed_once(pbx, agent):
    scenarios.replay(pbx, scenarios.abandoned())
    callback = CallBack.objects.get()
    with pytest.raises(services.PhoneError, match="Запишите результат"):
        services.complete_callback(callback=callback, done_by=agent, result=" ")
    services.complete_callback(callback=callback, done_by=agent, result="Дозвонились, вопрос решён.")
    callback.refresh_from_db()
    assert (callback.status, callback.done_by, callback.result) == (
        CallBack.Status.DONE, agent, "Дозвонились, вопрос решён.")
    with pytest.raises(services.PhoneError, match="уже закрыта"):
        services.complete_callback(callback=callback, done_by=agent, result="ещё раз")

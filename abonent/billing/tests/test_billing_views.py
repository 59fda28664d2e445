"""Staff screens: the import page and batches (import permission only), the billing panel of the customer card
and the call card (confidential-data permission; each view of an account's figures on record)."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abonent.billing.models import Balance, Charge, ImportBatch, Meter, MeterReading, Payment
from abonent.billing.payments.models import OnlinePayment
from abonent.billing.tests.importing_support import ACCOUNT, csv_file
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.users.models import User

pytestmark = pytest.mark.django_db
HEADER = "external_id;account;period;amount"


def grant(user, codename: str = "import_billing_data"):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def importer(operator):
    return grant(operator)


@pytest.fixture
def account(db):
    return BillingAccountFactory(number=ACCOUNT, object_name="Склад")


def upload(client, content: bytes, name: str = "charges.csv", **data):
    return client.post(reverse("billing:imports"), {"file": SimpleUploadedFile(name, content), **data})


def test_only_staff_with_the_import_permission_open_the_page(client, executor, importer):
    client.force_login(executor)
    assert client.get(reverse("billing:imports")).status_code == 403
    client.force_login(importer)
    response = client.get(reverse("billing:imports"))
    assert response.status_code == 200 and "Загрузка данных из биллинга" in response.content.decode()


def test_anonymous_goes_to_login(client, db):
    response = client.get(reverse("billing:imports"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_supervisor_without_the_permission_is_refused(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("billing:imports")).status_code == 403
    assert client.post(reverse("billing:imports"), {}).status_code == 403


def test_upload_applies_and_shows_the_batch(client, importer, account):
    client.force_login(importer)
    response = upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing:batch", args=[batch.pk])
    assert batch.imported_by == importer and Charge.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Файл «charges.csv» загружен (начисления), 1 запись: добавлено 1, изменено 0, без изменений 0." in page
    assert "добавлено 1, изменено 0, без изменений 0" in page
    listing = client.get(reverse("billing:imports")).content.decode()
    assert "charges.csv" in listing and "загружен" in listing


def test_a_rejected_upload_shows_its_errors_with_lines(client, importer, account):
    client.force_login(importer)
    response = upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;сто", "C-2;1;01.2026;1"))
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and not Charge.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "отклонён: 2 ошибки. Ничего не загружено." in page
    assert "Строка 3, столбец «amount»: «сто» — не число" in page
    assert "Строка 4, столбец «account»: лицевой счёт 1 не найден." in page


def test_dry_run_shows_the_result_without_a_batch(client, importer, account):
    client.force_login(importer)
    response = upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100"), dry_run="on")
    assert response.status_code == 200
    assert "без загрузки: ошибок нет; 1 запись: добавлено 1" in response.content.decode()
    response = upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;x"), dry_run="on")
    assert response.status_code == 422 and "Строка 3, столбец «amount»" in response.content.decode()
    assert not ImportBatch.objects.exists() and not Charge.objects.exists()


def test_upload_without_a_file(client, importer):
    client.force_login(importer)
    response = client.post(reverse("billing:imports"), {})
    assert response.status_code == 400 and "Выберите файл выгрузки." in response.content.decode()


def test_batch_page_needs_the_permission(client, importer, executor, account):
    client.force_login(importer)
    upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100"))
    client.force_login(executor)
    assert client.get(reverse("billing:batch", args=[ImportBatch.objects.get().pk])).status_code == 403


def test_home_tile_counts_rejected_files(client, importer, account):
    client.force_login(importer)
    upload(client, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;x"))
    page = client.get(reverse("core:home")).content.decode()
    assert "файлов биллинга отклонено за неделю" in page


# --- the billing panel of the staff cards ---


@pytest.fixture
def billing_data(account):
    Balance.objects.create(account=account, as_of=dt.date(2026, 11, 1), amount=Decimal("12345.67"),
                           overdue=Decimal("345.67"))
    Balance.objects.create(account=account, as_of=dt.date(2026, 10, 1), amount=Decimal("-5"))
    for month in range(1, 9):
        Charge.objects.create(account=account, external_id=f"C-{month}", period=dt.date(2026, month, 1),
                              amount=Decimal(1000 + month))
    Payment.objects.create(account=account, external_id="P-1", paid_on=dt.date(2026, 10, 10), amount=Decimal("700"),
                           document_number="555")
    return account


def test_customer_card_shows_the_latest_balance_charges_and_payments_and_records_the_view(
        client, operator, billing_data):
    client.force_login(operator)  # the reception specialist may see confidential data
    customer = billing_data.contract.customer

    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    assert "Лицевой счёт 2200010000 — Склад" in page
    assert "Сальдо на 01.11.2026:" in page and "долг 12\u00a0345,67\u00a0₽" in page
    assert "просрочено <b class=\"billing-debt\">345,67\u00a0₽" in page
    assert "08.2026" in page and "03.2026" in page and "02.2026" not in page  # the last six charges
    assert "платёжное поручение № 555" in page and "700,00\u00a0₽" in page
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(billing_data.pk),
                                content_type__model="billingaccount").get()
    assert entry.additional_data == {"viewed": "расчёты: сальдо, начисления и платежи из биллинга"}
    assert entry.content_type.model == "billingaccount"


def test_advance_is_shown_as_such(client, operator, account):
    Balance.objects.create(account=account, as_of=dt.date(2026, 11, 1), amount=Decimal("-250.5"))
    client.force_login(operator)
    page = client.get(reverse("customers:detail", args=[account.contract.customer.pk])).content.decode()
    assert "аванс (переплата) 250,50\u00a0₽" in page


def test_staff_without_the_confidential_permission_see_no_figures_and_leave_no_record(
        client, executor, billing_data):
    client.force_login(executor)
    page = client.get(reverse("customers:detail", args=[billing_data.contract.customer.pk])).content.decode()
    assert "<h2>Расчёты</h2>" in page and "12\u00a0345,67" not in page
    assert "видны сотрудникам с правом на конфиденциальные данные" in page
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(billing_data.pk),
                                content_type__model="billingaccount").exists()


def test_customer_without_billing_data(client, operator, account):
    client.force_login(operator)
    page = client.get(reverse("customers:detail", args=[account.contract.customer.pk])).content.decode()
    assert "ещё не загружены из биллинга" in page


def test_panel_queries_do_not_grow_with_rows(client, operator, billing_data, django_assert_max_num_queries):
    client.force_login(operator)
    with django_assert_max_num_queries(40):
        client.get(reverse("customers:detail", args=[billing_data.contract.customer.pk]))


def test_call_card_shows_the_figures_once_the_caller_is_identified(client, operator, billing_data):
    from abonent.channels.phone.models import Call, CallIdentification

    customer = billing_data.contract.customer
    call = Call.objects.create(call_id="billing-1", from_number="+73852200000", operator=operator, customer=customer)
    client.force_login(operator)
    url = reverse("phone:call", args=[call.pk])
    assert "<h3>Расчёты</h3>" not in client.get(url).content.decode()

    CallIdentification.objects.create(call=call, customer=customer, method="contract_number", caller_name="Иванов",
                                      number_given=billing_data.contract.number, identified_by=operator)
    page = client.get(url).content.decode()

    assert "<h3>Расчёты</h3>" in page and "долг 12\u00a0345,67\u00a0₽" in page
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(billing_data.pk),
                                   content_type__model="billingaccount").count() == 1


# --- admin ---


@pytest.mark.parametrize("model", ["importbatch", "balance", "charge", "financialdocument", "payment", "meter",
                                   "meterreading", "readinggroup"])
def test_admin_lists_every_billing_model(admin_client, billing_data, model):
    assert admin_client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200


@pytest.mark.parametrize(("model", "make"), [
    ("balance", lambda a: Balance.objects.filter(account=a).first()),
    ("charge", lambda a: Charge.objects.filter(account=a).first()),
    ("payment", lambda a: Payment.objects.get(account=a)),
    ("meterreading", lambda a: MeterReading.objects.create(
        meter=Meter.objects.create(account=a, external_id="M-1", serial_number="0001"), period=dt.date(2026, 10, 1),
        taken_on=dt.date(2026, 11, 1), value=Decimal("100"))),
    ("onlinepayment", lambda a: OnlinePayment.objects.create(
        uuid=uuid.uuid4(), account=a, amount=Decimal("10.00"), description="Оплата", idempotency_key="k" * 32,
        return_url="http://testserver/", started_by=User.objects.create_user(username="payer", kind="customer"))),
])
def test_money_and_readings_seen_in_the_admin_are_on_record(admin_client, admin_user, billing_data, model, make):
    obj = make(billing_data)
    app = "payments" if model == "onlinepayment" else "billing"
    other = BillingAccountFactory()
    Balance.objects.create(account=other, as_of=dt.date(2026, 11, 1), amount=Decimal("1"))

    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200

    seen = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(billing_data.pk),
                                   content_type__model="billingaccount").order_by("pk")
    assert [e.actor for e in seen] == [admin_user, admin_user]
    listing, record = (e.additional_data["viewed"] for e in seen)
    assert listing.startswith("администрирование: ") and record.startswith(listing + ", запись «")


def test_import_batches_in_the_admin_leave_no_access_entries(admin_client, billing_data):
    batch = ImportBatch.objects.create(file_name="f.csv", sha256="0" * 64, kind="charges", format="csv",
                                       format_version="1", status=ImportBatch.Status.APPLIED)
    assert admin_client.get(reverse("admin:billing_importbatch_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:billing_importbatch_change", args=[batch.pk])).status_code == 200
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_imported_data_is_read_only_in_the_admin_reading_groups_are_editable(admin_client, billing_data):
    charge = Charge.objects.first()
    assert admin_client.get(reverse("admin:billing_charge_add")).status_code == 403
    response = admin_client.post(reverse("admin:billing_charge_change", args=[charge.pk]), {"amount": "1"})
    assert response.status_code == 403
    assert Charge.objects.get(pk=charge.pk).amount == charge.amount
    assert admin_client.get(reverse("admin:billing_readinggroup_add")).status_code == 200

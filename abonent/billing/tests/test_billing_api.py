"""POST /api/billing/imports: token auth, the import permission, 201 / 200 / 422 with the row errors."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from abonent.api.auth import issue_token
from abonent.billing.models import Charge, ImportBatch
from abonent.billing.tests.importing_support import ACCOUNT, PDF, accounts, csv_file, zip_package  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accounts")]
URL = "/api/billing/imports"
HEADER = "external_id;account;period;amount"
GOOD = csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100", f"C-2;{ACCOUNT};02.2026;200")


def post(token: str | None, content: bytes, name: str = "charges.csv", **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(URL, {"file": SimpleUploadedFile(name, content), **data}, headers=headers)


@pytest.fixture
def token(operator):
    operator.user_permissions.add(Permission.objects.get(codename="import_billing_data"))
    return issue_token(operator, "Биллинг")


def test_upload_applies_then_the_same_file_is_200(token, operator):
    response = post(token, GOOD)

    assert response.status_code == 201, response.content
    body = response.json()
    batch = ImportBatch.objects.get()
    assert body == {
        "outcome": "applied", "summary": "Файл «charges.csv» загружен (начисления), 2 записи: добавлено 2, изменено 0, "
                                         "без изменений 0.",
        "batch_id": batch.pk, "file_name": "charges.csv", "kind": "charges", "format": "csv", "format_version": "1",
        "rows_total": 2, "rows_created": 2, "rows_updated": 0, "rows_unchanged": 0,
    }
    assert batch.imported_by == operator

    again = post(token, GOOD, "again.csv")
    assert again.status_code == 200 and again.json()["outcome"] == "already_imported"
    assert again.json()["batch_id"] == batch.pk and Charge.objects.count() == 2


def test_a_bad_file_is_422_with_the_row_errors_and_nothing_written(token):
    response = post(token, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;сто", "C-2;1;01.2026;1"))

    assert response.status_code == 422
    body = response.json()
    batch = ImportBatch.objects.get()
    assert body["summary"] == "Файл «charges.csv» отклонён: 2 ошибки. Ничего не загружено."
    assert body["batch_id"] == batch.pk and body["errors_total"] == 2
    assert body["detail"][0] == {
        "type": "import_row", "loc": ["file", 3, "amount"],
        "msg": "Строка 3, столбец «amount»: «сто» — не число; дробную часть отделяйте запятой или точкой, например "
               "1234,56.",
        "ctx": {"line": 3, "unit": "строка", "column": "amount",
                "message": "«сто» — не число; дробную часть отделяйте запятой или точкой, например 1234,56."},
    }
    assert body["detail"][1]["loc"] == ["file", 4, "account"]
    assert not Charge.objects.exists()


def test_file_level_refusal_is_422_too(token):
    response = post(token, b"\x00\xff garbage")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["file"]
    assert response.json()["detail"][0]["type"] == "import_file"


def test_kind_and_dry_run_fields(token):
    content = f"#format_version=1\n{HEADER}\nC-1;{ACCOUNT};01.2026;100\n".encode()
    response = post(token, content, kind="charges", dry_run="true")
    assert response.status_code == 200 and response.json()["outcome"] == "dry_run"
    assert response.json()["batch_id"] is None and not Charge.objects.exists()
    assert post(token, content, kind="tariffs").status_code == 422


def test_zip_package_through_the_api(token):
    manifest = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;pdf",
                        f"D-1;{ACCOUNT};act;1;31.01.2026;01.2026;10;a.pdf")
    response = post(token, zip_package("manifest.csv", manifest, {"a.pdf": PDF}), "docs.zip")
    assert response.status_code == 201 and response.json()["format"] == "zip"


def test_without_a_token_401(db):
    response = post(None, GOOD)
    assert response.status_code == 401 and "Нужен токен доступа" in response.json()["detail"]


def test_without_the_permission_403(supervisor):
    response = post(issue_token(supervisor, "Нет права"), GOOD)
    assert response.status_code == 403
    assert response.json() == {"detail": "Недостаточно прав для этого действия.", "field": None}
    assert not ImportBatch.objects.exists()


def test_the_operation_declares_its_responses(client):
    schema = json.loads(client.get("/api/openapi.json").content)
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "403", "422", "429"}
    assert operation["tags"] == ["Расчёты"] and operation["security"] == [{"TokenAuth": []}]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/ImportRejected")
    assert "multipart/form-data" in operation["requestBody"]["content"]


@pytest.mark.django_db
@pytest.mark.parametrize("files", [{}, {"file": SimpleUploadedFile("пусто.csv", b"")}])
def test_a_missing_or_empty_file_is_400_in_russian(token, files):
    response = Client().post(URL, {"kind": "charges", **files}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Файл не приложен или пуст: приложите выгрузку биллинга в поле file.",
                               "field": "file"}

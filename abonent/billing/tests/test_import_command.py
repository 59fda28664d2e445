"""manage.py import_billing: a Russian summary, --dry-run, and a non-zero exit with the error list."""

import pytest
from django.core.management import CommandError, call_command

from abonent.billing.models import Charge
from abonent.billing.tests.importing_support import ACCOUNT, accounts, csv_file  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accounts")]
HEADER = "external_id;account;period;amount"


def write(tmp_path, content: bytes, name: str = "charges.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_import_prints_a_summary(tmp_path, capsys):
    path = write(tmp_path, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100", f"C-2;{ACCOUNT};02.2026;100"))

    call_command("import_billing", path)

    assert capsys.readouterr().out.strip() == ("Файл «charges.csv» загружен (начисления), 2 записи: добавлено 2, "
                                               "изменено 0, без изменений 0.")
    call_command("import_billing", path)
    assert "уже загружен" in capsys.readouterr().out
    assert Charge.objects.count() == 2


def test_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import_billing", write(tmp_path, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;100")),
                 "--dry-run")
    assert "без загрузки: ошибок нет" in capsys.readouterr().out
    assert not Charge.objects.exists()


def test_kind_option(tmp_path, capsys):
    content = f"#format_version=1\n{HEADER}\nC-1;{ACCOUNT};01.2026;100\n".encode()
    call_command("import_billing", write(tmp_path, content), "--kind", "charges")
    assert Charge.objects.count() == 1


def test_a_bad_file_exits_non_zero_with_the_errors(tmp_path, capsys):
    path = write(tmp_path, csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;сто", "C-2;1;01.2026;1"))

    with pytest.raises(CommandError) as error:
        call_command("import_billing", path)

    assert str(error.value) == "Файл «charges.csv» отклонён: 2 ошибки. Ничего не загружено."
    assert capsys.readouterr().err.splitlines() == [
        "Строка 3, столбец «amount»: «сто» — не число; дробную часть отделяйте запятой или точкой, например 1234,56.",
        "Строка 4, столбец «account»: лицевой счёт 1 не найден.",
    ]
    assert not Charge.objects.exists()


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="не прочитан"):
        call_command("import_billing", str(tmp_path / "nope.csv"))

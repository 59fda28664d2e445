from django import forms

from abonent.billing.importing import KIND_LABELS

MAX_UPLOAD = 200 * 1024**2


class ImportForm(forms.Form):
    file = forms.FileField(label="Файл выгрузки (CSV, JSON или ZIP-пакет документов)",
                           error_messages={"required": "Выберите файл выгрузки.",
                                           "empty": "Файл пуст.", "invalid": "Это не файл."})
    kind = forms.ChoiceField(label="Вид данных", required=False,
                             choices=[("", "как указано в файле"), *KIND_LABELS.items()])
    dry_run = forms.BooleanField(label="Только проверить, ничего не загружать", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Файл больше 200 МБ: загрузите его командой manage.py import_billing.")
        return upload
